/**
 * auth: gcp end to end (google-auth-library with the external-account file google-github-actions/auth
 * writes, against faithful STS and IAM Credentials fakes; a Bearer-realm registry like Artifact
 * Registry), and the long-lived `_json_key` login with a real multi-line service-account key.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configAuth, errorLines, runAction, verdictStatuses } from './support/action.js';
import { startFakeGithubOidc, type FakeGithubOidc } from './support/fake-github-oidc.js';
import { startFakeGoogle, type FakeGoogle } from './support/fake-google.js';
import { startForwardProxy } from './support/forward-proxy.js';
import { pushImage, skopeoInspect, startRegistry, tempDir, type TestRegistry } from './support/registry.js';

let oidc: FakeGithubOidc;
let google: FakeGoogle;
let gar: TestRegistry;
let keyRegistry: TestRegistry;
let otherRegistry: TestRegistry;
let dir: string;

/** A service-account key file as the console downloads it: pretty JSON, a PEM key with \n escapes. */
function serviceAccountKey(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const document = {
    type: 'service_account',
    project_id: 'demo-project',
    private_key_id: randomBytes(20).toString('hex'),
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: 'puller@demo-project.iam.gserviceaccount.com',
    client_id: '104' + randomBytes(8).readBigUInt64BE().toString().slice(0, 18),
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: 'https://oauth2.googleapis.com/token',
    universe_domain: 'googleapis.com',
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
const KEY = serviceAccountKey();
/** What docker login --password-stdin (and the action) sends: the file less its trailing newline. */
const KEY_PASSWORD = KEY.replace(/\n$/, '');

beforeAll(async () => {
  oidc = await startFakeGithubOidc();
  google = await startFakeGoogle((token) => oidc.issued.includes(token));
  // Artifact Registry answers with a Bearer realm; the token server takes the access token by Basic.
  gar = await startRegistry({ auth: 'token', tls: true, users: { oauth2accesstoken: google.accessToken } });
  keyRegistry = await startRegistry({
    auth: 'token',
    tls: true,
    ca: gar.ca!,
    users: { _json_key: KEY_PASSWORD },
  });
  otherRegistry = await startRegistry({
    auth: 'token',
    tls: true,
    ca: gar.ca!,
    users: { someone: 'else-pw-1234' },
  });
  await Promise.all([
    pushImage(gar, 'team/app:1'),
    pushImage(keyRegistry, 'team/app:1'),
    pushImage(otherRegistry, 'x:1'),
  ]);
  dir = await tempDir('gcp-identity');
}, 60_000);

afterAll(async () => {
  await Promise.all([oidc.stop(), google.stop(), gar.stop(), keyRegistry.stop(), otherRegistry.stop()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

function gcpEnv(): Record<string, string> {
  return {
    ...oidc.env,
    GOOGLE_APPLICATION_CREDENTIALS: google.credentialsFile(dir, oidc.env),
    METADATA_SERVER_DETECTION: 'none',
  };
}

describe('auth: gcp', () => {
  it('mints an access token through workload identity federation, verifies ok, and skopeo pulls', async () => {
    google.log.length = 0;
    const run = await runAction(
      {
        registry: gar.host,
        auth: 'gcp',
        images: `${gar.host}/team/app:1`,
        'ca-cert': gar.ca!.caPem,
      },
      { env: gcpEnv(), skipPost: true },
    );
    expect(errorLines(run.main)).toEqual([]);
    expect(verdictStatuses(run)).toEqual(['ok']);
    expect(run.outputs['expires-at']).toBe(google.expiresAt.toISOString());
    expect(google.log.map((r) => [r.path, r.status])).toEqual([
      ['/v1/token', 200],
      [`/v1/projects/-/serviceAccounts/${google.serviceAccount}:generateAccessToken`, 200],
    ]);
    expect(google.log[1]!.scope).toEqual(['https://www.googleapis.com/auth/cloud-platform']);
    expect(oidc.audiences).toContain(`https:${google.audience}`);
    expect(run.summary).toContain('Google access token (minted)');
    expect(run.shown).not.toContain(google.accessToken);
    expect(configAuth(run.outputs['docker-config']!, gar.host)).toBe(
      `oauth2accesstoken:${google.accessToken}`,
    );
    const pulled = await skopeoInspect({
      image: `${gar.host}/team/app:1`,
      authFile: run.outputs['docker-config']!,
      certDir: gar.ca!.certDir,
    });
    expect(pulled.code).toBe(0);
    await run.runPost();
  }, 60_000);

  it.each([
    {
      name: 'an identity pool that may not impersonate the account names the IAM role',
      env: () => gcpEnv(),
      allow: false,
      expected: /Google IAM refused .*PERMISSION_DENIED.*roles\/iam\.workloadIdentityUser/,
    },
    {
      name: 'no application-default credentials names google-github-actions/auth',
      env: () => ({ METADATA_SERVER_DETECTION: 'none' }),
      allow: true,
      expected:
        /no application-default credentials were found: add google-github-actions\/auth .*id-token: write/,
    },
  ])(
    '$name',
    async ({ env, allow, expected }) => {
      google.allowImpersonation = allow;
      const run = await runAction(
        { registry: gar.host, auth: 'gcp', 'ca-cert': gar.ca!.caPem },
        { env: env(), skipPost: true },
      );
      google.allowImpersonation = true;
      expect(run.main.code).not.toBe(0);
      expect(errorLines(run.main).join('\n')).toMatch(expected);
      expect(run.outputs['docker-config']).toBeUndefined();
    },
    60_000,
  );
});

describe('auth: auto (the default) recognises a Google registry by its host', () => {
  // The hosts are not reachable here: verification is off, and the written config.json is the proof.
  it.each([
    { name: 'Artifact Registry', host: 'us-docker.pkg.dev' },
    { name: 'Container Registry', host: 'gcr.io' },
  ])(
    '$name ($host), no password: a minted access token',
    async ({ host }) => {
      google.log.length = 0;
      const run = await runAction({ registry: host, verify: 'off' }, { env: gcpEnv(), skipPost: true });
      expect(errorLines(run.main)).toEqual([]);
      expect(configAuth(run.outputs['docker-config']!, host)).toBe(`oauth2accesstoken:${google.accessToken}`);
      expect(google.log.map((r) => r.status)).toEqual([200, 200]);
      expect(run.shown).not.toContain(google.accessToken);
      await run.runPost();
    },
    60_000,
  );
});

describe('auth: gcp through a proxy', () => {
  it('sends the subject-token, STS and IAM calls through the proxy (HTTP_PROXY)', async () => {
    const proxy = await startForwardProxy();
    try {
      const run = await runAction(
        { registry: gar.host, auth: 'gcp', verify: 'off' },
        { env: { ...gcpEnv(), HTTP_PROXY: proxy.url }, skipPost: true },
      );
      expect(errorLines(run.main)).toEqual([]);
      // gaxios tunnels through the proxy (CONNECT) even to plain-HTTP endpoints.
      expect(proxy.log).toEqual(
        expect.arrayContaining([
          `CONNECT ${new URL(google.url).host}`,
          `CONNECT ${new URL(oidc.env.ACTIONS_ID_TOKEN_REQUEST_URL).host}`,
        ]),
      );
    } finally {
      await proxy.stop();
    }
  }, 60_000);
});

describe('_json_key with a multi-line service-account key', () => {
  it('logs in with the key as typed, and skopeo pulls with the written config.json', async () => {
    const run = await runAction(
      {
        registry: keyRegistry.host,
        username: '_json_key',
        password: KEY,
        images: `${keyRegistry.host}/team/app:1`,
        'ca-cert': keyRegistry.ca!.caPem,
      },
      { skipPost: true },
    );
    expect(errorLines(run.main)).toEqual([]);
    expect(verdictStatuses(run)).toEqual(['ok']);
    expect(run.outputs['expires-at']).toBe('');
    expect(configAuth(run.outputs['docker-config']!, keyRegistry.host)).toBe(`_json_key:${KEY_PASSWORD}`);
    const pulled = await skopeoInspect({
      image: `${keyRegistry.host}/team/app:1`,
      authFile: run.outputs['docker-config']!,
      certDir: keyRegistry.ca!.certDir,
    });
    expect(pulled.code).toBe(0);
    await run.runPost();
  }, 60_000);

  it('shows no line of the key anywhere, on success and on a refused verification', async () => {
    const run = await runAction({
      registries: [keyRegistry, otherRegistry]
        .map((r) => `- registry: ${r.host}\n  username: _json_key\n  password: ${JSON.stringify(KEY)}\n`)
        .join(''),
      images: `${keyRegistry.host}/team/app:1\n${otherRegistry.host}/x:1`,
      verify: 'warn',
      'ca-cert': keyRegistry.ca!.caPem,
    });
    expect(errorLines(run.main)).toEqual([]);
    expect(verdictStatuses(run)).toEqual(['ok', 'unauthorized']);
    const document = JSON.parse(KEY) as { private_key: string };
    const secretLines = [...KEY.split('\n'), ...document.private_key.split('\n')]
      .map((l) => l.trim())
      .filter((l) => l.length >= 8 && !l.startsWith('-----'));
    expect(secretLines.length).toBeGreaterThan(20);
    for (const line of secretLines) expect(run.shown).not.toContain(line);
    expect(run.shown).not.toContain(JSON.stringify(KEY_PASSWORD).slice(1, -1));
  }, 60_000);

  it('still refuses a multi-line password that is not a JSON document', async () => {
    const run = await runAction(
      { registry: keyRegistry.host, username: 'ci', password: 'line-one\nline-two' },
      { skipPost: true },
    );
    expect(errorLines(run.main)).toEqual([
      "Input 'password': contains a newline or control character: store the secret without a trailing newline (a multi-line password must be a JSON document, e.g. a service-account key for _json_key)",
    ]);
  }, 60_000);
});
