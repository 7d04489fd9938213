/**
 * ACR's token exchange: `POST https://<registry>/oauth2/exchange`, form `grant_type=access_token`,
 * `service=<registry host>`, `tenant`, `access_token=<Entra token>`, answered `{"refresh_token": …}`.
 * That refresh token is the password of the null-GUID user. (Confirmed in ACR's AAD-OAuth
 * documentation and its REST reference for /oauth2/exchange.)
 */
import type { RegistryAddress } from '../../credentials/address.js';
import { createClient, TransportError } from '../../http/transport.js';
import { redact, registerSecret } from '../../secrets.js';
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
  // The shared transport: proxy from the environment, the registry's trust (ca-cert, tls-verify),
  // transient failures retried (a repeated exchange only issues another token).
  const client = createClient({
    ...(options.caCert ? { ca: options.caCert } : {}),
    tlsVerify: options.tlsVerify,
    timeoutMs: options.timeoutMs,
    what: 'the registry',
    caInput: 'ca-cert',
  });
  registerSecret(accessToken);
  const url = `${address.scheme}://${address.apiHost}/oauth2/exchange`;
  const form = new URLSearchParams({
    grant_type: 'access_token',
    service: address.apiHost,
    ...(tenant ? { tenant } : {}),
    access_token: accessToken,
  });
  try {
    const answer = await client.request({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      idempotent: true,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const text = answer.body.toString('utf8');
    if (answer.status !== 200) {
      const detail = redact(text.replace(/\s+/g, ' '), 300);
      const fix =
        answer.status === 401 || answer.status === 403
          ? ': give the identity the AcrPull role on the registry'
          : answer.status === 404
            ? ': the host is not an Azure container registry (no token exchange)'
            : '';
      throw new MintError(
        `ACR ${address.apiHost} refused the Entra ID token at /oauth2/exchange (HTTP ${answer.status}: ${detail})${fix}`,
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
    const timedOut =
      error instanceof TransportError &&
      (error.failure.kind === 'timeout' || error.failure.kind === 'aborted');
    throw new MintError(
      `ACR ${address.apiHost}: the token exchange failed (${timedOut ? 'timed out' : error instanceof Error ? error.message : String(error)})`,
    );
  } finally {
    await client.close();
  }
}
