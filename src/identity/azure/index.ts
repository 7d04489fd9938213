/**
 * Azure Container Registry: an Entra ID token, exchanged at the registry for an ACR refresh token
 * that is the password of the user 00000000-0000-0000-0000-000000000000 (minting in ./mint.ts,
 * loaded only when used).
 */
import type { IdentityProvider } from '../types.js';
import { isAcrHost } from './clouds.js';

export const azureProvider: IdentityProvider = {
  auth: 'azure',
  kind: 'ACR refresh token',
  recognises: isAcrHost,
  async mint(addresses, options) {
    return (await import('./mint.js')).mintAcr(addresses, options);
  },
};
