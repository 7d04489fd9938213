/**
 * ACR's token exchange: `POST https://<registry>/oauth2/exchange`, form `grant_type=access_token`,
 * `service=<registry host>`, `tenant`, `access_token=<Entra token>`, answered `{"refresh_token": …}`.
 * That refresh token is the password of the null-GUID user. (Confirmed in ACR's AAD-OAuth
 * documentation and its REST reference for /oauth2/exchange.)
 */
import { EnvHttpProxyAgent, request } from 'undici';
import { redact } from '../../errors.js';
import type { RegistryAddress } from '../../credentials/address.js';
import { MintError } from '../types.js';

export interface ExchangeOptions {
  caCert?: string;
  tlsVerify: boolean;
  timeoutMs: number;
}

export async function exchangeForRefreshToken(
  address: RegistryAddress,
  accessToken: string,
  tenant: string | undefined,
  options: ExchangeOptions,
): Promise<string> {
  const tls = { ...(options.caCert ? { ca: options.caCert } : {}), rejectUnauthorized: options.tlsVerify };
  // HTTPS_PROXY / HTTP_PROXY / NO_PROXY, as every other minting call honours them.
  const dispatcher = new EnvHttpProxyAgent({ connect: tls, requestTls: tls });
  const url = `${address.scheme}://${address.apiHost}/oauth2/exchange`;
  const form = new URLSearchParams({
    grant_type: 'access_token',
    service: address.apiHost,
    ...(tenant ? { tenant } : {}),
    access_token: accessToken,
  });
  try {
    const answer = await request(url, {
      method: 'POST',
      dispatcher,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const text = await answer.body.text();
    if (answer.statusCode !== 200) {
      const detail = redact(text.replace(/\s+/g, ' '), [accessToken], 300);
      const fix =
        answer.statusCode === 401 || answer.statusCode === 403
          ? ': give the identity the AcrPull role on the registry'
          : answer.statusCode === 404
            ? ': the host is not an Azure container registry (no token exchange)'
            : '';
      throw new MintError(
        `ACR ${address.apiHost} refused the Entra ID token at /oauth2/exchange (HTTP ${answer.statusCode}: ${detail})${fix}`,
      );
    }
    let token: unknown;
    try {
      token = (JSON.parse(text) as { refresh_token?: unknown }).refresh_token;
    } catch {
      token = undefined;
    }
    if (typeof token !== 'string' || token === '') {
      throw new MintError(`ACR ${address.apiHost}: /oauth2/exchange answered without a refresh_token`);
    }
    return token;
  } catch (error) {
    if (error instanceof MintError) throw error;
    const e = error as { name?: string; message?: string };
    throw new MintError(
      `ACR ${address.apiHost}: the token exchange failed (${e.name === 'TimeoutError' ? 'timed out' : (e.message ?? String(error))})`,
    );
  } finally {
    await dispatcher.close();
  }
}
