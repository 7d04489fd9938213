/**
 * Bad destinations and destination inputs fail the plan with an InputError naming the input, before
 * any connection is made, and without quoting a presigned URL's query or a header's value.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { fileDestination, localPath } from '../src/destinations/file.js';
import { InputError } from '../src/errors.js';
import type { PathModule } from '../src/paths.js';
import { planUpload } from './support/upload-run.js';

let server: http.Server;
let connections = 0;
let host = '';

beforeAll(async () => {
  server = http.createServer((_req, res) => res.end());
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
});
beforeEach(() => {
  vi.stubEnv('AWS_REGION', undefined);
  vi.stubEnv('AWS_DEFAULT_REGION', undefined);
  vi.stubEnv('STORAGE_EMULATOR_HOST', `http://${host}`);
  return () => {
    vi.unstubAllEnvs();
  };
});

const SECRET_QUERY = 'X-Amz-Signature=0123456789abcdef0123456789abcdef';
const SECRET_HEADER = 'Bearer super-secret-deploy-token';

const cases: { name: string; inputs: () => Record<string, string>; input: string; message: RegExp }[] = [
  { name: 'unknown scheme', inputs: () => ({ 'upload-to': 'ftp://host/docker.tar.gz' }), input: 'upload-to', message: /'ftp:' destinations are not supported \(supported: s3, gs, https, file\)/ },
  { name: 's3 without bucket', inputs: () => ({ 'upload-to': 's3:///key', 's3-region': 'us-east-1' }), input: 'upload-to', message: /has no bucket/ },
  { name: 's3 bad bucket name', inputs: () => ({ 'upload-to': 's3://My_Bucket/key', 's3-region': 'us-east-1' }), input: 'upload-to', message: /'My_Bucket' .* is not a valid bucket name/ },
  { name: 's3 without key', inputs: () => ({ 'upload-to': 's3://bucket', 's3-region': 'us-east-1' }), input: 'upload-to', message: /has no object key/ },
  { name: 's3 folder key', inputs: () => ({ 'upload-to': 's3://bucket/dir/', 's3-region': 'us-east-1' }), input: 'upload-to', message: /names a folder/ },
  { name: 's3 single slash', inputs: () => ({ 'upload-to': 's3:/bucket/key', 's3-region': 'us-east-1' }), input: 'upload-to', message: /must be s3:\/\/bucket\/key/ },
  { name: 's3 without a region', inputs: () => ({ 'upload-to': 's3://bucket/key' }), input: 's3-region', message: /is required for s3:\/\/bucket\/key/ },
  { name: 's3 bad region', inputs: () => ({ 'upload-to': 's3://bucket/key', 's3-region': 'EU West' }), input: 's3-region', message: /not a region name/ },
  { name: 's3 endpoint over plain http', inputs: () => ({ 'upload-to': 's3://bucket/key', 's3-endpoint': 'http://minio.example.com:9000' }), input: 's3-endpoint', message: /plain http is accepted for localhost only/ },
  { name: 's3 endpoint with a path', inputs: () => ({ 'upload-to': 's3://bucket/key', 's3-endpoint': 'https://minio.example.com/s3' }), input: 's3-endpoint', message: /must have no path/ },
  { name: 's3 endpoint not a URL', inputs: () => ({ 'upload-to': 's3://bucket/key', 's3-endpoint': 'minio:9000' }), input: 's3-endpoint', message: /use https:\/\/host\[:port\]/ },
  { name: 's3 path style not boolean', inputs: () => ({ 'upload-to': 's3://bucket/key', 's3-region': 'us-east-1', 's3-force-path-style': 'yes' }), input: 's3-force-path-style', message: /'yes' is not a boolean/ },
  { name: 's3 unknown SSE', inputs: () => ({ 'upload-to': 's3://bucket/key', 's3-region': 'us-east-1', 's3-sse': 'SSE-C' }), input: 's3-sse', message: /use one of AES256, aws:kms, none/ },
  { name: 's3 SSE none on AWS', inputs: () => ({ 'upload-to': 's3://bucket/key', 's3-region': 'us-east-1', 's3-sse': 'none' }), input: 's3-sse', message: /none is for S3-compatible stores \(s3-endpoint\)/ },
  { name: 'kms key without aws:kms', inputs: () => ({ 'upload-to': 's3://bucket/key', 's3-region': 'us-east-1', 's3-kms-key-id': 'alias/x' }), input: 's3-kms-key-id', message: /only used with s3-sse: aws:kms/ },
  { name: 'gs bad bucket', inputs: () => ({ 'upload-to': 'gs://Bad/docker.tar.gz' }), input: 'upload-to', message: /not a valid Cloud Storage bucket name/ },
  { name: 'gs without object', inputs: () => ({ 'upload-to': 'gs://bucket/' }), input: 'upload-to', message: /has no object name/ },
  { name: 'gs folder', inputs: () => ({ 'upload-to': 'gs://bucket/dir/' }), input: 'upload-to', message: /names a folder/ },
  { name: 'plain http', inputs: () => ({ 'upload-to': `http://${host}/docker.tar.gz?${SECRET_QUERY}` }), input: 'upload-to', message: /is plain http: the archive holds registry credentials/ },
  { name: 'https with user:password', inputs: () => ({ 'upload-to': `https://u:pw-in-url-secret@${host}/docker.tar.gz` }), input: 'upload-to', message: /user:password in the URL is not accepted/ },
  { name: 'https directory', inputs: () => ({ 'upload-to': `https://${host}/repo/?${SECRET_QUERY}` }), input: 'upload-to', message: /names a directory/ },
  { name: 'https fragment', inputs: () => ({ 'upload-to': `https://${host}/a.tar.gz#x` }), input: 'upload-to', message: /has a #fragment/ },
  { name: 'header without colon', inputs: () => ({ 'upload-to': `https://${host}/a.tar.gz`, 'upload-headers': SECRET_HEADER }), input: 'upload-headers', message: /line 1 is not a 'Name: value' header/ },
  { name: 'bad header name', inputs: () => ({ 'upload-to': `https://${host}/a.tar.gz`, 'upload-headers': `Auth orization: ${SECRET_HEADER}` }), input: 'upload-headers', message: /'Auth orization' is not a valid header name/ },
  { name: 'reserved header', inputs: () => ({ 'upload-to': `https://${host}/a.tar.gz`, 'upload-headers': 'Content-Length: 5' }), input: 'upload-headers', message: /'Content-Length' is set by the action/ },
  { name: 'duplicate header', inputs: () => ({ 'upload-to': `https://${host}/a.tar.gz`, 'upload-headers': `Authorization: ${SECRET_HEADER}\nauthorization: x` }), input: 'upload-headers', message: /'authorization' is given twice/ },
  { name: 'empty header value', inputs: () => ({ 'upload-to': `https://${host}/a.tar.gz`, 'upload-headers': 'X-Token:' }), input: 'upload-headers', message: /'X-Token' has an empty value/ },
  { name: 'destination listed twice', inputs: () => ({ 'upload-to': `https://${host}/a.tar.gz?${SECRET_QUERY}\nhttps://${host}/a.tar.gz?other=1` }), input: 'upload-to', message: /is listed twice/ },
  { name: 'bad fetch-scheme', inputs: () => ({ 'upload-to': 's3://bucket/key', 's3-region': 'us-east-1', 'fetch-scheme': 'http' }), input: 'fetch-scheme', message: /use one of https, native/ },
]; // prettier-ignore

describe('destination input errors', () => {
  it.each(cases)('$name → InputError($input)', ({ inputs, input, message }) => {
    let thrown: unknown;
    try {
      planUpload(inputs());
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InputError);
    const error = thrown as InputError;
    expect(error.input).toBe(input);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('0123456789abcdef');
    expect(error.message).not.toContain('super-secret-deploy-token');
    expect(error.message).not.toContain('pw-in-url-secret');
    expect(connections).toBe(0);
  });

  it('accepts a plain-http S3 endpoint on localhost (a local MinIO) and an https destination', () => {
    const plan = planUpload({
      'upload-to': `s3://bucket/key\nhttps://${host}/a.tar.gz?${SECRET_QUERY}\ngs://bucket-1/o.tar.gz`,
      's3-endpoint': `http://${host}`,
      's3-force-path-style': 'true',
      'upload-headers': `Authorization: ${SECRET_HEADER}`,
    });
    expect(plan.destinations.map((d) => d.display)).toEqual([
      's3://bucket/key',
      `https://${host}/a.tar.gz`,
      'gs://bucket-1/o.tar.gz',
    ]);
    expect(connections).toBe(0);
  });
});

describe('file destinations on either OS', () => {
  const win = path.win32;
  const posix = path.posix;
  it.each<[string, PathModule, string, string]>([
    ['posix', posix, '/srv/docker.tar.gz', '/srv/docker.tar.gz'],
    ['posix', posix, 'file:///srv/docker.tar.gz', '/srv/docker.tar.gz'],
    ['posix', posix, 'file:///srv/a%20b/docker.tar.gz', '/srv/a b/docker.tar.gz'],
    ['posix', posix, '/mnt/a:b/docker.tar.gz', '/mnt/a:b/docker.tar.gz'],
    ['windows', win, 'C:\\agents\\docker.tar.gz', 'C:\\agents\\docker.tar.gz'],
    ['windows', win, 'D:/a/_temp/docker.tar.gz', 'D:\\a\\_temp\\docker.tar.gz'],
    ['windows', win, 'file:///C:/agents/docker.tar.gz', 'C:\\agents\\docker.tar.gz'],
    ['windows', win, '\\\\server\\share\\docker.tar.gz', '\\\\server\\share\\docker.tar.gz'],
  ])('%s: %s is %s', (_os, p, uri, file) => {
    expect(localPath(uri, p)).toBe(file);
  });

  it.each<[string, PathModule, string, RegExp]>([
    ['posix', posix, '/srv/../etc/docker.tar.gz', /'\.\.' segment/],
    ['posix', posix, 'file:///srv/../etc/docker.tar.gz', /'\.\.' segment/],
    ['posix', posix, 'file:///srv/%2e%2e/etc/docker.tar.gz', /'\.\.' segment/],
    ['posix', posix, 'file:///srv/a%00b.tar.gz', /control character/],
    ['posix', posix, 'C:\\agents\\docker.tar.gz', /not an absolute path/],
    ['posix', posix, '/srv/dir/', /names a directory/],
    ['windows', win, 'C:\\agents\\..\\docker.tar.gz', /'\.\.' segment/],
    ['windows', win, 'C:/agents/../docker.tar.gz', /'\.\.' segment/],
    ['windows', win, 'agents\\docker.tar.gz', /not an absolute path: give C:\\path/],
    ['windows', win, '\\agents\\docker.tar.gz', /not an absolute path/],
    ['windows', win, 'C:\\agents\\', /names a directory/],
  ])('%s: %s is refused', (_os, p, uri, message) => {
    let error: unknown;
    try {
      localPath(uri, p);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).input).toBe('upload-to');
    expect((error as InputError).message).toMatch(message);
  });

  it.each(['C:\\agents\\docker.tar.gz', 'd:/a/docker.tar.gz', 'file:///C:/x.tgz'])(
    '%s is a file destination, not a URL scheme',
    (uri) => {
      expect(fileDestination.matches(uri)).toBe(true);
    },
  );

  it('refuses an existing directory at plan time', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-dir-dest-'));
    try {
      expect(() => planUpload({ 'upload-to': dir })).toThrow(/is an existing directory/);
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });
});
