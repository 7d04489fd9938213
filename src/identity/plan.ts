/**
 * Pure validation of the identity inputs: `auth` (single registry and each `registries` entry),
 * `min-lifetime`, `azure-client-id`, `azure-tenant-id`.
 */
import type { RegistryAddress } from '../credentials/address.js';
import { InputError } from '../errors.js';
import { recogniseHost } from './index.js';
import { AUTH_CHOICES, type AuthChoice, type MintAuth } from './types.js';

export interface IdentityPlan {
  minLifetimeMs: number;
  /** As the user wrote it, for messages. */
  minLifetime: string;
  azureClientId?: string;
  azureTenantId?: string;
  /** Deadline of each minting call. */
  timeoutMs: number;
}

export interface IdentityInputs {
  minLifetime: string;
  azureClientId: string;
  azureTenantId: string;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30m`, `6h`, `1d`, `1h30m`, `90s`, or `0` (no minimum). */
export function parseDuration(input: string, text: string): number {
  const t = text.trim();
  if (t === '0') return 0;
  if (!/^(\d+[smhd])+$/.test(t)) {
    throw new InputError(input, `'${t}' is not a duration: use a number and a unit, e.g. 30m, 6h, 1d`);
  }
  let ms = 0;
  for (const [, n, unit] of t.matchAll(/(\d+)([smhd])/g)) ms += Number(n) * UNIT_MS[unit!]!;
  return ms;
}

export function parseAuthChoice(input: string, value: string): AuthChoice {
  const v = value.trim() === '' ? 'auto' : value.trim();
  if ((AUTH_CHOICES as readonly string[]).includes(v)) return v as AuthChoice;
  throw new InputError(input, `'${v}' is not supported: use one of ${AUTH_CHOICES.join(', ')}`);
}

/**
 * How a registry's credential is obtained. `auto`: the typed password when there is one; with none,
 * the cloud identity of a recognised cloud registry host; else `password` (and the empty password is
 * then the error to report).
 */
export function resolveAuth(
  input: string,
  value: string,
  password: string,
  address: RegistryAddress,
): 'password' | MintAuth {
  const choice = parseAuthChoice(input, value);
  if (choice === 'password') return 'password';
  if (choice === 'auto') {
    if (password.trim() !== '') return 'password';
    return recogniseHost(address.apiHost) ?? 'password';
  }
  if (password.trim() !== '') {
    throw new InputError(
      input,
      `is ${choice} for registry ${address.key}, which mints the credential: remove the password, or use auth: password`,
    );
  }
  return choice;
}

/** Whether the single-registry inputs ask for a minted credential with no username or password. */
export function singleRegistryMints(
  auth: string,
  registry: string,
  parse: (r: string) => RegistryAddress,
): boolean {
  const choice = parseAuthChoice('auth', auth);
  if (choice === 'password') return false;
  if (choice !== 'auto') return true;
  try {
    return recogniseHost(parse(registry).apiHost) !== undefined;
  } catch {
    return false;
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i;

/** `timeoutMs`: the run's `timeout`, which bounds every minting call as it bounds each target. */
export function planIdentity(inputs: IdentityInputs, timeoutMs = 60_000): IdentityPlan {
  const minLifetime = inputs.minLifetime.trim() || '1h';
  const clientId = inputs.azureClientId.trim();
  const tenantId = inputs.azureTenantId.trim();
  if (clientId !== '' && !GUID.test(clientId)) {
    throw new InputError(
      'azure-client-id',
      `'${clientId}' is not an application (client) id: use the app's GUID`,
    );
  }
  if (tenantId !== '' && !GUID.test(tenantId) && !DOMAIN.test(tenantId)) {
    throw new InputError(
      'azure-tenant-id',
      `'${tenantId}' is not a tenant id: use the directory's GUID or domain`,
    );
  }
  return {
    minLifetimeMs: parseDuration('min-lifetime', minLifetime),
    minLifetime,
    ...(clientId ? { azureClientId: clientId } : {}),
    ...(tenantId ? { azureTenantId: tenantId } : {}),
    timeoutMs,
  };
}
