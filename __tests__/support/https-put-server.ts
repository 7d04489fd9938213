/**
 * An HTTPS file server with the upload contracts our https:// destination meets, on 127.0.0.1
 * with a certificate from a throw-away CA:
 * - /artifactory/…: Artifactory-style deploy. `Authorization: Bearer <token>` required (401 without,
 *   403 for a read-only token); PUT verifies X-Checksum-Sha256 against the body (409 on mismatch,
 *   as Artifactory does); HEAD answers X-Checksum-Sha256 of the stored file; DELETE 204/404.
 * - /presigned/…?X-Amz-Signature=…: a presigned URL. The signature must match and signs one method
 *   (X-Amz-Method, default PUT): any other method, or a wrong signature, is 403; an Authorization
 *   header as well is 400 InvalidArgument ("Only one auth mechanism allowed"), as S3 answers.
 * - /webdav/missing/…: 409 Conflict (parent collection missing), /moved/…: 301 elsewhere.
 * Faults (5xx, resets) can be queued; every request is recorded with its body's sha256.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createTestCA, type TestCA } from './registry.js';
import { stopServer } from './http-server.js';

export const DEPLOY_TOKEN = 'deploy-token-5f2b8c1e9a';
export const READ_ONLY_TOKEN = 'read-only-token-77aa01';
export const SIGNATURE = 'a3f1c0ffee5e7d2b9c4e8f6a1d3b5c7e9f0a2b4c6d8e0f1a3b5c7d9e1f3a5b7c';

export interface RecordedPut {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string | string[] | undefined>;
  bodySha256: string;
  status: number;
}

export interface HttpsFault {
  match: RegExp;
  status?: number;
  reset?: boolean;
  times?: number;
}

export interface HttpsPutServer {
  origin: string;
  ca: TestCA;
  requests: RecordedPut[];
  faults: HttpsFault[];
  files: Map<string, { body: Buffer; headers: Record<string, string | string[] | undefined> }>;
  stop(): Promise<void>;
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

export async function startHttpsPutServer(): Promise<HttpsPutServer> {
  const ca = await createTestCA();
  const [key, cert] = await Promise.all([fs.readFile(ca.serverKeyFile), fs.readFile(ca.serverCertFile)]);
  const requests: RecordedPut[] = [];
  const faults: HttpsFault[] = [];
  const used = new Map<HttpsFault, number>();
  const files = new Map<string, { body: Buffer; headers: Record<string, string | string[] | undefined> }>();

  const server = https.createServer({ key, cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'https://127.0.0.1');
      const method = req.method ?? 'GET';
      const record: RecordedPut = {
        method,
        path: url.pathname,
        query: url.search,
        headers: req.headers,
        bodySha256: sha256(body),
        status: 0,
      };
      requests.push(record);
      const answer = (status: number, headers: Record<string, string> = {}, text: string | Buffer = '') => {
        record.status = status;
        res.writeHead(status, headers);
        res.end(method === 'HEAD' ? undefined : text);
      };

      const fault = faults.find(
        (f) => f.match.test(`${method} ${url.pathname}`) && (used.get(f) ?? 0) < (f.times ?? Infinity),
      );
      if (fault) {
        used.set(fault, (used.get(fault) ?? 0) + 1);
        if (fault.reset) {
          req.socket.destroy();
          return;
        }
        answer(fault.status ?? 500, {}, 'injected');
        return;
      }

      const path = url.pathname;
      if (path.startsWith('/moved/')) {
        answer(301, { location: `https://elsewhere.example.com${path}?token=leak` });
        return;
      }
      if (path.startsWith('/webdav/missing/')) {
        answer(409, {}, 'parent collection missing');
        return;
      }
      if (path.startsWith('/presigned/')) {
        // As S3 answers a presigned request that also carries an Authorization header.
        if (req.headers.authorization !== undefined) {
          answer(
            400,
            { 'content-type': 'application/xml' },
            '<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed; only the ' +
              'X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization ' +
              'header should be specified</Message></Error>',
          );
          return;
        }
        const signedFor = url.searchParams.get('X-Amz-Method') ?? 'PUT';
        if (url.searchParams.get('X-Amz-Signature') !== SIGNATURE || method !== signedFor) {
          answer(
            403,
            { 'content-type': 'application/xml' },
            '<Error><Code>SignatureDoesNotMatch</Code></Error>',
          );
          return;
        }
      } else if (path.startsWith('/artifactory/')) {
        const auth = req.headers.authorization;
        if (auth !== `Bearer ${DEPLOY_TOKEN}` && auth !== `Bearer ${READ_ONLY_TOKEN}`) {
          answer(401, { 'www-authenticate': 'Bearer realm="artifactory"' }, 'unauthorized');
          return;
        }
        if (auth === `Bearer ${READ_ONLY_TOKEN}` && (method === 'PUT' || method === 'DELETE')) {
          answer(403, {}, 'forbidden');
          return;
        }
      } else {
        answer(404, {}, 'no such repository');
        return;
      }

      const stored = files.get(path);
      switch (method) {
        case 'PUT': {
          const claimed = req.headers['x-checksum-sha256'];
          if (typeof claimed === 'string' && claimed !== sha256(body)) {
            answer(409, {}, 'checksum mismatch');
            return;
          }
          files.set(path, { body, headers: req.headers });
          answer(201);
          return;
        }
        case 'HEAD':
        case 'GET':
          // Artifactory answers both with the file's checksum headers; GET sends the file.
          if (!stored) answer(404);
          else if (path.startsWith('/artifactory/')) {
            answer(200, { 'x-checksum-sha256': sha256(stored.body) }, stored.body);
          } else answer(200, {}, stored.body);
          return;
        case 'DELETE':
          if (!stored) answer(404);
          else {
            files.delete(path);
            answer(204);
          }
          return;
        default:
          answer(405);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `https://127.0.0.1:${port}`,
    ca,
    requests,
    faults,
    files,
    async stop() {
      await stopServer(server);
      await fs.rm(ca.dir, { recursive: true, force: true });
    },
  };
}
