/**
 * auth: azure end to end: the workflow's OIDC token as the client assertion of a federated credential
 * (@azure/identity against a faithful Entra fake via AZURE_AUTHORITY_HOST), exchanged at the
 * registry's /oauth2/exchange for the refresh token that a Bearer-realm registry takes as the
 * null-GUID user's password; then skopeo pulls with what the action wrote.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configAuth, errorLines, runAction, verdictStatuses } from './support/action.js';
import {
  acrRefreshToken,
  startFakeAcr,
  startFakeEntra,
  startFakeImds,
  type FakeAcr,
  type FakeEntra,
  type FakeImds,
} from './support/fake-azure.js';
import { startFakeGithubOidc, unsignedJwt, type FakeGithubOidc } from './support/fake-github-oidc.js';
import { startForwardProxy } from './support/forward-proxy.js';
import { pushImage, skopeoInspect, startRegistry, tempDir, type TestRegistry } from './support/registry.js';

const NULL_GUID = '00000000-0000-0000-0000-000000000000';
let oidc: FakeGithubOidc;
let entra: FakeEntra;
let registry: TestRegistry;
let acr: FakeAcr;
const refresh = acrRefreshToken(3 * 3600);

beforeAll(async () => {
  oidc = await startFakeGithubOidc('repo:octo/app:ref:refs/heads/main');
  registry = await startRegistry({ auth: 'token', tls: true, users: { [NULL_GUID]: refresh.token } });
  entra = await startFakeEntra(registry.ca!, oidc.subject);
  acr = await startFakeAcr(registry, refresh, entra);
  await pushImage(registry, 'team/app:1');
}, 60_000);

afterAll(async () => {
  await Promise.all([oidc.stop(), entra.stop(), acr.stop()]);
  await registry.stop();
});

function azureEnv(): Record<string, string> {
  return { ...oidc.env, AZURE_AUTHORITY_HOST: entra.authorityHost, NODE_EXTRA_CA_CERTS: registry.ca!.caFile };
}

const inputs = () => ({
  registries: `- registry: ${acr.host}\n  auth: azure\n`,
  'azure-client-id': entra.clientId,
  'azure-tenant-id': entra.tenantId,
  images: `${acr.host}/team/app:1`,
  'ca-cert': registry.ca!.caPem,
});

describe('auth: azure', () => {
  it('exchanges the federated Entra token for an ACR refresh token, verifies ok, and skopeo pulls', async () => {
    entra.log.length = 0;
    acr.exchanges.length = 0;
    const run = await runAction(inputs(), { env: azureEnv(), skipPost: true });
    expect(errorLines(run.main)).toEqual([]);
    expect(verdictStatuses(run)).toEqual(['ok']);
    expect(run.outputs['expires-at']).toBe(refresh.expiresAt.toISOString());
    expect(oidc.audiences).toContain('api://AzureADTokenExchange');
    expect(entra.log.filter((r) => r.path.endsWith('/token'))).toEqual([
      {
        path: `/${entra.tenantId}/oauth2/v2.0/token`,
        status: 200,
        scope: 'https://containerregistry.azure.net/.default',
        assertionSubject: oidc.subject,
      },
    ]);
    // MSAL read the authority's OpenID configuration from AZURE_AUTHORITY_HOST, not Microsoft's.
    expect(entra.log.map((r) => r.path)).toContain(
      `/${entra.tenantId}/v2.0/.well-known/openid-configuration`,
    );
    expect(acr.exchanges).toEqual([{ service: acr.host, tenant: entra.tenantId, status: 200 }]);
    expect(configAuth(run.outputs['docker-config']!, acr.host)).toBe(`${NULL_GUID}:${refresh.token}`);
    expect(run.summary).toContain('ACR refresh token (minted)');
    expect(run.shown).not.toContain(refresh.token);
    for (const token of entra.issued) expect(run.shown).not.toContain(token);
    const pulled = await skopeoInspect({
      image: `${acr.host}/team/app:1`,
      authFile: run.outputs['docker-config']!,
      certDir: registry.ca!.certDir,
    });
    expect(pulled.code).toBe(0);
    await run.runPost();
  }, 60_000);

  it('an Entra refusal (AADSTS) names the federated-credential subject the workflow presented', async () => {
    const other = await startFakeGithubOidc('repo:octo/app:pull_request');
    try {
      const run = await runAction(inputs(), {
        env: { ...azureEnv(), ...other.env },
        skipPost: true,
      });
      expect(run.main.code).not.toBe(0);
      expect(errorLines(run.main).join('\n')).toMatch(
        /Entra ID refused the token request \(AADSTS70021\): the workflow presented the subject 'repo:octo\/app:pull_request'; add a federated credential to app 0b6c4a4e-[0-9a-f-]+ with issuer https:\/\/token\.actions\.githubusercontent\.com and subject 'repo:octo\/app:pull_request'/,
      );
      expect(run.outputs['docker-config']).toBeUndefined();
    } finally {
      await other.stop();
    }
  }, 60_000);

  it('a registry that refuses the exchange names the AcrPull role', async () => {
    acr.grant = false;
    const run = await runAction(inputs(), { env: azureEnv(), skipPost: true });
    acr.grant = true;
    expect(run.main.code).not.toBe(0);
    expect(errorLines(run.main).join('\n')).toMatch(
      /ACR 127\.0\.0\.1:\d+ refused the Entra ID token at \/oauth2\/exchange \(HTTP 401: .*UNAUTHORIZED.*\): give the identity the AcrPull role/,
    );
  }, 60_000);

  it('an ACR refresh token shorter than min-lifetime never reaches a cluster', async () => {
    const kubeconfig = `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "https://127.0.0.1:1"}\nusers:\n- name: u\n  user: {token: kube-token-value}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n`;
    const run = await runAction(
      { ...inputs(), verify: 'off', kubeconfig, 'kubernetes-namespaces': 'apps', 'min-lifetime': '6h' },
      { env: azureEnv(), skipPost: true },
    );
    expect(run.main.code).not.toBe(0);
    expect(errorLines(run.main).join('\n')).toMatch(
      /Input 'min-lifetime': the ACR refresh token for 127\.0\.0\.1:\d+ expires at .*, in 2h 59m, sooner than min-lifetime 6h/,
    );
  }, 60_000);

  it('sends the Entra and exchange calls through the proxy (HTTPS_PROXY)', async () => {
    const proxy = await startForwardProxy();
    try {
      const run = await runAction(
        { ...inputs(), verify: 'off' },
        { env: { ...azureEnv(), HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url }, skipPost: true },
      );
      expect(errorLines(run.main)).toEqual([]);
      // The runner's OIDC endpoint is @actions/core's to reach (its client never proxies loopback).
      expect(proxy.log).toEqual(
        expect.arrayContaining([`CONNECT ${new URL(entra.authorityHost).host}`, `CONNECT ${acr.host}`]),
      );
    } finally {
      await proxy.stop();
    }
  }, 60_000);

  it("without the workflow's OIDC token, uses the Azure SDK's default chain (workload identity from a token file)", async () => {
    const dir = await tempDir('azure-wi');
    try {
      const tokenFile = path.join(dir, 'azure-identity-token');
      const now = Math.floor(Date.now() / 1000);
      fs.writeFileSync(
        tokenFile,
        unsignedJwt({
          iss: 'https://token.actions.githubusercontent.com',
          sub: oidc.subject,
          aud: 'api://AzureADTokenExchange',
          iat: now,
          exp: now + 300,
        }),
      );
      entra.log.length = 0;
      const run = await runAction(inputs(), {
        env: {
          AZURE_AUTHORITY_HOST: entra.authorityHost,
          NODE_EXTRA_CA_CERTS: registry.ca!.caFile,
          AZURE_FEDERATED_TOKEN_FILE: tokenFile,
        },
        skipPost: true,
      });
      expect(errorLines(run.main)).toEqual([]);
      expect(verdictStatuses(run)).toEqual(['ok']);
      expect(
        entra.log.filter((r) => r.path.endsWith('/token')).map((r) => [r.status, r.assertionSubject]),
      ).toEqual([[200, oidc.subject]]);
      await run.runPost();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("auth: azure on a runner with no OIDC token: the Azure SDK's managed identity (IMDS)", () => {
  const VM_IDENTITY = '5f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b';
  let imds: FakeImds;
  beforeAll(async () => {
    imds = await startFakeImds(entra, VM_IDENTITY);
  });
  afterAll(async () => {
    await imds.stop();
  });

  it.each<{
    name: string;
    identity: string | undefined;
    clientId?: string;
    status: number;
    error?: RegExp;
  }>([
    { name: "the VM's system-assigned identity", identity: VM_IDENTITY, status: 200 },
    {
      name: 'a user-assigned identity named by azure-client-id',
      identity: VM_IDENTITY,
      clientId: VM_IDENTITY,
      status: 200,
    },
    {
      name: 'azure-client-id naming an identity the VM does not have',
      identity: VM_IDENTITY,
      clientId: '11111111-2222-4333-8444-555555555555',
      status: 400,
      error: /Azure: no identity is available: set azure-client-id and azure-tenant-id/,
    },
    {
      name: 'a VM with no identity at all',
      identity: undefined,
      status: 400,
      error: /Azure: no identity is available: set azure-client-id and azure-tenant-id/,
    },
  ])(
    '$name',
    async ({ identity, clientId, status, error }) => {
      imds.identity = identity;
      imds.log.length = 0;
      const run = await runAction(
        {
          registries: `- registry: ${acr.host}\n  auth: azure\n`,
          ...(clientId ? { 'azure-client-id': clientId } : {}),
          images: `${acr.host}/team/app:1`,
          'ca-cert': registry.ca!.caPem,
        },
        {
          env: { AZURE_POD_IDENTITY_AUTHORITY_HOST: imds.host, NODE_EXTRA_CA_CERTS: registry.ca!.caFile },
          skipPost: true,
        },
      );
      // The token request reached IMDS as the SDK sends it: the Metadata header, the registry resource.
      expect(imds.log.map((l) => [l.metadata, l.resource, l.clientId, l.status])).toEqual([
        [true, 'https://containerregistry.azure.net', clientId ?? '', status],
      ]);
      expect(errorLines(run.main).filter((line) => error?.test(line) ?? true)).toHaveLength(error ? 1 : 0);
      expect(run.main.code).toBe(error ? 1 : 0);
      expect(verdictStatuses(run)).toEqual(error ? [] : ['ok']);
      await run.runPost();
    },
    60_000,
  );
});
