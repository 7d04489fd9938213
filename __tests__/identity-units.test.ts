/** The pure parts of cloud identities: host recognition, auth resolution, durations, lifetimes, JSON-key masking. */
import * as core from '@actions/core';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Credential } from '../src/credentials/documents.js';
import { registerCredential } from '../src/secrets.js';
import { parseRegistry } from '../src/credentials/address.js';
import { ecrRegion } from '../src/identity/aws/hosts.js';
import { decodeAuthorizationToken } from '../src/identity/aws/mint.js';
import { jwtExpiry } from '../src/identity/jwt.js';
import { isJsonDocumentPassword, jsonPasswordForms } from '../src/identity/gcp/json-key.js';
import { recogniseHost } from '../src/identity/index.js';
import {
  checkLifetimes,
  earliestExpiry,
  expiryNotices,
  formatDuration,
  typedLifetime,
  type CredentialLifetime,
} from '../src/identity/lifetime.js';
import { parseDuration, planIdentity } from '../src/identity/plan.js';
import { buildPlan } from '../src/plan.js';
import { setOutputs, writeSummary, type RunReport } from '../src/report.js';
import { planRapyuta } from '../src/targets/rapyuta.js';
import { ROOT } from './support/action.js';
import { unsignedJwt } from './support/fake-github-oidc.js';
import { defaultInputs } from './support/inputs.js';

describe('recogniseHost', () => {
  it.each([
    ['123456789012.dkr.ecr.us-east-1.amazonaws.com', 'aws'],
    ['123456789012.dkr.ecr.eu-central-1.amazonaws.com:443', 'aws'],
    ['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn', 'aws'],
    ['123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com', 'aws'],
    ['123456789012.dkr-ecr.us-west-2.on.aws', 'aws'],
    ['123456789012.dkr-ecr.cn-northwest-1.on.amazonwebservices.com.cn', 'aws'],
    ['123456789012.DKR.ECR.us-east-1.amazonaws.com', 'aws'],
    ['public.ecr.aws', 'aws-public'],
    ['europe-west3-docker.pkg.dev', 'gcp'],
    ['us-docker.pkg.dev', 'gcp'],
    ['gcr.io', 'gcp'],
    ['eu.gcr.io', 'gcp'],
    ['myregistry.azurecr.io', 'azure'],
    ['myregistry.azurecr.cn', 'azure'],
    ['myregistry.azurecr.us', 'azure'],
    ['ghcr.io', undefined],
    ['docker.io', undefined],
    ['dkr.ecr.us-east-1.amazonaws.com', undefined],
    ['12345.dkr.ecr.us-east-1.amazonaws.com', undefined],
    ['123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example', undefined],
    ['ecr.aws', undefined],
    ['pkg.dev', undefined],
    ['docker.pkg.dev', undefined],
    ['gcr.io.evil.example', undefined],
    ['my.registry.azurecr.io', undefined],
    ['azurecr.io', undefined],
    ['127.0.0.1:5000', undefined],
  ])('%s → %s', (host, expected) => {
    expect(recogniseHost(host)).toBe(expected);
  });

  it.each([
    ['123456789012.dkr.ecr.ap-southeast-2.amazonaws.com', 'ap-southeast-2'],
    ['123456789012.dkr-ecr.us-west-2.on.aws', 'us-west-2'],
    ['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn', 'cn-north-1'],
    ['public.ecr.aws', undefined],
  ])('ECR region of %s is %s', (host, region) => {
    expect(ecrRegion(host)).toBe(region);
  });
});

describe('auth in the plan', () => {
  const plan = (overrides: Parameters<typeof defaultInputs>[0]) => buildPlan(defaultInputs(overrides));

  it.each([
    [{ registry: '123456789012.dkr.ecr.us-east-1.amazonaws.com' }, 'aws'],
    [{ registry: 'public.ecr.aws' }, 'aws-public'],
    [{ registry: 'us-docker.pkg.dev' }, 'gcp'],
    [{ registry: 'contoso.azurecr.io' }, 'azure'],
    [{ registry: '127.0.0.1:5000', auth: 'aws' }, 'aws'],
    [{ registry: 'contoso.azurecr.io', username: 'sp-id', password: 'sp-secret' }, undefined],
    [
      { registry: 'contoso.azurecr.io', auth: 'password', username: 'sp-id', password: 'sp-secret' },
      undefined,
    ],
  ])('single registry %o mints with %s', (inputs, auth) => {
    const [credential] = plan(inputs).credentials;
    expect(credential?.auth).toBe(auth);
    expect(credential?.password).toBe(auth ? '' : 'sp-secret');
  });

  it('a registries entry with auth: aws needs no username or password', () => {
    const { credentials } = plan({
      registries:
        '- registry: 123456789012.dkr.ecr.us-east-1.amazonaws.com\n- registry: 127.0.0.1:5000\n  auth: gcp\n',
    });
    expect(credentials.map((c) => [c.address.key, c.auth])).toEqual([
      ['123456789012.dkr.ecr.us-east-1.amazonaws.com', 'aws'],
      ['127.0.0.1:5000', 'gcp'],
    ]);
  });

  it.each([
    [
      { auth: 'iam' },
      "Input 'auth': 'iam' is not supported: use one of auto, password, aws, aws-public, gcp, azure",
    ],
    [
      { registry: 'contoso.azurecr.io', auth: 'azure', username: 'x', password: 'y' },
      "Input 'auth': is azure for registry contoso.azurecr.io, which mints the credential: remove the password, or use auth: password",
    ],
    [
      { registry: '123456789012.dkr.ecr.us-east-1.amazonaws.com', username: 'AWS' },
      "Input 'username': is set, but auth aws mints the user name too: remove it",
    ],
    [
      { registry: 'ghcr.io' },
      "Input 'username': no credentials given: set username and password (from secrets), the registries list, or auth for a cloud registry",
    ],
    [
      { registries: '- registry: 127.0.0.1:5000\n  auth: ecr\n' },
      "Input 'registries[].auth': 'ecr' is not supported: use one of auto, password, aws, aws-public, gcp, azure",
    ],
    [
      { minLifetime: '2 hours', username: 'u', password: 'p' },
      "Input 'min-lifetime': '2 hours' is not a duration: use a number and a unit, e.g. 30m, 6h, 1d",
    ],
    [
      { azureClientId: 'my-app', username: 'u', password: 'p' },
      "Input 'azure-client-id': 'my-app' is not an application (client) id: use the app's GUID",
    ],
  ])('%o is refused: %s', (inputs, message) => {
    expect(() => {
      const input = defaultInputs(inputs);
      buildPlan(input);
      planIdentity(input);
    }).toThrow(message);
  });

  it('a minted single-registry credential is the single registry for rapyuta.io: its email input is named', () => {
    const inputs = defaultInputs({
      registry: '123456789012.dkr.ecr.us-east-1.amazonaws.com',
      rapyutaToken: 'rapyuta-token-value',
      rapyutaOrganization: 'org-bvbcfwtgmsrclsaflcgimrvh',
      rapyutaProject: 'project-bvbcfwtgmsrclsaflcgimrvh',
      rapyutaSecretName: 'ecr-pull',
    });
    expect(() => planRapyuta(inputs, buildPlan(inputs))).toThrow(
      "Input 'email': is required by rapyuta.io docker secrets (registry 123456789012.dkr.ecr.us-east-1.amazonaws.com)",
    );
  });

  it.each([
    ['30m', 1_800_000],
    ['6h', 21_600_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
    ['90s', 90_000],
    ['0', 0],
  ])('min-lifetime %s is %d ms', (text, ms) => {
    expect(parseDuration('min-lifetime', text)).toBe(ms);
  });

  it('min-lifetime defaults to 1h', () => {
    expect(planIdentity(defaultInputs()).minLifetimeMs).toBe(3_600_000);
    expect(planIdentity(defaultInputs(), 5_000).timeoutMs).toBe(5_000);
  });
});

describe('lifetimes', () => {
  const now = new Date('2026-11-30T08:00:00Z');
  const credential = (username: string, password: string): Credential => ({
    address: parseRegistry('ghcr.io'),
    username,
    password,
  });
  const minted = (minutes: number): CredentialLifetime => ({
    registry: '123456789012.dkr.ecr.us-east-1.amazonaws.com',
    kind: 'ECR authorization token',
    minted: true,
    expiresAt: new Date(now.getTime() + minutes * 60_000),
  });

  it.each([
    [credential('octo', 'ghs_abcdefghijklmnopqrstuvwxyz0123456789'), 'GitHub Actions token', undefined, true],
    [
      credential('octo', `ghs_123456_${unsignedJwt({ exp: 1_800_000_000 })}`),
      'GitHub Actions token',
      undefined,
      true,
    ],
    [credential('_json_key', '{"type": "service_account"}'), 'service-account key', undefined, undefined],
    [credential('octo', 'ghp_personalaccesstoken0123456789'), 'password', undefined, undefined],
    [
      credential('00000000-0000-0000-0000-000000000000', unsignedJwt({ exp: 1_800_000_000 })),
      'token',
      new Date(1_800_000_000_000),
      undefined,
    ],
  ])('typed %o is a %s', (c, kind, expiresAt, jobScoped) => {
    const l = typedLifetime(c);
    expect([l.kind, l.expiresAt, l.jobScoped]).toEqual([kind, expiresAt, jobScoped]);
  });

  it.each([
    ['kubernetes', 'Kubernetes'],
    ['dcos', 'DC/OS'],
    ['rapyuta', 'rapyuta.io'],
    ['upload', 'the archive destinations (upload-to)'],
  ])('a GitHub Actions token is refused for %s', (target, place) => {
    const ghs = typedLifetime(credential('octo', 'ghs_abcdefghijklmnopqrstuvwxyz0123456789'));
    expect(() => {
      checkLifetimes([ghs], [target], 3_600_000, '1h', now);
    }).toThrow(`${place} keep it beyond the job`);
  });

  it('a GitHub Actions token is fine where nothing outlives the job (config.json, export-docker-config, Marathon files)', () => {
    const ghs = typedLifetime(credential('octo', 'ghs_abcdefghijklmnopqrstuvwxyz0123456789'));
    expect(() => {
      checkLifetimes([ghs], ['marathon'], 3_600_000, '1h', now);
    }).not.toThrow();
    expect(expiryNotices([ghs], [], now)).toEqual([]);
  });

  it.each([
    [59, '1h', true],
    [61, '1h', false],
    [11 * 60, '12h', true],
    [30, '0', false],
  ])('a token with %d minutes left against min-lifetime %s: refused %s', (minutes, min, refused) => {
    const check = () => {
      checkLifetimes([minted(minutes)], ['kubernetes'], parseDuration('min-lifetime', min), min, now);
    };
    if (refused)
      expect(check).toThrow(`in ${formatDuration(minutes * 60_000)}, sooner than min-lifetime ${min}`);
    else expect(check).not.toThrow();
  });

  it('earliest expiry and notices', () => {
    const all = [minted(720), minted(90), typedLifetime(credential('u', 'static-password-1'))];
    expect(earliestExpiry(all)).toEqual(new Date(now.getTime() + 90 * 60_000));
    expect(earliestExpiry([typedLifetime(credential('u', 'static-password-1'))])).toBeUndefined();
    expect(expiryNotices(all, ['kubernetes'], now)).toEqual([
      expect.stringContaining(
        'expires at 2026-11-30T20:00:00.000Z (in 12h): run this workflow on a schedule',
      ),
      expect.stringContaining('(in 1h 30m)'),
    ]);
  });

  it.each([
    [0, '0s (already expired)'],
    [45_000, '45s'],
    [90 * 60_000, '1h 30m'],
    [26 * 3_600_000, '1d 2h'],
  ])('formatDuration(%d) = %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('tokens', () => {
  it('decodes an ECR authorization token into user and password', () => {
    const token = Buffer.from('AWS:pass:with:colons').toString('base64');
    expect(decodeAuthorizationToken({ authorizationToken: token, expiresAt: new Date(0) }, 'ECR')).toEqual({
      username: 'AWS',
      password: 'pass:with:colons',
      expiresAt: new Date(0),
    });
    expect(() => decodeAuthorizationToken({ authorizationToken: 'bm9jb2xvbg==' }, 'ECR')).toThrow(
      'no user:password token',
    );
  });

  it('reads exp from a JWT, and nothing from other text', () => {
    expect(jwtExpiry(unsignedJwt({ exp: 2_000_000_000 }))).toEqual(new Date(2_000_000_000_000));
    expect(jwtExpiry('not.a.jwt')).toBeUndefined();
  });
});

describe('JSON-document passwords', () => {
  const key = `${JSON.stringify(
    {
      type: 'service_account',
      private_key_id: 'a1b2c3d4e5f6a1b2c3d4e5f6',
      private_key:
        '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n-----END PRIVATE KEY-----\n',
    },
    null,
    2,
  )}\n`;

  it.each([
    [key, true],
    ['{\n  "a": 1\n}', true],
    ['[\n1]', false],
    ['line-one\nline-two', false],
    ['{\n "a": "\u0007"}', false],
    ['{"a": 1}\u0000', false],
  ])('%j is a JSON document password: %s', (text, ok) => {
    expect(isJsonDocumentPassword(text)).toBe(ok);
  });

  it('masks every line, the escaped forms and each line of the embedded private key', () => {
    const forms = jsonPasswordForms(key);
    expect(forms).toEqual(
      expect.arrayContaining([
        key,
        key.trimEnd(),
        '"private_key_id": "a1b2c3d4e5f6a1b2c3d4e5f6",',
        JSON.stringify(key.trimEnd()).slice(1, -1),
        'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC',
        'BKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj',
        String.raw`-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n-----END PRIVATE KEY-----\n`,
      ]),
    );
    // Short lines ({, }) and the PEM armour lines would mask ordinary text everywhere.
    expect(forms).not.toContain('{');
    expect(forms).not.toContain('-----BEGIN PRIVATE KEY-----');
  });

  describe('registerCredential', () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });
    it('registers every form of a multi-line password with the runner', () => {
      const written: string[] = [];
      vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
        written.push(String(chunk));
        return true;
      });
      registerCredential('_json_key', key);
      const masks = written
        .join('')
        .split('\n')
        .filter((l) => l.startsWith('::add-mask::'));
      expect(masks).toEqual(expect.arrayContaining(['::add-mask::MIIEvQIBADANBgkqhkiG9w0BAQEFAASC']));
      expect(masks).toContain(`::add-mask::${Buffer.from(`_json_key:${key.trimEnd()}`).toString('base64')}`);
    });
  });
});

describe('bundle', () => {
  it('a password-only run loads no cloud SDK: none is reachable through static imports of dist/main.js', () => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:^|[;}\s])import\s*(?:[\w*{}\s,$]+from\s*)?["'](\.\/[^"']+)["']/g)) {
        visit(path.resolve(path.dirname(file), m[1]!));
      }
    };
    visit(path.join(ROOT, 'dist/main.js'));
    const statically = [...seen].map((f) => fs.readFileSync(f, 'utf8')).join('\n');
    expect(seen.size).toBeGreaterThan(0);
    // Strings only the SDKs hold: the ECR and ECR Public wire targets, MSAL's package name, Google's workforce pools.
    const markers = [
      'AmazonEC2ContainerRegistry_V20150921',
      'SpencerFrontendService',
      '@azure/msal-node',
      'workforcePools',
    ];
    expect(markers.filter((m) => statically.includes(m))).toEqual([]);
    // The lazily loaded chunks do hold them, so the check can fail.
    const all = fs
      .readdirSync(path.join(ROOT, 'dist/chunks'))
      .map((f) => fs.readFileSync(path.join(ROOT, 'dist/chunks', f), 'utf8'))
      .join('\n');
    expect(markers.filter((m) => all.includes(m))).toEqual(markers);
  });
});

describe('the report of credential lifetimes', () => {
  afterEach(() => {
    Reflect.deleteProperty(process.env, 'GITHUB_STEP_SUMMARY');
    Reflect.deleteProperty(process.env, 'GITHUB_OUTPUT');
    core.summary.emptyBuffer();
  });

  it('summarises each registry’s credential and expiry, and outputs the earliest as expires-at', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-lifetimes-'));
    const summary = path.join(dir, 'summary.md');
    const output = path.join(dir, 'output');
    fs.writeFileSync(summary, '');
    fs.writeFileSync(output, '');
    Object.assign(process.env, { GITHUB_STEP_SUMMARY: summary, GITHUB_OUTPUT: output });
    const report: RunReport = {
      state: 'present',
      registries: ['a', 'b', 'c'],
      outcomes: new Map(),
      lifetimes: [
        {
          registry: '123456789012.dkr.ecr.us-east-1.amazonaws.com',
          kind: 'ECR authorization token',
          minted: true,
          expiresAt: new Date('2026-11-30T20:00:00Z'),
        },
        {
          registry: 'contoso.azurecr.io',
          kind: 'ACR refresh token',
          minted: true,
          expiresAt: new Date('2026-11-30T11:00:00Z'),
        },
        { registry: 'ghcr.io', kind: 'GitHub Actions token', minted: false, jobScoped: true },
        { registry: 'registry.example.com', kind: 'password', minted: false },
      ],
    };
    setOutputs(report);
    await writeSummary(report);
    expect(fs.readFileSync(output, 'utf8')).toContain('2026-11-30T11:00:00.000Z');
    const html = fs.readFileSync(summary, 'utf8');
    for (const cell of [
      'ECR authorization token (minted)</td><td>2026-11-30T20:00:00.000Z',
      'ACR refresh token (minted)</td><td>2026-11-30T11:00:00.000Z',
      'GitHub Actions token</td><td>when the job ends',
      'password</td><td>does not expire',
    ]) {
      expect(html).toContain(cell);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
