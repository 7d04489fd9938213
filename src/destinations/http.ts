/**
 * The small HTTP client the https:// and gs:// destinations share: undici (loaded on first use), no
 * redirects followed (a redirect would carry our Authorization header to another host), bounded
 * timeouts, and bounded retries on 5xx, 429 and network faults.
 */
import { request as undiciRequest, type Dispatcher } from 'undici';
import { TargetError } from '../errors.js';
import { parseRetryAfter, withRetries } from '../retry.js';

let dispatcher: Dispatcher | undefined;

/**
 * Test seam: the undici dispatcher (e.g. an Agent trusting a test CA) used for every destination
 * request; undefined restores undici's global one.
 */
export function setDestinationDispatcher(value: Dispatcher | undefined): void {
  dispatcher = value;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  /** The full URL, query included: it is never put in a message. */
  url: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** The caller's deadline. */
  signal?: AbortSignal;
}

/** A fault worth another try: 5xx, 429, timeouts and dropped connections. */
export class TransientHttpError extends TargetError {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message, true);
    this.name = 'TransientHttpError';
  }
}

export const HTTP_TIMEOUT_MS = 30_000;

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

function flatten(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) result[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return result;
}

/**
 * One request, no retry. `display` names the resource in messages (never the query string). 5xx,
 * 429 and network faults throw TransientHttpError; any other status is returned.
 */
export async function sendOnce(request: HttpRequest, display: string): Promise<HttpResponse> {
  let response: Dispatcher.ResponseData;
  try {
    response = await undiciRequest(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      headersTimeout: HTTP_TIMEOUT_MS,
      bodyTimeout: HTTP_TIMEOUT_MS,
      ...(dispatcher ? { dispatcher } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const name = typeof code === 'string' ? code : (error as Error).name;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) {
      throw new TransientHttpError(`${request.method} ${display} failed: ${name}`);
    }
    // TLS failures and the like: no retry, and undici's message names the URL only by host.
    throw new TargetError(`${request.method} ${display} failed: ${name}: ${(error as Error).message}`);
  }
  const body = Buffer.from(await response.body.arrayBuffer());
  const headers = flatten(response.headers);
  if (response.statusCode >= 500 || response.statusCode === 429) {
    throw new TransientHttpError(
      `${request.method} ${display}: HTTP ${response.statusCode}`,
      parseRetryAfter(headers['retry-after']),
    );
  }
  return { status: response.statusCode, headers, body };
}

export const HTTP_ATTEMPTS = 4;

/** sendOnce with bounded retries on transient faults; the last fault says how many tries it took. */
export async function send(request: HttpRequest, display: string): Promise<HttpResponse> {
  try {
    return await withRetries(() => sendOnce(request, display), {
      attempts: HTTP_ATTEMPTS,
      baseMs: 200,
      maxMs: 5000,
      retryable: (error) => error instanceof TransientHttpError,
      delayHint: (error) => (error instanceof TransientHttpError ? error.retryAfterMs : undefined),
      ...(request.signal ? { signal: request.signal } : {}),
    });
  } catch (error) {
    if (error instanceof TransientHttpError) {
      throw new TargetError(`${error.message} (gave up after ${HTTP_ATTEMPTS} attempts)`);
    }
    throw error;
  }
}
