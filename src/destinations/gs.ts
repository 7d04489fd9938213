/**
 * `gs://bucket/object` through the Cloud Storage JSON API: a multipart upload (metadata + media in
 * one request) so the object carries its sha256 and GCS verifies the md5 we send. The access token
 * comes from google-auth-library's application-default credentials, which is what
 * google-github-actions/auth sets up (GOOGLE_APPLICATION_CREDENTIALS). STORAGE_EMULATOR_HOST points
 * the API elsewhere, as the official clients do.
 */
import { createHash, randomBytes } from 'node:crypto';
import { InputError, TargetError } from '../errors.js';
import { abortable } from '../deadline.js';
import { hasControlCharacter } from '../text.js';
import { send, type HttpResponse } from './http.js';
import type { Destination, DestinationKind, FetchScheme } from './types.js';

export const GCS_SCOPE = 'https://www.googleapis.com/auth/devstorage.read_write';

export interface GcsLocation {
  bucket: string;
  object: string;
}

export function parseGsUri(uri: string): GcsLocation {
  const match = /^gs:\/\/([^/]*)\/?(.*)$/.exec(uri);
  const bucket = match?.[1] ?? '';
  const object = match?.[2] ?? '';
  if (bucket === '') throw new InputError('upload-to', `'${uri}' has no bucket: use gs://bucket/object`);
  if (
    bucket.length < 3 ||
    bucket.length > 222 ||
    !/^[a-z0-9][a-z0-9._-]*[a-z0-9]$/.test(bucket) ||
    bucket.split('.').some((part) => part.length > 63) ||
    bucket.startsWith('goog')
  ) {
    throw new InputError('upload-to', `'${bucket}' in '${uri}' is not a valid Cloud Storage bucket name`);
  }
  if (object === '')
    throw new InputError('upload-to', `'${uri}' has no object name: use gs://${bucket}/docker.tar.gz`);
  if (object.endsWith('/')) {
    throw new InputError('upload-to', `'${uri}' names a folder: give the object name (…/docker.tar.gz)`);
  }
  if (
    /[#?]/.test(object) ||
    hasControlCharacter(object) ||
    object.startsWith('.well-known/acme-challenge/')
  ) {
    throw new InputError(
      'upload-to',
      `the object name in '${uri}' holds characters Cloud Storage refuses ('?', '#', controls)`,
    );
  }
  if (Buffer.byteLength(object) > 1024)
    throw new InputError('upload-to', `the object name in '${uri}' is over 1024 bytes`);
  return { bucket, object };
}

const encodeName = (name: string): string => name.split('/').map(encodeURIComponent).join('/');

export function gcsObjectUrl(loc: GcsLocation): string {
  return `https://storage.googleapis.com/${loc.bucket}/${encodeName(loc.object)}`;
}

/** The JSON API root: the public one, or STORAGE_EMULATOR_HOST (with or without a scheme). */
export function gcsApiBase(): string {
  const emulator = process.env.STORAGE_EMULATOR_HOST?.trim();
  if (!emulator) return 'https://storage.googleapis.com';
  return (/^https?:\/\//.test(emulator) ? emulator : `http://${emulator}`).replace(/\/+$/, '');
}

/** A token for Cloud Storage; google-auth-library takes no signal, so the deadline ends the wait. */
async function accessToken(signal: AbortSignal | undefined): Promise<string> {
  const { GoogleAuth } = await import('./google-auth.js');
  try {
    // Bucket-scoped calls need no project; without one, the library would hunt for it (Resource
    // Manager, gcloud, the metadata server), which a federated principal may not be allowed to do.
    const auth = new GoogleAuth({
      scopes: [GCS_SCOPE],
      projectId: process.env.GOOGLE_CLOUD_PROJECT || 'unused',
    });
    const { token } = await abortable(
      auth.getClient().then((client) => client.getAccessToken()),
      signal,
    );
    if (!token) throw new Error('no token returned');
    return token;
  } catch (error) {
    if (signal?.aborted && error === signal.reason) throw error;
    // Library messages can quote the credentials file's fields, but not tokens; keep the first line.
    const reason = ((error as Error).message || String(error)).split('\n')[0];
    throw new TargetError(
      `Google credentials unavailable (${reason}): run google-github-actions/auth before this step, or set ` +
        'GOOGLE_APPLICATION_CREDENTIALS',
    );
  }
}

/** The JSON API error message ({"error":{"message":…}}), if any. */
function apiMessage(response: HttpResponse): string {
  try {
    const doc = JSON.parse(response.body.toString('utf8')) as { error?: { message?: unknown } };
    return typeof doc.error?.message === 'string' ? doc.error.message : '';
  } catch {
    return '';
  }
}

const bucketMissing = (response: HttpResponse): boolean =>
  /bucket does not exist/i.test(apiMessage(response));

type GcsOperation = 'get' | 'create' | 'delete';

function failure(op: GcsOperation, loc: GcsLocation, response: HttpResponse): TargetError {
  const where = `gs://${loc.bucket}/${loc.object}`;
  const message = apiMessage(response);
  const said = message ? ` (${message})` : '';
  switch (response.status) {
    case 401:
      return new TargetError(
        `${where}: HTTP 401: the access token was refused${said}: check the google-github-actions/auth step`,
      );
    case 403: {
      const need =
        op === 'create'
          ? 'storage.objects.create (and storage.objects.delete to replace an existing object)'
          : `storage.objects.${op}`;
      return new TargetError(
        `${where}: HTTP 403: the principal lacks ${need} on bucket ${loc.bucket}${said}: grant ` +
          'roles/storage.objectUser or a custom role with it',
      );
    }
    case 404:
      return new TargetError(
        bucketMissing(response)
          ? `${where}: bucket '${loc.bucket}' does not exist`
          : `${where}: HTTP 404${said}`,
      );
    default:
      return new TargetError(`${where}: ${op} failed: HTTP ${response.status}${said}`);
  }
}

function multipartBody(loc: GcsLocation, bytes: Buffer, sha256: string): { boundary: string; body: Buffer } {
  const boundary = `pull-credentials-${randomBytes(12).toString('hex')}`;
  const metadata = {
    name: loc.object,
    contentType: 'application/gzip',
    // GCS checks the media against this md5 and refuses the upload on a mismatch.
    md5Hash: createHash('md5').update(bytes).digest('base64'),
    metadata: { sha256 },
  };
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n${JSON.stringify(metadata)}\r\n` +
        `--${boundary}\r\nContent-Type: application/gzip\r\n\r\n`,
    ),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { boundary, body };
}

export const gsDestination: DestinationKind = {
  name: 'gs',
  matches: (uri) => /^gs:/i.test(uri),
  parse(uri) {
    if (!uri.startsWith('gs://')) throw new InputError('upload-to', `'${uri}' must be gs://bucket/object`);
    const loc = parseGsUri(uri);
    const native = `gs://${loc.bucket}/${loc.object}`;
    const objectPath = `/storage/v1/b/${encodeURIComponent(loc.bucket)}/o/${encodeURIComponent(loc.object)}`;
    const destination: Destination = {
      display: native,
      fetchUri: (scheme: FetchScheme) => (scheme === 'native' ? native : gcsObjectUrl(loc)),
      secrets: [],
      async put(archive, signal) {
        const base = gcsApiBase();
        const token = await accessToken(signal);
        const authorization = { authorization: `Bearer ${token}` };
        const current = await send(
          { method: 'GET', url: `${base}${objectPath}?fields=metadata`, headers: authorization, signal },
          native,
        );
        if (current.status === 200) {
          const doc = JSON.parse(current.body.toString('utf8')) as { metadata?: Record<string, unknown> };
          if (doc.metadata?.sha256 === archive.sha256) return 'unchanged';
        } else if (current.status === 401 || (current.status === 404 && bucketMissing(current))) {
          throw failure('get', loc, current);
        }
        // 404: not there yet; 403: no storage.objects.get, so upload and let that answer.
        const { boundary, body } = multipartBody(loc, archive.bytes, archive.sha256);
        const upload = await send(
          {
            method: 'POST',
            url: `${base}/upload/storage/v1/b/${encodeURIComponent(loc.bucket)}/o?uploadType=multipart`,
            headers: { ...authorization, 'content-type': `multipart/related; boundary=${boundary}` },
            body,
            signal,
            // The multipart upload names the object: a repeat replaces it with the same bytes.
            idempotent: true,
          },
          native,
        );
        if (upload.status !== 200) throw failure('create', loc, upload);
        return 'written';
      },
      async read(signal) {
        const base = gcsApiBase();
        const token = await accessToken(signal);
        const authorization = { authorization: `Bearer ${token}` };
        const meta = await send(
          { method: 'GET', url: `${base}${objectPath}?fields=metadata`, headers: authorization, signal },
          native,
        );
        if (meta.status === 404 && !bucketMissing(meta)) return { found: 'absent' };
        if (meta.status !== 200) throw failure('get', loc, meta);
        const doc = JSON.parse(meta.body.toString('utf8')) as { metadata?: Record<string, unknown> };
        const media = await send(
          { method: 'GET', url: `${base}${objectPath}?alt=media`, headers: authorization, signal },
          native,
        );
        if (media.status === 404 && !bucketMissing(media)) return { found: 'absent' };
        if (media.status !== 200) throw failure('get', loc, media);
        // put() skips by the sha256 metadata alone, so that is what "current" compares.
        return {
          found: 'present',
          bytes: media.body,
          current: (sha256: string) => doc.metadata?.['sha256'] === sha256,
        };
      },
      async remove(signal) {
        const base = gcsApiBase();
        const token = await accessToken(signal);
        const response = await send(
          {
            method: 'DELETE',
            url: `${base}${objectPath}`,
            headers: { authorization: `Bearer ${token}` },
            signal,
          },
          native,
        );
        if (response.status === 204 || response.status === 200) return 'deleted';
        if (response.status === 404 && !bucketMissing(response)) return 'absent';
        throw failure('delete', loc, response);
      },
    };
    return destination;
  },
};
