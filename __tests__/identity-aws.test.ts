/**
 * auth: aws / aws-public end to end: the built action mints with the real AWS SDK (default chain,
 * web identity through STS) against faithful fakes, the loopback registry (htpasswd user AWS, as ECR
 * answers with Basic) verifies ok, and skopeo pulls with the config.json the action wrote.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configAuth, errorLines, runAction, verdictStatuses } from './support/action.js';
import { startForwardProxy } from './support/forward-proxy.js';
import { FakeKube, kubeconfigFor } from './support/fake-kube.js';
import { startFakeAws, type FakeAws } from './support/fake-aws.js';
import { pushImage, skopeoInspect, startRegistry, tempDir, type TestRegistry } from './support/registry.js';

let aws: FakeAws;
let registry: TestRegistry;
let publicRegistry: TestRegistry;
let dir: string;

beforeAll(async () => {
  aws = await startFakeAws();
  // A faithful ECR: Basic auth, user AWS, the password the fake's token carries.
  registry = await startRegistry({ auth: 'htpasswd', tls: true, users: { AWS: aws.password } });
  publicRegistry = await startRegistry({
    auth: 'htpasswd',
    tls: true,
    ca: registry.ca!,
    users: { AWS: aws.publicPassword },
  });
  await pushImage(registry, 'app:1');
  await pushImage(publicRegistry, 'tool:2');
  dir = await tempDir('aws-identity');
  fs.writeFileSync(path.join(dir, 'web-identity-token'), aws.webIdentityToken);
}, 60_000);

afterAll(async () => {
  await Promise.all([aws.stop(), registry.stop(), publicRegistry.stop()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** What aws-actions/configure-aws-credentials leaves for later steps with OIDC, pointed at the fakes. */
function awsEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    AWS_REGION: 'us-east-1',
    AWS_ROLE_ARN: aws.roleArn,
    AWS_WEB_IDENTITY_TOKEN_FILE: path.join(dir, 'web-identity-token'),
    AWS_ENDPOINT_URL_STS: aws.stsUrl,
    AWS_ENDPOINT_URL_ECR: aws.ecrUrl,
    AWS_ENDPOINT_URL_ECR_PUBLIC: aws.ecrPublicUrl,
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

describe('auth: aws', () => {
  it('mints with the web identity role, verifies ok, and skopeo pulls with the written config.json', async () => {
    aws.log.length = 0;
    aws.expiresAt = new Date(Date.now() + 12 * 3_600_000);
    const run = await runAction(
      {
        registries: `- registry: ${registry.host}\n  auth: aws\n- registry: ${publicRegistry.host}\n  auth: aws-public\n`,
        images: `${registry.host}/app:1\n${publicRegistry.host}/tool:2`,
        'ca-cert': registry.ca!.caPem,
      },
      { env: awsEnv(), skipPost: true },
    );
    expect(errorLines(run.main)).toEqual([]);
    expect(run.main.code).toBe(0);
    expect(verdictStatuses(run)).toEqual(['ok', 'ok']);
    expect(run.outputs['expires-at']).toBe(aws.expiresAt.toISOString());
    // One STS exchange, one signed GetAuthorizationToken per service, scoped to us-east-1.
    expect(aws.log.map((r) => [r.service, r.status])).toEqual(
      expect.arrayContaining([
        ['sts', 200],
        ['ecr', 200],
        ['ecr-public', 200],
      ]),
    );
    expect(
      aws.log.filter((r) => r.service !== 'sts').map((r) => [r.signingName, r.region, r.accessKeyId]),
    ).toEqual(
      expect.arrayContaining([
        ['ecr', 'us-east-1', aws.issued.accessKeyId],
        ['ecr-public', 'us-east-1', aws.issued.accessKeyId],
      ]),
    );
    expect(run.summary).toContain('ECR authorization token (minted)');
    expect(run.summary).toContain(aws.expiresAt.toISOString());
    expect(configAuth(run.outputs['docker-config']!, registry.host)).toBe(`AWS:${aws.password}`);
    expect(run.shown).not.toContain(aws.password);
    expect(run.shown).not.toContain(aws.publicPassword);

    const pulled = await skopeoInspect({
      image: `${registry.host}/app:1`,
      authFile: run.outputs['docker-config']!,
      certDir: registry.ca!.certDir,
    });
    expect(pulled.stderr).toBe('');
    expect(pulled.code).toBe(0);
    await run.runPost();
  }, 60_000);

  it('makes one GetAuthorizationToken per region for all the registries listed there', async () => {
    aws.log.length = 0;
    const run = await runAction(
      {
        registries: [registry, publicRegistry].map((r) => `- registry: ${r.host}\n  auth: aws\n`).join(''),
        verify: 'off',
      },
      { env: awsEnv(), skipPost: true },
    );
    expect(errorLines(run.main)).toEqual([]);
    expect(aws.log.filter((r) => r.service === 'ecr')).toHaveLength(1);
    for (const r of [registry, publicRegistry]) {
      expect(configAuth(run.outputs['docker-config']!, r.host)).toBe(`AWS:${aws.password}`);
    }
  }, 60_000);

  it('retries a throttled GetAuthorizationToken and still mints', async () => {
    aws.log.length = 0;
    aws.failures = ['throttle'];
    const run = await runAction(
      {
        registries: `- registry: ${registry.host}\n  auth: aws\n`,
        images: `${registry.host}/app:1`,
        'ca-cert': registry.ca!.caPem,
      },
      { env: awsEnv() },
    );
    expect(errorLines(run.main)).toEqual([]);
    expect(aws.log.filter((r) => r.service === 'ecr').map((r) => r.status)).toEqual([400, 200]);
  }, 60_000);

  it.each<{
    name: string;
    failures: readonly ('throttle' | 'denied')[];
    env: Record<string, string>;
    expected: RegExp;
  }>([
    {
      name: 'AccessDenied names the missing IAM action',
      failures: ['denied', 'denied', 'denied'] as const,
      env: {},
      expected:
        /AWS denied the token request \(AccessDeniedException: .*\): allow ecr:GetAuthorizationToken on resource "\*"/,
    },
    {
      name: 'persistent throttling says so after the retries',
      failures: ['throttle', 'throttle', 'throttle'] as const,
      env: {},
      expected: /AWS throttled the token request after 3 attempt\(s\)/,
    },
    {
      name: 'no credentials names configure-aws-credentials and id-token: write',
      failures: [] as const,
      env: { AWS_ROLE_ARN: '', AWS_WEB_IDENTITY_TOKEN_FILE: '' },
      expected: /no AWS credentials were found .*aws-actions\/configure-aws-credentials.*id-token: write/,
    },
    {
      name: 'a role that does not trust the workflow names the trust policy',
      failures: [] as const,
      env: { AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/other' },
      expected: /STS refused the workflow's web identity .*trust policy/,
    },
  ])(
    '$name; nothing is written',
    async ({ failures, env, expected }) => {
      aws.failures = [...failures];
      const run = await runAction(
        { registries: `- registry: ${registry.host}\n  auth: aws\n`, 'ca-cert': registry.ca!.caPem },
        { env: awsEnv(env), skipPost: true },
      );
      aws.failures = [];
      expect(run.main.code).not.toBe(0);
      expect(errorLines(run.main).join('\n')).toMatch(expected);
      expect(run.outputs['docker-config']).toBeUndefined();
    },
    60_000,
  );
});

describe('auth: auto (the default) recognises an AWS registry by its host', () => {
  // The hosts are not reachable here: verification is off, and the written config.json is the proof.
  // calls: each AWS request as `service [signing region]` (STS's web-identity exchange is unsigned).
  it.each<{
    name: string;
    inputs: Record<string, string>;
    key: string;
    want: () => string;
    calls: string[];
  }>([
    {
      name: 'a private ECR host, no password: minted in its own region',
      inputs: { registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com' },
      key: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      want: () => `AWS:${aws.password}`,
      calls: ['sts', 'ecr eu-west-1'],
    },
    {
      name: 'ECR Public, listed in registries without a password',
      inputs: { registries: '- registry: public.ecr.aws\n' },
      key: 'public.ecr.aws',
      want: () => `AWS:${aws.publicPassword}`,
      calls: ['sts', 'ecr-public us-east-1'],
    },
    {
      name: 'an ECR host with a typed password: that password, nothing minted',
      inputs: {
        registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
        username: 'AWS',
        password: 'typed-ecr-token',
      },
      key: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      want: () => 'AWS:typed-ecr-token',
      calls: [],
    },
  ])(
    '$name',
    async ({ inputs, key, want, calls }) => {
      aws.log.length = 0;
      aws.expiresAt = new Date(Date.now() + 12 * 3_600_000);
      const run = await runAction({ ...inputs, verify: 'off' }, { env: awsEnv(), skipPost: true });
      expect(errorLines(run.main)).toEqual([]);
      expect(configAuth(run.outputs['docker-config']!, key)).toBe(want());
      expect(aws.log.map((r) => [r.service, r.region].filter(Boolean).join(' '))).toEqual(calls);
      await run.runPost();
    },
    60_000,
  );
});

describe('auth: aws with keys in the environment', () => {
  const keys = (secret: string) => ({
    AWS_ROLE_ARN: '',
    AWS_WEB_IDENTITY_TOKEN_FILE: '',
    AWS_ACCESS_KEY_ID: aws.issued.accessKeyId,
    AWS_SECRET_ACCESS_KEY: secret,
    AWS_SESSION_TOKEN: aws.issued.sessionToken,
  });

  it('mints with them (no STS call)', async () => {
    aws.log.length = 0;
    const run = await runAction(
      { registries: `- registry: ${registry.host}\n  auth: aws\n`, verify: 'off' },
      { env: awsEnv(keys(aws.issued.secretAccessKey)), skipPost: true },
    );
    expect(errorLines(run.main)).toEqual([]);
    expect(aws.log.map((r) => [r.service, r.status])).toEqual([['ecr', 200]]);
  }, 60_000);

  it('a request signed with the wrong secret is refused as ECR refuses it', async () => {
    const run = await runAction(
      { registries: `- registry: ${registry.host}\n  auth: aws\n`, verify: 'off' },
      { env: awsEnv(keys('not-the-secret-key')), skipPost: true },
    );
    expect(run.main.code).not.toBe(0);
    expect(errorLines(run.main).join('\n')).toMatch(
      /ECR \(us-east-1\): GetAuthorizationToken failed \(InvalidSignatureException: The request signature we calculated does not match/,
    );
  }, 60_000);
});

describe('auth: aws → Kubernetes (the scheduled refresh)', () => {
  it('ships the minted credential into the pull secret; a refresh writes nothing for the same token, one update for a new one', async () => {
    const kube = await FakeKube.start({ namespaces: ['web'] });
    try {
      aws.expiresAt = new Date(Date.now() + 12 * 3_600_000);
      const run = (extra: Record<string, string> = {}) =>
        runAction(
          {
            registries: `- registry: ${registry.host}\n  auth: aws\n`,
            images: `${registry.host}/app:1`,
            'ca-cert': registry.ca!.caPem,
            kubeconfig: kubeconfigFor([{ name: 'prod', fake: kube }], 'prod'),
            'kubernetes-namespaces': 'web',
            ...extra,
          },
          { env: awsEnv() },
        );
      const first = await run();
      expect(errorLines(first.main)).toEqual([]);
      const secret = kube.get('secrets', 'web', 'regcred') as { data: Record<string, string> };
      const config = JSON.parse(Buffer.from(secret.data['.dockerconfigjson']!, 'base64').toString()) as {
        auths: Record<string, { username: string; password: string; auth: string }>;
      };
      expect(config.auths[registry.host]).toEqual({
        username: 'AWS',
        password: aws.password,
        auth: Buffer.from(`AWS:${aws.password}`).toString('base64'),
      });
      expect(first.main.stdout).toContain('::notice title=Expiring credential shipped::');
      // ECR hands out the same password within its validity here: the second run changes nothing.
      const second = await run();
      expect(errorLines(second.main)).toEqual([]);
      expect(JSON.parse(second.outputs['kubernetes']!)).toEqual([
        expect.objectContaining({ action: 'unchanged' }),
      ]);
      // A new token on the next scheduled run: one write (an in-place update) per namespace.
      const issued = aws.password;
      aws.password = 'the-next-ecr-password';
      kube.resetLog();
      const third = await run({ verify: 'off' });
      aws.password = issued;
      expect(errorLines(third.main)).toEqual([]);
      expect(JSON.parse(third.outputs['kubernetes']!)).toEqual([
        expect.objectContaining({ action: 'updated' }),
      ]);
      expect(kube.requests.filter((r) => r.method !== 'GET').map((r) => r.method)).toEqual(['PUT']);
    } finally {
      await kube.stop();
    }
  }, 60_000);
});

describe('auth: aws → audit (what is deployed, without minting)', () => {
  it('judges the stored minted credential by whether it pulls: ok after apply, stale only for what else differs', async () => {
    const kube = await FakeKube.start({ namespaces: ['web'] });
    const archive = path.join(dir, 'audit', 'docker.tar.gz');
    try {
      aws.expiresAt = new Date(Date.now() + 12 * 3_600_000);
      const ecr = `- registry: ${registry.host}\n  auth: aws\n`;
      const inputs = (extra: Record<string, string> = {}) => ({
        registries: ecr,
        images: `${registry.host}/app:1`,
        'ca-cert': registry.ca!.caPem,
        kubeconfig: kubeconfigFor([{ name: 'prod', fake: kube }], 'prod'),
        'kubernetes-namespaces': 'web',
        'upload-to': archive,
        ...extra,
      });
      const statuses = (run: Awaited<ReturnType<typeof runAction>>) =>
        (
          JSON.parse(run.outputs['audit'] ?? '[]') as { target: string; status: string; message: string }[]
        ).map((e) => [e.target, e.status]);
      const applied = await runAction(inputs(), { env: awsEnv() });
      expect(errorLines(applied.main)).toEqual([]);

      const minted = aws.log.length;
      const audited = await runAction(inputs({ mode: 'audit' }), { env: awsEnv() });
      expect(errorLines(audited.main)).toEqual([]);
      expect(audited.main.stdout).not.toContain('::warning');
      expect(statuses(audited)).toEqual([
        ['upload', 'ok'],
        ['kubernetes', 'ok'],
      ]);
      // An audit reads: it never mints.
      expect(aws.log.length).toBe(minted);

      // A registry the inputs add is one the places lack: stale, naming it, never the minted password.
      const added = await runAction(
        inputs({
          mode: 'audit',
          registries: `${ecr}- registry: other.example.com\n  username: ci\n  password: other-Pw-1\n`,
        }),
        { env: awsEnv() },
      );
      expect(statuses(added)).toEqual([
        ['upload', 'stale'],
        ['kubernetes', 'stale'],
      ]);
      const messages = (JSON.parse(added.outputs['audit']!) as { message: string }[]).map((e) => e.message);
      for (const message of messages) {
        expect(message).toContain('+ registry other.example.com');
        expect(message).not.toContain(`${registry.host}: password changed`);
      }
    } finally {
      await kube.stop();
    }
  }, 60_000);
});

describe('a registry that refuses the minted credential', () => {
  it('gets its verification verdict, and nothing is shipped', async () => {
    const issued = aws.password;
    aws.password = 'a-password-the-registry-does-not-hold';
    const run = await runAction(
      {
        registries: `- registry: ${registry.host}\n  auth: aws\n`,
        images: `${registry.host}/app:1`,
        'ca-cert': registry.ca!.caPem,
        'upload-to': path.join(dir, 'refused', 'docker.tar.gz'),
      },
      { env: awsEnv(), skipPost: true },
    );
    aws.password = issued;
    expect(run.main.code).not.toBe(0);
    expect(verdictStatuses(run)).toEqual(['unauthorized']);
    expect(errorLines(run.main).at(-1)).toMatch(
      /verification failed for .*app:1 \(unauthorized\); nothing was shipped/,
    );
    expect(fs.existsSync(path.join(dir, 'refused'))).toBe(false);
  }, 60_000);
});

describe('auth: aws through a proxy', () => {
  it('sends the STS and ECR calls through HTTP_PROXY', async () => {
    const proxy = await startForwardProxy();
    try {
      const run = await runAction(
        { registries: `- registry: ${registry.host}\n  auth: aws\n`, verify: 'off' },
        { env: awsEnv({ HTTP_PROXY: proxy.url }) },
      );
      expect(errorLines(run.main)).toEqual([]);
      // The SDK's agents tunnel (CONNECT), plain-HTTP endpoints included.
      expect(proxy.log).toEqual(
        expect.arrayContaining([
          `CONNECT ${new URL(aws.stsUrl).host}`,
          `CONNECT ${new URL(aws.ecrUrl).host}`,
        ]),
      );
    } finally {
      await proxy.stop();
    }
  }, 60_000);

  it('bypasses the proxy for hosts in NO_PROXY', async () => {
    const proxy = await startForwardProxy();
    try {
      const run = await runAction(
        { registries: `- registry: ${registry.host}\n  auth: aws\n`, verify: 'off' },
        { env: awsEnv({ HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' }) },
      );
      expect(errorLines(run.main)).toEqual([]);
      expect(proxy.log).toEqual([]);
      expect(aws.log.filter((r) => r.service === 'ecr').at(-1)?.status).toBe(200);
    } finally {
      await proxy.stop();
    }
  }, 60_000);
});

describe('credential lifetimes', () => {
  const kubeconfig = () => {
    const file = path.join(dir, 'kubeconfig');
    fs.writeFileSync(
      file,
      'apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "https://127.0.0.1:1"}\n' +
        'users:\n- name: u\n  user: {token: kube-token-value}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\n' +
        'current-context: x\n',
    );
    return file;
  };

  it('refuses a token that expires sooner than min-lifetime for Kubernetes, saying how long it has left', async () => {
    aws.expiresAt = new Date(Date.now() + 30 * 60_000);
    const run = await runAction(
      {
        registries: `- registry: ${registry.host}\n  auth: aws\n`,
        verify: 'off',
        kubeconfig: kubeconfig(),
        'kubernetes-namespaces': 'apps',
      },
      { env: awsEnv(), skipPost: true },
    );
    expect(run.main.code).not.toBe(0);
    expect(errorLines(run.main).join('\n')).toMatch(
      /Input 'min-lifetime': the ECR authorization token for 127\.0\.0\.1:\d+ expires at .*, in (29|30)m, sooner than min-lifetime 1h, and Kubernetes keep it beyond the job: .*schedule/,
    );
    expect(run.outputs['docker-config']).toBeUndefined();
  }, 60_000);

  it('accepts the same token for config.json and export-docker-config', async () => {
    aws.expiresAt = new Date(Date.now() + 30 * 60_000);
    const run = await runAction(
      {
        registries: `- registry: ${registry.host}\n  auth: aws\n`,
        verify: 'off',
        'export-docker-config': 'true',
      },
      { env: awsEnv() },
    );
    expect(errorLines(run.main)).toEqual([]);
    expect(run.outputs['expires-at']).toBe(aws.expiresAt.toISOString());
    expect(run.env['DOCKER_CONFIG']).toBe(run.outputs['docker-config-dir']);
  }, 60_000);

  it('announces when a shipped token expires and that the workflow must run on a schedule', async () => {
    aws.expiresAt = new Date(Date.now() + 12 * 3_600_000);
    const run = await runAction(
      {
        registries: `- registry: ${registry.host}\n  auth: aws\n`,
        verify: 'off',
        'upload-to': path.join(dir, 'out', 'docker.tar.gz'),
      },
      { env: awsEnv() },
    );
    expect(errorLines(run.main)).toEqual([]);
    expect(run.main.stdout).toMatch(
      /::notice title=Expiring credential shipped::The ECR authorization token for 127\.0\.0\.1:\d+ shipped to the archive destinations \(upload-to\) expires at .* \(in 11h 59m\): run this workflow on a schedule/,
    );
  }, 60_000);

  it.each([
    {
      name: 'Kubernetes',
      inputs: () => ({ kubeconfig: kubeconfig(), 'kubernetes-namespaces': 'apps' }),
      refused: true,
    },
    { name: 'export-docker-config', inputs: () => ({ 'export-docker-config': 'true' }), refused: false },
  ])(
    'a GitHub Actions token (ghs_) for $name: refused $refused',
    async ({ inputs, refused }) => {
      const run = await runAction(
        {
          registry: 'ghcr.io',
          username: 'octo',
          password: 'ghs_16C7e42F292c6912E7710c838347Ae178B4a',
          verify: 'off',
          ...inputs(),
        },
        { skipPost: true },
      );
      expect(run.main.code !== 0).toBe(refused);
      expect(errorLines(run.main)).toEqual(
        refused
          ? [
              expect.stringMatching(
                /^Input 'password': the credential for ghcr\.io is a GitHub Actions token \(ghs_…\), which stops working when the job ends, and Kubernetes keep it beyond the job/,
              ),
            ]
          : [],
      );
      expect(run.outputs['expires-at']).toBe(refused ? undefined : '');
    },
    60_000,
  );
});

describe('state: absent', () => {
  it('never mints', async () => {
    aws.log.length = 0;
    const run = await runAction(
      { registries: `- registry: ${registry.host}\n  auth: aws\n`, state: 'absent' },
      { env: awsEnv() },
    );
    expect(errorLines(run.main)).toEqual([]);
    expect(run.main.code).toBe(0);
    expect(aws.log).toEqual([]);
  }, 60_000);
});
