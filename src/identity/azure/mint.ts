/**
 * Azure Container Registry: an Entra ID token, exchanged at the registry for an ACR refresh token
 * that is the password of the user 00000000-0000-0000-0000-000000000000.
 *
 * With a client and tenant id and the workflow's OIDC token available, the GitHub OIDC token
 * (audience api://AzureADTokenExchange) is the client assertion of a federated credential; without
 * them, the Azure SDK's default chain (environment, workload identity, azure/login's CLI session…).
 * The refresh token's lifetime is read from its `exp` claim, never assumed.
 */
import * as core from '@actions/core';
import type { RegistryAddress } from '../../credentials/address.js';
import { MintError, type MintedCredential, type MintOptions } from '../types.js';
import { jwtClaims, jwtExpiry } from '../jwt.js';
import { cloudOf, KNOWN_AUTHORITIES, type Cloud } from './clouds.js';
import { exchangeForRefreshToken } from './exchange.js';

export const ACR_USERNAME = '00000000-0000-0000-0000-000000000000';
const AUDIENCE = 'api://AzureADTokenExchange';

/** Entra's AADSTS answers name the fix only with the subject the workflow presented. */
export function explainAzureError(
  error: unknown,
  clientId: string | undefined,
  subject: string | undefined,
): MintError {
  const message = error instanceof Error ? error.message : String(error);
  const code = /AADSTS\d+/.exec(message)?.[0];
  if (code) {
    const presented = subject ? ` presented the subject '${subject}'` : '';
    return new MintError(
      `Entra ID refused the token request (${code}): the workflow${presented}; add a federated credential ` +
        `to app ${clientId ?? '(azure-client-id)'} with issuer https://token.actions.githubusercontent.com` +
        `${subject ? ` and subject '${subject}'` : ''}, or fix azure-client-id / azure-tenant-id. ${message.split('\n')[0]}`,
    );
  }
  if ((error as { name?: string }).name === 'CredentialUnavailableError' || /Unavailable/.test(message)) {
    return new MintError(
      'Azure: no identity is available: set azure-client-id and azure-tenant-id with ' +
        '`permissions: id-token: write` in the job, or run azure/login before this step',
    );
  }
  return new MintError(`Azure: could not get an Entra ID token (${message.split('\n')[0]})`);
}

/** One ACR refresh token per registry, from one Entra token per cloud. */
export async function mintAcr(
  addresses: readonly RegistryAddress[],
  options: MintOptions,
): Promise<MintedCredential[]> {
  const sdk = await import('./sdk.js');
  const { azureClientId: clientId, azureTenantId: tenantId } = options;
  const oidc = Boolean(
    options.env['ACTIONS_ID_TOKEN_REQUEST_URL'] && options.env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'],
  );
  let subject: string | undefined;
  const entraTokens = new Map<string, Promise<string>>();
  const entraToken = (cloud: Cloud): Promise<string> => {
    const authorityHost = options.env['AZURE_AUTHORITY_HOST'] || cloud.authorityHost;
    const key = `${authorityHost} ${cloud.scope}`;
    const cached = entraTokens.get(key);
    if (cached) return cached;
    // A private authority has no instance metadata at Microsoft's discovery endpoint: trust it as given.
    const common = {
      authorityHost,
      disableInstanceDiscovery: !KNOWN_AUTHORITIES.has(new URL(authorityHost).host),
    };
    const credential =
      oidc && clientId && tenantId
        ? new sdk.ClientAssertionCredential(
            tenantId,
            clientId,
            async () => {
              const token = await core.getIDToken(AUDIENCE);
              const sub = jwtClaims(token)?.['sub'];
              subject = typeof sub === 'string' ? sub : undefined;
              return token;
            },
            common,
          )
        : new sdk.DefaultAzureCredential({
            ...common,
            ...(tenantId ? { tenantId } : {}),
            ...(clientId ? { managedIdentityClientId: clientId, workloadIdentityClientId: clientId } : {}),
          });
    const minted = (async () => {
      try {
        const token = await credential.getToken(cloud.scope, {
          abortSignal: AbortSignal.timeout(options.timeoutMs),
        });
        core.setSecret(token.token);
        return token.token;
      } catch (error) {
        throw explainAzureError(error, clientId, subject);
      }
    })();
    entraTokens.set(key, minted);
    return minted;
  };
  return Promise.all(
    addresses.map(async (address) => {
      const accessToken = await entraToken(cloudOf(address));
      const refreshToken = await exchangeForRefreshToken(address, accessToken, tenantId, options);
      const expiresAt = jwtExpiry(refreshToken);
      return { username: ACR_USERNAME, password: refreshToken, ...(expiresAt ? { expiresAt } : {}) };
    }),
  );
}
