/**
 * `https://…`: an HTTP PUT to a presigned URL (S3, GCS, Azure SAS), an Artifactory or Nexus raw
 * repository, or a WebDAV share. Credentials travel in the URL's query (a presigned URL) or in
 * `upload-headers`; both are secrets and never appear in a message.
 */
import type { HttpsInputs } from './https-inputs.js';
import { InputError, TargetError } from '../errors.js';
import { hasControlCharacter } from '../text.js';
import { send, type HttpResponse } from './http.js';
import type { Destination, DestinationKind } from './types.js';

export interface UploadHeader {
  name: string;
  value: string;
}

/** RFC 9110 token characters. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers that frame or route the request: ours to set, never the user's. */
const RESERVED = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'proxy-connection',
]);

/** Headers that carry the uploader's own credentials, never sent to a presigned URL. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization']);

/** `Name: value` lines of `upload-headers`. Messages name the header, never its value. */
export function parseUploadHeaders(lines: readonly string[]): UploadHeader[] {
  const seen = new Set<string>();
  return lines.map((line, index) => {
    const colon = line.indexOf(':');
    if (colon <= 0) {
      throw new InputError('upload-headers', `line ${index + 1} is not a 'Name: value' header`);
    }
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (!TOKEN.test(name)) {
      throw new InputError('upload-headers', `line ${index + 1}: '${name}' is not a valid header name`);
    }
    const lower = name.toLowerCase();
    if (RESERVED.has(lower)) {
      throw new InputError('upload-headers', `'${name}' is set by the action and cannot be given`);
    }
    if (seen.has(lower)) throw new InputError('upload-headers', `'${name}' is given twice`);
    seen.add(lower);
    if (value === '') throw new InputError('upload-headers', `'${name}' has an empty value`);
    // Field values: visible ASCII, obs-text, space and tab; no CR, LF or other controls.
    if (hasControlCharacter(value, { allow: '\t' })) {
      throw new InputError('upload-headers', `the value of '${name}' contains control characters`);
    }
    return { name, value };
  });
}

/** What to mask for a header value: the whole value and, for `Scheme token`, the token alone. */
function headerSecrets(headers: readonly UploadHeader[]): string[] {
  return headers.flatMap(({ value }) => {
    const token = /^[A-Za-z][\w-]*\s+(\S{8,})$/.exec(value)?.[1];
    return token ? [value, token] : [value];
  });
}

/** A presigned URL's query is a credential: mask it whole and each long parameter value. */
function querySecrets(url: URL): string[] {
  if (url.search.length <= 1) return [];
  const secrets = new Set([url.search.slice(1)]);
  for (const raw of url.search.slice(1).split('&')) {
    const value = raw.slice(raw.indexOf('=') + 1);
    if (value.length >= 8) secrets.add(value);
    let decoded = value;
    try {
      decoded = decodeURIComponent(value.replace(/\+/g, ' '));
    } catch {
      // keep the raw value
    }
    if (decoded.length >= 8) secrets.add(decoded);
  }
  return [...secrets];
}

function parseHttpsUrl(uri: string): URL {
  if (/^http:/i.test(uri)) {
    throw new InputError(
      'upload-to',
      `'${uri.replace(/[?#].*$/, '')}' is plain http: the archive holds registry credentials and would ` +
        'cross the network in clear text; use https://',
    );
  }
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    // The text may hold a query with a signature: quote only what precedes it.
    throw new InputError('upload-to', `'${uri.replace(/[?#].*$/, '')}' is not a valid https URL`);
  }
  const shown = `${url.origin}${url.pathname}`;
  if (url.username !== '' || url.password !== '') {
    throw new InputError(
      'upload-to',
      `${url.protocol}//${url.host}${url.pathname}: user:password in the URL is not accepted; ` +
        "send it in upload-headers instead (e.g. 'Authorization: Basic …')",
    );
  }
  if (url.hash !== '') throw new InputError('upload-to', `${shown} has a #fragment: remove it`);
  if (url.pathname === '/' || url.pathname.endsWith('/')) {
    throw new InputError('upload-to', `${shown} names a directory: give the file's URL (…/docker.tar.gz)`);
  }
  return url;
}

function failure(method: string, display: string, response: HttpResponse, presigned: boolean): TargetError {
  const status = response.status;
  const at = `${method} ${display}: HTTP ${status}`;
  if (status >= 300 && status < 400) {
    const location = response.headers.location?.replace(/[?#].*$/, '');
    return new TargetError(
      `${at} redirects${location ? ` to ${location}` : ''}; redirects are not followed (they would carry ` +
        'the upload headers elsewhere): give the final URL',
    );
  }
  if (status === 401) {
    return new TargetError(
      `${at} Unauthorized: the server wants credentials: pass them in upload-headers (e.g. Authorization)`,
    );
  }
  if (status === 403) {
    return new TargetError(
      presigned
        ? `${at} Forbidden: the presigned URL has expired, or was signed for another method or headers ` +
            `(a URL signed for PUT cannot ${method === 'PUT' ? 'be reused' : method}; presign one for ${method})`
        : `${at} Forbidden: the credentials in upload-headers lack ${method === 'DELETE' ? 'delete' : method === 'GET' ? 'read' : 'write (deploy)'} ` +
            'permission on this path',
    );
  }
  if (status === 404) {
    return new TargetError(`${at} Not Found: the repository or parent collection does not exist`);
  }
  if (status === 405) {
    return new TargetError(`${at} Method Not Allowed: this server does not accept ${method} at this URL`);
  }
  if (status === 409) {
    return new TargetError(
      `${at} Conflict: the parent collection does not exist (WebDAV) or the path is locked`,
    );
  }
  if (status === 413) return new TargetError(`${at} Payload Too Large`);
  return new TargetError(at);
}

/**
 * The sha256 a server reports for a stored file without sending it: Artifactory's
 * X-Checksum-Sha256, or our own x-amz-meta-sha256 / x-goog-meta-sha256 where a store echoes it.
 */
function storedSha256(headers: Record<string, string>): string | undefined {
  return (
    headers['x-checksum-sha256'] ??
    headers['x-amz-meta-sha256'] ??
    headers['x-goog-meta-sha256']
  )?.toLowerCase();
}

export const httpsDestination: DestinationKind = {
  name: 'https',
  matches: (uri) => /^https?:/i.test(uri),
  parse(uri: string, inputs: HttpsInputs) {
    const url = parseHttpsUrl(uri);
    const headers = parseUploadHeaders(inputs.uploadHeaders);
    const display = `${url.origin}${url.pathname}`;
    const presigned = url.search.length > 1;
    // A presigned URL authenticates by its query: S3 refuses a request that also carries an
    // Authorization header ("Only one auth mechanism allowed"), and that header belongs to the
    // other destinations (an Artifactory token has no business reaching the object store).
    const userHeaders = Object.fromEntries(
      headers
        .filter((h) => !(presigned && CREDENTIAL_HEADERS.has(h.name.toLowerCase())))
        .map((h) => [h.name, h.value]),
    );
    const hasContentType = headers.some((h) => h.name.toLowerCase() === 'content-type');
    const destination: Destination = {
      display,
      // A presigned PUT URL does not sign a GET: agents fetch the URL without the query, which the
      // store must serve (a public-read path, or a network-restricted bucket policy).
      fetchUri: () => display,
      secrets: [...querySecrets(url), ...headerSecrets(headers)],
      async put(archive, signal) {
        // A presigned URL signs one method, so a HEAD would be refused; elsewhere (Artifactory,
        // or any server echoing a sha256 header) a HEAD tells whether the same bytes are stored.
        if (!presigned) {
          try {
            const head = await send(
              { method: 'HEAD', url: url.href, headers: userHeaders, signal },
              display,
              true,
            );
            if (head.status === 200 && storedSha256(head.headers) === archive.sha256) return 'unchanged';
          } catch {
            // The HEAD is an optimisation only: the PUT reports real faults.
          }
        }
        const response = await send(
          {
            method: 'PUT',
            url: url.href,
            headers: {
              // A user Content-Type wins: a presigned URL may have signed another one.
              ...(hasContentType ? {} : { 'content-type': 'application/gzip' }),
              // Artifactory verifies the body against it; other servers ignore it. Not an
              // x-amz-* header, which S3 would require to be signed in a presigned URL.
              'x-checksum-sha256': archive.sha256,
              ...userHeaders,
            },
            body: archive.bytes,
            signal,
          },
          display,
        );
        if (response.status < 200 || response.status >= 300) {
          throw failure('PUT', display, response, presigned);
        }
        return 'written';
      },
      async read(signal) {
        // A URL presigned for PUT signs no GET: the store refuses it, and cannot be asked.
        const response = await send({ method: 'GET', url: url.href, headers: userHeaders, signal }, display);
        if (response.status === 404 || response.status === 410) return { found: 'absent' };
        if (presigned && (response.status === 403 || response.status === 400)) {
          return {
            found: 'unreadable',
            reason: `HTTP ${response.status}: a URL presigned for PUT cannot be read back with GET, so what it holds is unknown`,
          };
        }
        if (response.status < 200 || response.status >= 300)
          throw failure('GET', display, response, presigned);
        const bytes = response.body;
        const stored = storedSha256(response.headers);
        // put() skips only after a HEAD (never to a presigned URL) reports the same sha256.
        return { found: 'present', bytes, current: (sha256: string) => !presigned && stored === sha256 };
      },
      async remove(signal) {
        const response = await send(
          { method: 'DELETE', url: url.href, headers: userHeaders, signal },
          display,
        );
        if (response.status === 404 || response.status === 410) return 'absent';
        if (response.status < 200 || response.status >= 300) {
          throw failure('DELETE', display, response, presigned);
        }
        return 'deleted';
      },
    };
    return destination;
  },
};
