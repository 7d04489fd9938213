/**
 * The Kubernetes writes, per (context, namespace): upsert the pull secret in place (never delete +
 * create, which would leave a window where pods cannot pull), link it from service accounts, and the
 * reverse for state absent.
 * Loaded only through present/absent, so @kubernetes/client-node stays out of runs that don't use it.
 */
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment, @typescript-eslint/no-misused-spread --
   client-node's model classes are plain data: its ObjectSerializer maps them by type name, never by prototype. */
import { createHash } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { orDeadline } from '../../deadline.js';
import { errorMessage, TargetError } from '../../errors.js';
import { proxyFor } from '../../http/proxy.js';
import { sleep, withRetries, type RetryOptions } from '../../retry.js';
import { mergeKubeconfigs, type KubeconfigSource } from './kubeconfig.js';
import { mapConcurrent } from '../../concurrency.js';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'pull-credentials';
export const CONTENT_HASH_ANNOTATION = 'pull-credentials/content-sha256';
/** kubectl apply's copy of the whole object: on a taken-over secret it would keep the old credentials. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export type SecretType = 'dockerconfigjson' | 'dockercfg';
export type KubeAction = 'created' | 'updated' | 'unchanged' | 'deleted' | 'absent' | 'failed';

export interface KubeEntry {
  context: string;
  namespace: string;
  secret: string;
  action: KubeAction;
  message: string;
}

export interface KubeJob {
  source: KubeconfigSource;
  contexts: string[];
  namespaces: string[];
  secretName: string;
  secretType: SecretType;
  serviceAccounts: string[];
  createNamespace: boolean;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  force: boolean;
}

export interface KubeOptions {
  /** How many (context, namespace) pairs are worked on at once. */
  concurrency?: number;
  /** Retries of 429, 5xx and connection failures. */
  retry?: RetryOptions;
  /** Fresh read + write rounds after 409 Conflict. */
  conflictAttempts?: number;
  /** How long to wait for a new namespace's service accounts to appear. */
  serviceAccountWaitMs?: number;
  /** Deadline of each API request (default 30 s). */
  requestTimeoutMs?: number;
  /** The target's deadline: every request, retry and wait stops when it aborts. */
  signal?: AbortSignal;
}

/** A failure's message; once the deadline has passed, the deadline's. */
const failureMessage = (error: unknown, options: KubeOptions): string =>
  errorMessage(orDeadline(error, options.signal));

export const TYPES: Record<SecretType, { type: string; key: string }> = {
  dockerconfigjson: { type: 'kubernetes.io/dockerconfigjson', key: '.dockerconfigjson' },
  dockercfg: { type: 'kubernetes.io/dockercfg', key: '.dockercfg' },
};

export interface Desired {
  type: string;
  data: Record<string, string>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

function sorted(record: Record<string, string>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * What we write. The hash covers type, data, labels and annotations (sorted, so it is stable) and
 * lets a re-run skip the write; the data itself is compared too, so a hand edit is repaired.
 */
export function desiredSecret(job: KubeJob, document: string): Desired {
  const { type, key } = TYPES[job.secretType];
  const data = { [key]: Buffer.from(document, 'utf8').toString('base64') };
  const labels = { ...job.labels, [MANAGED_BY_LABEL]: MANAGED_BY };
  const hash = createHash('sha256')
    .update(JSON.stringify([type, sorted(data), sorted(labels), sorted(job.annotations)]))
    .digest('hex');
  return { type, data, labels, annotations: { ...job.annotations, [CONTENT_HASH_ANNOTATION]: hash } };
}

export function isManaged(object: { metadata?: k8s.V1ObjectMeta }): boolean {
  return object.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY;
}

function includes(actual: Record<string, string> | undefined, wanted: Record<string, string>): boolean {
  return Object.entries(wanted).every(([k, v]) => actual?.[k] === v);
}

export function upToDate(existing: k8s.V1Secret, desired: Desired): boolean {
  const data = existing.data ?? {};
  return (
    existing.type === desired.type &&
    Object.keys(data).length === Object.keys(desired.data).length &&
    includes(data, desired.data) &&
    includes(existing.metadata?.labels, desired.labels) &&
    includes(existing.metadata?.annotations, desired.annotations)
  );
}

// ---------------------------------------------------------------------------------------------
// Errors: one message per failure, naming what the RBAC role or the user must change.

interface Status {
  code?: number;
  reason?: string;
  message?: string;
  details?: { kind?: string; name?: string; causes?: { reason?: string }[] };
}

/** A failed API call, described by the verb and resource it needed. */
export class KubeCallError extends Error {
  constructor(
    message: string,
    readonly code: number | undefined,
    readonly status: Status,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'KubeCallError';
  }
}

function parseStatus(body: unknown): Status {
  if (typeof body !== 'string' || body === '') return {};
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null ? parsed : {};
  } catch {
    return {};
  }
}

export interface Call {
  context: string;
  verb: string;
  resource: 'secrets' | 'serviceaccounts' | 'namespaces';
  /** Undefined for cluster-scoped calls. */
  namespace?: string;
}

function scope(call: Call): string {
  return call.namespace === undefined ? 'cluster-wide' : `in namespace ${call.namespace}`;
}

/**
 * Maps an exception from client-node to a KubeCallError. ApiException's own message embeds the
 * response headers and body, so only the Status fields and the code are used.
 */
function describe(error: unknown, call: Call): KubeCallError {
  if (error instanceof k8s.ApiException) {
    const { code, headers } = error;
    const status = parseStatus(error.body);
    const retryAfter = Number(headers['retry-after']);
    const retryAfterMs = Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : undefined;
    const detail = status.message ? `: ${status.message}` : '';
    let message: string;
    if (code === 401) {
      message = `unauthorized (401) in context ${call.context}: the API server rejected the credentials; check the kubeconfig user (token expired or wrong?)`;
    } else if (
      code === 403 &&
      call.namespace !== undefined &&
      status.details?.causes?.some((c) => c.reason === 'NamespaceTerminating')
    ) {
      // Not RBAC: the NamespaceLifecycle admission plugin (a PR preview closed and reopened quickly).
      message = `namespace ${call.namespace} is being deleted (terminating), so nothing new can be created in it: run again once it is gone`;
    } else if (code === 403 && status.message?.startsWith('admission webhook ')) {
      // Not RBAC: a validating admission webhook (a policy engine) denied the write.
      message = `${call.verb} ${call.resource} ${scope(call)} was denied by policy: ${status.message}`;
    } else if (code === 403) {
      message = `forbidden: the credentials need '${call.verb}' on ${call.resource} ${scope(call)}${detail ? ` (${status.message})` : ''}`;
    } else {
      message = `${call.verb} ${call.resource} ${scope(call)} failed with ${code}${status.reason ? ` ${status.reason}` : ''}${detail}`;
    }
    return new KubeCallError(message, code, { ...status, code }, retryAfterMs);
  }
  if (error instanceof Error && (error.name === 'TimeoutError' || error.cause instanceof DOMException)) {
    return new KubeCallError(
      `the API server of context ${call.context} did not answer in time (${call.verb} ${call.resource})`,
      undefined,
      {},
    );
  }
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return new KubeCallError(
    `cannot reach the API server of context ${call.context}: ${errorMessage(error)}${cause}`,
    undefined,
    {},
  );
}

const isRetryable = (error: unknown): boolean =>
  error instanceof KubeCallError &&
  (error.code === undefined || error.code === 429 || (error.code >= 500 && error.code <= 599));

/** One API call: 429, 5xx and connection failures retried a bounded number of times. */
async function call<T>(options: KubeOptions, what: Call, operation: () => Promise<T>): Promise<T> {
  return withRetries(
    async () => {
      try {
        return await operation();
      } catch (error) {
        throw describe(error, what);
      }
    },
    {
      attempts: 4,
      baseMs: 250,
      maxMs: 4000,
      ...options.retry,
      retryable: isRetryable,
      delayHint: (error) => (error instanceof KubeCallError ? error.retryAfterMs : undefined),
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
}

export const codeOf = (error: unknown): number | undefined =>
  error instanceof KubeCallError ? error.code : undefined;

/** Reads an object; undefined when it does not exist. */
export async function read<T>(
  options: KubeOptions,
  what: Call,
  operation: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await call(options, what, operation);
  } catch (error) {
    if (codeOf(error) === 404) return undefined;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------

export interface Session {
  api: k8s.CoreV1Api;
  context: string;
  options: KubeOptions;
}

const MERGE_PATCH = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

/** Per-request bound: a hung API server fails (and retries) one call instead of stalling the job. */
export const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Loads the kubeconfig the plan resolved. Several files are merged as kubectl merges KUBECONFIG:
 * the first file to define a cluster, user or context wins (client-node's own mergeConfig throws
 * on a name defined twice), and each file's relative paths point from its own directory.
 */
export function loadKubeconfig(source: KubeconfigSource): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  if (source.kind === 'inline') {
    kc.loadFromString(source.text);
  } else if (source.kind === 'in-cluster') {
    kc.loadFromCluster();
  } else {
    // Each file loaded alone resolves its relative paths against its own directory.
    const named = <T extends { name: string }>(list: T[]) => list.map((e): [string, T] => [e.name, e]);
    const merged = mergeKubeconfigs(
      source.files.map((file) => {
        const one = new k8s.KubeConfig();
        one.loadFromFile(file);
        return {
          clusters: named(one.clusters),
          users: named(one.users),
          contexts: named(one.contexts),
          currentContext: one.currentContext,
        };
      }),
    );
    kc.loadFromOptions({
      clusters: [...merged.clusters.values()],
      users: [...merged.users.values()],
      contexts: [...merged.contexts.values()],
      currentContext: merged.currentContext,
    });
  }
  return kc;
}

/**
 * The proxy as kubectl chooses it: the cluster's proxy-url wins, else HTTPS_PROXY / HTTP_PROXY unless
 * NO_PROXY names the server. client-node reads proxy-url only, so the environment's proxy is written
 * into the loaded cluster (client-node then tunnels with the cluster's own TLS settings).
 */
export function withEnvironmentProxy(kc: k8s.KubeConfig, cluster: k8s.Cluster | null): k8s.Cluster | null {
  if (!cluster || cluster.proxyUrl) return cluster;
  const proxyUrl = proxyFor(cluster.server);
  if (!proxyUrl) return cluster;
  const proxied: k8s.Cluster = { ...cluster, proxyUrl };
  kc.clusters = kc.clusters.map((c) => (c.name === cluster.name ? proxied : c));
  return proxied;
}

export function clientFor(
  source: KubeconfigSource,
  context: string,
  timeoutMs: number,
  deadline: AbortSignal | undefined,
): k8s.CoreV1Api {
  const kc = loadKubeconfig(source);
  kc.setCurrentContext(context);
  const cluster = withEnvironmentProxy(kc, kc.getCurrentCluster());
  if (!cluster) throw new TargetError(`context ${context} has no cluster in the kubeconfig`);
  // makeApiClient's configuration, plus a middleware that gives every request its own deadline.
  const configuration = k8s.createConfiguration({
    baseServer: new k8s.ServerConfiguration(cluster.server, {}),
    authMethods: { default: kc },
    promiseMiddleware: [
      {
        pre: (request) => {
          request.setHeaderParam('User-Agent', 'pull-credentials');
          const timeout = AbortSignal.timeout(timeoutMs);
          request.setSignal(deadline ? AbortSignal.any([timeout, deadline]) : timeout);
          return Promise.resolve(request);
        },
        post: (response) => Promise.resolve(response),
      },
    ],
  });
  return new k8s.CoreV1Api(configuration);
}

async function createNamespace(s: Session, namespace: string): Promise<void> {
  try {
    await call(s.options, { context: s.context, verb: 'create', resource: 'namespaces' }, () =>
      s.api.createNamespace({
        body: { metadata: { name: namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY } } },
      }),
    );
  } catch (error) {
    // Created meanwhile by someone else: fine, the secret goes in.
    if (codeOf(error) !== 409) throw error;
  }
}

/** Creates or updates the secret in place; the action taken. */
async function upsertSecret(
  s: Session,
  job: KubeJob,
  namespace: string,
  desired: Desired,
): Promise<{ action: 'created' | 'updated' | 'unchanged'; namespaceCreated: boolean }> {
  const name = job.secretName;
  const at = (verb: string): Call => ({ context: s.context, verb, resource: 'secrets', namespace });
  let namespaceCreated = false;
  const attempts = s.options.conflictAttempts ?? 5;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const existing = await read(s.options, at('get'), () => s.api.readNamespacedSecret({ name, namespace }));
    if (!existing) {
      try {
        await call(s.options, at('create'), () =>
          s.api.createNamespacedSecret({
            namespace,
            body: {
              apiVersion: 'v1',
              kind: 'Secret',
              metadata: { name, namespace, labels: desired.labels, annotations: desired.annotations },
              type: desired.type,
              data: desired.data,
            },
          }),
        );
        return { action: 'created', namespaceCreated };
      } catch (error) {
        const status = error instanceof KubeCallError ? error.status : {};
        if (status.code === 404 && status.details?.kind === 'namespaces') {
          if (!job.createNamespace) {
            throw new TargetError(
              `namespace ${namespace} does not exist (create it, or set kubernetes-create-namespace: true)`,
            );
          }
          if (namespaceCreated) throw error;
          await createNamespace(s, namespace);
          namespaceCreated = true;
          continue;
        }
        if (status.code === 409) continue; // created concurrently: read it and update instead
        throw error;
      }
    }

    if (!isManaged(existing) && !job.force) {
      throw new TargetError(
        `secret ${name} exists in namespace ${namespace} and is not managed by pull-credentials (no ${MANAGED_BY_LABEL}=${MANAGED_BY} label); left untouched: set kubernetes-force: true to take it over`,
      );
    }
    if (upToDate(existing, desired)) return { action: 'unchanged', namespaceCreated };
    if (existing.type !== desired.type) {
      throw new TargetError(
        `secret ${name} in namespace ${namespace} has type ${existing.type ?? 'Opaque'}, and a secret's type cannot change: delete it once, or choose another kubernetes-secret-name`,
      );
    }
    if (existing.immutable) {
      throw new TargetError(
        `secret ${name} in namespace ${namespace} is immutable: delete it once so it can be recreated`,
      );
    }
    const annotations = { ...existing.metadata?.annotations, ...desired.annotations };
    Reflect.deleteProperty(annotations, LAST_APPLIED);
    const body: k8s.V1Secret = {
      ...existing,
      metadata: {
        ...existing.metadata,
        labels: { ...existing.metadata?.labels, ...desired.labels },
        annotations,
      },
      data: desired.data,
    };
    delete body.stringData;
    try {
      // PUT carries the resourceVersion we read: a concurrent writer makes it fail with 409.
      await call(s.options, at('update'), () => s.api.replaceNamespacedSecret({ name, namespace, body }));
      return { action: 'updated', namespaceCreated };
    } catch (error) {
      if (codeOf(error) === 409) continue;
      throw error;
    }
  }
  throw new TargetError(
    `secret ${name} in namespace ${namespace} kept changing underneath (409 Conflict ${attempts} times); run again`,
  );
}

/**
 * Adds (or removes) the secret in a service account's imagePullSecrets with a JSON merge patch that
 * carries the resourceVersion read, so a concurrent change gives 409 and a fresh read. Other
 * entries are kept in order; the secret appears once.
 */
async function linkServiceAccount(
  s: Session,
  namespace: string,
  account: string,
  secretName: string,
  mode: 'add' | 'remove',
  waitForAccount: boolean,
): Promise<'patched' | 'unchanged' | 'missing'> {
  const at = (verb: string): Call => ({ context: s.context, verb, resource: 'serviceaccounts', namespace });
  const attempts = s.options.conflictAttempts ?? 5;
  const waitUntil = Date.now() + (waitForAccount ? (s.options.serviceAccountWaitMs ?? 15_000) : 0);
  for (let attempt = 1; attempt <= attempts;) {
    const sa = await read(s.options, at('get'), () =>
      s.api.readNamespacedServiceAccount({ name: account, namespace }),
    );
    if (!sa) {
      // A new namespace's `default` account is created by the controller manager shortly after.
      if (Date.now() < waitUntil && !s.options.signal?.aborted) {
        await sleep(250, s.options.signal);
        continue;
      }
      return 'missing';
    }
    const refs = sa.imagePullSecrets ?? [];
    const has = refs.some((r) => r.name === secretName);
    if ((mode === 'add') === has) return 'unchanged';
    const next = mode === 'add' ? [...refs, { name: secretName }] : refs.filter((r) => r.name !== secretName);
    try {
      await call(s.options, at('patch'), () =>
        s.api.patchNamespacedServiceAccount(
          {
            name: account,
            namespace,
            body: { metadata: { resourceVersion: sa.metadata?.resourceVersion }, imagePullSecrets: next },
          },
          MERGE_PATCH,
        ),
      );
      return 'patched';
    } catch (error) {
      if (codeOf(error) !== 409) throw error;
      attempt++;
    }
  }
  throw new TargetError(
    `serviceaccount ${account} in namespace ${namespace} kept changing underneath (409 Conflict ${attempts} times); run again`,
  );
}

async function linkAll(
  s: Session,
  job: KubeJob,
  namespace: string,
  mode: 'add' | 'remove',
  waitForAccounts: boolean,
): Promise<{ patched: string[]; problems: string[] }> {
  const patched: string[] = [];
  const problems: string[] = [];
  for (const account of job.serviceAccounts) {
    try {
      const result = await linkServiceAccount(s, namespace, account, job.secretName, mode, waitForAccounts);
      if (result === 'patched') patched.push(account);
      if (result === 'missing' && mode === 'add') problems.push(`serviceaccount ${account} not found`);
    } catch (error) {
      problems.push(`serviceaccount ${account}: ${failureMessage(error, s.options)}`);
    }
  }
  return { patched, problems };
}

function accountsNote(patched: string[], mode: 'add' | 'remove'): string {
  if (patched.length === 0) return '';
  return `; ${mode === 'add' ? 'linked from' : 'unlinked from'} serviceaccount${patched.length === 1 ? '' : 's'} ${patched.join(', ')}`;
}

async function presentOne(s: Session, job: KubeJob, namespace: string, desired: Desired): Promise<KubeEntry> {
  const entry = { context: s.context, namespace, secret: job.secretName };
  let action: KubeEntry['action'];
  let message: string;
  let namespaceCreated: boolean;
  try {
    ({ action, namespaceCreated } = await upsertSecret(s, job, namespace, desired));
    message = `secret ${job.secretName} ${action}${namespaceCreated ? ' (namespace created)' : ''}`;
  } catch (error) {
    return { ...entry, action: 'failed', message: failureMessage(error, s.options) };
  }
  const { patched, problems } = await linkAll(s, job, namespace, 'add', namespaceCreated);
  if (problems.length > 0) {
    return {
      ...entry,
      action: 'failed',
      message: `${message}${accountsNote(patched, 'add')}; ${problems.join('; ')}`,
    };
  }
  if (action === 'unchanged' && patched.length > 0) action = 'updated';
  return { ...entry, action, message: `${message}${accountsNote(patched, 'add')}` };
}

async function absentOne(s: Session, job: KubeJob, namespace: string): Promise<KubeEntry> {
  const entry = { context: s.context, namespace, secret: job.secretName };
  const name = job.secretName;
  const at = (verb: string): Call => ({ context: s.context, verb, resource: 'secrets', namespace });
  let action: 'deleted' | 'absent' | undefined;
  try {
    const attempts = s.options.conflictAttempts ?? 5;
    for (let attempt = 1; attempt <= attempts && !action; attempt++) {
      const existing = await read(s.options, at('get'), () =>
        s.api.readNamespacedSecret({ name, namespace }),
      );
      if (!existing) {
        action = 'absent';
        break;
      }
      if (!isManaged(existing)) {
        return {
          ...entry,
          action: 'unchanged',
          message: `secret ${name} is not managed by pull-credentials; left in place`,
        };
      }
      try {
        // The precondition makes a delete lose against a concurrent rewrite rather than remove it.
        await call(s.options, at('delete'), () =>
          s.api.deleteNamespacedSecret({
            name,
            namespace,
            body: { preconditions: { resourceVersion: existing.metadata?.resourceVersion } },
          }),
        );
        action = 'deleted';
      } catch (error) {
        if (codeOf(error) === 404) action = 'absent';
        else if (codeOf(error) !== 409) throw error;
      }
    }
    if (!action)
      throw new TargetError(`secret ${name} in namespace ${namespace} kept changing underneath; run again`);
  } catch (error) {
    return { ...entry, action: 'failed', message: failureMessage(error, s.options) };
  }
  const { patched, problems } = await linkAll(s, job, namespace, 'remove', false);
  const message = `secret ${name} ${action === 'deleted' ? 'deleted' : 'not present'}${accountsNote(patched, 'remove')}`;
  if (problems.length > 0)
    return { ...entry, action: 'failed', message: `${message}; ${problems.join('; ')}` };
  return { ...entry, action, message };
}

/**
 * Runs `each` for every (context, namespace) pair, concurrently (bounded), with the context's API
 * session, or the error that loading the context gave: one failing context never hides the others.
 */
export function forEachNamespace<T>(
  job: KubeJob,
  options: KubeOptions,
  each: (pair: { context: string; namespace: string; session: Session | Error }) => Promise<T>,
): Promise<T[]> {
  const sessions = new Map<string, Session | Error>();
  for (const context of job.contexts) {
    try {
      sessions.set(context, {
        api: clientFor(job.source, context, options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS, options.signal),
        context,
        options,
      });
    } catch (error) {
      sessions.set(
        context,
        new Error(`cannot load context ${context} from the kubeconfig: ${errorMessage(error)}`),
      );
    }
  }
  const pairs = job.contexts.flatMap((context) =>
    job.namespaces.map((namespace) => ({ context, namespace, session: sessions.get(context)! })),
  );
  return mapConcurrent(pairs, options.concurrency ?? 8, each);
}

/**
 * Every (context, namespace) pair, independently and concurrently (bounded): one failing never
 * hides the others. `document` is the kubectl-format secret payload; undefined for state absent.
 */
export async function applyKubernetes(
  job: KubeJob,
  document: string | undefined,
  options: KubeOptions = {},
): Promise<KubeEntry[]> {
  const desired = document === undefined ? undefined : desiredSecret(job, document);
  return forEachNamespace(job, options, async ({ context, namespace, session }): Promise<KubeEntry> => {
    if (session instanceof Error) {
      return { context, namespace, secret: job.secretName, action: 'failed', message: session.message };
    }
    try {
      return desired
        ? await presentOne(session, job, namespace, desired)
        : await absentOne(session, job, namespace);
    } catch (error) {
      const message = failureMessage(error, options);
      return { context, namespace, secret: job.secretName, action: 'failed', message };
    }
  });
}
