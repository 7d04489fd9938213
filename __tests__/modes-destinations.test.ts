/**
 * The upload target's inspect against every kind of destination, with failures: each destination
 * read back (file read, S3 GetObject, GCS metadata + media download, HTTPS GET), one failing read
 * never hides the others, and no request writes anything.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseRegistry } from '../src/credentials/address.js';
import { buildDispatcher, setDispatcherFactory } from '../src/http/transport.js';
import { uploadTarget } from '../src/targets/upload.js';
import { startFakeGcs, type FakeGcs } from './support/fake-gcs.js';
import {
  DEPLOY_TOKEN,
  READ_ONLY_TOKEN,
  SIGNATURE,
  startHttpsPutServer,
  type HttpsPutServer,
} from './support/https-put-server.js';
import { S3_ACCESS_KEY, S3_SECRET_KEY, startS3, type TestS3 } from './support/s3-server.js';
import { context, planUpload, testArchive, upload } from './support/upload-run.js';

let s3: TestS3;
let gcs: FakeGcs;
let put: HttpsPutServer;
let dir: string;

beforeAll(async () => {
  [s3, gcs, put] = await Promise.all([startS3(['bucket']), startFakeGcs(), startHttpsPutServer()]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-modes-dest-'));
});
afterAll(async () => {
  setDispatcherFactory(undefined);
  await Promise.all([s3.stop(), gcs.stop(), put.stop()]);
  fs.rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  // The runner's trust store plus the test CA, as NODE_EXTRA_CA_CERTS gives it to the action.
  setDispatcherFactory((options) => buildDispatcher({ ...options, ca: put.ca.caPem }));
  gcs.buckets.clear();
  gcs.buckets.set('ci-bucket', new Map());
  gcs.faults.length = 0;
  gcs.permissions.clear();
  s3.faults.length = 0;
  put.faults.length = 0;
  vi.stubEnv('STORAGE_EMULATOR_HOST', gcs.base);
  vi.stubEnv('GOOGLE_APPLICATION_CREDENTIALS', gcs.credentialsFile);
  vi.stubEnv('AWS_ACCESS_KEY_ID', S3_ACCESS_KEY);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', S3_SECRET_KEY);
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  return () => {
    vi.unstubAllEnvs();
  };
});

const writes = () =>
  s3.requests.filter((r) => !['GET', 'HEAD'].includes(r.method)).length +
  gcs.requests.filter((r) => r.path.startsWith('/upload/') || r.method === 'DELETE').length +
  put.requests.filter((r) => !['GET', 'HEAD'].includes(r.method)).length;

function inputsFor(token = DEPLOY_TOKEN): Record<string, string> {
  return {
    'upload-to': [
      path.join(dir, 'docker.tar.gz'),
      's3://bucket/ci/docker.tar.gz',
      'gs://ci-bucket/ci/docker.tar.gz',
      `${put.origin}/artifactory/repo/docker.tar.gz`,
      `${put.origin}/presigned/b/docker.tar.gz?X-Amz-Signature=${SIGNATURE}`,
    ].join('\n'),
    'upload-headers': `Authorization: Bearer ${token}`,
    's3-endpoint': s3.endpoint,
    's3-force-path-style': 'true',
    's3-region': 'us-east-1',
  };
}

async function inspect(inputs: Record<string, string>, password = 'hunter2-registry-secret') {
  const plan = planUpload(inputs);
  const ctx = context(testArchive(password));
  // The credentials the archive was built from (testArchive: alice at registry.example.com).
  const credentials = [{ address: parseRegistry('registry.example.com'), username: 'alice', password }];
  return uploadTarget.inspect!(plan, { ...ctx, base: { ...ctx.base, credentials } });
}

describe('upload inspect', () => {
  it('reads each destination back without writing: absent, then present and current after an upload', async () => {
    const archive = testArchive('first-Pw-1');
    const start = writes();
    const empty = await inspect(inputsFor(), 'first-Pw-1');
    expect(writes()).toBe(start);
    expect(empty.map((o) => o.found)).toEqual(['absent', 'absent', 'absent', 'absent', 'unreadable']);

    const written = await upload('present', inputsFor(), archive);
    expect(written.results.map((r) => r.action)).toEqual([
      'written',
      'written',
      'written',
      'written',
      'written',
    ]);
    const after = writes();
    const same = await inspect(inputsFor(), 'first-Pw-1');
    expect(writes()).toBe(after);
    expect(same.map((o) => [o.found, o.upToDate, o.managed])).toEqual([
      ['present', true, true],
      ['present', true, true],
      ['present', true, true],
      ['present', true, true],
      ['unreadable', undefined, undefined],
    ]);
    // The stored document is read back out of each archive, for audit to verify.
    expect(same.slice(0, 4).map((o) => o.document)).toEqual(Array(4).fill(archive.document));

    const rotated = await inspect(inputsFor(), 'second-Pw-2');
    expect(rotated.slice(0, 4).map((o) => o.upToDate)).toEqual([false, false, false, false]);
    expect(rotated[1]!.changes).toEqual([
      expect.stringMatching(/^~ archive sha256 [0-9a-f]{64} → [0-9a-f]{64}$/),
      '~ registry registry.example.com: password changed',
    ]);
  });

  it('one failing read never hides the others, and says what to fix', async () => {
    s3.faults.push({ match: /^GET \/bucket\/ci\/docker\.tar\.gz/, status: 403, code: 'AccessDenied' });
    gcs.permissions.set('ci-bucket', new Set(['create']));
    const observed = await inspect(inputsFor(READ_ONLY_TOKEN));
    expect(observed.map((o) => o.found)).toEqual(['present', 'failed', 'failed', 'present', 'unreadable']);
    expect(observed[1]!.message).toMatch(
      /GetObject s3:\/\/bucket\/ci\/docker.tar.gz: access denied: the credentials lack s3:GetObject/,
    );
    expect(observed[2]!.message).toMatch(/lacks storage\.objects\.get on bucket ci-bucket/);

    put.faults.push({ match: /^GET \/artifactory\//, status: 401 });
    const refused = await inspect(inputsFor());
    expect(refused[3]).toMatchObject({
      found: 'failed',
      message: expect.stringMatching(/HTTP 401 Unauthorized/) as string,
    });
    expect(refused[0]!.found).toBe('present');
    expect(JSON.stringify(refused)).not.toContain(SIGNATURE);
  });
});
