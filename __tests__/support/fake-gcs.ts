/**
 * A fake of the Google endpoints a gs:// upload touches, following their documented contracts:
 * - Security Token Service (POST /sts/v1/token): RFC 8693 token exchange of the GitHub OIDC token
 *   that google-github-actions/auth writes to a file, as an external_account credential names it;
 * - IAM Credentials generateAccessToken (service account impersonation);
 * - Cloud Storage JSON API: objects.get (with ?fields=metadata), objects.insert as media or
 *   multipart upload (md5Hash checked), objects.delete; Bearer token required (401), per-bucket
 *   permissions (403 naming the missing storage.objects.* permission; replacing an object also
 *   needs storage.objects.delete), 404 for a missing bucket or object, with the API's error JSON.
 * Faults (5xx) can be queued. Plain HTTP on 127.0.0.1: STORAGE_EMULATOR_HOST points clients here.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { stopServer } from './http-server.js';

export const OIDC_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.github-oidc-subject-token.sig';
const STS_TOKEN = 'ya29.sts-federated-token-0001';
export const ACCESS_TOKEN = 'ya29.impersonated-sa-token-0002';
export const SERVICE_ACCOUNT = 'uploader@proj.iam.gserviceaccount.com';
const AUDIENCE =
  '//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/github/providers/gh';

export type Permission = 'get' | 'create' | 'delete';

export interface StoredObject {
  bytes: Buffer;
  contentType: string;
  metadata: Record<string, string>;
}

export interface GcsRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization?: string;
  status: number;
}

export interface FakeGcs {
  base: string;
  /** An external_account credentials file, as google-github-actions/auth writes it. */
  credentialsFile: string;
  buckets: Map<string, Map<string, StoredObject>>;
  /** Permissions the service account holds, per bucket; a bucket not listed: all. */
  permissions: Map<string, Set<Permission>>;
  requests: GcsRequest[];
  faults: { match: RegExp; status: number; times?: number }[];
  /** Scopes the impersonation calls asked for. */
  scopes: string[];
  stop(): Promise<void>;
}

function apiError(code: number, message: string, reason: string): string {
  return JSON.stringify({ error: { code, message, errors: [{ message, domain: 'global', reason }] } });
}

function parseMultipart(
  contentType: string,
  body: Buffer,
): { json: Record<string, unknown>; media: Buffer } | undefined {
  const boundary = /boundary=("?)([^";]+)\1/.exec(contentType)?.[2];
  if (!boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    parts.push(body.subarray(start + delimiter.length + 2, next - 2)); // drop CRLF after and before
    start = next;
  }
  if (parts.length !== 2) return undefined;
  const split = (part: Buffer) => {
    const end = part.indexOf('\r\n\r\n');
    return { head: part.subarray(0, end).toString(), content: part.subarray(end + 4) };
  };
  const meta = split(parts[0]!);
  const media = split(parts[1]!);
  if (!/application\/json/i.test(meta.head)) return undefined;
  return { json: JSON.parse(meta.content.toString()) as Record<string, unknown>, media: media.content };
}

export async function startFakeGcs(): Promise<FakeGcs> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pc-gcs-'));
  const buckets = new Map<string, Map<string, StoredObject>>();
  const permissions = new Map<string, Set<Permission>>();
  const requests: GcsRequest[] = [];
  const faults: FakeGcs['faults'] = [];
  const used = new Map<object, number>();
  const scopes: string[] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const method = req.method ?? 'GET';
      const record: GcsRequest = {
        method,
        path: url.pathname,
        query: url.searchParams,
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
        status: 0,
      };
      requests.push(record);
      // Returns true so route code can `return send(...)`.
      const send = (status: number, json?: string | object): true => {
        record.status = status;
        const type = json === undefined ? {} : { 'content-type': 'application/json; charset=UTF-8' };
        res.writeHead(status, type);
        res.end(json === undefined ? undefined : typeof json === 'string' ? json : JSON.stringify(json));
        return true;
      };

      const fault = faults.find(
        (f) => f.match.test(`${method} ${url.pathname}`) && (used.get(f) ?? 0) < (f.times ?? Infinity),
      );
      if (fault) {
        used.set(fault, (used.get(fault) ?? 0) + 1);
        send(fault.status, apiError(fault.status, 'Backend Error', 'backendError'));
        return;
      }

      if (method === 'POST' && url.pathname === '/sts/v1/token') {
        const form = new URLSearchParams(body.toString());
        if (
          form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:token-exchange' ||
          form.get('subject_token') !== OIDC_TOKEN ||
          form.get('audience') !== AUDIENCE
        ) {
          send(400, { error: 'invalid_grant', error_description: 'The subject token is invalid.' });
          return;
        }
        send(200, {
          access_token: STS_TOKEN,
          issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          token_type: 'Bearer',
          expires_in: 3600,
        });
        return;
      }
      const impersonate = /^\/iam\/v1\/projects\/-\/serviceAccounts\/([^/:]+):generateAccessToken$/.exec(
        url.pathname,
      );
      if (method === 'POST' && impersonate) {
        if (req.headers.authorization !== `Bearer ${STS_TOKEN}` || impersonate[1] !== SERVICE_ACCOUNT) {
          send(403, apiError(403, 'Permission iam.serviceAccounts.getAccessToken denied', 'forbidden'));
          return;
        }
        const asked = JSON.parse(body.toString()) as { scope?: string[] };
        scopes.push(...(asked.scope ?? []));
        send(200, { accessToken: ACCESS_TOKEN, expireTime: new Date(Date.now() + 3_600_000).toISOString() });
        return;
      }

      const objectRoute = /^\/storage\/v1\/b\/([^/]+)\/o\/([^/]+)$/.exec(url.pathname);
      const uploadRoute = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
      if (!objectRoute && !uploadRoute) {
        send(404, apiError(404, 'Not Found', 'notFound'));
        return;
      }
      if (req.headers.authorization !== `Bearer ${ACCESS_TOKEN}`) {
        send(401, apiError(401, 'Invalid Credentials', 'authError'));
        return;
      }
      const bucketName = decodeURIComponent((objectRoute ?? uploadRoute)![1]!);
      const bucket = buckets.get(bucketName);
      if (!bucket) {
        send(404, apiError(404, 'The specified bucket does not exist.', 'notFound'));
        return;
      }
      const may = (p: Permission) => permissions.get(bucketName)?.has(p) ?? true;
      const denied = (p: Permission): true =>
        send(
          403,
          apiError(
            403,
            `${SERVICE_ACCOUNT} does not have storage.objects.${p} access to the Google Cloud Storage object. ` +
              `Permission 'storage.objects.${p}' denied on resource (or it may not exist).`,
            'forbidden',
          ),
        );
      const resource = (name: string, o: StoredObject) => ({
        kind: 'storage#object',
        name,
        bucket: bucketName,
        contentType: o.contentType,
        size: String(o.bytes.length),
        md5Hash: createHash('md5').update(o.bytes).digest('base64'),
        metadata: o.metadata,
      });

      if (objectRoute) {
        const name = decodeURIComponent(objectRoute[2]!);
        const object = bucket.get(name);
        if (method === 'GET') {
          if (!may('get')) return denied('get');
          if (!object) {
            send(404, apiError(404, `No such object: ${bucketName}/${name}`, 'notFound'));
            return;
          }
          if (url.searchParams.get('alt') === 'media') {
            // The object's bytes, as the JSON API's media download sends them.
            record.status = 200;
            res.writeHead(200, { 'content-type': object.contentType });
            res.end(object.bytes);
            return;
          }
          const full = resource(name, object);
          send(200, url.searchParams.get('fields') === 'metadata' ? { metadata: full.metadata } : full);
          return;
        }
        if (method === 'DELETE') {
          if (!may('delete')) return denied('delete');
          if (!object) {
            send(404, apiError(404, `No such object: ${bucketName}/${name}`, 'notFound'));
            return;
          }
          bucket.delete(name);
          send(204);
          return;
        }
        send(405, apiError(405, 'Method Not Allowed', 'methodNotAllowed'));
        return;
      }

      if (method !== 'POST') {
        send(405, apiError(405, 'Method Not Allowed', 'methodNotAllowed'));
        return;
      }
      const type = url.searchParams.get('uploadType');
      let name: string | undefined;
      let stored: StoredObject;
      let md5: unknown;
      if (type === 'media') {
        name = url.searchParams.get('name') ?? undefined;
        stored = {
          bytes: body,
          contentType: req.headers['content-type'] ?? 'application/octet-stream',
          metadata: {},
        };
      } else if (type === 'multipart') {
        const parsed = parseMultipart(req.headers['content-type'] ?? '', body);
        if (!parsed) {
          send(400, apiError(400, 'Invalid multipart request', 'invalid'));
          return;
        }
        name = typeof parsed.json.name === 'string' ? parsed.json.name : undefined;
        md5 = parsed.json.md5Hash;
        stored = {
          bytes: parsed.media,
          contentType:
            typeof parsed.json.contentType === 'string'
              ? parsed.json.contentType
              : 'application/octet-stream',
          metadata: (parsed.json.metadata ?? {}) as Record<string, string>,
        };
      } else {
        send(400, apiError(400, `Invalid upload type: ${type ?? ''}`, 'invalid'));
        return;
      }
      if (!name) {
        send(400, apiError(400, 'Required', 'required'));
        return;
      }
      if (!may('create')) return denied('create');
      if (bucket.has(name) && !may('delete')) return denied('delete');
      const actual = createHash('md5').update(stored.bytes).digest('base64');
      if (md5 !== undefined && md5 !== actual) {
        send(
          400,
          apiError(
            400,
            `Provided MD5 hash "${JSON.stringify(md5)}" doesn't match calculated MD5 hash "${actual}".`,
            'invalid',
          ),
        );
        return;
      }
      bucket.set(name, stored);
      send(200, resource(name, stored));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;

  // What google-github-actions/auth writes for Workload Identity Federation with impersonation.
  const tokenFile = path.join(dir, 'oidc-token');
  await fs.writeFile(tokenFile, OIDC_TOKEN);
  const credentialsFile = path.join(dir, 'gha-creds.json');
  await fs.writeFile(
    credentialsFile,
    JSON.stringify({
      type: 'external_account',
      audience: AUDIENCE,
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      token_url: `${base}/sts/v1/token`,
      service_account_impersonation_url: `${base}/iam/v1/projects/-/serviceAccounts/${SERVICE_ACCOUNT}:generateAccessToken`,
      credential_source: { file: tokenFile },
    }),
  );

  return {
    base,
    credentialsFile,
    buckets,
    permissions,
    requests,
    faults,
    scopes,
    async stop() {
      await stopServer(server);
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
