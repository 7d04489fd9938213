import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Inputs } from '../src/context.js';
import { InputError } from '../src/errors.js';
import { registerSecret } from '../src/secrets.js';
import { dcosTarget, type DcosPlan } from '../src/targets/dcos.js';
import type { BasePlan, TargetContext, TargetOutcome } from '../src/targets/types.js';
import { FakeDcos, selfSignedCert } from './support/fake-dcos.js';
import { defaultInputs as testInputs } from './support/inputs.js';

const masked = vi.hoisted(() => [] as string[]);
vi.mock('@actions/core', async (original) => ({
  ...(await original<typeof import('@actions/core')>()),
  setSecret: (value: string) => masked.push(value),
}));

const DOCUMENT = `${JSON.stringify({ auths: { 'registry.example.com': { auth: 'dXNlcjpzM2NyZXQ=' } } }, null, '\t')}\n`;
const base: BasePlan = { state: 'present', credentials: [], configFormat: 'config.json', tarball: false };

const fake = new FakeDcos();
let token = '';
let saKey = '';
const warnings: string[] = [];

function ctx(document = DOCUMENT): TargetContext {
  return {
    base,
    artifacts: { document, configPath: '', configDir: '' },
    runDir: os.tmpdir(),
    previous: new Map(),
    log: { info: () => undefined, warning: (m) => warnings.push(String(m)), debug: () => undefined },
    signal: new AbortController().signal,
  };
}

function plan(overrides: Partial<Inputs>, b: BasePlan = base): DcosPlan {
  const p = dcosTarget.plan(
    testInputs({ dcosUrl: fake.url, dcosSecretPath: 'mesos-docker/pullConfig', ...overrides }),
    b,
  );
  if (p === undefined) throw new Error('dcos target disabled');
  return p as DcosPlan;
}

const present = (p: DcosPlan, document = DOCUMENT): Promise<TargetOutcome> =>
  dcosTarget.present(p, ctx(document));
const result = (o: TargetOutcome) => o.results[0]!;

beforeAll(async () => {
  await fake.start();
  fake.addUser('admin', 'correct horse', ['*']);
  token = fake.issueToken('admin');
  saKey = fake.addServiceAccount('ci-deployer', ['mesos-docker/pullConfig']);
  fake.addUser('reader', 'pw-reader', ['other/path']);
});
afterAll(() => fake.stop());
beforeEach(() => {
  fake.reset();
  warnings.length = 0;
});

describe('dcos secret upsert', () => {
  it('creates, leaves unchanged, then updates a file secret with the raw bytes', async () => {
    const p = plan({ dcosToken: token });
    const first = await present(p);
    expect(result(first).action).toBe('created');
    expect(first.outputs).toEqual({
      dcos: { path: 'mesos-docker/pullConfig', action: 'created', message: expect.any(String) as string },
    });
    const stored = fake.secrets.get('mesos-docker/pullConfig')!;
    expect(stored.contentType).toBe('application/octet-stream');
    expect(stored.body.toString('utf8')).toBe(DOCUMENT);
    const put = fake.requests('PUT')[0]!;
    expect(put.authorization).toBe(`token=${token}`);
    expect(put.path).toBe('/secrets/v1/secret/default/mesos-docker/pullConfig');

    fake.log.length = 0;
    expect(result(await present(p)).action).toBe('unchanged');
    expect(fake.log.map((r) => r.method)).toEqual(['GET']);

    fake.log.length = 0;
    const changed = DOCUMENT.replace('dXNlcjpzM2NyZXQ=', 'dXNlcjpuZXc=');
    expect(result(await present(p, changed)).action).toBe('updated');
    expect(fake.log.map((r) => r.method)).toEqual(['GET', 'PATCH']);
    expect(fake.secrets.get('mesos-docker/pullConfig')!.body.toString('utf8')).toBe(changed);
  });

  it('stores a JSON value secret with dcos-secret-encoding: value, and re-encodes a file secret', async () => {
    const p = plan({ dcosToken: token, dcosSecretEncoding: 'value' });
    expect(result(await present(p)).action).toBe('created');
    const stored = fake.secrets.get('mesos-docker/pullConfig')!;
    expect(stored.contentType).toBe('application/json');
    expect(JSON.parse(stored.body.toString('utf8'))).toEqual({ value: DOCUMENT });
    expect(result(await present(p)).action).toBe('unchanged');
    // Same bytes stored the other way: rewritten in the wanted encoding.
    expect(result(await present(plan({ dcosToken: token }))).action).toBe('updated');
    expect(fake.secrets.get('mesos-docker/pullConfig')!.contentType).toBe('application/octet-stream');
  });

  it('falls over to PATCH when the PUT meets 409 (a concurrent writer)', async () => {
    fake.intercept = (r) => {
      if (r.method === 'PUT') {
        fake.secrets.set('mesos-docker/pullConfig', {
          contentType: 'application/octet-stream',
          body: Buffer.from('x'),
        });
      }
    };
    const o = await present(plan({ dcosToken: token }));
    expect(result(o).action).toBe('updated');
    expect(fake.log.map((r) => r.method)).toEqual(['GET', 'PUT', 'PATCH']);
    expect(fake.secrets.get('mesos-docker/pullConfig')!.body.toString('utf8')).toBe(DOCUMENT);
  });

  it('retries 503 and 429 a bounded number of times', async () => {
    fake.failNext({ status: 503 });
    fake.failNext({ status: 429, retryAfter: '0' });
    expect(result(await present(plan({ dcosToken: token }))).action).toBe('created');
    expect(fake.log.map((r) => r.method)).toEqual(['GET', 'GET', 'GET', 'PUT']);

    fake.reset();
    fake.failNext({ status: 502 }, 5);
    const o = await present(plan({ dcosToken: token }));
    expect(result(o).action).toBe('failed');
    expect(result(o).message).toMatch(/502/);
    expect(fake.log).toHaveLength(3);
  });

  it('deletes on state absent, and reports absent when there is nothing', async () => {
    const p = plan({ dcosToken: token }, { ...base, state: 'absent' });
    fake.secrets.set('mesos-docker/pullConfig', {
      contentType: 'application/octet-stream',
      body: Buffer.from('x'),
    });
    const o = await dcosTarget.absent(p, ctx(''));
    expect(result(o).action).toBe('deleted');
    expect(fake.secrets.size).toBe(0);
    expect(result(await dcosTarget.absent(p, ctx(''))).action).toBe('absent');
    expect(fake.requests('DELETE')).toHaveLength(2);
  });
});

describe('dcos logins', () => {
  it('logs in a service account with an RS256 JWT and masks the login token at once', async () => {
    masked.length = 0;
    const p = plan({ dcosUid: 'ci-deployer', dcosPrivateKey: saKey });
    // The whole key, and each line of it, since the runner masks line by line.
    for (const secret of dcosTarget.secrets!(p)) registerSecret(secret);
    const keyLines = saKey.trim().split('\n').slice(1, -1);
    for (const line of [saKey.trim(), ...keyLines]) expect(masked).toContain(line);
    const o = await present(p);
    expect(result(o).action).toBe('created');
    const login = fake.requests('POST')[0]!;
    expect(login.path).toBe('/acs/api/v1/auth/login');
    const body = JSON.parse(login.body.toString('utf8')) as { uid: string; token: string };
    expect(body.uid).toBe('ci-deployer');
    const [header, claims] = body.token
      .split('.')
      .slice(0, 2)
      .map((s) => JSON.parse(Buffer.from(s, 'base64url').toString()) as Record<string, unknown>);
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(claims!['uid']).toBe('ci-deployer');
    const ttl = (claims!['exp'] as number) - Date.now() / 1000;
    expect(ttl).toBeGreaterThan(250);
    expect(ttl).toBeLessThanOrEqual(300);
    const issued = fake.requests('GET')[0]!.authorization!.slice('token='.length);
    expect(masked).toContain(issued);
    const visible = JSON.stringify([o.results, o.outputs, warnings]);
    for (const secret of [issued, body.token, saKey.split('\n')[1]!]) expect(visible).not.toContain(secret);
  });

  it('fake IAM refuses an expired service-account JWT with 401 {title, description, code}', async () => {
    const jwt = await new SignJWT({ uid: 'ci-deployer' })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setExpirationTime(Math.floor(Date.now() / 1000) - 10)
      .sign(createPrivateKey(saKey));
    const res = await fetch(`${fake.url}/acs/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ uid: 'ci-deployer', token: jwt }),
    });
    expect(res.status).toBe(401);
    expect(Object.keys((await res.json()) as object).sort()).toEqual(['code', 'description', 'title']);
  });

  it('accepts a service-account JSON (uid and private_key) as dcos-private-key', async () => {
    const json = JSON.stringify({
      scheme: 'RS256',
      uid: 'ci-deployer',
      private_key: saKey,
      login_endpoint: 'x',
    });
    const p = plan({ dcosPrivateKey: json });
    expect(result(await present(p)).action).toBe('created');
  });

  it('logs in with uid and password', async () => {
    const p = plan({ dcosUid: 'admin', dcosPassword: 'correct horse' });
    expect(dcosTarget.secrets!(p)).toEqual(['correct horse']);
    expect(result(await present(p)).action).toBe('created');
    expect(JSON.parse(fake.requests('POST')[0]!.body.toString('utf8'))).toEqual({
      uid: 'admin',
      password: 'correct horse',
    });
  });

  it.each([
    {
      name: 'wrong password',
      inputs: { dcosUid: 'admin', dcosPassword: 'wrong' },
      message: /login as 'admin' was refused \(401.*check dcos-uid and dcos-password/,
    },
    {
      name: 'key of another account',
      inputs: { dcosUid: 'ci-deployer', dcosPrivateKey: 'OTHER' },
      message: /login as 'ci-deployer' was refused \(401.*dcos-private-key.*public key/,
    },
    {
      name: 'expired token',
      inputs: { dcosToken: 'tok-expired' },
      message: /\(401.*dcos-token is invalid or expired/,
    },
    {
      name: 'missing permission',
      inputs: { dcosUid: 'reader', dcosPassword: 'pw-reader' },
      message:
        /refused to read secret mesos-docker\/pullConfig \(403.*grant 'reader' the permission dcos:secrets:default:\/mesos-docker\/pullConfig full/,
    },
  ])('explains a refusal: $name', async ({ inputs, message }) => {
    const other = new FakeDcos().addServiceAccount('nobody');
    const resolved = inputs.dcosPrivateKey === 'OTHER' ? { ...inputs, dcosPrivateKey: other } : inputs;
    const o = await present(plan(resolved));
    expect(result(o).action).toBe('failed');
    expect(result(o).message).toMatch(message);
    for (const secret of ['wrong', 'pw-reader', other]) expect(result(o).message).not.toContain(secret);
    expect(fake.secrets.size).toBe(0);
  });

  it('trusts the cluster CA from dcos-ca-cert, and explains an untrusted certificate', async () => {
    const tls = selfSignedCert();
    const secure = new FakeDcos();
    try {
      const url = await secure.start(tls);
      const t = secure.issueToken('root');
      secure.addUser('root', 'x');
      const inputs = { dcosUrl: url, dcosSecretPath: 'a/b', dcosToken: t };
      const untrusted = await dcosTarget.present(dcosTarget.plan(testInputs(inputs), base), ctx());
      expect(result(untrusted).action).toBe('failed');
      expect(result(untrusted).message).toMatch(/dcos-ca-cert/);
      const trusted = dcosTarget.plan(testInputs({ ...inputs, dcosCaCert: tls.cert }), base) as DcosPlan;
      expect(result(await dcosTarget.present(trusted, ctx())).action).toBe('created');
      expect(secure.secrets.get('a/b')!.body.toString()).toBe(DOCUMENT);
    } finally {
      await secure.stop();
    }
  });
});

describe('dcos inputs', () => {
  const keyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dcos-key-')), 'sa.pem');
  beforeAll(() => {
    fs.writeFileSync(keyFile, saKey);
  });

  it('is off without dcos-url, and normalises the URL and the path', () => {
    expect(dcosTarget.plan(testInputs(), base)).toBeUndefined();
    const p = dcosTarget.plan(
      testInputs({
        dcosUrl: 'https://dcos.example.com/',
        dcosSecretPath: '/mesos-docker/pullConfig/',
        dcosToken: 't',
      }),
      base,
    ) as DcosPlan;
    expect(p.url).toBe('https://dcos.example.com');
    expect(p.secretPath).toBe('mesos-docker/pullConfig');
    const fromFile = plan({ dcosUid: 'ci-deployer', dcosPrivateKey: keyFile });
    expect(fromFile.auth).toMatchObject({ kind: 'service-account', uid: 'ci-deployer' });
  });

  const ok = { dcosUrl: 'https://dcos.example.com', dcosSecretPath: 'a/b', dcosToken: 't' };
  it.each<[string, Partial<Inputs>, string, BasePlan?]>([
    ['not a URL', { ...ok, dcosUrl: 'dcos.example.com' }, 'dcos-url'],
    ['ftp URL', { ...ok, dcosUrl: 'ftp://dcos.example.com' }, 'dcos-url'],
    ['URL with user info', { ...ok, dcosUrl: 'https://u:p@dcos.example.com' }, 'dcos-url'],
    ['URL with query', { ...ok, dcosUrl: 'https://dcos.example.com/?a=b' }, 'dcos-url'],
    ['no secret path', { ...ok, dcosSecretPath: '' }, 'dcos-secret-path'],
    ['path with ..', { ...ok, dcosSecretPath: 'a/../b' }, 'dcos-secret-path'],
    ['path with //', { ...ok, dcosSecretPath: 'a//b' }, 'dcos-secret-path'],
    ['path with space', { ...ok, dcosSecretPath: 'a b' }, 'dcos-secret-path'],
    ['bad encoding', { ...ok, dcosSecretEncoding: 'base64' }, 'dcos-secret-encoding'],
    ['no auth', { ...ok, dcosToken: '' }, 'dcos-token'],
    ['token and password', { ...ok, dcosUid: 'u', dcosPassword: 'p' }, 'dcos-token'],
    ['token and uid', { ...ok, dcosUid: 'u' }, 'dcos-uid'],
    ['uid alone', { ...ok, dcosToken: '', dcosUid: 'u' }, 'dcos-uid'],
    ['password without uid', { ...ok, dcosToken: '', dcosPassword: 'p' }, 'dcos-uid'],
    [
      'key and password',
      { ...ok, dcosToken: '', dcosUid: 'u', dcosPassword: 'p', dcosPrivateKey: 'k' },
      'dcos-private-key',
    ],
    [
      'unreadable key',
      { ...ok, dcosToken: '', dcosUid: 'u', dcosPrivateKey: 'not-a-key' },
      'dcos-private-key',
    ],
    [
      'garbage PEM key',
      {
        ...ok,
        dcosToken: '',
        dcosUid: 'u',
        dcosPrivateKey: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----',
      },
      'dcos-private-key',
    ],
    ['CA not PEM', { ...ok, dcosCaCert: '/no/such/ca.pem' }, 'dcos-ca-cert'],
    ['dockercfg document', ok, 'config-format', { ...base, configFormat: 'dockercfg' }],
  ])('rejects %s before any request', (_name, inputs, input, b = base) => {
    const before = fake.log.length;
    let thrown: unknown;
    try {
      dcosTarget.plan(testInputs(inputs), b);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InputError);
    expect((thrown as InputError).input).toBe(input);
    expect((thrown as InputError).message).not.toMatch(/not-a-key|AAAA/);
    expect(fake.log.length).toBe(before);
  });

  it('rejects an EC key (DC/OS signs service logins with RS256)', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    expect(() => plan({ dcosUid: 'u', dcosPrivateKey: ec.toString() })).toThrow(/RSA/);
  });
});
