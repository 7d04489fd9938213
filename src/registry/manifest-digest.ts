/**
 * The digest of a manifest as registries and clients compute it. For every type but one it is the
 * hash of the bytes served. A signed schema-1 manifest (`…manifest.v1+prettyjws`) is the exception:
 * its digest covers the payload without the `signatures` block. Each signature's JWS `protected`
 * header holds `formatLength` (bytes of the body that belong to the payload) and `formatTail`
 * (base64url of the bytes that close it, usually `\n}`); the payload is the body cut to
 * formatLength followed by the decoded tail, as distribution and containers/image (libtrust) do.
 */
import { createHash } from 'node:crypto';

/** A manifest whose signatures do not describe its payload consistently. */
export class ManifestDigestError extends Error {}

export function hashOf(data: Buffer, algorithm: string): string {
  const algo = algorithm === 'sha512' ? 'sha512' : 'sha256';
  return `${algo}:${createHash(algo).update(data).digest('hex')}`;
}

const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

function base64url(text: unknown, what: string): Buffer {
  if (typeof text !== 'string' || !BASE64URL.test(text)) {
    throw new ManifestDigestError(`its signature's ${what} is not base64url`);
  }
  return Buffer.from(text, 'base64url');
}

/**
 * The signed payload of a schema-1 manifest with signatures; undefined for any other manifest
 * (including unsigned schema 1, whose digest is that of its bytes).
 */
export function schema1Payload(body: Buffer): Buffer | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const manifest = parsed as { schemaVersion?: unknown; signatures?: unknown };
  if (manifest.schemaVersion !== 1 || manifest.signatures === undefined) return undefined;
  if (!Array.isArray(manifest.signatures) || manifest.signatures.length === 0) {
    throw new ManifestDigestError('its signatures are not a non-empty list');
  }
  let formatLength: number | undefined;
  let formatTail: Buffer | undefined;
  for (const signature of manifest.signatures as { protected?: unknown }[]) {
    let header: { formatLength?: unknown; formatTail?: unknown };
    try {
      header = JSON.parse(
        base64url(signature.protected, 'protected header').toString('utf8'),
      ) as typeof header;
    } catch (error) {
      if (error instanceof ManifestDigestError) throw error;
      throw new ManifestDigestError("its signature's protected header is not JSON");
    }
    const length = header.formatLength;
    if (typeof length !== 'number' || !Number.isInteger(length) || length < 0) {
      throw new ManifestDigestError("its signature's protected header has no formatLength");
    }
    const tail = base64url(header.formatTail, 'formatTail');
    // Every signature signs the same payload: they must agree on how to cut it.
    if (formatLength !== undefined && formatLength !== length) {
      throw new ManifestDigestError('its signatures give different formatLength values');
    }
    if (formatTail !== undefined && !formatTail.equals(tail)) {
      throw new ManifestDigestError('its signatures give different formatTail values');
    }
    formatLength = length;
    formatTail = tail;
  }
  if (formatLength === undefined || formatTail === undefined || formatLength > body.length) {
    throw new ManifestDigestError('its formatLength is longer than the manifest');
  }
  return Buffer.concat([body.subarray(0, formatLength), formatTail]);
}

/** The manifest's digest with `algorithm` (sha256 or sha512). Throws ManifestDigestError. */
export function manifestDigest(body: Buffer, algorithm = 'sha256'): string {
  return hashOf(schema1Payload(body) ?? body, algorithm);
}
