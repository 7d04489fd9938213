/**
 * The https:// and gs:// destinations' view of the shared transport: system trust, the environment's
 * proxy, no redirects followed (a redirect would carry our Authorization header to another host),
 * and a transient status or fault that outlasts the retries as a TargetError.
 */
import { TargetError } from '../errors.js';
import {
  DEFAULT_RETRY,
  isTransientStatus,
  request,
  TransportError,
  type HttpMethod,
  type TransportResponse,
} from '../http/transport.js';

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface HttpRequest {
  method: HttpMethod;
  /** The full URL, query included: it is never put in a message. */
  url: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Whether the API makes a retry safe; default: PUT, DELETE and reads. */
  idempotent?: boolean;
  /** Ends the request and its retries (a per-target deadline). */
  signal?: AbortSignal;
}

function flatten(headers: TransportResponse['headers']): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) result[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return result;
}

/**
 * One request with the transport's retries. `display` names the resource in messages (never the
 * query string). A transient status or fault left after the last attempt throws; any other status
 * is returned. `once`: a single attempt (an optional probe).
 */
export async function send(req: HttpRequest, display: string, once = false): Promise<HttpResponse> {
  let response: TransportResponse;
  try {
    response = await request({
      method: req.method,
      url: req.url,
      ...(req.headers ? { headers: req.headers } : {}),
      ...(req.body ? { body: req.body } : {}),
      ...(req.idempotent !== undefined ? { idempotent: req.idempotent } : {}),
      ...(req.signal ? { signal: req.signal } : {}),
      ...(once ? { retry: { ...DEFAULT_RETRY, attempts: 1 } } : {}),
    });
  } catch (error) {
    if (error instanceof TransportError) {
      const tries = error.attempts > 1 ? ` (gave up after ${error.attempts} attempts)` : '';
      throw new TargetError(`${req.method} ${display} failed: ${error.message}${tries}`);
    }
    throw error;
  }
  if (isTransientStatus(response.status) && !once) {
    const tries = response.attempts > 1 ? ` (gave up after ${response.attempts} attempts)` : '';
    throw new TargetError(`${req.method} ${display}: HTTP ${response.status}${tries}`);
  }
  return { status: response.status, headers: flatten(response.headers), body: response.body };
}
