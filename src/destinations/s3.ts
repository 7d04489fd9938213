/**
 * `s3://bucket/key` through the AWS SDK v3 and its standard credential chain (environment, web
 * identity from aws-actions/configure-aws-credentials, profiles, instance roles). Objects are
 * private (no ACL sent), encrypted at rest (SSE-S3 or SSE-KMS) and carry their sha256 in
 * x-amz-meta-sha256 so an identical archive is not written again.
 */
import { isIP } from 'node:net';
import type { S3Client } from './s3-sdk.js';
import type { S3Inputs } from './s3-inputs.js';
import { InputError, TargetError } from '../errors.js';
import { TunnelingHttpAgent, TunnelingHttpsAgent } from '../http/proxy.js';
import { parseBoolean, parseChoice } from '../plan.js';
import type { Destination, DestinationKind, FetchScheme } from './types.js';
import { isLoopbackHost } from '../credentials/address.js';

/** `none`: for S3-compatible stores without a KMS (MinIO, Ceph RGW), which refuse SSE headers. */
export type S3Sse = 'AES256' | 'aws:kms' | 'none';

export interface S3Location {
  bucket: string;
  key: string;
  region: string;
  endpoint?: URL;
  forcePathStyle: boolean;
  sse: S3Sse;
  kmsKeyId?: string;
}

/** SDK attempts per request (1 + 3 retries on 5xx, throttling and timeouts). */
export const S3_MAX_ATTEMPTS = 4;

function parseBucketAndKey(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]*)\/?(.*)$/i.exec(uri);
  const bucket = match?.[1] ?? '';
  const key = match?.[2] ?? '';
  if (bucket === '') throw new InputError('upload-to', `'${uri}' has no bucket: use s3://bucket/key`);
  if (
    bucket.length < 3 ||
    bucket.length > 63 ||
    !/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(bucket) ||
    bucket.includes('..') ||
    /^\d+\.\d+\.\d+\.\d+$/.test(bucket)
  ) {
    throw new InputError(
      'upload-to',
      `'${bucket}' in '${uri}' is not a valid bucket name (3-63 lower-case letters, digits, dots, hyphens)`,
    );
  }
  if (key === '')
    throw new InputError('upload-to', `'${uri}' has no object key: use s3://${bucket}/docker.tar.gz`);
  if (key.endsWith('/')) {
    throw new InputError('upload-to', `'${uri}' names a folder: give the object key (…/docker.tar.gz)`);
  }
  if (/[?#]/.test(key)) {
    throw new InputError('upload-to', `'${uri}': '?' and '#' are not accepted in an object key`);
  }
  if (Buffer.byteLength(key) > 1024)
    throw new InputError('upload-to', `the key in '${uri}' is over 1024 bytes`);
  return { bucket, key };
}

function parseEndpoint(value: string): URL | undefined {
  const text = value.trim();
  if (text === '') return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InputError('s3-endpoint', `'${text}' is not a URL: use https://host[:port]`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InputError('s3-endpoint', `'${text}' is not an https URL: use https://host[:port]`);
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new InputError('s3-endpoint', 'must be https://host[:port] without credentials, query or fragment');
  }
  if (url.pathname !== '/') throw new InputError('s3-endpoint', `must have no path (got '${url.pathname}')`);
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    // A signed request hides the secret key, but not the archive, which holds registry passwords.
    throw new InputError('s3-endpoint', 'plain http is accepted for localhost only: use https://');
  }
  return url;
}

export function parseS3Uri(uri: string, inputs: S3Inputs): S3Location {
  const { bucket, key } = parseBucketAndKey(uri);
  const endpoint = parseEndpoint(inputs.s3Endpoint);
  const forcePathStyle = parseBoolean('s3-force-path-style', inputs.s3ForcePathStyle);
  const sse = parseChoice<S3Sse>('s3-sse', inputs.s3Sse || 'AES256', ['AES256', 'aws:kms', 'none']);
  if (sse === 'none' && !endpoint) {
    throw new InputError(
      's3-sse',
      'none is for S3-compatible stores (s3-endpoint) that have no KMS; on AWS use AES256 or aws:kms',
    );
  }
  const kmsKeyId = inputs.s3KmsKeyId.trim();
  if (kmsKeyId !== '' && sse !== 'aws:kms') {
    throw new InputError('s3-kms-key-id', 'is only used with s3-sse: aws:kms');
  }
  // configure-aws-credentials exports AWS_REGION; the SDK needs one, and so does the fetch URL.
  const region =
    inputs.s3Region.trim() ||
    process.env.AWS_REGION?.trim() ||
    process.env.AWS_DEFAULT_REGION?.trim() ||
    (endpoint ? 'us-east-1' : '');
  if (region === '') {
    throw new InputError(
      's3-region',
      `is required for ${uri}: set s3-region (or AWS_REGION, as aws-actions/configure-aws-credentials does)`,
    );
  }
  if (!/^[a-z0-9-]+$/.test(region)) throw new InputError('s3-region', `'${region}' is not a region name`);
  return {
    bucket,
    key,
    region,
    forcePathStyle,
    sse,
    ...(endpoint ? { endpoint } : {}),
    ...(kmsKeyId ? { kmsKeyId } : {}),
  };
}

/** S3 keys are percent-encoded per segment in URLs; '/' stays a separator. */
const encodeKey = (key: string): string => key.split('/').map(encodeURIComponent).join('/');

/** The https URL of the object, as agents fetch it. */
export function s3ObjectUrl(loc: S3Location): string {
  const key = encodeKey(loc.key);
  if (loc.endpoint) {
    const base = loc.endpoint;
    // As the SDK's endpoint rules address it: an IP-address endpoint (a MinIO at 10.0.0.5:9000)
    // or a dotted bucket is path style even without s3-force-path-style.
    const pathStyle =
      loc.forcePathStyle || loc.bucket.includes('.') || isIP(base.hostname.replace(/^\[|\]$/g, '')) !== 0;
    return pathStyle
      ? `${base.origin}/${loc.bucket}/${key}`
      : `${base.protocol}//${loc.bucket}.${base.host}/${key}`;
  }
  const domain = loc.region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  // A dotted bucket breaks the *.s3 wildcard certificate, so it is addressed path style.
  return loc.forcePathStyle || loc.bucket.includes('.')
    ? `https://s3.${loc.region}.${domain}/${loc.bucket}/${key}`
    : `https://${loc.bucket}.s3.${loc.region}.${domain}/${key}`;
}

interface SdkError {
  name?: string;
  message?: string;
  Code?: string;
  Region?: string;
  Endpoint?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $response?: { headers?: Record<string, string | undefined> };
}

function statusOf(error: unknown): number | undefined {
  return (error as SdkError | undefined)?.$metadata?.httpStatusCode;
}

/** The region S3 says the bucket is in: a header on any redirect, or the error's XML fields. */
function actualRegion(error: SdkError): string | undefined {
  const header = error.$response?.headers?.['x-amz-bucket-region'];
  if (header) return header;
  if (error.Region) return error.Region;
  const fromEndpoint = /\.s3[.-]([a-z0-9-]+)\.amazonaws\.com/.exec(error.Endpoint ?? '')?.[1];
  if (fromEndpoint) return fromEndpoint;
  const fromMessage = /expecting '([a-z0-9-]+)'/.exec(error.message ?? '')?.[1];
  return fromMessage;
}

type Operation = 'HeadObject' | 'GetObject' | 'PutObject' | 'DeleteObject';

const PERMISSION: Record<Operation, string> = {
  HeadObject: 's3:GetObject',
  GetObject: 's3:GetObject',
  PutObject: 's3:PutObject',
  DeleteObject: 's3:DeleteObject',
};

/** An SDK failure as a message naming the cause and the fix; never credentials. */
export function describeS3Error(error: unknown, operation: Operation, loc: S3Location): Error {
  const e = (error ?? {}) as SdkError;
  const name = e.name ?? 'Error';
  const status = statusOf(error);
  const where = `s3://${loc.bucket}/${loc.key}`;
  const arn = `arn:aws:s3:::${loc.bucket}/${loc.key}`;
  const detail = e.message && e.message !== name && e.message !== 'UnknownError' ? `: ${e.message}` : '';
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(e.message ?? '')) {
    return new TargetError(
      `${operation} ${where}: no AWS credentials found: run aws-actions/configure-aws-credentials before ` +
        'this step, or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE',
    );
  }
  if (
    [
      'InvalidAccessKeyId',
      'SignatureDoesNotMatch',
      'ExpiredToken',
      'InvalidToken',
      'TokenRefreshRequired',
    ].includes(name)
  ) {
    return new TargetError(
      `${operation} ${where}: the AWS credentials were refused (${name}): they are wrong or expired, or ` +
        'belong to another S3 endpoint',
    );
  }
  if (name === 'NoSuchBucket') {
    const at = loc.endpoint ? `at ${loc.endpoint.origin}` : `(region ${loc.region})`;
    return new TargetError(`${operation} ${where}: bucket '${loc.bucket}' does not exist ${at}`);
  }
  // A HEAD has no body to name the error: S3 answers a wrong region with a bare 301 or 400 and
  // the bucket's region in x-amz-bucket-region (botocore's S3RegionRedirector handles both).
  const regionHeader = e.$response?.headers?.['x-amz-bucket-region'];
  const redirected =
    ['PermanentRedirect', 'AuthorizationHeaderMalformed', 'IllegalLocationConstraintException'].includes(
      name,
    ) ||
    status === 301 ||
    (status === 400 && regionHeader !== undefined && regionHeader !== loc.region);
  if (redirected) {
    const region = actualRegion(e);
    return new TargetError(
      region && region !== loc.region
        ? `${operation} ${where}: bucket '${loc.bucket}' is in region ${region}, not ${loc.region}: set s3-region: ${region}`
        : `${operation} ${where}: bucket '${loc.bucket}' is not in region ${loc.region} (${name}): set s3-region to the bucket's region`,
    );
  }
  if (name.startsWith('KMS.') || /kms/i.test(name)) {
    return new TargetError(
      `${operation} ${where}: the KMS key refused (${name}${detail}): grant kms:GenerateDataKey and kms:Decrypt ` +
        `on ${loc.kmsKeyId ?? "the bucket's key"}`,
    );
  }
  if (name === 'AccessDenied' || status === 403) {
    const kms =
      operation === 'PutObject' && loc.sse === 'aws:kms'
        ? `, or kms:GenerateDataKey on ${loc.kmsKeyId ?? 'the KMS key (aws/s3 or the bucket default)'}`
        : '';
    return new TargetError(
      `${operation} ${where}: access denied: the credentials lack ${PERMISSION[operation]} on ${arn}${kms}` +
        (loc.endpoint ? '' : ' (or a bucket policy, SCP or VPC-endpoint policy denies it)'),
    );
  }
  if (name === 'NotImplemented' || status === 501) {
    // MinIO without a KMS: "Server side encryption specified but KMS is not configured" (501).
    const sse =
      operation === 'PutObject' && loc.sse !== 'none'
        ? `: a store without a KMS refuses server-side encryption (s3-sse ${loc.sse}); configure its KMS, or set s3-sse: none`
        : '';
    return new TargetError(
      `${operation} ${where}: the store does not implement the request (${name}${detail})${sse}`,
    );
  }
  if (status !== undefined && status >= 500) {
    return new TargetError(
      `${operation} ${where}: S3 kept failing (HTTP ${status} ${name}) after ${e.$metadata?.attempts ?? S3_MAX_ATTEMPTS} attempts`,
      true,
    );
  }
  if (name === 'TimeoutError' || name === 'RequestTimeout' || /timed? ?out/i.test(e.message ?? '')) {
    return new TargetError(`${operation} ${where}: timed out after ${S3_MAX_ATTEMPTS} attempts`, true);
  }
  return new TargetError(`${operation} ${where} failed (${status ? `HTTP ${status} ` : ''}${name}${detail})`);
}

function isMissing(error: unknown): boolean {
  const name = (error as SdkError | undefined)?.name;
  return statusOf(error) === 404 || name === 'NotFound' || name === 'NoSuchKey';
}

/** HEAD without a body: 403 means "cannot tell" (no s3:ListBucket makes a missing key a 403). */
function isUnknowable(error: unknown): boolean {
  return statusOf(error) === 403 && (error as SdkError).name !== 'InvalidAccessKeyId';
}

async function client(loc: S3Location): Promise<{ s3: S3Client; sdk: typeof import('./s3-sdk.js') }> {
  const sdk = await import('./s3-sdk.js');
  const s3 = new sdk.S3Client({
    region: loc.region,
    forcePathStyle: loc.forcePathStyle,
    maxAttempts: S3_MAX_ATTEMPTS,
    // The SDK ignores HTTPS_PROXY by itself: these agents tunnel through it (NO_PROXY honoured).
    requestHandler: {
      connectionTimeout: 10_000,
      requestTimeout: 60_000,
      httpAgent: new TunnelingHttpAgent({ keepAlive: true }),
      httpsAgent: new TunnelingHttpsAgent({ keepAlive: true }),
    },
    ...(loc.endpoint
      ? {
          endpoint: loc.endpoint.origin,
          // Many S3-compatible stores reject the SDK's default flexible checksums (aws-chunked).
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }
      : {}),
  });
  return { s3, sdk };
}

/** Whether the stored object already is this archive, encrypted the way we ask. */
function sameObject(
  head: { Metadata?: Record<string, string>; ServerSideEncryption?: string; SSEKMSKeyId?: string },
  sha256: string,
  loc: S3Location,
): boolean {
  if (head.Metadata?.sha256 !== sha256) return false;
  // With none, whatever the store applies by itself (a bucket default) is fine.
  if (loc.sse !== 'none' && head.ServerSideEncryption !== loc.sse) return false;
  const want = loc.kmsKeyId;
  // An alias cannot be compared with the key ARN S3 reports, so only ids and ARNs are checked.
  if (want && !want.startsWith('alias/') && !want.includes(':alias/')) {
    const have = head.SSEKMSKeyId ?? '';
    if (have !== want && !have.endsWith(`key/${want}`)) return false;
  }
  return true;
}

/** The deadline as the SDK takes it (its retries stop too). */
const sendOptions = (signal: AbortSignal | undefined) => (signal ? { abortSignal: signal } : {});

export const s3Destination: DestinationKind = {
  name: 's3',
  matches: (uri) => /^s3:/i.test(uri),
  parse(uri, inputs) {
    if (!/^s3:\/\//.test(uri)) throw new InputError('upload-to', `'${uri}' must be s3://bucket/key`);
    const loc = parseS3Uri(uri, inputs);
    const native = `s3://${loc.bucket}/${loc.key}`;
    const destination: Destination = {
      display: native,
      fetchUri: (scheme: FetchScheme) => (scheme === 'native' ? native : s3ObjectUrl(loc)),
      secrets: [],
      async put(archive, signal) {
        const { s3, sdk } = await client(loc);
        // Same bytes already there, but the store reports no encryption: it cannot be shown
        // encrypted, so it is written again; say so rather than rewrite on every run in silence.
        let silentSse = false;
        try {
          try {
            const head = await s3.send(
              new sdk.HeadObjectCommand({ Bucket: loc.bucket, Key: loc.key }),
              sendOptions(signal),
            );
            if (sameObject(head, archive.sha256, loc)) return 'unchanged';
            if (
              head.Metadata?.sha256 === archive.sha256 &&
              loc.sse !== 'none' &&
              !head.ServerSideEncryption
            ) {
              silentSse = true;
            }
          } catch (error) {
            if (!isMissing(error) && !isUnknowable(error)) throw describeS3Error(error, 'HeadObject', loc);
          }
          try {
            await s3.send(
              new sdk.PutObjectCommand({
                Bucket: loc.bucket,
                Key: loc.key,
                Body: archive.bytes,
                ContentType: 'application/gzip',
                ContentLength: archive.bytes.length,
                ...(loc.sse === 'none' ? {} : { ServerSideEncryption: loc.sse }),
                ...(loc.kmsKeyId ? { SSEKMSKeyId: loc.kmsKeyId } : {}),
                Metadata: { sha256: archive.sha256 },
              }),
              sendOptions(signal),
            );
          } catch (error) {
            throw describeS3Error(error, 'PutObject', loc);
          }
          if (silentSse) {
            return {
              action: 'written',
              note:
                `the store does not report server-side encryption (no x-amz-server-side-encryption on HEAD), ` +
                `so the identical object cannot be shown to be ${loc.sse}-encrypted and is rewritten on every run; ` +
                'if the store does not encrypt (or encrypts on its own), set s3-sse: none',
            };
          }
          return 'written';
        } finally {
          s3.destroy();
        }
      },
      async read(signal) {
        const { s3, sdk } = await client(loc);
        try {
          const object = await s3.send(
            new sdk.GetObjectCommand({ Bucket: loc.bucket, Key: loc.key }),
            sendOptions(signal),
          );
          const bytes = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
          return { found: 'present', bytes, current: (sha256: string) => sameObject(object, sha256, loc) };
        } catch (error) {
          if (isMissing(error)) return { found: 'absent' };
          throw describeS3Error(error, 'GetObject', loc);
        } finally {
          s3.destroy();
        }
      },
      async remove(signal) {
        const { s3, sdk } = await client(loc);
        try {
          let existed: boolean | undefined;
          try {
            await s3.send(
              new sdk.HeadObjectCommand({ Bucket: loc.bucket, Key: loc.key }),
              sendOptions(signal),
            );
            existed = true;
          } catch (error) {
            if (isMissing(error)) existed = false;
            else if (!isUnknowable(error)) throw describeS3Error(error, 'HeadObject', loc);
          }
          // Deleting a missing key succeeds, so this is safe either way, and a missing bucket
          // (which a bodiless HEAD 404 cannot tell apart) surfaces as NoSuchBucket.
          try {
            await s3.send(
              new sdk.DeleteObjectCommand({ Bucket: loc.bucket, Key: loc.key }),
              sendOptions(signal),
            );
          } catch (error) {
            throw describeS3Error(error, 'DeleteObject', loc);
          }
          return existed === false ? 'absent' : 'deleted';
        } finally {
          s3.destroy();
        }
      },
    };
    return destination;
  },
};
