/**
 * Bearer tokens (distribution docs/spec/auth/token.md): GET realm?service=&scope=, Basic auth only
 * when we have credentials, `token` or `access_token`, `expires_in` (minimum 60 s). Tokens are cached
 * per (realm, service, scope, user) and concurrent callers share one request.
 */
import type { Client, RetryPolicy, TransportResponse as HttpResponse } from '../http/transport.js';
import { registerSecret } from '../secrets.js';

export interface TokenRequest {
  realm: string;
  service?: string;
  /** e.g. `repository:team/app:pull`; none for a login check. */
  scope?: string;
  username?: string;
  password?: string;
  /** HTTP/1.1 only (see TransportRequest.http1). */
  http1?: boolean;
}

/** The token endpoint answered with something other than a token. */
export class TokenError extends Error {
  constructor(
    message: string,
    readonly response: HttpResponse,
  ) {
    super(message);
  }
}

export const MIN_EXPIRY_S = 60;

interface Entry {
  token: Promise<string>;
  expiresAt: number;
}

export class TokenCache {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly client: Client,
    private readonly retry?: RetryPolicy,
    private readonly signal?: AbortSignal,
  ) {}

  get(request: TokenRequest): Promise<string> {
    const key = JSON.stringify([
      request.realm,
      request.service ?? '',
      request.scope ?? '',
      request.username ?? '',
    ]);
    const cached = this.#entries.get(key);
    if (cached && cached.expiresAt > Date.now()) return cached.token;
    const entry: Entry = { token: Promise.resolve(''), expiresAt: Number.POSITIVE_INFINITY };
    entry.token = this.#fetch(request).then(
      ({ token, expiresIn }) => {
        // Renew a little early so a token never expires between fetch and use.
        entry.expiresAt = Date.now() + Math.max(MIN_EXPIRY_S, expiresIn) * 1000 - 5000;
        return token;
      },
      (error: unknown) => {
        this.#entries.delete(key);
        throw error;
      },
    );
    this.#entries.set(key, entry);
    return entry.token;
  }

  async #fetch(request: TokenRequest): Promise<{ token: string; expiresIn: number }> {
    const url = new URL(request.realm);
    if (request.service) url.searchParams.set('service', request.service);
    if (request.scope) url.searchParams.append('scope', request.scope);
    const headers: Record<string, string> = {};
    if (request.username !== undefined && request.password !== undefined) {
      url.searchParams.set('account', request.username);
      const basic = Buffer.from(`${request.username}:${request.password}`, 'utf8').toString('base64');
      headers.authorization = `Basic ${basic}`;
    }
    const response = await this.client.request({
      method: 'GET',
      url: url.toString(),
      redirects: 5,
      headers,
      ...(request.http1 ? { http1: true } : {}),
      ...(this.retry ? { retry: this.retry } : {}),
      ...(this.signal ? { signal: this.signal } : {}),
    });
    if (response.status !== 200) {
      throw new TokenError(`the token endpoint answered ${response.status}`, response);
    }
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(response.body.toString('utf8')) as typeof body;
    } catch {
      throw new TokenError('the token endpoint answered with invalid JSON', response);
    }
    // The distribution client prefers access_token.
    const token = typeof body.access_token === 'string' && body.access_token ? body.access_token : body.token;
    if (typeof token !== 'string' || token === '') {
      throw new TokenError('the token endpoint answered without a token', response);
    }
    const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : MIN_EXPIRY_S;
    // A bearer token is a credential for its lifetime: masked before anything could show it.
    registerSecret(token);
    return { token, expiresIn };
  }
}
