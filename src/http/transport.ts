/**
 * The one HTTP transport every hand-written client uses (registry verification, the https:// and
 * gs:// destinations, DC/OS, rapyuta.io, cloud identity exchanges).
 *
 *   const client = createClient({ ca, caInput: 'dcos-ca-cert', what: 'the DC/OS cluster' });
 *   const response = await client.request({ method: 'GET', url, headers, signal });
 *   await client.close();
 *
 * or `request({...})` for a one-off on the shared system-trust client.
 *
 * - Proxy: HTTPS_PROXY / HTTP_PROXY / NO_PROXY (either case) for every request (EnvHttpProxyAgent).
 * - Trust: the system CAs, plus the client's own `ca` for its hosts only: one dispatcher per trust
 *   scope (keep-alive), so the registry's ca-cert is never trusted for DC/OS and the reverse.
 * - Retries: 408, 429, 5xx, resets and timeouts are transient; TLS failures and other statuses are
 *   not. Bounded attempts with jittered backoff; Retry-After honoured up to the bound; a request
 *   that timed out is retried once at most. Writes are retried when idempotent (PUT, DELETE) or
 *   when the caller says the API makes them safe (`idempotent: true`). After the last attempt a
 *   transient status is returned (the caller words it), a transient error is thrown.
 * - Redirects: followed only when asked (`redirects: n`, GET/HEAD), across hosts, dropping
 *   Authorization when the origin changes; everything else returns the 3xx as is.
 * - Errors: a TransportError whose message says the cause and the fix (errors.ts), with `failure`
 *   for callers that word it themselves.
 * - Deadlines: `signal` (the caller's, never retried once aborted) and `timeoutMs` per attempt.
 */
import * as tls from 'node:tls';
import type { Dispatcher } from 'undici';
import { EnvHttpProxyAgent, request as undiciRequest } from './undici.js';
import { parseRetryAfter, sleep } from '../retry.js';
import {
  classifyTransportError,
  describeFailure,
  type DescribeOptions,
  type TransportFailure,
} from './errors.js';
import { peerCertificate } from './probe.js';

export { errorCodes } from './errors.js';

export type HttpMethod = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

export interface DispatcherOptions {
  /** Extra PEM CA certificates, trusted in addition to the system roots. */
  ca?: string;
  /** false: accept any certificate (tls-verify: false). */
  tlsVerify?: boolean;
  /** Connect, headers and body timeout. */
  timeoutMs?: number;
  /** Offer HTTP/2 by ALPN (undici falls back to HTTP/1.1). */
  allowH2?: boolean;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * The dispatcher for one trust scope: proxy from the environment, keep-alive, the system roots plus
 * `ca`. Every dispatcher of the action is made here.
 */
export function createDispatcher(options: DispatcherOptions = {}): Dispatcher {
  const factory = dispatcherFactory;
  if (factory) return factory(options);
  return buildDispatcher(options);
}

/** What a SecureContext wraps: Node's native context, which adds CA certificates to its own store. */
interface NativeSecureContext {
  addCACert?: (pem: string) => void;
}

/**
 * The system roots plus `ca`, built once per trust scope. Node parses its default roots once per
 * process; a context made without `ca` starts from them and the native context adds `ca` to its own
 * copy of that store (a fraction of a millisecond). Passing the roots as a `ca` list instead parses
 * every one of them again (~15 ms on the path to the first connection), which stays as the fallback.
 */
export function secureContextWith(ca: string): tls.SecureContext {
  const context = tls.createSecureContext();
  const native = (context as unknown as { context?: NativeSecureContext }).context;
  if (typeof native?.addCACert === 'function') {
    native.addCACert(ca);
    return context;
  }
  return secureContextListing(ca);
}

/** The same trust from a `ca` list: the default roots, each parsed again, and `ca`. */
export function secureContextListing(ca: string): tls.SecureContext {
  const roots =
    typeof tls.getCACertificates === 'function' ? tls.getCACertificates('default') : tls.rootCertificates;
  return tls.createSecureContext({ ca: [...roots, ca] });
}

/** createDispatcher without the test seam (the seam's factories build on it). */
export function buildDispatcher(options: DispatcherOptions = {}): Dispatcher {
  const tlsOptions = {
    ...(options.ca ? { secureContext: secureContextWith(options.ca) } : {}),
    rejectUnauthorized: options.tlsVerify ?? true,
  };
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const agent = new EnvHttpProxyAgent({
    connect: { ...tlsOptions, timeout },
    // Through a proxy, the TLS session to the server is the tunnelled one.
    requestTls: tlsOptions,
    keepAliveTimeout: 10_000,
    headersTimeout: timeout,
    bodyTimeout: timeout,
    // HTTP/1.1 origins get at most this many connections and further requests queue, so callers
    // may start all their requests at once; over HTTP/2 one connection carries them all.
    connections: 16,
    ...(options.allowH2 ? { allowH2: true, h2Options: { maxConcurrentStreams: 256 } } : {}),
  });
  // Over HTTP/1.1 undici closes the connection after every HEAD (for servers that wrongly send a
  // body), so each registry manifest HEAD would pay a new TLS handshake; registries answer HEAD
  // correctly.
  return agent.compose(
    (dispatch) => (opts, handler) =>
      dispatch(
        opts.method === 'HEAD' && opts.reset === undefined ? { ...opts, reset: false } : opts,
        handler,
      ),
  );
}

let dispatcherFactory: ((options: DispatcherOptions) => Dispatcher) | undefined;

/**
 * Test seam: every dispatcher made from now on comes from `factory` (e.g. one that also trusts a
 * test CA: `(o) => buildDispatcher({ ...o, ca: testCa })`); undefined restores the default.
 */
export function setDispatcherFactory(
  factory: ((options: DispatcherOptions) => Dispatcher) | undefined,
): void {
  dispatcherFactory = factory;
  sharedClient = undefined;
}

export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  /** Cap for backoff and for a server's Retry-After. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseMs: 250, maxDelayMs: 5000 };

/** Statuses worth another try. */
export const isTransientStatus = (status: number): boolean =>
  status === 408 || status === 429 || status >= 500;

/** Whether a thrown failure is worth another try (a timeout only once: see `send`). */
export const isTransientFailure = (failure: TransportFailure): boolean =>
  failure.kind === 'reset' || failure.kind === 'timeout' || failure.code === 'EAI_AGAIN';

const IDEMPOTENT = new Set<HttpMethod>(['GET', 'HEAD', 'PUT', 'DELETE']);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export interface TransportRequest {
  method: HttpMethod;
  /** The full URL, query included; messages name its host only. */
  url: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Ends the request (and its retries): a per-target or overall deadline. */
  signal?: AbortSignal;
  /** Bound for each attempt; default the client's. */
  timeoutMs?: number;
  /** Redirects to follow (GET and HEAD only); default 0: a 3xx is returned. */
  redirects?: number;
  /** Whether a retry is safe; default true for GET, HEAD, PUT and DELETE. */
  idempotent?: boolean;
  retry?: RetryPolicy;
  /**
   * Offer HTTP/1.1 only. With HTTP/2 offered, requests that reach a host not yet connected wait for
   * a first connection to learn the protocol; an HTTP/1.1 host then costs them one more handshake.
   */
  http1?: boolean;
}

export interface TransportResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The URL that answered (after redirects). */
  url: string;
  /** Attempts made for the final hop. */
  attempts: number;
}

/** A request that got no HTTP answer; `message` says why and what to do. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly failure: TransportFailure,
    readonly host: string,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransportError';
  }
}

export interface ClientOptions extends DispatcherOptions {
  /** Use this dispatcher (not closed by close()) instead of one of our own. */
  dispatcher?: Dispatcher;
  /** How messages name the server, e.g. 'the registry'; default 'the server'. */
  what?: string;
  /** The input that gives `ca`, named in an unknown-CA message. */
  caInput?: string;
  retry?: RetryPolicy;
  /** Ends every request of this client. */
  signal?: AbortSignal;
  /** Called before each retry (for a log line). */
  onRetry?: (info: {
    method: HttpMethod;
    url: string;
    attempt: number;
    attempts: number;
    reason: string;
  }) => void;
}

export interface Client {
  request(request: TransportRequest): Promise<TransportResponse>;
  readonly dispatcher: Dispatcher;
  close(): Promise<void>;
}

/** First value of a header. */
export function header(response: Pick<TransportResponse, 'headers'>, name: string): string | undefined {
  const value = response.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Every value of a header (undici gives repeated headers as an array). */
export function headerValues(response: Pick<TransportResponse, 'headers'>, name: string): string[] {
  const value = response.headers[name.toLowerCase()];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

const anySignal = (signals: (AbortSignal | undefined)[]): AbortSignal | undefined => {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  return present.length === 0 ? undefined : present.length === 1 ? present[0] : AbortSignal.any(present);
};

export function createClient(options: ClientOptions = {}): Client {
  const dispatcher = options.dispatcher ?? createDispatcher(options);
  const owned = options.dispatcher === undefined;
  const describeOptions = (host: string): DescribeOptions => ({
    host,
    ...(options.what ? { what: options.what } : {}),
    ...(options.caInput ? { caInput: options.caInput, caGiven: Boolean(options.ca) } : {}),
  });

  /** One hop with retries. */
  async function send(req: TransportRequest, url: string, headers: Record<string, string>) {
    const policy = req.retry ?? options.retry ?? DEFAULT_RETRY;
    const retryable = req.idempotent ?? IDEMPOTENT.has(req.method);
    const outer = anySignal([req.signal, options.signal]);
    const timeoutMs = req.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const host = new URL(url).host;
    let timedOut = 0;
    for (let attempt = 1; ; attempt++) {
      const backoff =
        Math.min(policy.maxDelayMs, policy.baseMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      const deadline = AbortSignal.timeout(timeoutMs);
      const canRetry = () => retryable && attempt < policy.attempts && !outer?.aborted;
      let response: TransportResponse;
      try {
        const res = await undiciRequest(url, {
          method: req.method,
          headers,
          body: req.body ?? null,
          dispatcher,
          signal: anySignal([outer, deadline]),
          // undici keeps a separate HTTP/1.1-only pool per origin for these.
          ...(req.http1 ? { allowH2: false } : {}),
        });
        const body = Buffer.from(await res.body.arrayBuffer());
        response = { status: res.statusCode, headers: res.headers, body, url, attempts: attempt };
      } catch (error) {
        let failure = outer?.aborted
          ? { kind: 'aborted' as const, code: 'AbortError' }
          : deadline.aborted
            ? { kind: 'timeout' as const, code: 'TimeoutError' }
            : classifyTransportError(error);
        if (failure.kind === 'timeout') timedOut++;
        const again = isTransientFailure(failure) && (failure.kind !== 'timeout' || timedOut < 2);
        if (again && canRetry()) {
          options.onRetry?.({
            method: req.method,
            url,
            attempt: attempt + 1,
            attempts: policy.attempts,
            reason: failure.code,
          });
          await sleep(backoff, outer);
          continue;
        }
        if ((failure.kind === 'expired' || failure.kind === 'not-yet-valid') && !failure.validTo) {
          // The TLS error carries no certificate: read it (unverified, nothing sent) for its dates.
          const cert = await peerCertificate(url).catch(() => undefined);
          if (cert) failure = { ...failure, validFrom: cert.valid_from, validTo: cert.valid_to };
        }
        throw new TransportError(describeFailure(failure, describeOptions(host)), failure, host, attempt, {
          cause: error,
        });
      }
      if (!isTransientStatus(response.status) || !canRetry()) return response;
      const hint = parseRetryAfter(header(response, 'retry-after'));
      options.onRetry?.({
        method: req.method,
        url,
        attempt: attempt + 1,
        attempts: policy.attempts,
        reason: `HTTP ${response.status}`,
      });
      await sleep(Math.min(policy.maxDelayMs, hint ?? backoff), outer);
    }
  }

  return {
    dispatcher,
    async request(req) {
      const maxHops = req.method === 'GET' || req.method === 'HEAD' ? (req.redirects ?? 0) : 0;
      let url = req.url;
      let headers = { ...(req.headers ?? {}) };
      for (let hop = 0; ; hop++) {
        const response = await send(req, url, headers);
        const location = header(response, 'location');
        if (!REDIRECTS.has(response.status) || !location || maxHops === 0) return response;
        if (hop >= maxHops) {
          throw new TransportError(
            `${options.what ?? 'the server'} ${new URL(req.url).host} redirected more than ${maxHops} times`,
            { kind: 'other', code: 'ERR_TOO_MANY_REDIRECTS' },
            new URL(url).host,
            response.attempts,
          );
        }
        const next = new URL(location, url);
        // As docker and containers/image do: credentials never follow to another host.
        if (next.origin !== new URL(url).origin) {
          headers = Object.fromEntries(
            Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'),
          );
        }
        url = next.toString();
      }
    },
    close: () => (owned ? dispatcher.close() : Promise.resolve()),
  };
}

let sharedClient: Client | undefined;

/** One request on the shared client (system trust, proxy, default retries). */
export function request(req: TransportRequest): Promise<TransportResponse> {
  sharedClient ??= createClient();
  return sharedClient.request(req);
}
