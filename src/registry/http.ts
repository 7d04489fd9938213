/**
 * The registry HTTP client: one keep-alive dispatcher honouring HTTPS_PROXY/HTTP_PROXY/NO_PROXY, the
 * extra CA added to the default roots, per-request timeouts and bounded retries with backoff on 5xx,
 * 429 (Retry-After, capped) and connection resets.
 */
import * as tls from 'node:tls';
import { EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import { parseRetryAfter, sleep } from '../retry.js';

export interface HttpOptions {
  /** Extra PEM CA certificates, trusted in addition to the default roots. */
  caCert?: string;
  tlsVerify: boolean;
  /** Connect and headers timeout per request. */
  requestTimeoutMs?: number;
}

export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  /** Cap for backoff and for a server's Retry-After. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseMs: 250, maxDelayMs: 5000 };

export function createDispatcher(options: HttpOptions): Dispatcher {
  const roots =
    typeof tls.getCACertificates === 'function' ? tls.getCACertificates('default') : tls.rootCertificates;
  const tlsOptions = {
    ...(options.caCert ? { ca: [...roots, options.caCert] } : {}),
    rejectUnauthorized: options.tlsVerify,
  };
  const timeout = options.requestTimeoutMs ?? 15_000;
  return new EnvHttpProxyAgent({
    connect: { ...tlsOptions, timeout },
    // Through a proxy, the TLS session to the registry is the tunnelled one.
    requestTls: tlsOptions,
    keepAliveTimeout: 10_000,
    headersTimeout: timeout,
    bodyTimeout: timeout,
  });
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  url: string;
}

/** The first value of a header. */
export function header(response: Pick<HttpResponse, 'headers'>, name: string): string | undefined {
  const value = response.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Every value of a header (undici gives repeated headers as an array). */
export function headerValues(response: Pick<HttpResponse, 'headers'>, name: string): string[] {
  const value = response.headers[name.toLowerCase()];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/** Error codes on an error and its causes (undici wraps the socket error). */
export function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const { code, name } = e as { code?: unknown; name?: unknown };
    if (typeof code === 'string') codes.push(code);
    if (name === 'AbortError' || name === 'TimeoutError') codes.push(name);
    e = (e as { cause?: unknown }).cause;
  }
  return codes;
}

export interface RequestOptions {
  method: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  signal?: AbortSignal;
  retry?: RetryPolicy;
}

/**
 * One request with retries: 429 and 5xx are retried (the last response is returned), resets are
 * retried (the last error is thrown). Other statuses and errors return or throw at once.
 */
export async function send(
  dispatcher: Dispatcher,
  url: string,
  options: RequestOptions,
): Promise<HttpResponse> {
  const policy = options.retry ?? DEFAULT_RETRY;
  for (let attempt = 1; ; attempt++) {
    const backoff =
      Math.min(policy.maxDelayMs, policy.baseMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
    let response: HttpResponse;
    try {
      const res = await request(url, {
        method: options.method,
        headers: options.headers ?? {},
        dispatcher,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const body = Buffer.from(await res.body.arrayBuffer());
      response = { status: res.statusCode, headers: res.headers, body, url };
    } catch (error) {
      const retryable = errorCodes(error).some((code) => RESET_CODES.has(code));
      if (!retryable || attempt >= policy.attempts || options.signal?.aborted) throw error;
      await sleep(backoff, options.signal);
      continue;
    }
    const retryable = response.status === 429 || response.status >= 500;
    if (!retryable || attempt >= policy.attempts) return response;
    const hint = response.status === 429 ? parseRetryAfter(header(response, 'retry-after')) : undefined;
    await sleep(Math.min(policy.maxDelayMs, hint ?? backoff), options.signal);
    if (options.signal?.aborted) return response;
  }
}
