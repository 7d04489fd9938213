/**
 * The DC/OS Enterprise secret store target: the pull config (config.json) stored at
 * dcos-secret-path for Marathon's `pullConfig`.
 */
import { createPrivateKey } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { desiredAt } from '../credentials/minted.js';
import { renderDocument } from '../credentials/documents.js';
import { orDeadline } from '../deadline.js';
import { errorMessage, InputError } from '../errors.js';
import { expandHome } from '../paths.js';
import { parseChoice, readCertificates } from '../plan.js';
import type { DcosAuth, DcosSession, SecretEncoding } from './dcos/client.js';
import type { DcosInputs } from './dcos/inputs.js';
import { defineTarget, type TargetOutcome, type TargetResult } from './types.js';

export interface DcosPlan {
  url: string;
  /** Store path without leading or trailing slash, e.g. `mesos-docker/pullConfig`. */
  secretPath: string;
  auth: DcosAuth;
  caCert?: string;
  encoding: SecretEncoding;
}

const SEGMENT = /^[A-Za-z0-9_.-]+$/;

/** Normalises a secret store path: surrounding slashes dropped, every segment checked. */
export function parseSecretPath(input: string, value: string): string {
  const path = value.trim().replace(/^\/+/, '').replace(/\/+$/, '');
  if (path === '') throw new InputError(input, 'is empty: give a store path such as mesos-docker/pullConfig');
  for (const segment of path.split('/')) {
    // DC/OS does not document the allowed characters; these are the ones its examples use.
    if (segment === '' || segment === '.' || segment === '..' || !SEGMENT.test(segment)) {
      throw new InputError(
        input,
        `'${value.trim()}' is not a secret path: use segments of letters, digits, '.', '_' or '-' separated by single '/'`,
      );
    }
  }
  return path;
}

function parseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new InputError(
      'dcos-url',
      `'${value.trim()}' is not a URL: give the cluster URL, e.g. https://dcos.example.com`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InputError('dcos-url', `scheme '${url.protocol}' is not supported: use https://`);
  }
  if (url.username || url.password) {
    throw new InputError('dcos-url', 'must not contain user info: use dcos-token or dcos-uid');
  }
  if (url.search || url.hash) throw new InputError('dcos-url', 'must not contain a query or fragment');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** dcos-private-key: PEM text, a path to a PEM file, or a service-account JSON with `private_key`. */
function readPrivateKey(value: string): { pem: string; uid?: string } {
  let text = value.trim();
  if (!text.includes('-----BEGIN ') && !text.startsWith('{')) {
    try {
      text = fs.readFileSync(expandHome(text, os.homedir(), path), 'utf8').trim();
    } catch {
      // The value is never echoed: it may be a mangled key.
      throw new InputError('dcos-private-key', 'is neither a PEM private key nor a readable file path');
    }
  }
  let uid: string | undefined;
  if (text.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new InputError('dcos-private-key', 'looks like JSON but does not parse');
    }
    const fields = doc as { private_key?: unknown; uid?: unknown };
    if (typeof fields.private_key !== 'string') {
      throw new InputError(
        'dcos-private-key',
        'is JSON without a private_key field (service-account JSON expected)',
      );
    }
    text = fields.private_key.trim();
    if (typeof fields.uid === 'string') uid = fields.uid;
  }
  try {
    const key = createPrivateKey(text);
    if (key.asymmetricKeyType !== 'rsa') {
      throw new InputError('dcos-private-key', 'must be an RSA key: DC/OS service accounts sign with RS256');
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError('dcos-private-key', 'is not a readable (unencrypted) PEM private key');
  }
  return { pem: `${text}\n`, ...(uid ? { uid } : {}) };
}

function planAuth(inputs: DcosInputs): DcosAuth {
  const token = inputs.dcosToken.trim();
  const uid = inputs.dcosUid.trim();
  const hasKey = inputs.dcosPrivateKey.trim() !== '';
  const hasPassword = inputs.dcosPassword !== '';
  const methods = [token !== '', hasKey, hasPassword].filter(Boolean).length;
  if (methods > 1) {
    throw new InputError(
      token !== '' ? 'dcos-token' : 'dcos-private-key',
      'give exactly one way to authenticate: dcos-token, dcos-uid with dcos-private-key, or dcos-uid with dcos-password',
    );
  }
  if (token !== '') {
    if (uid !== '') throw new InputError('dcos-uid', 'is not used with dcos-token: remove one of them');
    if (/\s/.test(token)) throw new InputError('dcos-token', 'contains white space or a newline');
    return { kind: 'token', token };
  }
  if (hasKey) {
    const key = readPrivateKey(inputs.dcosPrivateKey);
    const account = uid || key.uid || '';
    if (account === '')
      throw new InputError('dcos-uid', 'is required with dcos-private-key: the service account id');
    if (uid && key.uid && uid !== key.uid) {
      throw new InputError(
        'dcos-uid',
        `'${uid}' differs from the uid '${key.uid}' in the service-account JSON`,
      );
    }
    return { kind: 'service-account', uid: account, privateKey: key.pem };
  }
  if (hasPassword) {
    if (uid === '') throw new InputError('dcos-uid', 'is required with dcos-password');
    return { kind: 'password', uid, password: inputs.dcosPassword };
  }
  if (uid !== '')
    throw new InputError('dcos-uid', 'needs dcos-private-key (service account) or dcos-password');
  throw new InputError(
    'dcos-token',
    'DC/OS needs credentials: set dcos-token, or dcos-uid with dcos-private-key or dcos-password',
  );
}

export function planDcos(
  inputs: DcosInputs,
  state: 'present' | 'absent',
  configFormat: string,
): DcosPlan | undefined {
  const encoding = parseChoice<SecretEncoding>('dcos-secret-encoding', inputs.dcosSecretEncoding, [
    'file',
    'value',
  ]);
  // The other dcos-* inputs declare that they need dcos-url (./dcos/inputs.ts).
  if (inputs.dcosUrl.trim() === '') return undefined;
  const url = parseUrl(inputs.dcosUrl);
  if (inputs.dcosSecretPath.trim() === '') {
    throw new InputError('dcos-secret-path', 'is required with dcos-url, e.g. mesos-docker/pullConfig');
  }
  const secretPath = parseSecretPath('dcos-secret-path', inputs.dcosSecretPath);
  if (state === 'present' && configFormat === 'dockercfg') {
    throw new InputError(
      'config-format',
      'dockercfg cannot go to the DC/OS secret store: Marathon pullConfig reads a config.json document',
    );
  }
  const auth = planAuth(inputs);
  const caCert = readCertificates('dcos-ca-cert', inputs.dcosCaCert);
  return { url, secretPath, auth, encoding, ...(caCert ? { caCert } : {}) };
}

function outcome(plan: DcosPlan, result: TargetResult): TargetOutcome {
  return {
    results: [result],
    outputs: { dcos: { path: plan.secretPath, action: result.action, message: result.message } },
    facts: { dcosSecretStored: result.action !== 'failed' && result.action !== 'deleted' },
  };
}

async function withSession(
  plan: DcosPlan,
  signal: AbortSignal,
  act: (session: DcosSession) => Promise<TargetResult['action']>,
  message: (action: TargetResult['action']) => string,
): Promise<TargetOutcome> {
  const { DcosSession } = await import('./dcos/client.js');
  const session = new DcosSession({
    url: plan.url,
    auth: plan.auth,
    signal,
    ...(plan.caCert ? { caCert: plan.caCert } : {}),
  });
  const subject = `${plan.url} ${plan.secretPath}`;
  try {
    await session.login();
    const action = await act(session);
    return outcome(plan, { target: 'dcos', subject, action, message: message(action) });
  } catch (error) {
    const message = errorMessage(orDeadline(error, signal));
    return outcome(plan, { target: 'dcos', subject, action: 'failed', message });
  } finally {
    await session.close();
  }
}

/** Ships the config document to the DC/OS secret store (create, update or leave as is), or removes it. */
export const dcosTarget = defineTarget<DcosPlan>({
  name: 'dcos',
  plan: (inputs, base) => planDcos(inputs, base.state, base.configFormat),
  facts: (plan) => ({ dcosSecretPath: plan.secretPath }),
  secrets(plan) {
    const auth = plan.auth;
    if (auth.kind === 'token') return [auth.token];
    if (auth.kind === 'password') return [auth.password];
    // A key read from a file or a service-account JSON was not an input: registered here (whole
    // and line by line), the input itself at read time.
    return [auth.privateKey];
  },
  present(plan, ctx) {
    if (plan.url.startsWith('http:')) {
      ctx.log.warning('dcos-url uses http://: the token and the pull config travel unencrypted');
    }
    return withSession(
      plan,
      ctx.signal,
      (session) => session.upsertSecret(plan.secretPath, ctx.artifacts.document, plan.encoding),
      (action) =>
        `${action === 'unchanged' ? 'already holds' : 'stores'} config.json as a ${plan.encoding} secret`,
    );
  },
  async inspect(plan, ctx) {
    const { inspectDcos } = await import('./dcos/inspect.js');
    const desired =
      ctx.base.state === 'present'
        ? desiredAt(ctx.base, ctx.artifacts.document, (credentials) =>
            renderDocument(credentials, ctx.base.configFormat),
          )
        : undefined;
    return [await inspectDcos(plan, desired, ctx.signal)];
  },
  outputs(plan, results) {
    const result = results[0];
    return { dcos: { path: plan.secretPath, action: result?.action, message: result?.message } };
  },
  absent(plan, ctx) {
    return withSession(
      plan,
      ctx.signal,
      (session) => session.deleteSecret(plan.secretPath),
      (action) => (action === 'deleted' ? 'secret removed' : 'no such secret'),
    );
  },
});
