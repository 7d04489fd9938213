/**
 * Review: the built action shipping docker.tar.gz to every kind of destination at once, as the
 * runner runs it (RUNNER_DEBUG=1), against real servers: s3rver through the real AWS SDK, the TLS
 * PUT server (Artifactory-style and presigned), the GCS JSON API fake and a local file.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { S3Client, HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Inputs } from '../src/context.js';
import { parseS3Uri, s3ObjectUrl } from '../src/destinations/s3.js';
import { errorLines, runAction, type ActionRun } from './support/action.js';
import { ACCESS_TOKEN, startFakeGcs, type FakeGcs } from './support/fake-gcs.js';
import {
  DEPLOY_TOKEN,
  SIGNATURE,
  startHttpsPutServer,
  type HttpsPutServer,
} from './support/https-put-server.js';
import { S3_ACCESS_KEY, S3_SECRET_KEY, startS3, type TestS3 } from './support/s3-server.js';

const PASSWORD = 'Review-Registry-Pw-31';
const CREDENTIAL = 'AKIAREVIEW%2F20250101%2Fus-east-1%2Fs3%2Faws4_request';
const QUERY = `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${CREDENTIAL}&X-Amz-Signature=${SIGNATURE}`;

let s3: TestS3;
let put: HttpsPutServer;
let gcs: FakeGcs;

beforeAll(async () => {
  [s3, put, gcs] = await Promise.all([startS3(['mesos-config']), startHttpsPutServer(), startFakeGcs()]);
});
afterAll(async () => {
  await Promise.all([s3.stop(), put.stop(), gcs.stop()]);
});
beforeEach(() => {
  s3.faults.length = 0;
  gcs.buckets.clear();
  gcs.buckets.set('ci-bucket', new Map());
});

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

function env(): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: S3_ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: S3_SECRET_KEY,
    NODE_EXTRA_CA_CERTS: put.ca.caFile,
    STORAGE_EMULATOR_HOST: gcs.base,
    GOOGLE_APPLICATION_CREDENTIALS: gcs.credentialsFile,
    RUNNER_DEBUG: '1',
  };
}

const base = { registry: 'registry.example.com', username: 'ci', password: PASSWORD, verify: 'off' };

/** Nothing the runner shows or keeps holds a secret, apart from the ::add-mask:: registrations. */
function assertNoLeak(run: ActionRun): void {
  const secrets = [
    PASSWORD,
    Buffer.from(`ci:${PASSWORD}`).toString('base64'),
    SIGNATURE,
    CREDENTIAL,
    decodeURIComponent(CREDENTIAL),
    DEPLOY_TOKEN,
    ACCESS_TOKEN,
    'X-Amz-Signature',
  ];
  for (const secret of secrets) expect(run.shown, `leaked ${secret.slice(0, 6)}…`).not.toContain(secret);
}

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- a typed JSON.parse for assertions
const json = <T>(text: string | undefined): T => JSON.parse(text ?? 'null') as T;

describe('every destination in one run of the built action', () => {
  it('writes all, reports the failing one beside them, is unchanged on a second run, then absent removes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-review-upload-'));
    const file = path.join(dir, 'share/docker.tar.gz');
    const artifactory = `${put.origin}/artifactory/mesos/ci/docker.tar.gz`;
    const presigned = `${put.origin}/presigned/bucket/docker.tar.gz`;
    const destinations = [
      file,
      's3://mesos-config/ci/docker.tar.gz',
      's3://no-such-bucket/ci/docker.tar.gz',
      artifactory,
      `${presigned}?${QUERY}`,
      'gs://ci-bucket/mesos/docker.tar.gz',
    ];
    const inputs = {
      ...base,
      'upload-to': destinations.join('\n'),
      'upload-headers': `Authorization: Bearer ${DEPLOY_TOKEN}`,
      's3-endpoint': s3.endpoint,
      's3-force-path-style': 'true',
    };
    const run = await runAction(inputs, { env: env(), workDir: dir });
    assertNoLeak(run);
    expect(run.main.code).toBe(1);
    const uploaded = [
      { uri: `file://${file}`, result: 'written' },
      { uri: 's3://mesos-config/ci/docker.tar.gz', result: 'written' },
      {
        uri: 's3://no-such-bucket/ci/docker.tar.gz',
        result: 'failed',
        message: `PutObject s3://no-such-bucket/ci/docker.tar.gz: bucket 'no-such-bucket' does not exist at ${s3.endpoint}`,
      },
      { uri: artifactory, result: 'written' },
      // The Artifactory token is not sent to the presigned URL, which S3 would refuse (400).
      { uri: presigned, result: 'written' },
      { uri: 'gs://ci-bucket/mesos/docker.tar.gz', result: 'written' },
    ];
    expect(json(run.outputs['uploaded'])).toEqual(uploaded);
    expect(json(run.outputs['fetch-uris'])).toEqual([
      `file://${file}`,
      `${s3.endpoint}/mesos-config/ci/docker.tar.gz`,
      `${s3.endpoint}/no-such-bucket/ci/docker.tar.gz`,
      artifactory,
      presigned,
      'https://storage.googleapis.com/ci-bucket/mesos/docker.tar.gz',
    ]);
    expect(errorLines(run.main)).toEqual([
      `PutObject s3://no-such-bucket/ci/docker.tar.gz: bucket 'no-such-bucket' does not exist at ${s3.endpoint}`,
      '1 target write(s) failed: upload s3://no-such-bucket/ci/docker.tar.gz',
    ]);

    // Every store holds exactly the archive the action reports.
    const archiveSha = run.outputs['tarball-sha256']!;
    expect(sha256(fs.readFileSync(file))).toBe(archiveSha);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const s3Put = s3.requests.find((r) => r.method === 'PUT' && r.path === '/mesos-config/ci/docker.tar.gz');
    expect(s3Put?.headers).toMatchObject({
      'x-amz-server-side-encryption': 'AES256',
      'content-type': 'application/gzip',
      'x-amz-meta-sha256': archiveSha,
    });
    expect(s3Put?.headers['x-amz-acl']).toBeUndefined();
    expect(sha256(put.files.get('/artifactory/mesos/ci/docker.tar.gz')!.body)).toBe(archiveSha);
    expect(sha256(put.files.get('/presigned/bucket/docker.tar.gz')!.body)).toBe(archiveSha);
    const presignedPut = put.requests.find((r) => r.method === 'PUT' && r.path.startsWith('/presigned/'));
    expect(presignedPut?.headers['authorization']).toBeUndefined();
    const artifactoryPut = put.requests.find((r) => r.method === 'PUT' && r.path.startsWith('/artifactory/'));
    expect(artifactoryPut?.headers['authorization']).toBe(`Bearer ${DEPLOY_TOKEN}`);
    const object = gcs.buckets.get('ci-bucket')?.get('mesos/docker.tar.gz');
    expect(object && sha256(object.bytes)).toBe(archiveSha);
    expect(object?.metadata['sha256']).toBe(archiveSha);

    // Second run: what can be compared is unchanged; a presigned PUT URL cannot be read, so it is rewritten.
    const again = await runAction(inputs, { env: env(), workDir: dir });
    assertNoLeak(again);
    expect(json<{ result: string }[]>(again.outputs['uploaded']).map((u) => u.result)).toEqual([
      'unchanged',
      'unchanged',
      'failed',
      'unchanged',
      'written',
      'unchanged',
    ]);

    // Absent: the readable destinations are deleted (a PUT-signed URL cannot DELETE, so it is left out).
    const absent = await runAction(
      {
        ...inputs,
        password: '',
        username: '',
        state: 'absent',
        'upload-to': destinations.filter((d) => !d.includes('?') && !d.includes('no-such')).join('\n'),
      },
      { env: env(), workDir: dir },
    );
    assertNoLeak(absent);
    expect(absent.main.code, absent.main.stdout).toBe(0);
    expect(json<{ result: string }[]>(absent.outputs['uploaded']).map((u) => u.result)).toEqual([
      'deleted',
      'deleted',
      'deleted',
      'deleted',
    ]);
    expect(absent.outputs['fetch-uris']).toBeUndefined();
    expect(fs.existsSync(file)).toBe(false);
    expect(put.files.has('/artifactory/mesos/ci/docker.tar.gz')).toBe(false);
    expect(gcs.buckets.get('ci-bucket')?.size).toBe(0);
  }, 30_000);

  it('fetch-scheme native keeps s3:// and gs:// in fetch-uris', async () => {
    const run = await runAction(
      {
        ...base,
        'upload-to': 's3://mesos-config/native/docker.tar.gz\ngs://ci-bucket/native/docker.tar.gz',
        's3-endpoint': s3.endpoint,
        's3-force-path-style': 'true',
        'fetch-scheme': 'native',
      },
      { env: env() },
    );
    expect(run.main.code, run.main.stdout).toBe(0);
    expect(json(run.outputs['fetch-uris'])).toEqual([
      's3://mesos-config/native/docker.tar.gz',
      'gs://ci-bucket/native/docker.tar.gz',
    ]);
  });
});

describe('s3 fetch URIs are where the SDK put the object', () => {
  it('an IP-address endpoint is path style without s3-force-path-style; agents can fetch it there', async () => {
    const run = await runAction(
      { ...base, 'upload-to': 's3://mesos-config/ip/docker.tar.gz', 's3-endpoint': s3.endpoint },
      { env: env() },
    );
    expect(run.main.code, run.main.stdout).toBe(0);
    const [uri] = json<string[]>(run.outputs['fetch-uris']);
    expect(uri).toBe(`${s3.endpoint}/mesos-config/ip/docker.tar.gz`);
    // s3rver serves objects without authentication: the URI is the object the action wrote.
    const response = await fetch(uri!);
    expect(response.status).toBe(200);
    expect(sha256(Buffer.from(await response.arrayBuffer()))).toBe(run.outputs['tarball-sha256']);
  });

  /** The URL the real SDK sends a HeadObject to, captured before it leaves the process. */
  async function sdkUrl(endpoint: string | undefined, bucket: string, forcePathStyle: boolean) {
    const client = new S3Client({
      region: 'eu-west-1',
      forcePathStyle,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      ...(endpoint ? { endpoint } : {}),
    });
    client.middlewareStack.add(
      () => (args) => {
        const r = args.request as { protocol: string; hostname: string; port?: number; path: string };
        return Promise.reject(
          Object.assign(new Error('captured'), {
            url: `${r.protocol}//${r.hostname}${r.port ? `:${String(r.port)}` : ''}${r.path}`,
          }),
        );
      },
      { step: 'finalizeRequest' },
    );
    try {
      await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'ci/docker.tar.gz' }));
    } catch (error) {
      return (error as { url?: string }).url;
    }
    return undefined;
  }

  it.each([
    ['http://127.0.0.1:9000', 'mesos-config', false],
    ['https://10.0.0.5:9000', 'mesos-config', false],
    ['https://[fd00::5]:9000', 'mesos-config', false],
    ['https://minio.example.com', 'mesos-config', false],
    ['https://minio.example.com', 'mesos.config', false],
    ['https://minio.example.com:9000', 'mesos-config', true],
    ['http://localhost:9000', 'mesos-config', false],
    [undefined, 'mesos-config', false],
    [undefined, 'mesos.config', false],
    [undefined, 'mesos-config', true],
  ] as const)('endpoint %s, bucket %s, path style %s', async (endpoint, bucket, forcePathStyle) => {
    const inputs = {
      s3Endpoint: endpoint ?? '',
      s3Region: 'eu-west-1',
      s3ForcePathStyle: String(forcePathStyle),
      s3Sse: 'AES256',
      s3KmsKeyId: '',
    } as unknown as Inputs;
    const ours = s3ObjectUrl(parseS3Uri(`s3://${bucket}/ci/docker.tar.gz`, inputs));
    expect(ours).toBe(await sdkUrl(endpoint, bucket, forcePathStyle));
  });
});

describe('s3 errors through the built action', () => {
  it('a bare 400 on HEAD with x-amz-bucket-region (S3 on a wrong region) names the region to set', async () => {
    s3.faults.push({
      match: /^HEAD \/mesos-config\/region\//,
      status: 400,
      code: 'BadRequest',
      headers: { 'x-amz-bucket-region': 'eu-central-1' },
    });
    const run = await runAction(
      {
        ...base,
        'upload-to': 's3://mesos-config/region/docker.tar.gz',
        's3-endpoint': s3.endpoint,
        's3-force-path-style': 'true',
      },
      { env: env() },
    );
    expect(run.main.code).toBe(1);
    expect(errorLines(run.main)[0]).toBe(
      "HeadObject s3://mesos-config/region/docker.tar.gz: bucket 'mesos-config' is in region eu-central-1, " +
        'not us-east-1: set s3-region: eu-central-1',
    );
    expect(s3.count('PUT', '/mesos-config/region/docker.tar.gz')).toBe(0);
  });

  it('a store without a KMS (501 NotImplemented on an SSE PUT) is named, with the way out', async () => {
    s3.faults.push({
      match: /^PUT \/mesos-config\/kms\//,
      status: 501,
      code: 'NotImplemented',
      message: 'Server side encryption specified but KMS is not configured',
    });
    const run = await runAction(
      {
        ...base,
        'upload-to': 's3://mesos-config/kms/docker.tar.gz',
        's3-endpoint': s3.endpoint,
        's3-force-path-style': 'true',
      },
      { env: env() },
    );
    expect(run.main.code).toBe(1);
    expect(errorLines(run.main)[0]).toBe(
      'PutObject s3://mesos-config/kms/docker.tar.gz: the store does not implement the request ' +
        '(NotImplemented: Server side encryption specified but KMS is not configured): a store without a KMS ' +
        'refuses server-side encryption (s3-sse AES256); configure its KMS, or set s3-sse: none',
    );
  });

  it('s3-sse none sends no encryption header to an S3-compatible store, and the next run is unchanged', async () => {
    const inputs = {
      ...base,
      'upload-to': 's3://mesos-config/plain/docker.tar.gz',
      's3-endpoint': s3.endpoint,
      's3-force-path-style': 'true',
      's3-sse': 'none',
    };
    const run = await runAction(inputs, { env: env() });
    expect(run.main.code, run.main.stdout).toBe(0);
    const puts = s3.requests.filter(
      (r) => r.method === 'PUT' && r.path === '/mesos-config/plain/docker.tar.gz',
    );
    expect(puts).toHaveLength(1);
    expect(puts[0]?.headers['x-amz-server-side-encryption']).toBeUndefined();
    expect(puts[0]?.headers['x-amz-meta-sha256']).toBe(run.outputs['tarball-sha256']);
    const again = await runAction(inputs, { env: env() });
    expect(json(again.outputs['uploaded'])).toEqual([
      { uri: 's3://mesos-config/plain/docker.tar.gz', result: 'unchanged' },
    ]);
  });

  it('s3-sse none on AWS itself is an input error, before any request', async () => {
    const before = s3.requests.length;
    const run = await runAction(
      {
        ...base,
        'upload-to': 's3://mesos-config/aws/docker.tar.gz',
        's3-region': 'eu-west-1',
        's3-sse': 'none',
      },
      { env: env() },
    );
    expect(run.main.code).toBe(1);
    expect(errorLines(run.main)).toEqual([
      "Input 's3-sse': none is for S3-compatible stores (s3-endpoint) that have no KMS; on AWS use AES256 or aws:kms",
    ]);
    expect(s3.requests.length).toBe(before);
    expect(run.outputs['uploaded']).toBeUndefined();
  });
});
