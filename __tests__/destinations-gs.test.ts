/**
 * gs:// destinations: the real google-auth-library exchanges a Workload Identity Federation
 * credential (as google-github-actions/auth writes it) at a fake STS and IAM Credentials, and the
 * upload goes to a fake of the Cloud Storage JSON API through STORAGE_EMULATOR_HOST.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { sha256 } from '../src/archive.js';
import { gsDestination } from '../src/destinations/gs.js';
import { ACCESS_TOKEN, startFakeGcs, type FakeGcs } from './support/fake-gcs.js';
import { testArchive, upload } from './support/upload-run.js';

let gcs: FakeGcs;

beforeAll(async () => {
  gcs = await startFakeGcs();
});
afterAll(async () => {
  await gcs.stop();
});
beforeEach(() => {
  gcs.buckets.clear();
  gcs.buckets.set('ci-bucket', new Map());
  gcs.permissions.clear();
  gcs.requests.length = 0;
  gcs.faults.length = 0;
  vi.stubEnv('STORAGE_EMULATOR_HOST', gcs.base);
  vi.stubEnv('GOOGLE_APPLICATION_CREDENTIALS', gcs.credentialsFile);
  return () => {
    vi.unstubAllEnvs();
  };
});

const uploads = () => gcs.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/upload/'));

describe('gs put', () => {
  it('uploads with sha256 metadata through a federated token, then skips an identical archive', async () => {
    const archive = testArchive('gcs-first');
    const inputs = { 'upload-to': 'gs://ci-bucket/mesos/docker.tar.gz' };
    const first = await upload('present', inputs, archive);
    expect(first.results).toEqual([
      expect.objectContaining({ subject: 'gs://ci-bucket/mesos/docker.tar.gz', action: 'written' }),
    ]);
    expect(first.outputs?.['fetch-uris']).toEqual([
      'https://storage.googleapis.com/ci-bucket/mesos/docker.tar.gz',
    ]);
    const object = gcs.buckets.get('ci-bucket')?.get('mesos/docker.tar.gz');
    expect(object && sha256(object.bytes)).toBe(archive.sha256);
    expect(object?.contentType).toBe('application/gzip');
    expect(object?.metadata).toEqual({ sha256: archive.sha256 });
    expect(uploads()).toHaveLength(1);
    expect(uploads()[0]?.query.get('uploadType')).toBe('multipart');
    expect(uploads()[0]?.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
    expect(gcs.scopes).toContain('https://www.googleapis.com/auth/devstorage.read_write');
    expect(JSON.stringify(first)).not.toContain(ACCESS_TOKEN);

    expect((await upload('present', inputs, archive)).results[0]?.action).toBe('unchanged');
    expect(uploads()).toHaveLength(1);

    const changed = testArchive('gcs-second');
    expect((await upload('present', inputs, changed)).results[0]?.action).toBe('written');
    expect(gcs.buckets.get('ci-bucket')?.get('mesos/docker.tar.gz')?.metadata.sha256).toBe(changed.sha256);
  });

  it('retries 5xx and succeeds', async () => {
    gcs.faults.push({ match: /^POST \/upload\//, status: 503, times: 2 });
    const result = await upload('present', { 'upload-to': 'gs://ci-bucket/retry.tar.gz' });
    expect(result.results[0]?.action).toBe('written');
    expect(uploads().map((r) => r.status)).toEqual([503, 503, 200]);
  });

  const failures: {
    name: string;
    uri?: string;
    setup?: () => void;
    state?: 'absent';
    message: string | RegExp;
  }[] = [
    {
      name: 'missing bucket',
      uri: 'gs://no-such-bucket/docker.tar.gz',
      message: "gs://no-such-bucket/docker.tar.gz: bucket 'no-such-bucket' does not exist",
    },
    {
      name: 'missing bucket on delete',
      uri: 'gs://no-such-bucket/docker.tar.gz',
      state: 'absent',
      message: "gs://no-such-bucket/docker.tar.gz: bucket 'no-such-bucket' does not exist",
    },
    {
      name: 'no storage.objects.create',
      setup: () => gcs.permissions.set('ci-bucket', new Set(['get'])),
      message:
        /^gs:\/\/ci-bucket\/f.tar.gz: HTTP 403: the principal lacks storage.objects.create \(and storage.objects.delete to replace an existing object\) on bucket ci-bucket \(uploader@proj.iam.gserviceaccount.com does not have storage.objects.create access/,
    },
    {
      name: 'replacing without storage.objects.delete',
      setup: () => {
        gcs.permissions.set('ci-bucket', new Set(['get', 'create']));
        gcs.buckets
          .get('ci-bucket')
          ?.set('f.tar.gz', { bytes: Buffer.from('old'), contentType: 'x', metadata: {} });
      },
      message:
        /HTTP 403: .*\(uploader@proj.iam.gserviceaccount.com does not have storage.objects.delete access/,
    },
    {
      name: 'no storage.objects.delete on remove',
      setup: () => gcs.permissions.set('ci-bucket', new Set(['get', 'create'])),
      state: 'absent',
      message:
        /^gs:\/\/ci-bucket\/f.tar.gz: HTTP 403: the principal lacks storage.objects.delete on bucket ci-bucket/,
    },
    {
      name: '5xx that does not stop',
      setup: () => gcs.faults.push({ match: /^POST \/upload\//, status: 500 }),
      message: 'POST gs://ci-bucket/f.tar.gz: HTTP 500 (gave up after 3 attempts)',
    },
    {
      name: 'no credentials',
      setup: () => vi.stubEnv('GOOGLE_APPLICATION_CREDENTIALS', '/nonexistent/gha-creds.json'),
      message: /^Google credentials unavailable \(.*\): run google-github-actions\/auth before this step/,
    },
  ];
  it.each(failures)('$name → failed with a clear message', async (c) => {
    c.setup?.();
    const result = await upload(c.state ?? 'present', { 'upload-to': c.uri ?? 'gs://ci-bucket/f.tar.gz' });
    expect(result.results[0]?.action).toBe('failed');
    expect(result.results[0]?.message).toEqual(
      typeof c.message === 'string' ? c.message : expect.stringMatching(c.message),
    );
    expect(JSON.stringify(result)).not.toContain(ACCESS_TOKEN);
  });
});

describe('gs remove', () => {
  it('deletes, then reports absent', async () => {
    const inputs = { 'upload-to': 'gs://ci-bucket/rm/docker.tar.gz' };
    await upload('present', inputs);
    expect((await upload('absent', inputs)).results[0]?.action).toBe('deleted');
    expect(gcs.buckets.get('ci-bucket')?.has('rm/docker.tar.gz')).toBe(false);
    expect((await upload('absent', inputs)).results[0]?.action).toBe('absent');
  });
});

describe('gs fetch URIs', () => {
  it.each([
    ['gs://b-1/docker.tar.gz', 'https://storage.googleapis.com/b-1/docker.tar.gz'],
    ['gs://my.bucket/a b/ü.tar.gz', 'https://storage.googleapis.com/my.bucket/a%20b/%C3%BC.tar.gz'],
  ])('%s → %s (native keeps the gs:// URI)', (uri, https) => {
    const destination = gsDestination.parse(uri, {} as never);
    expect(destination.fetchUri('https')).toBe(https);
    expect(destination.fetchUri('native')).toBe(uri);
  });
});
