/**
 * The minting step between planning and writing: fills each `auth: <cloud>` credential with a
 * freshly minted username/password (masked before any other use), then applies the lifetime rules.
 * `state: absent` never gets here.
 */
import * as core from '@actions/core';
import type { Credential } from '../credentials/documents.js';
import { registerCredential } from '../secrets.js';
import * as sink from '../sink.js';
import { providerFor } from './index.js';
import { checkLifetimes, expiryNotices, typedLifetime, type CredentialLifetime } from './lifetime.js';
import type { IdentityPlan } from './plan.js';
import type { MintAuth, MintOptions } from './types.js';

export interface Trust {
  caCert?: string;
  tlsVerify: boolean;
}

export async function mintCredentials(
  credentials: readonly Credential[],
  plan: IdentityPlan,
  trust: Trust,
  env: NodeJS.ProcessEnv,
): Promise<CredentialLifetime[]> {
  const options: MintOptions = {
    tlsVerify: trust.tlsVerify,
    ...(trust.caCert ? { caCert: trust.caCert } : {}),
    timeoutMs: plan.timeoutMs,
    env,
  };
  const clientId = plan.azureClientId ?? env['AZURE_CLIENT_ID'];
  const tenantId = plan.azureTenantId ?? env['AZURE_TENANT_ID'];
  if (clientId) options.azureClientId = clientId;
  if (tenantId) options.azureTenantId = tenantId;

  const lifetimes = new Map<Credential, CredentialLifetime>();
  const groups = new Map<MintAuth, Credential[]>();
  for (const c of credentials) {
    if (c.auth) groups.set(c.auth, [...(groups.get(c.auth) ?? []), c]);
  }
  // Providers run concurrently; the first failure is reported (each names its fix).
  await Promise.all(
    [...groups].map(async ([auth, group]) => {
      const provider = providerFor(auth);
      const minted = await provider.mint(
        group.map((c) => c.address),
        options,
      );
      for (const [i, c] of group.entries()) {
        const m = minted[i]!;
        registerCredential(m.username, m.password);
        c.username = m.username;
        c.password = m.password;
        lifetimes.set(c, {
          registry: c.address.key,
          kind: provider.kind,
          minted: true,
          ...(m.expiresAt ? { expiresAt: m.expiresAt } : {}),
        });
        const until = m.expiresAt ? `, expires ${m.expiresAt.toISOString()}` : '';
        sink.info(`${c.address.key}: ${provider.kind} minted (auth: ${auth}${until})`);
      }
    }),
  );
  return credentials.map((c) => lifetimes.get(c) ?? typedLifetime(c));
}

/** Mints what needs minting, refuses what would die too early where it is going, and says when it expires. */
export async function provideCredentials(
  credentials: readonly Credential[],
  plan: IdentityPlan,
  trust: Trust,
  targetNames: readonly string[],
): Promise<CredentialLifetime[]> {
  const needsMinting = credentials.some((c) => c.auth);
  const lifetimes = needsMinting
    ? await core.group('Minting credentials', () => mintCredentials(credentials, plan, trust, process.env))
    : credentials.map(typedLifetime);
  const now = new Date();
  checkLifetimes(lifetimes, targetNames, plan.minLifetimeMs, plan.minLifetime, now);
  for (const notice of expiryNotices(lifetimes, targetNames, now)) {
    sink.notice(notice, { title: 'Expiring credential shipped' });
  }
  return lifetimes;
}
