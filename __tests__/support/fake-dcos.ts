/**
 * A fake DC/OS Enterprise cluster on 127.0.0.1, faithful to the documented contract (DC/OS 2.2 IAM
 * and secrets API):
 * IAM login (uid+password, or uid+RS256 service-account JWT checked against the account's public
 * key and its exp), `Authorization: token=` on every secrets request, the secrets API with its
 * status codes and Content-Type rules, per-account permissions, a request log and injectable faults.
 */
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';
import { stopServer } from './http-server.js';

export interface LoggedRequest {
  method: string;
  path: string;
  query: string;
  authorization?: string;
  contentType?: string;
  body: Buffer;
}

export interface StoredSecret {
  contentType: 'application/json' | 'application/octet-stream';
  /** Exactly as sent: the JSON text for value secrets, the raw bytes for file secrets. */
  body: Buffer;
}

interface Account {
  password?: string;
  publicKey?: KeyObject;
  /** Secret paths (without leading slash) this account holds `dcos:secrets:default:/<path> full` on; '*' for all. */
  grants: Set<string>;
}

export interface Fault {
  status: number;
  method?: string;
  retryAfter?: string;
  /** The description quotes the request body (or what the function picks of it), as careless validation errors do. */
  echo?: boolean | ((body: string) => string);
}

const SECRETS_PREFIX = '/secrets/v1/secret/default/';
/** DC/OS documents the limit as "about 1 MB"; 1 MiB is used here. */
const MAX_SECRET_BYTES = 1024 * 1024;

function error(res: http.ServerResponse, status: number, title: string, description: string, code: string) {
  const body = JSON.stringify({ title, description, code });
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body);
}

export class FakeDcos {
  readonly secrets = new Map<string, StoredSecret>();
  readonly log: LoggedRequest[] = [];
  readonly accounts = new Map<string, Account>();
  /** Issued and pre-provisioned auth tokens → uid. */
  readonly tokens = new Map<string, string>();
  /** Faults answered to the next matching requests, in order. */
  readonly faults: Fault[] = [];
  /** Runs before a request is handled (e.g. to simulate a concurrent writer). */
  intercept?: (request: LoggedRequest) => void;
  url = '';
  private server?: http.Server;

  /** Creates a service account with a fresh RSA key pair; returns the private key PEM (PKCS#8). */
  addServiceAccount(uid: string, grants: string[] = ['*']): string {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.accounts.set(uid, { publicKey, grants: new Set(grants) });
    return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }

  addUser(uid: string, password: string, grants: string[] = ['*']): void {
    this.accounts.set(uid, { password, grants: new Set(grants) });
  }

  /** A token as `dcos auth login` would have produced it, for dcos-token. */
  issueToken(uid: string): string {
    const token = `tok-${randomBytes(12).toString('hex')}`;
    this.tokens.set(token, uid);
    return token;
  }

  failNext(fault: Fault, times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push({ ...fault });
  }

  requests(method?: string): LoggedRequest[] {
    return this.log.filter((r) => method === undefined || r.method === method);
  }

  async start(tls?: { cert: string; key: string }): Promise<string> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.handle(req, res, Buffer.concat(chunks)).catch((e: unknown) => {
          error(res, 500, 'Internal Server Error', String(e), 'ERR_INTERNAL');
        });
      });
    };
    this.server = tls ? https.createServer(tls, handler) : http.createServer(handler);
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await stopServer(server);
  }

  reset(): void {
    this.secrets.clear();
    this.log.length = 0;
    this.faults.length = 0;
    this.intercept = undefined;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const entry: LoggedRequest = {
      method: req.method ?? '',
      path: url.pathname,
      query: url.search,
      body,
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}),
    };
    this.log.push(entry);
    this.intercept?.(entry);
    const faultIndex = this.faults.findIndex((f) => f.method === undefined || f.method === entry.method);
    if (faultIndex !== -1) {
      const [fault] = this.faults.splice(faultIndex, 1);
      if (fault!.retryAfter) res.setHeader('retry-after', fault!.retryAfter);
      const echo = fault!.echo === true ? (text: string) => text : fault!.echo;
      const description = echo ? `invalid request body: ${echo(body.toString('utf8'))}` : 'try again';
      error(res, fault!.status, 'Injected fault', description, 'ERR_INJECTED');
      return;
    }
    if (url.pathname === '/acs/api/v1/auth/login' && req.method === 'POST') return this.login(req, res, body);
    if (url.pathname.startsWith(SECRETS_PREFIX)) {
      this.secret(req, res, url, body);
      return;
    }
    error(res, 404, 'Not Found', `no route ${url.pathname}`, 'ERR_NOT_FOUND');
  }

  private async login(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      error(res, 400, 'Bad Request', 'Content-Type must be application/json', 'ERR_INVALID_DATA');
      return;
    }
    let doc: { uid?: unknown; password?: unknown; token?: unknown };
    try {
      doc = JSON.parse(body.toString('utf8')) as typeof doc;
    } catch {
      error(res, 400, 'Bad Request', 'Request has bad JSON', 'ERR_MALFORMED_JSON');
      return;
    }
    const refuse = (why: string) => {
      res.setHeader('www-authenticate', 'acsjwt');
      error(res, 401, 'Unauthorized', why, 'ERR_INVALID_CREDENTIALS');
    };
    const account = typeof doc.uid === 'string' ? this.accounts.get(doc.uid) : undefined;
    if (!account || typeof doc.uid !== 'string') {
      refuse('Login failed: unknown uid or bad credentials');
      return;
    }
    if (typeof doc.password === 'string') {
      if (account.password === undefined || account.password !== doc.password) {
        refuse('Login failed: unknown uid or bad credentials');
        return;
      }
    } else if (typeof doc.token === 'string') {
      if (!account.publicKey) {
        refuse('Login failed: not a service account');
        return;
      }
      try {
        const { payload, protectedHeader } = await jwtVerify(doc.token, account.publicKey, {
          algorithms: ['RS256'],
          requiredClaims: ['exp', 'uid'],
        });
        if (protectedHeader.typ !== 'JWT' || payload['uid'] !== doc.uid) {
          refuse('Login failed: token uid does not match');
          return;
        }
      } catch (e) {
        refuse(`Service login token invalid: ${(e as Error).name}`);
        return;
      }
    } else {
      error(res, 400, 'Bad Request', 'password or token required', 'ERR_INVALID_DATA');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token: this.issueToken(doc.uid) }));
  }

  private secret(req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: Buffer): void {
    const auth = req.headers.authorization ?? '';
    const uid = auth.startsWith('token=') ? this.tokens.get(auth.slice('token='.length)) : undefined;
    if (uid === undefined) {
      res.setHeader('www-authenticate', 'acsjwt');
      error(res, 401, 'Unauthorized', 'Authentication required / invalid token', 'ERR_MISSING_AUTH');
      return;
    }
    const secretPath = decodeURIComponent(url.pathname.slice(SECRETS_PREFIX.length));
    const grants = this.accounts.get(uid)?.grants ?? new Set<string>();
    if (!grants.has('*') && !grants.has(secretPath)) {
      error(res, 403, 'Forbidden', `${uid} lacks dcos:secrets:default:/${secretPath} full`, 'ERR_FORBIDDEN');
      return;
    }
    const existing = this.secrets.get(secretPath);
    switch (req.method) {
      case 'GET': {
        if (url.searchParams.get('list') === 'true') {
          const keys = [...this.secrets.keys()].filter((k) => k.startsWith(secretPath));
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ array: keys }));
          return;
        }
        if (!existing) {
          error(res, 404, 'Not Found', `secret ${secretPath} not found`, 'ERR_NOT_FOUND');
          return;
        }
        res.writeHead(200, { 'content-type': existing.contentType });
        res.end(existing.body);
        return;
      }
      case 'PUT':
      case 'PATCH': {
        const stored = this.parseBody(req, res, body);
        if (!stored) return;
        if (req.method === 'PUT' && existing) {
          error(res, 409, 'Conflict', `secret ${secretPath} already exists`, 'ERR_ALREADY_EXISTS');
          return;
        }
        if (req.method === 'PATCH' && !existing) {
          error(res, 404, 'Not Found', `secret ${secretPath} not found`, 'ERR_NOT_FOUND');
          return;
        }
        this.secrets.set(secretPath, stored);
        res.writeHead(req.method === 'PUT' ? 201 : 204);
        res.end();
        return;
      }
      case 'DELETE': {
        if (!existing) {
          error(res, 404, 'Not Found', `secret ${secretPath} not found`, 'ERR_NOT_FOUND');
          return;
        }
        this.secrets.delete(secretPath);
        res.writeHead(204);
        res.end();
        return;
      }
      default: {
        error(res, 405, 'Method Not Allowed', String(req.method), 'ERR_METHOD');
        return;
      }
    }
  }

  /** The Content-Type rules: JSON per the Secret schema (additionalProperties false), or raw bytes. */
  private parseBody(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: Buffer,
  ): StoredSecret | undefined {
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (body.length > MAX_SECRET_BYTES) {
      error(res, 400, 'Bad Request', 'secret too large', 'ERR_TOO_LARGE');
      return undefined;
    }
    if (contentType === 'application/octet-stream') return { contentType, body };
    if (contentType !== 'application/json') {
      error(res, 400, 'Bad Request', `unsupported Content-Type '${contentType}'`, 'ERR_INVALID_CONTENT_TYPE');
      return undefined;
    }
    try {
      const doc = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      const allowed = ['author', 'created', 'description', 'labels', 'value'];
      if (
        typeof doc !== 'object' ||
        doc === null ||
        Object.keys(doc).some((k) => !allowed.includes(k)) ||
        typeof doc['value'] !== 'string'
      ) {
        throw new Error('schema');
      }
      // Stored as a value secret: GET answers {"value": …}.
      return { contentType, body: Buffer.from(JSON.stringify({ value: doc['value'] })) };
    } catch {
      error(res, 400, 'Bad Request', 'body does not match the Secret schema', 'ERR_INVALID_DATA');
      return undefined;
    }
  }
}

export { selfSignedCert } from './tls.js';
