/**
 * The contract of a cloud identity provider: which registry hosts it recognises (pure, for `auth:
 * auto`) and how it mints a registry credential from the workflow's cloud identity. A provider owns
 * its folder; its SDK is imported only inside `mint`, so a password-only run never loads it.
 */
import type { RegistryAddress } from '../credentials/address.js';
import { TargetError } from '../errors.js';

/** `auth` values that mint a credential instead of taking a typed password. */
export type MintAuth = 'aws' | 'aws-public' | 'gcp' | 'azure';
export const AUTH_CHOICES = ['auto', 'password', 'aws', 'aws-public', 'gcp', 'azure'] as const;
export type AuthChoice = (typeof AUTH_CHOICES)[number];

export interface MintOptions {
  /** Azure: app (client) id and tenant of the federated credential; from inputs or AZURE_* variables. */
  azureClientId?: string;
  azureTenantId?: string;
  /** Trust for calls to the registry itself (ACR's token exchange): the plan's ca-cert / tls-verify. */
  caCert?: string;
  tlsVerify: boolean;
  /** Deadline for each minting call. */
  timeoutMs: number;
  env: NodeJS.ProcessEnv;
}

/** One registry's minted credential, used exactly as a typed username/password would be. */
export interface MintedCredential {
  username: string;
  password: string;
  /** Undefined when the credential does not expire. */
  expiresAt?: Date;
}

export interface IdentityProvider {
  auth: MintAuth;
  /** What the credential is, for the summary ("ECR authorization token"). */
  kind: string;
  recognises(host: string): boolean;
  /** One credential per address, in order; a provider shares one call among registries where it can. */
  mint(addresses: readonly RegistryAddress[], options: MintOptions): Promise<MintedCredential[]>;
}

/** A minting failure the user can fix; the message names the fix. */
export class MintError extends TargetError {
  constructor(message: string) {
    super(message);
    this.name = 'MintError';
  }
}
