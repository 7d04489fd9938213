/**
 * A small client for the DC/OS IAM login (/acs/api/v1/auth/login) and the Enterprise secret store
 * (/secrets/v1/secret/default/<path>), on the shared transport with its own trust scope: the
 * cluster CA (dcos-ca-cert) applies to these requests only.
 */
import { createPrivateKey } from 'node:crypto';
import { SignJWT } from 'jose';
import { TargetError } from '../../errors.js';
import {
  createClient,
  DEFAULT_RETRY,
  isTransientStatus,
  TransportError,
  type Client,
  type HttpMethod,
} from '../../http/transport.js';
import { redact, registerSecret } from '../../secrets.js';

/** Retry tuning; tests shorten the backoff. */
export interface RetryOptions {
  attempts?: number;
  baseMs?: number;
  maxMs?: number;
}

export type DcosAuth =
  | { kind: 'token'; token: string }
  | { kind: 'service-account'; uid: string; privateKey: string }
  | { kind: 'password'; uid: string; password: string };

export type SecretEncoding = 'file' | 'value';

export interface DcosConnection {
  /** Cluster URL without a trailing slash. */
  url: string;
  caCert?: string;
  auth: DcosAuth;
  /** Ends every request of the session (a per-target deadline). */
  signal?: AbortSignal;
}

interface Response {
  status: number;
  contentType: string;
  body: Buffer;
}

const LOGIN_PATH = '/acs/api/v1/auth/login';
/** The DC/OS CLI signs service-account login tokens valid for 5 minutes (dcos-cli pkg/login/flow.go). */
const LOGIN_JWT_LIFETIME_S = 5 * 60;

/** `{title, description, code}` of an IAM / secrets error body, secrets scrubbed, kept short. */
function describe(body: Buffer): string {
  let text = '';
  try {
    const doc = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    const parts = [doc['title'], doc['description'], doc['message'], doc['code']].filter(
      (p): p is string => typeof p === 'string' && p !== '',
    );
    text = parts.join(': ');
  } catch {
    // Not JSON (an HTML page from a proxy…): say nothing rather than dump it.
  }
  return redact(text, 200);
}

/** An authenticated session: every request carries `Authorization: token=<token>`. */
export class DcosSession {
  private token = '';
  private readonly client: Client;

  constructor(
    private readonly connection: DcosConnection,
    retry: RetryOptions = {},
  ) {
    this.client = createClient({
      what: 'the DC/OS cluster',
      caInput: 'dcos-ca-cert',
      ...(connection.caCert ? { ca: connection.caCert } : {}),
      ...(connection.signal ? { signal: connection.signal } : {}),
      retry: {
        attempts: retry.attempts ?? DEFAULT_RETRY.attempts,
        baseMs: retry.baseMs ?? DEFAULT_RETRY.baseMs,
        maxDelayMs: retry.maxMs ?? DEFAULT_RETRY.maxDelayMs,
      },
    });
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /**
   * One HTTP exchange with the transport's retries. Every call here may be repeated: the login
   * has no side effect, PUT and PATCH write the whole value, DELETE is idempotent.
   */
  private async send(
    method: HttpMethod,
    path: string,
    headers: Record<string, string>,
    body?: Buffer | string,
  ): Promise<Response> {
    let res;
    try {
      res = await this.client.request({
        method,
        url: `${this.connection.url}${path}`,
        headers,
        ...(body === undefined ? {} : { body }),
        idempotent: true,
      });
    } catch (error) {
      if (error instanceof TransportError) {
        throw new TargetError(`cannot reach ${this.connection.url}: ${error.message}`);
      }
      throw error;
    }
    const contentType = String(res.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim()
      .toLowerCase();
    if (isTransientStatus(res.status)) {
      const detail = describe(res.body);
      throw new TargetError(
        `DC/OS answered ${method} ${path.split('?')[0]} with ${res.status}${detail ? ` (${detail})` : ''}`,
      );
    }
    return { status: res.status, contentType, body: res.body };
  }

  private authorized(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `token=${this.token}`, ...extra };
  }

  /** Obtains the auth token: as given, or by logging in; masks a received token at once. */
  async login(): Promise<void> {
    const auth = this.connection.auth;
    if (auth.kind === 'token') {
      this.token = auth.token;
      return;
    }
    let body: Record<string, string>;
    if (auth.kind === 'password') {
      body = { uid: auth.uid, password: auth.password };
    } else {
      const key = createPrivateKey(auth.privateKey);
      const jwt = await new SignJWT({ uid: auth.uid })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
        .setExpirationTime(Math.floor(Date.now() / 1000) + LOGIN_JWT_LIFETIME_S)
        .sign(key);
      registerSecret(jwt);
      body = { uid: auth.uid, token: jwt };
    }
    const res = await this.send(
      'POST',
      LOGIN_PATH,
      { 'content-type': 'application/json' },
      JSON.stringify(body),
    );
    const detail = describe(res.body);
    const how = auth.kind === 'password' ? 'dcos-password' : 'dcos-private-key';
    if (res.status === 401 || res.status === 403) {
      throw new TargetError(
        `DC/OS login as '${auth.uid}' was refused (${res.status}${detail ? `: ${detail}` : ''}): check dcos-uid and ${how}` +
          (auth.kind === 'service-account'
            ? ", and that the account's public key matches the private key"
            : ''),
      );
    }
    if (res.status === 404) {
      throw new TargetError(
        `${this.connection.url}${LOGIN_PATH} was not found (404): is dcos-url the cluster URL?`,
      );
    }
    if (res.status !== 200) {
      throw new TargetError(`DC/OS login answered ${res.status}${detail ? ` (${detail})` : ''}`);
    }
    let token: unknown;
    try {
      token = (JSON.parse(res.body.toString('utf8')) as { token?: unknown }).token;
    } catch {
      token = undefined;
    }
    if (typeof token !== 'string' || token === '') {
      throw new TargetError('DC/OS login answered 200 without a token: is dcos-url the cluster URL?');
    }
    registerSecret(token);
    this.token = token;
  }

  private secretUrlPath(path: string): string {
    // Slashes are sent raw as the docs and dcos-ui do; each segment is escaped (plan validated them).
    return `/secrets/v1/secret/default/${path.split('/').map(encodeURIComponent).join('/')}`;
  }

  /** A 401/403/other failure on the secret store, worded for the user. */
  private failure(res: Response, op: string, path: string): TargetError {
    const detail = describe(res.body);
    const suffix = detail ? `: ${detail}` : '';
    if (res.status === 401) {
      const which =
        this.connection.auth.kind === 'token'
          ? 'dcos-token is invalid or expired (DC/OS tokens last 5 days)'
          : 'the login token was not accepted';
      return new TargetError(`DC/OS refused to ${op} secret ${path} (401${suffix}): ${which}`);
    }
    if (res.status === 403) {
      const who =
        this.connection.auth.kind === 'token' ? 'the dcos-token account' : `'${this.connection.auth.uid}'`;
      return new TargetError(
        `DC/OS refused to ${op} secret ${path} (403${suffix}): grant ${who} the permission ` +
          `dcos:secrets:default:/${path} full`,
      );
    }
    return new TargetError(
      `DC/OS answered ${res.status} to ${op} secret ${path}${suffix ? ` (${detail})` : ''}`,
    );
  }

  /** The stored secret as bytes plus how it is stored, or undefined when there is none. */
  async readSecret(path: string): Promise<{ encoding: SecretEncoding; bytes: Buffer } | undefined> {
    const res = await this.send('GET', this.secretUrlPath(path), this.authorized({ accept: '*/*' }));
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw this.failure(res, 'read', path);
    if (res.contentType === 'application/json') {
      try {
        const value = (JSON.parse(res.body.toString('utf8')) as { value?: unknown }).value;
        if (typeof value === 'string') return { encoding: 'value', bytes: Buffer.from(value, 'utf8') };
      } catch {
        // fall through: treat as raw bytes
      }
    }
    return { encoding: 'file', bytes: res.body };
  }

  private body(
    document: string,
    encoding: SecretEncoding,
  ): { headers: Record<string, string>; body: Buffer } {
    // file: the unmodified bytes, as `dcos security secrets create --file` and dcos-ui store them.
    return encoding === 'file'
      ? { headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from(document, 'utf8') }
      : {
          headers: { 'content-type': 'application/json' },
          body: Buffer.from(JSON.stringify({ value: document }), 'utf8'),
        };
  }

  private async write(method: 'PUT' | 'PATCH', path: string, document: string, encoding: SecretEncoding) {
    const { headers, body } = this.body(document, encoding);
    return this.send(method, this.secretUrlPath(path), this.authorized(headers), body);
  }

  /** Read, compare, then create (PUT 201) or update (PATCH 204), falling over on 409/404 races. */
  async upsertSecret(
    path: string,
    document: string,
    encoding: SecretEncoding,
  ): Promise<'created' | 'updated' | 'unchanged'> {
    const existing = await this.readSecret(path);
    if (existing && existing.encoding === encoding && existing.bytes.equals(Buffer.from(document, 'utf8'))) {
      return 'unchanged';
    }
    if (existing) {
      const patched = await this.write('PATCH', path, document, encoding);
      if (patched.status === 204 || patched.status === 200) return 'updated';
      if (patched.status !== 404) throw this.failure(patched, 'update', path);
      // Deleted since the read: create it.
    }
    const created = await this.write('PUT', path, document, encoding);
    if (created.status === 201 || created.status === 200) return 'created';
    if (created.status !== 409) throw this.failure(created, 'create', path);
    // Created since the read (or by a concurrent job): update as terraform-provider-dcos does.
    const patched = await this.write('PATCH', path, document, encoding);
    if (patched.status === 204 || patched.status === 200) return 'updated';
    throw this.failure(patched, 'update', path);
  }

  async deleteSecret(path: string): Promise<'deleted' | 'absent'> {
    const res = await this.send('DELETE', this.secretUrlPath(path), this.authorized());
    if (res.status === 204 || res.status === 200) return 'deleted';
    if (res.status === 404) return 'absent';
    throw this.failure(res, 'delete', path);
  }
}
