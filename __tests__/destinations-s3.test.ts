/**
 * s3:// destinations through the real AWS SDK against s3rver (a real S3-compatible server that
 * checks SigV4 signatures), with a recording front to see the headers the SDK sent and inject
 * the errors S3 answers with.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { sha256 } from '../src/archive.js';
import type { Inputs } from '../src/context.js';
import { s3Destination, s3ObjectUrl, parseS3Uri } from '../src/destinations/s3.js';
import { S3_ACCESS_KEY, S3_SECRET_KEY, startS3, type TestS3 } from './support/s3-server.js';
import { testArchive, upload } from './support/upload-run.js';

let s3: TestS3;
let inputs: Record<string, string>;

beforeAll(async () => {
  s3 = await startS3(['bucket', 'other']);
});
afterAll(async () => {
  await s3.stop();
});

beforeEach(() => {
  s3.requests.length = 0;
  s3.faults.length = 0;
  s3.reportsEncryption = true;
  vi.stubEnv('AWS_ACCESS_KEY_ID', S3_ACCESS_KEY);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', S3_SECRET_KEY);
  vi.stubEnv('AWS_SESSION_TOKEN', undefined);
  vi.stubEnv('AWS_PROFILE', undefined);
  vi.stubEnv('AWS_REGION', undefined);
  vi.stubEnv('AWS_DEFAULT_REGION', undefined);
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/credentials');
  vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/config');
  inputs = { 's3-endpoint': s3.endpoint, 's3-force-path-style': 'true', 's3-region': 'us-east-1' };
  return () => {
    vi.unstubAllEnvs();
  };
});

async function stored(bucket: string, key: string): Promise<Buffer> {
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: S3_ACCESS_KEY, secretAccessKey: S3_SECRET_KEY },
  });
  try {
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await object.Body!.transformToByteArray());
  } finally {
    client.destroy();
  }
}

function putsOf(objectPath: string) {
  return s3.requests.filter((r) => r.method === 'PUT' && r.path === objectPath);
}

describe('s3 put', () => {
  it('writes a private, encrypted object with its sha256, then skips an identical one', async () => {
    const archive = testArchive('s3-first');
    const first = await upload(
      'present',
      { ...inputs, 'upload-to': 's3://bucket/ci/docker.tar.gz' },
      archive,
    );
    expect(first.results).toEqual([
      expect.objectContaining({ subject: 's3://bucket/ci/docker.tar.gz', action: 'written' }),
    ]);
    expect(first.outputs?.['fetch-uris']).toEqual([`${s3.endpoint}/bucket/ci/docker.tar.gz`]);

    const [put] = putsOf('/bucket/ci/docker.tar.gz');
    expect(put?.status).toBe(200);
    expect(put?.headers['x-amz-server-side-encryption']).toBe('AES256');
    expect(put?.headers['content-type']).toBe('application/gzip');
    expect(put?.headers['x-amz-meta-sha256']).toBe(archive.sha256);
    expect(put?.headers['x-amz-acl']).toBeUndefined();
    expect(put?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=S3RVER\//);
    expect(sha256(await stored('bucket', 'ci/docker.tar.gz'))).toBe(archive.sha256);

    const second = await upload(
      'present',
      { ...inputs, 'upload-to': 's3://bucket/ci/docker.tar.gz' },
      archive,
    );
    expect(second.results[0]?.action).toBe('unchanged');
    expect(putsOf('/bucket/ci/docker.tar.gz')).toHaveLength(1);

    const changed = testArchive('s3-second');
    const third = await upload(
      'present',
      { ...inputs, 'upload-to': 's3://bucket/ci/docker.tar.gz' },
      changed,
    );
    expect(third.results[0]?.action).toBe('written');
    expect(sha256(await stored('bucket', 'ci/docker.tar.gz'))).toBe(changed.sha256);
  });

  it('asks for SSE-KMS with the given key, and rewrites an object whose encryption differs', async () => {
    const archive = testArchive('s3-kms');
    const key = 's3://bucket/kms/docker.tar.gz';
    const kms = {
      ...inputs,
      'upload-to': key,
      's3-sse': 'aws:kms',
      's3-kms-key-id': '1234abcd-12ab-34cd-56ef-1234567890ab',
    };
    expect((await upload('present', kms, archive)).results[0]?.action).toBe('written');
    const [put] = putsOf('/bucket/kms/docker.tar.gz');
    expect(put?.headers['x-amz-server-side-encryption']).toBe('aws:kms');
    expect(put?.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe(
      '1234abcd-12ab-34cd-56ef-1234567890ab',
    );

    expect((await upload('present', kms, archive)).results[0]?.action).toBe('unchanged');
    // Same bytes, but the object is SSE-KMS and SSE-S3 is asked for now: written again.
    expect((await upload('present', { ...inputs, 'upload-to': key }, archive)).results[0]?.action).toBe(
      'written',
    );
    expect(putsOf('/bucket/kms/docker.tar.gz').map((r) => r.headers['x-amz-server-side-encryption'])).toEqual(
      ['aws:kms', 'AES256'],
    );
  });

  it('says why it rewrites an identical object on a store that does not report encryption', async () => {
    s3.reportsEncryption = false; // s3rver alone: stores, never echoes x-amz-server-side-encryption
    const archive = testArchive('s3-silent-sse');
    const target = { ...inputs, 'upload-to': 's3://bucket/silent/docker.tar.gz' };
    const first = await upload('present', target, archive);
    expect(first.results.map((r) => [r.action, r.message])).toEqual([
      ['written', `sha256 ${archive.sha256}`],
    ]);
    const second = await upload('present', target, archive);
    expect(second.results.map((r) => r.action)).toEqual(['written']);
    expect(second.results[0]!.message).toMatch(
      /the store does not report server-side encryption .* set s3-sse: none$/,
    );
    expect(second.warnings).toEqual([
      expect.stringMatching(/^s3:\/\/bucket\/silent\/docker.tar.gz: the store does not report/),
    ]);
    // The way out: s3-sse none makes the same archive unchanged.
    const third = await upload('present', { ...target, 's3-sse': 'none' }, archive);
    expect(third.results.map((r) => [r.action, r.message])).toEqual([
      ['unchanged', `sha256 ${archive.sha256}`],
    ]);
  });

  it('retries 5xx and succeeds', async () => {
    s3.faults.push({ match: /^PUT \/bucket\/retry/, status: 503, code: 'SlowDown', times: 2 });
    const result = await upload('present', { ...inputs, 'upload-to': 's3://bucket/retry/docker.tar.gz' });
    expect(result.results[0]?.action).toBe('written');
    expect(putsOf('/bucket/retry/docker.tar.gz').map((r) => r.status)).toEqual([503, 503, 200]);
  });

  it('reports one failing destination without hiding the others', async () => {
    const result = await upload('present', {
      ...inputs,
      'upload-to': 's3://missing-bucket/docker.tar.gz\ns3://other/ok/docker.tar.gz',
    });
    expect(result.results.map((r) => [r.subject, r.action])).toEqual([
      ['s3://missing-bucket/docker.tar.gz', 'failed'],
      ['s3://other/ok/docker.tar.gz', 'written'],
    ]);
    expect(result.results[0]?.message).toBe(
      `PutObject s3://missing-bucket/docker.tar.gz: bucket 'missing-bucket' does not exist at ${s3.endpoint}`,
    );
    expect(result.outputs?.uploaded).toEqual([
      { uri: 's3://missing-bucket/docker.tar.gz', result: 'failed', message: result.results[0]?.message },
      { uri: 's3://other/ok/docker.tar.gz', result: 'written' },
    ]);
  });

  const failures: {
    name: string;
    faults?: TestS3['faults'];
    env?: Record<string, string | undefined>;
    inputs?: Record<string, string>;
    message: string | RegExp;
  }[] = [
    {
      name: 'wrong credentials (s3rver refuses the signature)',
      env: { AWS_ACCESS_KEY_ID: 'AKIAWRONGWRONGWRONG1', AWS_SECRET_ACCESS_KEY: 'wrong-secret-key-value' },
      message:
        'PutObject s3://bucket/f/docker.tar.gz: the AWS credentials were refused (InvalidAccessKeyId): ' +
        'they are wrong or expired, or belong to another S3 endpoint',
    },
    {
      name: 'no credentials at all',
      env: { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined },
      message:
        /^HeadObject s3:\/\/bucket\/f\/docker.tar.gz: no AWS credentials found: run aws-actions\/configure-aws-credentials/,
    },
    {
      name: '403 AccessDenied on PutObject',
      faults: [{ match: /^PUT /, status: 403, code: 'AccessDenied', message: 'Access Denied' }],
      message:
        'PutObject s3://bucket/f/docker.tar.gz: access denied: the credentials lack s3:PutObject on ' +
        'arn:aws:s3:::bucket/f/docker.tar.gz',
    },
    {
      name: '403 AccessDenied with SSE-KMS names the KMS permission too',
      faults: [{ match: /^PUT /, status: 403, code: 'AccessDenied' }],
      inputs: { 's3-sse': 'aws:kms', 's3-kms-key-id': 'alias/ci' },
      message:
        /lack s3:PutObject on arn:aws:s3:::bucket\/f\/docker.tar.gz, or kms:GenerateDataKey on alias\/ci$/,
    },
    {
      name: 'wrong region: 301 on HEAD with x-amz-bucket-region',
      faults: [
        {
          match: /^HEAD /,
          status: 301,
          code: 'PermanentRedirect',
          headers: { 'x-amz-bucket-region': 'eu-west-1' },
        },
      ],
      message:
        "HeadObject s3://bucket/f/docker.tar.gz: bucket 'bucket' is in region eu-west-1, not us-east-1: " +
        'set s3-region: eu-west-1',
    },
    {
      name: 'wrong region: AuthorizationHeaderMalformed naming the region',
      faults: [
        {
          match: /^PUT /,
          status: 400,
          code: 'AuthorizationHeaderMalformed',
          message: "the region 'us-east-1' is wrong; expecting 'ap-southeast-2'",
          xml: '<Region>ap-southeast-2</Region>',
        },
      ],
      message:
        "PutObject s3://bucket/f/docker.tar.gz: bucket 'bucket' is in region ap-southeast-2, not us-east-1: " +
        'set s3-region: ap-southeast-2',
    },
    {
      name: '5xx that does not stop',
      faults: [{ match: /^PUT /, status: 503, code: 'SlowDown' }],
      message: 'PutObject s3://bucket/f/docker.tar.gz: S3 kept failing (HTTP 503 SlowDown) after 4 attempts',
    },
  ];

  it.each(failures)('$name → a failed result with a clear message', async (c) => {
    for (const [name, value] of Object.entries(c.env ?? {})) vi.stubEnv(name, value);
    s3.faults.push(...(c.faults ?? []));
    const result = await upload('present', {
      ...inputs,
      ...c.inputs,
      'upload-to': 's3://bucket/f/docker.tar.gz',
    });
    expect(result.results).toHaveLength(1);
    expect(result.results[0]?.action).toBe('failed');
    expect(result.results[0]?.message).toEqual(
      typeof c.message === 'string' ? c.message : expect.stringMatching(c.message),
    );
    expect(result.results[0]?.message).not.toContain('wrong-secret-key-value');
    expect(result.results[0]?.message).not.toContain(S3_SECRET_KEY + '/');
  });
});

describe('s3 remove', () => {
  it('deletes an existing object, then reports it absent', async () => {
    const target = { ...inputs, 'upload-to': 's3://bucket/rm/docker.tar.gz' };
    await upload('present', target);
    const first = await upload('absent', target);
    expect(first.results[0]).toMatchObject({ subject: 's3://bucket/rm/docker.tar.gz', action: 'deleted' });
    await expect(stored('bucket', 'rm/docker.tar.gz')).rejects.toThrow();
    const second = await upload('absent', target);
    expect(second.results[0]?.action).toBe('absent');
    expect(s3.count('DELETE', '/bucket/rm/docker.tar.gz')).toBe(2);
  });

  it('reports a missing bucket instead of calling the object absent', async () => {
    const result = await upload('absent', { ...inputs, 'upload-to': 's3://no-such-bucket/docker.tar.gz' });
    expect(result.results[0]).toMatchObject({
      action: 'failed',
      message: `DeleteObject s3://no-such-bucket/docker.tar.gz: bucket 'no-such-bucket' does not exist at ${s3.endpoint}`,
    });
  });

  it('names s3:DeleteObject on a 403', async () => {
    s3.faults.push({ match: /^DELETE /, status: 403, code: 'AccessDenied' });
    const result = await upload('absent', { ...inputs, 'upload-to': 's3://bucket/rm2/docker.tar.gz' });
    expect(result.results[0]?.message).toBe(
      'DeleteObject s3://bucket/rm2/docker.tar.gz: access denied: the credentials lack s3:DeleteObject on ' +
        'arn:aws:s3:::bucket/rm2/docker.tar.gz',
    );
  });
});

describe('s3 fetch URIs', () => {
  const base = {
    s3Endpoint: '',
    s3Region: 'eu-west-1',
    s3ForcePathStyle: 'false',
    s3Sse: 'AES256',
    s3KmsKeyId: '',
  };
  const cases: { uri: string; inputs?: Partial<typeof base>; https: string }[] = [
    {
      uri: 's3://my-bucket/a/docker.tar.gz',
      https: 'https://my-bucket.s3.eu-west-1.amazonaws.com/a/docker.tar.gz',
    },
    {
      uri: 's3://my.dotted.bucket/docker.tar.gz',
      https: 'https://s3.eu-west-1.amazonaws.com/my.dotted.bucket/docker.tar.gz',
    },
    {
      uri: 's3://my-bucket/docker.tar.gz',
      inputs: { s3ForcePathStyle: 'true' },
      https: 'https://s3.eu-west-1.amazonaws.com/my-bucket/docker.tar.gz',
    },
    {
      uri: 's3://my-bucket/docker.tar.gz',
      inputs: { s3Region: 'cn-north-1' },
      https: 'https://my-bucket.s3.cn-north-1.amazonaws.com.cn/docker.tar.gz',
    },
    {
      uri: 's3://my-bucket/with space/ü.tar.gz',
      https: 'https://my-bucket.s3.eu-west-1.amazonaws.com/with%20space/%C3%BC.tar.gz',
    },
    {
      uri: 's3://my-bucket/docker.tar.gz',
      inputs: { s3Endpoint: 'https://minio.example.com:9000', s3ForcePathStyle: 'true' },
      https: 'https://minio.example.com:9000/my-bucket/docker.tar.gz',
    },
    {
      uri: 's3://my-bucket/docker.tar.gz',
      inputs: { s3Endpoint: 'https://storage.example.com' },
      https: 'https://my-bucket.storage.example.com/docker.tar.gz',
    },
  ];
  it.each(cases)('$uri $inputs → $https', ({ uri, inputs: overrides, https }) => {
    const all = { ...base, ...overrides } as unknown as Inputs;
    expect(s3ObjectUrl(parseS3Uri(uri, all))).toBe(https);
    const destination = s3Destination.parse(uri, all);
    expect(destination.fetchUri('https')).toBe(https);
    expect(destination.fetchUri('native')).toBe(uri);
  });

  it('takes the region from AWS_REGION when s3-region is empty', () => {
    vi.stubEnv('AWS_REGION', 'sa-east-1');
    const destination = s3Destination.parse('s3://b-1/k', { ...base, s3Region: '' } as unknown as Inputs);
    expect(destination.fetchUri('https')).toBe('https://b-1.s3.sa-east-1.amazonaws.com/k');
  });
});
