/**
 * Plan and audit for Kubernetes: per (context, namespace), reads the pull secret, its namespace when
 * the secret is missing, and the service accounts to link, with GETs only. What apply would do is
 * decided from those reads by the same rules apply uses (desiredSecret, upToDate, isManaged).
 */
import type * as k8s from '@kubernetes/client-node';
import type { DesiredAt } from '../../credentials/minted.js';
import { maskDeployed } from '../../credentials/parse.js';
import { errorMessage } from '../../errors.js';
import { documentChanges } from '../../modes/classify.js';
import type { Observation } from '../types.js';
import {
  codeOf,
  desiredSecret,
  forEachNamespace,
  isManaged,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  read,
  TYPES,
  upToDate,
  type Call,
  type KubeJob,
  type KubeOptions,
  type Session,
} from './apply.js';

/** The docker config a pull secret holds, decoded (either key, whatever the type). */
function storedDocument(secret: k8s.V1Secret): string | undefined {
  const data = secret.data ?? {};
  const encoded = data[TYPES.dockerconfigjson.key] ?? data[TYPES.dockercfg.key];
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
}

/** Service accounts apply would link (present) and whether each exists. */
async function accountLinks(
  s: Session,
  job: KubeJob,
  namespace: string,
): Promise<{ missing: string[]; unlinked: string[] }> {
  const at: Call = { context: s.context, verb: 'get', resource: 'serviceaccounts', namespace };
  const missing: string[] = [];
  const unlinked: string[] = [];
  for (const account of job.serviceAccounts) {
    const sa = await read(s.options, at, () =>
      s.api.readNamespacedServiceAccount({ name: account, namespace }),
    );
    if (!sa) missing.push(account);
    else if (!(sa.imagePullSecrets ?? []).some((r) => r.name === job.secretName)) unlinked.push(account);
  }
  return { missing, unlinked };
}

/** Whether the namespace exists; undefined when the credentials may not read namespaces. */
async function namespaceExists(s: Session, namespace: string): Promise<boolean | undefined> {
  try {
    const ns = await read(s.options, { context: s.context, verb: 'get', resource: 'namespaces' }, () =>
      s.api.readNamespace({ name: namespace }),
    );
    return ns !== undefined;
  } catch (error) {
    if (codeOf(error) === 403) return undefined;
    throw error;
  }
}

async function observeOne(
  s: Session,
  job: KubeJob,
  namespace: string,
  desired: DesiredAt | undefined,
): Promise<Observation> {
  const subject = `${s.context}/${namespace}`;
  const name = job.secretName;
  const secret = await read(
    s.options,
    { context: s.context, verb: 'get', resource: 'secrets', namespace },
    () => s.api.readNamespacedSecret({ name, namespace }),
  );
  const stored = secret ? storedDocument(secret) : undefined;
  // The deployed credentials are masked before anything else reads them.
  if (stored !== undefined) maskDeployed(stored);

  if (!secret) {
    if (desired === undefined) return { subject, found: 'absent', message: `secret ${name} not present` };
    const exists = await namespaceExists(s, namespace);
    const keys = desired(undefined).credentials.map((c) => c.address.key);
    const changes = [
      ...(exists === false ? [`+ namespace ${namespace}`] : []),
      `+ secret ${name} (${TYPES[job.secretType].type}) with ${keys.join(', ')}`,
      ...job.serviceAccounts.map((a) => `+ link from serviceaccount ${a}`),
    ];
    if (exists === false && !job.createNamespace) {
      return {
        subject,
        found: 'absent',
        refusal: `namespace ${namespace} does not exist (create it, or set kubernetes-create-namespace: true)`,
        message: `namespace ${namespace} does not exist`,
        changes,
      };
    }
    // A namespace made by apply gets its `default` account shortly after; apply waits for it.
    const { missing } = exists === false ? { missing: [] } : await accountLinks(s, job, namespace);
    return {
      subject,
      found: 'absent',
      ...(missing.length > 0
        ? { refusal: missing.map((a) => `serviceaccount ${a} not found`).join('; ') }
        : {}),
      message: `secret ${name} not present${exists === undefined ? ' (namespace not readable: assumed to exist)' : ''}`,
      changes,
    };
  }

  const managed = isManaged(secret);
  const base: Observation = {
    subject,
    found: 'present',
    managed,
    ...(stored !== undefined ? { document: stored } : {}),
    message: `secret ${name} (${secret.type ?? 'Opaque'})${managed ? '' : ` without the ${MANAGED_BY_LABEL}=${MANAGED_BY} label`}`,
  };
  if (desired === undefined) {
    return managed
      ? base
      : { ...base, kept: `secret ${name} is not managed by pull-credentials; left in place` };
  }
  const want = desired(stored);
  const wanted = desiredSecret(job, want.document);
  const { missing, unlinked } = await accountLinks(s, job, namespace);
  const same = upToDate(secret, wanted);
  const changes = [
    ...(same
      ? []
      : stored === undefined
        ? ['the secret holds no docker config: replaced']
        : documentChanges(stored, want.credentials)),
    ...unlinked.map((a) => `+ link from serviceaccount ${a}`),
  ];
  if (!same && changes.length === unlinked.length) changes.unshift('labels or annotations changed');
  const refusals: string[] = [];
  if (!managed && !job.force) {
    refusals.push(
      `secret ${name} exists in namespace ${namespace} and is not managed by pull-credentials (no ${MANAGED_BY_LABEL}=${MANAGED_BY} label); set kubernetes-force: true to take it over`,
    );
  } else if (!same && secret.type !== wanted.type) {
    refusals.push(`secret ${name} has type ${secret.type ?? 'Opaque'}, and a secret's type cannot change`);
  } else if (!same && secret.immutable) {
    refusals.push(`secret ${name} is immutable`);
  }
  refusals.push(...missing.map((a) => `serviceaccount ${a} not found`));
  return {
    ...base,
    upToDate: same && unlinked.length === 0,
    ...(refusals.length > 0 ? { refusal: refusals.join('; ') } : {}),
    ...(changes.length > 0 ? { changes } : {}),
  };
}

/**
 * Every (context, namespace) pair, concurrently (bounded), reads only. `desired` is the docker
 * config apply would store, given what a secret stores now (undefined for state absent).
 */
export async function inspectKubernetes(
  job: KubeJob,
  desired: DesiredAt | undefined,
  options: KubeOptions = {},
): Promise<Observation[]> {
  return forEachNamespace(job, options, async ({ context, namespace, session }): Promise<Observation> => {
    const subject = `${context}/${namespace}`;
    if (session instanceof Error) return { subject, found: 'failed', message: session.message };
    try {
      return await observeOne(session, job, namespace, desired);
    } catch (error) {
      return { subject, found: 'failed', message: errorMessage(error) };
    }
  });
}
