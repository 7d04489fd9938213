/**
 * Signed schema-1 manifests served by a real registry (distribution 2.8). It rewrites a Docker
 * schema-2 image to signed schema 1 when a tag is fetched with an Accept header that lacks schema 2,
 * signing it with its own key; that manifest is pushed back under a tag of its own, so the registry
 * then stores and serves signed schema 1 to every client. Its digest is that of the payload without
 * the signatures: verification must report that digest, and digest references to it must verify.
 */
import * as https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseImageReference } from '../src/registry/reference.js';
import type { VerificationPlan } from '../src/registry/types.js';
import { manifestDigest } from '../src/registry/manifest-digest.js';
import { verifyAll } from '../src/registry/verify.js';
import {
  pushImage,
  sha256Digest,
  skopeoInspect,
  startRegistry,
  type TestRegistry,
} from './support/registry.js';

const SIGNED = 'application/vnd.docker.distribution.manifest.v1+prettyjws';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function call(
  registry: TestRegistry,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${registry.url}${path}`,
      { method: options.method ?? 'GET', headers: options.headers ?? {}, ca: registry.ca?.caPem },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

let registry: TestRegistry;
let signed: Answer;
let served: string;

beforeAll(async () => {
  registry = await startRegistry({ auth: 'none', tls: true, schema1: true });
  await pushImage(registry, 'team/legacy:v2', { dockerSchema2: true });
  // An old client: no schema 2 in Accept, so the registry rewrites and signs.
  signed = await call(registry, '/v2/team/legacy/manifests/v2', { headers: { accept: 'application/json' } });
  const put = await call(registry, '/v2/team/legacy/manifests/1.0', {
    method: 'PUT',
    headers: { 'content-type': SIGNED },
    body: signed.body,
  });
  if (put.status !== 201) throw new Error(`PUT schema 1 answered ${put.status}: ${put.body.toString()}`);
  served = String(put.headers['docker-content-digest']);
}, 60_000);

afterAll(async () => {
  await registry.stop();
});

describe('a signed schema-1 manifest from the registry', () => {
  it('is signed JWS, and its digest (the registry’s) is that of the payload, not of the bytes', () => {
    expect(signed.status).toBe(200);
    expect(signed.headers['content-type']).toBe(SIGNED);
    const manifest = JSON.parse(signed.body.toString()) as { schemaVersion: number; signatures: unknown[] };
    expect(manifest.schemaVersion).toBe(1);
    expect(manifest.signatures.length).toBeGreaterThan(0);
    const digest = String(signed.headers['docker-content-digest']);
    expect(manifestDigest(signed.body)).toBe(digest);
    expect(sha256Digest(signed.body)).not.toBe(digest);
    // Stored as pushed: the registry names it by the same digest.
    expect(served).toBe(digest);
  });

  const cases = [
    { name: 'tag, HEAD', image: 'team/legacy:1.0', platforms: [] },
    { name: 'tag, GET (platforms need the body)', image: 'team/legacy:1.0', platforms: ['linux/amd64'] },
    { name: 'digest, HEAD', image: 'team/legacy@DIGEST', platforms: [] },
    { name: 'digest, GET', image: 'team/legacy@DIGEST', platforms: ['linux/amd64'] },
  ];
  it.each(cases)('verifies by $name with the payload digest, as skopeo pulls it', async (c) => {
    const image = `${registry.host}/${c.image.replace('DIGEST', served)}`;
    const plan: VerificationPlan = {
      mode: 'fail',
      images: [parseImageReference(image)],
      platforms: c.platforms.map((p) => {
        const [os, architecture] = p.split('/');
        return { os: os!, architecture: architecture! };
      }),
      tlsVerify: true,
      caCert: registry.ca!.caPem,
    };
    const [verdict] = await verifyAll(plan, []);
    expect(verdict, verdict?.message).toMatchObject({ status: 'ok', digest: served });
    expect(verdict!.mediaType).toBe(SIGNED);
    const skopeo = await skopeoInspect({ image, raw: true, certDir: registry.ca!.certDir });
    expect(skopeo.code, skopeo.stderr).toBe(0);
    expect(manifestDigest(Buffer.from(skopeo.stdout))).toBe(served);
  });
});
