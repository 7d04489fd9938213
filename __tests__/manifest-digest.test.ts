/**
 * manifestDigest: signed schema-1 manifests are made here the way libtrust signs them (JWS ES256,
 * the payload indented with three spaces, `formatLength`/`formatTail` in the protected header,
 * the `signatures` block spliced in before the closing brace), so the bytes served differ from the
 * bytes signed, as with a real registry. The registry-served case is in verify-schema1.test.ts.
 */
import { createHash, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ManifestDigestError, manifestDigest, schema1Payload } from '../src/registry/manifest-digest.js';

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');
const hash = (data: Buffer | string, algo = 'sha256') =>
  `${algo}:${createHash(algo).update(data).digest('hex')}`;

const MANIFEST = {
  schemaVersion: 1,
  name: 'team/legacy',
  tag: '1.0',
  architecture: 'amd64',
  fsLayers: [{ blobSum: hash('layer') }],
  history: [{ v1Compatibility: JSON.stringify({ id: 'a'.repeat(64), os: 'linux' }) }],
};

interface Signer {
  key: KeyObject;
  jwk: Record<string, unknown>;
}

function signer(): Signer {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { key: privateKey, jwk: publicKey.export({ format: 'jwk' }) };
}

interface Signed {
  body: Buffer;
  payload: Buffer;
}

/**
 * A pretty-printed signed manifest. `protectedFor` may change one signature's protected header
 * (to build inconsistent manifests).
 */
function signedManifest(
  signers: Signer[],
  protectedFor: (header: Record<string, unknown>, index: number) => Record<string, unknown> = (h) => h,
): Signed {
  const payload = Buffer.from(JSON.stringify(MANIFEST, null, 3));
  const formatLength = payload.length - 2;
  const tail = payload.subarray(formatLength);
  const signatures = signers.map((s, index) => {
    const header = protectedFor(
      { formatLength, formatTail: b64url(tail), time: '2026-11-30T06:00:00Z' },
      index,
    );
    const protectedText = b64url(JSON.stringify(header));
    const signingInput = `${protectedText}.${b64url(payload)}`;
    const signature = sign('sha256', Buffer.from(signingInput), { key: s.key, dsaEncoding: 'ieee-p1363' });
    return { header: { jwk: s.jwk, alg: 'ES256' }, signature: b64url(signature), protected: protectedText };
  });
  // Go's MarshalIndent(signatures, indent, indent): every line after the first carries the prefix.
  const block = JSON.stringify(signatures, null, 3).replace(/\n/g, '\n   ');
  const body = Buffer.concat([
    payload.subarray(0, formatLength),
    Buffer.from(`,\n   "signatures": ${block}\n}`),
  ]);
  return { body, payload };
}

describe('the generated signed manifests are valid JWS', () => {
  it('each signature verifies over protected.payload, and the body parses as JSON with signatures', () => {
    const signers = [signer(), signer()];
    const { body, payload } = signedManifest(signers);
    const parsed = JSON.parse(body.toString()) as {
      signatures: { protected: string; signature: string }[];
    };
    expect(parsed.signatures).toHaveLength(2);
    for (const [i, s] of parsed.signatures.entries()) {
      const input = Buffer.from(`${s.protected}.${b64url(payload)}`);
      const ok = verify(
        'sha256',
        input,
        { key: signers[i]!.key, dsaEncoding: 'ieee-p1363' },
        Buffer.from(s.signature, 'base64url'),
      );
      expect(ok).toBe(true);
    }
    expect(schema1Payload(body)?.equals(payload)).toBe(true);
  });
});

describe('manifestDigest', () => {
  const one = signedManifest([signer()]);
  const two = signedManifest([signer(), signer()]);
  const schema2 = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { digest: hash('config') },
      layers: [],
    }),
  );
  const unsigned = Buffer.from(JSON.stringify(MANIFEST, null, 3));
  const cases: { name: string; body: Buffer; algorithm?: string; want: string }[] = [
    { name: 'signed schema 1, one signature: the payload', body: one.body, want: hash(one.payload) },
    { name: 'signed schema 1, two signatures: the payload', body: two.body, want: hash(two.payload) },
    {
      name: 'signed schema 1 with sha512: the payload',
      body: one.body,
      algorithm: 'sha512',
      want: hash(one.payload, 'sha512'),
    },
    { name: 'unsigned schema 1: the bytes', body: unsigned, want: hash(unsigned) },
    { name: 'schema 2: the bytes', body: schema2, want: hash(schema2) },
    { name: 'not JSON: the bytes', body: Buffer.from('not json'), want: hash('not json') },
  ];
  it.each(cases)('$name', ({ body, algorithm, want }) => {
    expect(manifestDigest(body, algorithm)).toBe(want);
  });

  it('the signed digest is not the hash of the bytes served', () => {
    expect(manifestDigest(one.body)).not.toBe(hash(one.body));
  });
});

describe('manifestDigest refuses signatures that do not describe the payload', () => {
  const cases: { name: string; body: Buffer; error: RegExp }[] = [
    {
      name: 'signatures disagree on formatLength',
      body: signedManifest([signer(), signer()], (h, i) =>
        i === 1 ? { ...h, formatLength: (h.formatLength as number) - 1 } : h,
      ).body,
      error: /different formatLength/,
    },
    {
      name: 'signatures disagree on formatTail',
      body: signedManifest([signer(), signer()], (h, i) => (i === 1 ? { ...h, formatTail: b64url('}') } : h))
        .body,
      error: /different formatTail/,
    },
    {
      name: 'formatLength beyond the body',
      body: signedManifest([signer()], (h) => ({ ...h, formatLength: 1_000_000 })).body,
      error: /longer than the manifest/,
    },
    {
      name: 'no formatLength',
      body: signedManifest([signer()], (h) => ({ formatTail: h.formatTail })).body,
      error: /no formatLength/,
    },
    {
      name: 'protected header not base64url',
      body: Buffer.from(JSON.stringify({ schemaVersion: 1, signatures: [{ protected: 'a+b/c' }] })),
      error: /protected header is not base64url/,
    },
    {
      name: 'protected header not JSON',
      body: Buffer.from(JSON.stringify({ schemaVersion: 1, signatures: [{ protected: b64url('nope') }] })),
      error: /protected header is not JSON/,
    },
    {
      name: 'empty signatures',
      body: Buffer.from(JSON.stringify({ schemaVersion: 1, signatures: [] })),
      error: /not a non-empty list/,
    },
  ];
  it.each(cases)('$name', ({ body, error }) => {
    expect(() => manifestDigest(body)).toThrow(ManifestDigestError);
    expect(() => manifestDigest(body)).toThrow(error);
  });
});
