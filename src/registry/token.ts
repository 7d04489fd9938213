/**
 * Bearer tokens (distribution docs/spec/auth/token.md): GET realm?service=&scope=, Basic auth only
 * when we have credentials, `token` or `access_token`, `expires_in` (minimum 60 s). Tokens are cached
 * per (realm, service, scope, user) and concurrent callers share one request. `prefetch` asks for
 * several repositories in one request (the spec repeats `scope`), as the distribution client does.
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
  /** Came from a request for several scopes. */
  shared: boolean;
}

/** Scopes per combined request, so its URL stays far below what servers and proxies accept. */
const MAX_QUERY_LENGTH = 2000;

/** `scopes` in runs whose `scope=` parameters fit in `budget` characters of query together. */
function scopeGroups(scopes: readonly string[], budget: number): string[][] {
  const groups: string[][] = [];
  let length = Number.POSITIVE_INFINITY;
  for (const scope of scopes) {
    const cost = new URLSearchParams({ scope }).toString().length + 1;
    if (length + cost > budget) {
      groups.push([]);
      length = 0;
    }
    groups.at(-1)!.push(scope);
    length += cost;
  }
  return groups;
}

/** realm?service=&scope=…&account=: `account` names the user whose password goes in Basic auth. */
function tokenUrl(request: Omit<TokenRequest, 'scope'>, scopes: readonly string[]): URL {
  const url = new URL(request.realm);
  if (request.service) url.searchParams.set('service', request.service);
  for (const scope of scopes) url.searchParams.append('scope', scope);
  if (request.username !== undefined && request.password !== undefined) {
    url.searchParams.set('account', request.username);
  }
  return url;
}

export class TokenCache {
  readonly #entries = new Map<string, Entry>();
  /** Tokens from requests for several scopes: the server may have granted fewer than asked. */
  readonly #shared = new Set<string>();

  constructor(
    private readonly client: Client,
    private readonly retry?: RetryPolicy,
    private readonly signal?: AbortSignal,
  ) {}

  get(request: TokenRequest): Promise<string> {
    const key = this.#key(request);
    const cached = this.#entries.get(key);
    if (cached && cached.expiresAt > Date.now()) return cached.token;
    return this.#store(key, this.#fetch(request, request.scope ? [request.scope] : []));
  }

  /**
   * One request for every scope not yet cached (a few, for very many): each scope's `get` then shares
   * its answer. A server that answers anything but a token, or cannot be reached, leaves each scope
   * to a request of its own, so what callers see is what per-scope requests give.
   */
  prefetch(request: Omit<TokenRequest, 'scope'>, scopes: readonly string[]): void {
    const wanted = [...new Set(scopes)].filter((scope) => {
      const cached = this.#entries.get(this.#key({ ...request, scope }));
      return !(cached && cached.expiresAt > Date.now());
    });
    const budget = MAX_QUERY_LENGTH - tokenUrl(request, []).search.length;
    const groups = wanted.length === 1 ? [wanted] : scopeGroups(wanted, budget);
    for (const group of groups) {
      const together = this.#fetch(request, group).then((fetched) => ({
        ...fetched,
        shared: group.length > 1,
      }));
      for (const scope of group) {
        const alone = { ...request, scope };
        const token = group.length === 1 ? together : together.catch(() => this.#fetch(alone, [scope]));
        this.#store(this.#key(alone), token).catch(() => undefined);
      }
    }
  }

  /** Whether `token` was asked for together with other scopes. */
  isShared(token: string): boolean {
    return this.#shared.has(token);
  }

  /** A token asked for this scope alone, replacing a shared one. */
  own(request: TokenRequest): Promise<string> {
    const key = this.#key(request);
    const cached = this.#entries.get(key);
    if (cached && !cached.shared && cached.expiresAt > Date.now()) return cached.token;
    return this.#store(key, this.#fetch(request, request.scope ? [request.scope] : []));
  }

  #key(request: TokenRequest): string {
    return JSON.stringify([
      request.realm,
      request.service ?? '',
      request.scope ?? '',
      request.username ?? '',
    ]);
  }

  #store(
    key: string,
    fetched: Promise<{ token: string; expiresIn: number; shared?: boolean }>,
  ): Promise<string> {
    const entry: Entry = { token: Promise.resolve(''), expiresAt: Number.POSITIVE_INFINITY, shared: false };
    entry.token = fetched.then(
      ({ token, expiresIn, shared = false }) => {
        entry.shared = shared;
        if (shared) this.#shared.add(token);
        // Renew a little early so a token never expires between fetch and use.
        entry.expiresAt = Date.now() + Math.max(MIN_EXPIRY_S, expiresIn) * 1000 - 5000;
        return token;
      },
      (error: unknown) => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
        throw error;
      },
    );
    this.#entries.set(key, entry);
    return entry.token;
  }

  async #fetch(
    request: Omit<TokenRequest, 'scope'>,
    scopes: readonly string[],
  ): Promise<{ token: string; expiresIn: number }> {
    const url = tokenUrl(request, scopes);
    const headers: Record<string, string> = {};
    if (request.username !== undefined && request.password !== undefined) {
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
