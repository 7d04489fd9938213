/**
 * Review of pull verification against real registries (distribution 2.8 over plain HTTP, so that a
 * small rewriting proxy can bend the protocol in front of them), with skopeo as the judge:
 * numeric-looking passwords end to end, tls-verify: false falling back to plain HTTP as skopeo
 * does, a /v2/ that asks for nothing, several WWW-Authenticate headers, a token endpoint answering
 * only access_token with a short expires_in, and a proxy that alters manifests.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRegistry } from '../src/credentials/address.js';
import type { Credential } from '../src/credentials/documents.js';
import { parseImageReference } from '../src/registry/reference.js';
import type { Platform, VerificationPlan } from '../src/registry/types.js';
import { classifyError, classifyResponse, verifyAll } from '../src/registry/verify.js';
import { errorLines, runAction } from './support/action.js';
import { closedPort } from './support/faults.js';
import {
  createTestCA,
  pushImage,
  sha256Digest,
  skopeoInspect,
  startRegistry,
  tempDir,
  writeAuthFile,
  type TestCA,
  type TestRegistry,
} from './support/registry.js';

// Passwords YAML would read as numbers: 0123 → 123, a 20-digit token → 12345678901234567000.
const NUMERIC = { octal: '0123', long: '12345678901234567890' };

let ca: TestCA;
let open: TestRegistry; // no auth, plain HTTP
let basic: TestRegistry; // htpasswd, plain HTTP
let token: TestRegistry; // token auth, plain HTTP
let tlsBasic: TestRegistry; // htpasswd over TLS
const digests: Record<string, string> = {};

beforeAll(async () => {
  ca = await createTestCA();
  [open, basic, token, tlsBasic] = await Promise.all([
    startRegistry({ auth: 'none', tls: false }),
    startRegistry({ auth: 'htpasswd', tls: false, users: { alice: 'alice-secret-pw', num: NUMERIC.octal } }),
    startRegistry({ auth: 'token', tls: false, users: { alice: 'alice-secret-pw', tok: NUMERIC.long } }),
    startRegistry({ auth: 'htpasswd', tls: true, ca, users: { alice: 'alice-secret-pw' } }),
  ]);
  const pushed = await Promise.all([
    pushImage(open, 'team/app:1'),
    pushImage(basic, 'team/app:1', { platforms: ['linux/amd64', 'linux/arm/v7'], attestation: true }),
    pushImage(token, 'team/app:1'),
    pushImage(token, 'team/app:2'),
    pushImage(tlsBasic, 'team/app:1'),
    pushImage(open, 'team/armhf:1', { platforms: ['linux/arm', 'linux/arm64'] }),
  ]);
  for (const [i, name] of ['open', 'basic', 'token1', 'token2', 'tls', 'armhf'].entries()) {
    digests[name] = pushed[i]!.digest;
  }
});

afterAll(async () => {
  await Promise.all([open, basic, token, tlsBasic].filter(Boolean).map((r) => r.stop()));
  if (ca) fs.rmSync(ca.dir, { recursive: true, force: true });
});

function plan(images: string[], options: Partial<VerificationPlan> & { platforms?: Platform[] } = {}) {
  return {
    mode: 'fail' as const,
    images: images.map((i) => parseImageReference(i)),
    platforms: [],
    tlsVerify: true,
    ...options,
  } satisfies VerificationPlan;
}

const httpCredential = (host: string, username: string, password: string): Credential => ({
  address: parseRegistry(`http://${host}`),
  username,
  password,
});

/** skopeo inspect (--raw by default) with one user's credentials in a docker config.json, plain HTTP allowed. */
async function skopeoRaw(image: string, login?: [string, string], raw = true) {
  const auth = login ? await writeAuthFile(image.split('/')[0]!, ...login) : undefined;
  try {
    return await skopeoInspect({
      image,
      raw,
      tlsVerify: false,
      ...(auth ? { home: auth.home } : {}),
    });
  } finally {
    if (auth) fs.rmSync(auth.home, { recursive: true, force: true });
  }
}

interface Rewrite {
  /** Answer the request here instead of forwarding it. */
  answer?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean;
  /** Change what the upstream answered. */
  response?: (
    req: http.IncomingMessage,
    answer: { status: number; headers: http.OutgoingHttpHeaders; body: Buffer },
  ) => void;
}

/** A plain-HTTP reverse proxy that can answer or rewrite whole responses (headers and body). */
async function rewritingProxy(targetUrl: string, rewrite: Rewrite) {
  const target = new URL(targetUrl);
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method ?? ''} ${req.url ?? ''}`);
    if (rewrite.answer?.(req, res)) return;
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (up) => {
        const chunks: Buffer[] = [];
        up.on('data', (chunk: Buffer) => chunks.push(chunk));
        up.on('end', () => {
          const answer = {
            status: up.statusCode ?? 502,
            headers: { ...up.headers },
            body: Buffer.concat(chunks),
          };
          rewrite.response?.(req, answer);
          if (req.method !== 'HEAD') {
            delete answer.headers['transfer-encoding'];
            answer.headers['content-length'] = String(answer.body.length);
          }
          res.writeHead(answer.status, answer.headers);
          res.end(req.method === 'HEAD' ? undefined : answer.body);
        });
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

describe('the built action with numeric-looking passwords in registries', () => {
  it('0123 and a 20-digit token are used as written: verified, and skopeo pulls with the archive', async () => {
    const images = [`${basic.host}/team/app:1`, `${token.host}/team/app:1`];
    const registries =
      `- registry: http://${basic.host}\n  username: num\n  password: ${NUMERIC.octal}\n` +
      `- registry: http://${token.host}\n  username: tok\n  password: ${NUMERIC.long}\n`;
    const run = await runAction(
      { registries, images: images.join('\n'), tarball: 'true' },
      { skipPost: true },
    );
    try {
      expect(errorLines(run.main)).toEqual([]);
      expect(run.main.code).toBe(0);
      expect(run.outputs.verified).toBe('true');
      const verdicts = JSON.parse(run.outputs.verification!) as { status: string; digest: string }[];
      expect(verdicts.map((v) => [v.status, v.digest])).toEqual([
        ['ok', digests.basic],
        ['ok', digests.token1],
      ]);
      // The Mesos fetcher path: the archive unpacked as $HOME, skopeo with nothing else.
      const home = await tempDir('review-home');
      try {
        execFileSync('tar', ['-xzf', run.outputs.tarball!, '-C', home]);
        for (const [i, image] of images.entries()) {
          const raw = await skopeoInspect({ image, raw: true, tlsVerify: false, home });
          expect(raw.code, raw.stderr).toBe(0);
          expect(sha256Digest(raw.stdout)).toBe(verdicts[i]!.digest);
        }
      } finally {
        fs.rmSync(home, { recursive: true, force: true });
      }
      expect(run.shown).not.toContain(NUMERIC.long);
      expect(run.main.stdout).toContain(`::add-mask::${NUMERIC.long}`);
    } finally {
      await run.runPost();
    }
  });
});

describe('tls-verify: false falls back to plain HTTP, as docker and skopeo do', () => {
  it('an anonymous image on a plain-HTTP registry known only from images: ok, as skopeo agrees', async () => {
    const image = `${open.host}/team/app:1`;
    const tlsImage = `${tlsBasic.host}/team/app:1`;
    const creds = [{ address: parseRegistry(tlsBasic.host), username: 'alice', password: 'alice-secret-pw' }];
    const verdicts = await verifyAll(plan([image, tlsImage], { tlsVerify: false }), creds);
    expect(verdicts.map((v) => v.status)).toEqual(['ok', 'ok']);
    expect(verdicts[0]).toMatchObject({ authScheme: 'none', digest: digests.open });
    // The TLS registry stays on TLS: its credentials are never sent in clear.
    expect(verdicts[1]).toMatchObject({ authScheme: 'basic', digest: digests.tls });
    const raw = await skopeoRaw(image);
    expect(raw.code, raw.stderr).toBe(0);
    expect(sha256Digest(raw.stdout)).toBe(digests.open);
  });

  it('with tls-verify: true it is tls, and the advice is one the user can follow', async () => {
    const [verdict] = await verifyAll(plan([`${open.host}/team/app:1`]), []);
    expect(verdict).toMatchObject({ status: 'tls' });
    expect(verdict!.message).toMatch(/tls-verify: false/);
    expect(verdict!.message).toContain(`registry http://${open.host}`);
  });

  it('a registry that is down stays unreachable (ECONNREFUSED), not a TLS error', async () => {
    const host = await closedPort();
    const [verdict] = await verifyAll(plan([`${host}/team/app:1`], { tlsVerify: false }), []);
    expect(verdict).toMatchObject({ status: 'unreachable' });
    expect(verdict!.message).toMatch(/ECONNREFUSED/);
  });

  it('the built action: verified with tls-verify: false and a warning annotation', async () => {
    const run = await runAction({
      registry: `http://${basic.host}`,
      username: 'alice',
      password: 'alice-secret-pw',
      images: `${basic.host}/team/app:1\n${open.host}/team/app:1`,
      'tls-verify': 'false',
    });
    expect(errorLines(run.main)).toEqual([]);
    expect(run.main.code).toBe(0);
    expect(run.outputs.verified).toBe('true');
    expect(run.main.stdout).toMatch(/^::warning title=TLS verification disabled::/m);
  });
});

describe('protocol edge cases through a rewriting proxy', () => {
  it('/v2/ answers 200 but manifests 401: unauthorized without blaming the password, as skopeo fails', async () => {
    const proxy = await rewritingProxy(basic.url, {
      answer: (req, res) => {
        if (req.url !== '/v2/') return false;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        return true;
      },
    });
    try {
      const image = `${proxy.host}/team/app:1`;
      const [verdict] = await verifyAll(plan([image]), [
        httpCredential(proxy.host, 'alice', 'alice-secret-pw'),
      ]);
      expect(verdict).toMatchObject({ status: 'unauthorized', authScheme: 'none' });
      expect(verdict!.message).not.toMatch(/rejected these credentials|password secret/);
      expect(verdict!.message).toMatch(/asked for no credentials at \/v2\/ but answered 401 for team\/app/);
      expect((await skopeoRaw(image, ['alice', 'alice-secret-pw'])).code).not.toBe(0);
    } finally {
      await proxy.stop();
    }
  });

  it('several WWW-Authenticate headers, a Basic realm with commas and quotes: ok, as skopeo', async () => {
    const proxy = await rewritingProxy(basic.url, {
      response: (_req, answer) => {
        if (answer.status !== 401) return;
        answer.headers['www-authenticate'] = [
          'Newauth realm="apps", type=1, title="Login to \\"apps\\""',
          'Basic realm="a, \\"quoted\\", realm", charset="UTF-8"',
        ];
      },
    });
    try {
      const image = `${proxy.host}/team/app:1`;
      const verdicts = await verifyAll(
        plan([image], { platforms: [{ os: 'linux', architecture: 'arm', variant: 'v7' }] }),
        [httpCredential(proxy.host, 'alice', 'alice-secret-pw')],
      );
      expect(verdicts[0]).toMatchObject({
        status: 'ok',
        authScheme: 'basic',
        digest: digests.basic,
        platforms: ['linux/amd64', 'linux/arm/v7'],
      });
      const raw = await skopeoRaw(image, ['alice', 'alice-secret-pw']);
      expect(raw.code, raw.stderr).toBe(0);
      expect(sha256Digest(raw.stdout)).toBe(digests.basic);
    } finally {
      await proxy.stop();
    }
  });

  it('a token endpoint answering only access_token with expires_in 1: one token per repository, ok', async () => {
    const tokenUrl = new URL(token.tokenUrl!);
    const tokenProxy = await rewritingProxy(tokenUrl.origin, {
      response: (_req, answer) => {
        if (answer.status !== 200) return;
        const { access_token } = JSON.parse(answer.body.toString()) as { access_token: string };
        answer.body = Buffer.from(JSON.stringify({ access_token, expires_in: 1 }));
      },
    });
    const proxy = await rewritingProxy(token.url, {
      response: (_req, answer) => {
        const challenge = answer.headers['www-authenticate'];
        if (answer.status !== 401 || typeof challenge !== 'string') return;
        const bearer = challenge.replace(/realm="[^"]*"/, `realm="http://${tokenProxy.host}/token"`);
        // A Basic challenge first, and a scope parameter we must not take as ours.
        answer.headers['www-authenticate'] = [
          'Basic realm="ignored"',
          `${bearer},scope="registry:catalog:*"`,
        ];
      },
    });
    try {
      const images = [`${proxy.host}/team/app:1`, `${proxy.host}/team/app:2`];
      const verdicts = await verifyAll(
        plan(images),
        [httpCredential(proxy.host, 'alice', 'alice-secret-pw')],
        {
          concurrency: 1,
        },
      );
      expect(
        verdicts.map((v) => [v.status, v.authScheme, v.digest]),
        verdicts[0]?.message,
      ).toEqual([
        ['ok', 'bearer', digests.token1],
        ['ok', 'bearer', digests.token2],
      ]);
      // expires_in below the 60 s minimum is read as 60 s: the second image reuses the token.
      expect(tokenProxy.requests).toHaveLength(1);
      expect(tokenProxy.requests[0]).toContain('scope=repository%3Ateam%2Fapp%3Apull');
      expect(tokenProxy.requests[0]).not.toContain('catalog');

      const [login] = await verifyAll(plan([]), [httpCredential(proxy.host, 'alice', 'wrong-password')]);
      expect(login).toMatchObject({ status: 'unauthorized', authScheme: 'bearer' });
      expect(login!.message).toMatch(/check the password secret/);
    } finally {
      await proxy.stop();
      await tokenProxy.stop();
    }
  });

  it('a proxy that alters manifests: not ok once the body is read, as skopeo refuses it', async () => {
    const proxy = await rewritingProxy(basic.url, {
      response: (req, answer) => {
        if (answer.status === 200 && req.url?.includes('/manifests/')) {
          answer.body = Buffer.concat([answer.body, Buffer.from('\n')]);
        }
      },
    });
    try {
      const creds = [httpCredential(proxy.host, 'alice', 'alice-secret-pw')];
      const byDigest = `${proxy.host}/team/app@${digests.basic}`;
      // platforms make us GET the manifest; the body no longer matches its digest.
      const [verdict] = await verifyAll(
        plan([byDigest], { platforms: [{ os: 'linux', architecture: 'amd64' }] }),
        creds,
      );
      expect(verdict).toMatchObject({ status: 'error' });
      expect(verdict!.message).toMatch(/does not match its Docker-Content-Digest/);
      // skopeo inspect --raw prints what it got unchecked; a plain inspect checks it, as a pull does.
      const inspect = await skopeoRaw(byDigest, ['alice', 'alice-secret-pw'], false);
      expect(inspect.code).not.toBe(0);
      expect(inspect.stderr).toMatch(/does not match/i);
    } finally {
      await proxy.stop();
    }
  });
});

describe('platforms are compared as containerd normalises them', () => {
  const image = () => `${open.host}/team/armhf:1`;
  const openCreds = () => [httpCredential(open.host, 'x', 'y')];
  it.each([
    [
      'linux/arm/v7 on an index entry linux/arm (no variant)',
      { os: 'linux', architecture: 'arm', variant: 'v7' },
      'v7',
    ],
    ['linux/armhf on linux/arm', { os: 'linux', architecture: 'armhf' }, 'v7'],
    ['linux/aarch64 on linux/arm64', { os: 'linux', architecture: 'aarch64' }, undefined],
    ['linux/arm64/v8 on linux/arm64', { os: 'linux', architecture: 'arm64', variant: 'v8' }, undefined],
  ])('%s: ok, as skopeo finds it', async (_name, platform, skopeoVariant) => {
    const [verdict] = await verifyAll(plan([image()], { platforms: [platform] }), openCreds());
    expect(verdict, verdict?.message).toMatchObject({
      status: 'ok',
      platforms: ['linux/arm', 'linux/arm64'],
    });
    const arch = platform.architecture.replace('armhf', 'arm').replace('aarch64', 'arm64');
    const args = ['--override-os', 'linux', '--override-arch', arch];
    if (skopeoVariant) args.push('--override-variant', skopeoVariant);
    const home = await tempDir('review-home');
    try {
      const result = execFileSync(
        'skopeo',
        [...args, 'inspect', '--tls-verify=false', `docker://${image()}`],
        {
          env: { ...process.env, HOME: home, XDG_RUNTIME_DIR: home },
        },
      ).toString();
      expect((JSON.parse(result) as { Architecture: string }).Architecture).toBe(arch);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('linux/x86_64 on a single amd64 manifest: ok; linux/arm/v6 on linux/arm: platform-missing', async () => {
    const [amd] = await verifyAll(
      plan([`${open.host}/team/app:1`], { platforms: [{ os: 'linux', architecture: 'x86_64' }] }),
      openCreds(),
    );
    expect(amd).toMatchObject({ status: 'ok', platforms: ['linux/amd64'] });
    const [v6] = await verifyAll(
      plan([image()], { platforms: [{ os: 'linux', architecture: 'arm', variant: 'v6' }] }),
      openCreds(),
    );
    expect(v6).toMatchObject({ status: 'platform-missing' });
  });
});

describe('messages', () => {
  const wrongVersion = new TypeError('fetch failed', {
    cause: Object.assign(new Error('wrong version number'), { code: 'ERR_SSL_WRONG_VERSION_NUMBER' }),
  });

  it('plain HTTP behind https: the advice depends on whether the registry was written in an input', () => {
    expect(classifyError(wrongVersion, 'r:5000').message).toMatch(/write the registry as http:\/\/r:5000$/);
    const fromImages = classifyError(wrongVersion, 'r:5000', 'the registry', false);
    expect(fromImages).toMatchObject({ status: 'tls' });
    expect(fromImages.message).toMatch(/registry http:\/\/r:5000, or set tls-verify: false/);
  });

  it('a 401 after a /v2/ that asked for nothing never blames the password', () => {
    const base = { codes: ['UNAUTHORIZED'], registry: 'r:5000', repository: 'team/app', reference: '1' };
    const sent = classifyResponse({ ...base, status: 401, authScheme: 'none', hasCredentials: true });
    expect(sent.status).toBe('unauthorized');
    expect(sent.message).not.toMatch(/password/);
    // Without credentials it is still "give credentials"; with Basic it is still the password.
    expect(
      classifyResponse({ ...base, status: 401, authScheme: 'none', hasCredentials: false }).message,
    ).toMatch(/no credentials were given/);
    expect(
      classifyResponse({ ...base, status: 401, authScheme: 'basic', hasCredentials: true }).message,
    ).toMatch(/check the password secret for r:5000/);
  });
});
