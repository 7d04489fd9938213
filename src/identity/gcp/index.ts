/**
 * Google Artifact Registry and Container Registry: an OAuth2 access token from application-default
 * credentials as the password of `oauth2accesstoken` (minting in ./mint.ts, loaded only when used).
 * Hosts: `<location>-docker.pkg.dev`, `gcr.io`, `<region>.gcr.io`.
 */
import type { IdentityProvider } from '../types.js';

export function isGoogleRegistryHost(host: string): boolean {
  return (
    /^[a-z0-9-]+-docker\.pkg\.dev$/.test(host) || host === 'gcr.io' || /^[a-z0-9-]+\.gcr\.io$/.test(host)
  );
}

export const gcpProvider: IdentityProvider = {
  auth: 'gcp',
  kind: 'Google access token',
  recognises: isGoogleRegistryHost,
  async mint(addresses, options) {
    return (await import('./mint.js')).mintGoogle(addresses, options);
  },
};
