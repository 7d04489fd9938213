/**
 * A real S3-compatible server (s3rver, which checks SigV4 signatures with the S3RVER/S3RVER key
 * pair) behind a small recording front on 127.0.0.1. The front records every request's headers,
 * injects faults S3 would send (503 SlowDown, 403 AccessDenied, 301 PermanentRedirect,
 * 400 AuthorizationHeaderMalformed), and echoes the server-side-encryption headers of a stored
 * object on HEAD/GET as S3 does (s3rver stores but does not echo them).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import S3rver from 's3rver';
import { stopServer } from './http-server.js';

export const S3_ACCESS_KEY = 'S3RVER';
export const S3_SECRET_KEY = 'S3RVER';

export interface RecordedS3Request {
  method: string;
  /** Path without the query, e.g. /bucket/key. */
  path: string;
  query: string;
  headers: http.IncomingHttpHeaders;
  status: number;
}

export interface S3Fault {
  /** Tested against `METHOD /path`. */
  match: RegExp;
  status: number;
  code: string;
  message?: string;
  /** Extra XML elements (e.g. <Region>) and headers (e.g. x-amz-bucket-region). */
  xml?: string;
  headers?: Record<string, string>;
  times?: number;
}

export interface TestS3 {
  endpoint: string;
  requests: RecordedS3Request[];
  faults: S3Fault[];
  /** Whether HEAD/GET report a stored object's encryption, as S3 does (false: as bare s3rver, which does not). */
  reportsEncryption: boolean;
  /** Requests of one kind, e.g. count('PUT', '/bucket/key'). */
  count(method: string, objectPath: string): number;
  stop(): Promise<void>;
}

interface Sse {
  algorithm: string;
  keyId?: string;
}

function xmlError(fault: S3Fault, resource: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${fault.code}</Code>` +
    `<Message>${fault.message ?? fault.code}</Message>${fault.xml ?? ''}` +
    `<Resource>${resource}</Resource><RequestId>test</RequestId></Error>`
  );
}

export async function startS3(buckets: string[]): Promise<TestS3> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'pc-s3rver-'));
  const s3rver = new S3rver({
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  await s3rver.configureBuckets();
  const handler = s3rver.callback();
  const requests: RecordedS3Request[] = [];
  const faults: S3Fault[] = [];
  const used = new Map<S3Fault, number>();
  const sse = new Map<string, Sse>();
  // Filled in once the server listens; the request handler reads reportsEncryption from it.
  const test = { reportsEncryption: true } as TestS3;

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // The SDK tags object calls with ?x-id=PutObject; any other parameter is a sub-resource.
    url.searchParams.delete('x-id');
    const line = `${req.method ?? 'GET'} ${url.pathname}`;
    const record: RecordedS3Request = {
      method: req.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      query: url.search,
      headers: req.headers,
      status: 0,
    };
    requests.push(record);
    res.on('finish', () => {
      record.status = res.statusCode;
      // Keep what S3 would keep alongside the object: its encryption settings.
      if (req.method === 'PUT' && res.statusCode === 200 && url.search === '') {
        const algorithm = req.headers['x-amz-server-side-encryption'];
        const keyId = req.headers['x-amz-server-side-encryption-aws-kms-key-id'];
        if (typeof algorithm === 'string') {
          sse.set(url.pathname, { algorithm, ...(typeof keyId === 'string' ? { keyId } : {}) });
        } else sse.delete(url.pathname);
      }
      if (req.method === 'DELETE' && res.statusCode < 300) sse.delete(url.pathname);
    });

    const fault = faults.find((f) => f.match.test(line) && (used.get(f) ?? 0) < (f.times ?? Infinity));
    if (fault) {
      used.set(fault, (used.get(fault) ?? 0) + 1);
      // Drain the body so the client sees the answer, not a reset.
      req.resume();
      res.writeHead(fault.status, { 'content-type': 'application/xml', ...fault.headers });
      res.end(req.method === 'HEAD' ? undefined : xmlError(fault, url.pathname));
      return;
    }
    const stored = sse.get(url.pathname);
    if (stored && test.reportsEncryption && (req.method === 'HEAD' || req.method === 'GET')) {
      res.setHeader('x-amz-server-side-encryption', stored.algorithm);
      if (stored.keyId) res.setHeader('x-amz-server-side-encryption-aws-kms-key-id', stored.keyId);
    }
    void handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  Object.assign(test, {
    reportsEncryption: true,
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    faults,
    count: (method: string, objectPath: string) =>
      requests.filter((r) => r.method === method && r.path === objectPath && r.query === '').length,
    async stop() {
      await stopServer(server);
      s3rver.logger.close();
      await fs.rm(directory, { recursive: true, force: true });
    },
  } satisfies TestS3);
  return test;
}
