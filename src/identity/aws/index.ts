/**
 * Amazon ECR (private and public): a GetAuthorizationToken call with the AWS SDK's default credential
 * chain (minting in ./mint.ts, loaded only when used).
 */
import type { IdentityProvider } from '../types.js';
import { isEcrPrivateHost, isEcrPublicHost } from './hosts.js';

export const awsProvider: IdentityProvider = {
  auth: 'aws',
  kind: 'ECR authorization token',
  recognises: isEcrPrivateHost,
  async mint(addresses, options) {
    return (await import('./mint.js')).mintEcr(addresses, options);
  },
};

export const awsPublicProvider: IdentityProvider = {
  auth: 'aws-public',
  kind: 'ECR Public authorization token',
  recognises: isEcrPublicHost,
  async mint(addresses, options) {
    return (await import('./mint.js')).mintEcrPublic(addresses, options);
  },
};
