/**
 * Every cloud identity provider. Adding one: its folder and a line here.
 */
import { awsProvider, awsPublicProvider } from './aws/index.js';
import { azureProvider } from './azure/index.js';
import { gcpProvider } from './gcp/index.js';
import type { IdentityProvider, MintAuth } from './types.js';

export const providers: readonly IdentityProvider[] = [
  awsProvider,
  awsPublicProvider,
  gcpProvider,
  azureProvider,
];

/** The provider whose registries the host belongs to (port ignored), for `auth: auto`. */
export function recogniseHost(host: string): MintAuth | undefined {
  const name = host.toLowerCase().replace(/:\d+$/, '');
  return providers.find((p) => p.recognises(name))?.auth;
}

export function providerFor(auth: MintAuth): IdentityProvider {
  const provider = providers.find((p) => p.auth === auth);
  if (!provider) throw new Error(`no identity provider for auth ${auth}`);
  return provider;
}
