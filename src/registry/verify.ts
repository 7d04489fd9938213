/**
 * Pull verification: for each image, what `docker pull` would do up to the manifest — ping, auth
 * (Basic, or a Bearer token per repository, asked for together), manifest HEAD/GET with the four manifest types — and a
 * verdict saying what failed and what to do. With no images, a `docker login`-like check per registry.
 */
import type { Dispatcher } from 'undici';
import { DOCKER_HUB_API_HOST, DOCKER_HUB_DOMAIN } from '../credentials/address.js';
import { credentialFor, type Credential } from '../credentials/documents.js';
import { parseChallenges } from './challenge.js';
import { classifyTransportError, describeFailure, type TransportFailure } from '../http/errors.js';
import {
  createClient,
  createDispatcher,
  header,
  headerValues,
  TransportError,
  type Client,
  type RetryPolicy,
  type TransportResponse as HttpResponse,
} from '../http/transport.js';
import { hashOf, ManifestDigestError, manifestDigest } from './manifest-digest.js';
import type { ImageReference } from './reference.js';
import { TokenCache, TokenError, type TokenRequest } from './token.js';
import type { AuthScheme, Platform, Verdict, VerdictStatus, VerificationPlan } from './types.js';
import { mapConcurrent } from '../concurrency.js';
import { DeadlineError } from '../deadline.js';

export const MANIFEST_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;
/** Registry 2.8 needs all four, or it 404s OCI content and rewrites Docker content to schema1. */
const ACCEPT = Object.values(MANIFEST_TYPES).join(', ');
const INDEX_TYPES = new Set<string>([MANIFEST_TYPES.ociIndex, MANIFEST_TYPES.dockerList]);

export interface VerifyOptions {
  /**
   * Images verified at once; default 256. The dispatcher bounds what reaches each server (one HTTP/2
   * connection, or a few HTTP/1.1 ones with a queue), so this only bounds the work in memory.
   */
  concurrency?: number;
  /** Connect/headers/body timeout of each request; default 15 s. */
  requestTimeoutMs?: number;
  /** Budget for the whole verification; default 120 s. */
  timeoutMs?: number;
  /** The caller's deadline for the whole verification, instead of timeoutMs. */
  signal?: AbortSignal;
  retry?: RetryPolicy;
  /** Use this dispatcher (not closed afterwards) instead of our own. */
  dispatcher?: Dispatcher;
}

/** A classified failure: becomes the verdict's status and message. */
export class Failure extends Error {
  constructor(
    readonly status: VerdictStatus,
    message: string,
    readonly response?: HttpResponse,
  ) {
    super(message);
  }
}

// --- pure classification ---------------------------------------------------------------------------

export interface RateLimit {
  limit: number;
  remaining: number;
  window?: number;
}

/** Docker Hub's `ratelimit-limit: 100;w=21600` and `ratelimit-remaining: 20;w=21600`. */
export function parseRateLimit(
  limit: string | undefined,
  remaining: string | undefined,
): RateLimit | undefined {
  const parse = (text: string | undefined) => {
    const match = /^\s*(\d+)\s*(?:;\s*w\s*=\s*(\d+))?/.exec(text ?? '');
    return match
      ? { value: Number(match[1]), window: match[2] === undefined ? undefined : Number(match[2]) }
      : undefined;
  };
  const l = parse(limit);
  const r = parse(remaining);
  if (!l || !r) return undefined;
  const window = l.window ?? r.window;
  return { limit: l.value, remaining: r.value, ...(window !== undefined ? { window } : {}) };
}

/** Error codes of a registry error body `{"errors":[{"code":…}]}`; any other body gives none. */
export function registryErrorCodes(body: Buffer | string): string[] {
  try {
    const parsed = JSON.parse(body.toString()) as { errors?: { code?: unknown }[] };
    return (parsed.errors ?? []).map((e) => e.code).filter((c): c is string => typeof c === 'string');
  } catch {
    return [];
  }
}

export interface ResponseContext {
  status: number;
  /** Registry error codes from the body. */
  codes: string[];
  /** `error` parameter of a Bearer challenge, e.g. insufficient_scope. */
  challengeError?: string;
  authScheme: AuthScheme;
  hasCredentials: boolean;
  registry: string;
  repository: string;
  reference: string;
  retryAfter?: string;
  /** The response came from the token endpoint. */
  tokenEndpoint?: boolean;
}

const noCredentials = (registry: string) =>
  `${registry} requires authentication and no credentials were given for it: add it to registry/username/password or registries`;
const rejected = (registry: string) =>
  `the registry rejected these credentials: check the password secret for ${registry}`;

/** A registry or token endpoint answer that is not a success, as a verdict status and message. */
export function classifyResponse(ctx: ResponseContext): { status: VerdictStatus; message: string } {
  const { status, codes, registry, repository, reference } = ctx;
  const what = reference.includes(':') ? `digest ${reference}` : `tag ${reference}`;
  if (status === 429 || codes.includes('TOOMANYREQUESTS')) {
    const after = ctx.retryAfter
      ? `; retry after ${ctx.retryAfter}${/^\d+$/.test(ctx.retryAfter) ? ' s' : ''}`
      : '';
    const hint = ctx.hasCredentials ? '' : ' (anonymous pulls have the lowest limits: give credentials)';
    return { status: 'rate-limited', message: `${registry} is rate-limiting requests (429)${after}${hint}` };
  }
  if (ctx.tokenEndpoint) {
    if (status === 401 || status === 403) {
      return {
        status: 'unauthorized',
        message: ctx.hasCredentials ? rejected(registry) : noCredentials(registry),
      };
    }
    return { status: 'error', message: `the token server of ${registry} answered ${status}` };
  }
  if (
    ctx.authScheme === 'none' &&
    ctx.hasCredentials &&
    (status === 401 || status === 403 || codes.includes('DENIED') || codes.includes('UNAUTHORIZED'))
  ) {
    // /v2/ answered 200, so no credentials were sent: saying they were rejected would be wrong.
    return {
      status: 'unauthorized',
      message:
        `${registry} asked for no credentials at /v2/ but answered ${status} for ${repository}: ` +
        'docker and skopeo only log in when /v2/ asks them to (401 with WWW-Authenticate), so they cannot pull it either',
    };
  }
  const denied = `these credentials have no pull access to ${repository} on ${registry}`;
  if (status === 403 || codes.includes('DENIED') || ctx.challengeError === 'insufficient_scope') {
    return ctx.hasCredentials || status === 403
      ? { status: 'denied', message: denied }
      : { status: 'unauthorized', message: noCredentials(registry) };
  }
  if (status === 401) {
    if (!ctx.hasCredentials) return { status: 'unauthorized', message: noCredentials(registry) };
    // A Bearer 401 after a token was issued: the token server accepted the login but granted nothing.
    if (ctx.authScheme === 'bearer') return { status: 'denied', message: denied };
    return { status: 'unauthorized', message: rejected(registry) };
  }
  if (status === 404 || codes.includes('NAME_UNKNOWN') || codes.includes('MANIFEST_UNKNOWN')) {
    if (codes.includes('NAME_UNKNOWN')) {
      return { status: 'not-found', message: `repository ${repository} does not exist on ${registry}` };
    }
    return { status: 'not-found', message: `${what} does not exist in ${repository}` };
  }
  const code = codes.length > 0 ? ` ${codes.join(', ')}` : '';
  return { status: 'error', message: `${registry} answered ${status}${code} for ${repository}:${reference}` };
}

/**
 * A thrown network/TLS error as a verdict status and message. `host` is what we tried to reach;
 * `written` says whether the user wrote this registry in an input (else it comes from `images` only,
 * and "write it as http://" is no advice they can follow by itself).
 */
export function classifyError(
  error: unknown,
  host: string,
  what = 'the registry',
  written = true,
  caGiven = false,
): { status: VerdictStatus; message: string } {
  if (error instanceof Failure) return { status: error.status, message: error.message };
  // The verification deadline passed (the transport's error carries it as its cause).
  const deadline = error instanceof DeadlineError ? error : (error as { cause?: unknown }).cause;
  if (deadline instanceof DeadlineError) {
    return {
      status: 'unreachable',
      message: `${what} ${host} did not answer: verification ${deadline.message}`,
    };
  }
  const failure = failureOf(error);
  switch (failure.kind) {
    case 'untrusted':
    case 'hostname':
    case 'expired':
    case 'not-yet-valid':
    case 'certificate':
      return {
        status: 'tls',
        message: describeFailure(failure, { host, what, caInput: 'ca-cert', caGiven }),
      };
    case 'plain-http':
      return {
        status: 'tls',
        message: written
          ? `TLS to ${what} ${host} failed (${failure.code}): if it serves plain HTTP, write the registry as http://${host}`
          : `TLS to ${what} ${host} failed (${failure.code}): if it serves plain HTTP, give its credentials ` +
            `with registry http://${host}, or set tls-verify: false to fall back to plain HTTP as docker and skopeo do`,
      };
    case 'unreachable':
    case 'timeout':
    case 'reset':
    case 'aborted':
      return {
        status: 'unreachable',
        message:
          `could not reach ${what} ${host} (${failure.code}): check the address and the network; ` +
          'a registry reachable only inside a cluster needs verify: warn',
      };
    default: {
      const detail = error instanceof Error ? error.message : String(error);
      return { status: 'error', message: `talking to ${what} ${host} failed: ${detail}` };
    }
  }
}

/** The transport's classification of a thrown error (also for errors made outside the transport). */
function failureOf(error: unknown): TransportFailure {
  return error instanceof TransportError ? error.failure : classifyTransportError(error);
}

// --- platforms -----------------------------------------------------------------------------------

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

/** Architecture aliases, as containerd's platforms.Normalize and `uname -m` write them. */
const ARCH_ALIASES: Record<string, { architecture: string; variant?: string }> = {
  x86_64: { architecture: 'amd64' },
  'x86-64': { architecture: 'amd64' },
  aarch64: { architecture: 'arm64' },
  armhf: { architecture: 'arm', variant: 'v7' },
  armel: { architecture: 'arm', variant: 'v6' },
  i386: { architecture: '386' },
};

/**
 * containerd's normalisation: aliases resolved, `7` written `v7`, arm64 without a variant is v8 and
 * arm without a variant is v7 (what an index entry `linux/arm` is pulled as).
 */
export function normalizePlatform(p: Platform): Platform {
  const os = p.os.toLowerCase();
  const alias = ARCH_ALIASES[p.architecture.toLowerCase()];
  const architecture = alias?.architecture ?? p.architecture.toLowerCase();
  let variant = p.variant?.toLowerCase() ?? alias?.variant;
  if (variant && /^\d/.test(variant)) variant = `v${variant}`;
  if (architecture === 'arm64' && (variant === undefined || variant === 'v8.0')) variant = 'v8';
  if (architecture === 'arm' && variant === undefined) variant = 'v7';
  return { os, architecture, ...(variant ? { variant } : {}) };
}

/** Whether `available` satisfies `wanted`; no variant asked means any (after normalisation). */
export function platformMatches(wanted: Platform, available: Platform): boolean {
  const w = normalizePlatform(wanted);
  const a = normalizePlatform(available);
  if (w.os !== a.os || w.architecture !== a.architecture) return false;
  const asked = wanted.variant !== undefined || ARCH_ALIASES[wanted.architecture.toLowerCase()]?.variant;
  return !asked || w.variant === a.variant;
}

interface ManifestJson {
  mediaType?: string;
  manifests?: { platform?: { os?: string; architecture?: string; variant?: string } }[];
  config?: { digest?: string; mediaType?: string };
  architecture?: string;
}

/** Platforms an index lists, without attestation entries (`unknown/unknown`). */
export function indexPlatforms(index: ManifestJson): Platform[] {
  const result: Platform[] = [];
  for (const m of index.manifests ?? []) {
    const p = m.platform;
    if (!p?.os || !p.architecture || (p.os === 'unknown' && p.architecture === 'unknown')) continue;
    result.push({ os: p.os, architecture: p.architecture, ...(p.variant ? { variant: p.variant } : {}) });
  }
  return result;
}

// --- sessions ------------------------------------------------------------------------------------

interface Ping {
  scheme: AuthScheme;
  realm?: string;
  service?: string;
}

interface Context {
  client: Client;
  /** Whether ca-cert was given (an untrusted certificate is then not signed by it). */
  caGiven: boolean;
  /** false: an https registry that fails before answering is tried over plain HTTP (see Session). */
  tlsVerify: boolean;
  tokens: TokenCache;
  retry?: RetryPolicy;
  signal: AbortSignal;
}

/** Redirects a registry GET/HEAD follows, as docker and containers/image do. */
const MAX_REDIRECTS = 5;

/** No server answered (as opposed to one that spoke something other than TLS). */
const nothingAnswered = (error: unknown): boolean =>
  ['unreachable', 'timeout', 'aborted'].includes(failureOf(error).kind);

/** One registry as seen with one credential (or anonymously): one ping shared by every image. */
class Session {
  #ping: Promise<Ping> | undefined;
  #base: string;
  readonly host: string;

  constructor(
    private readonly ctx: Context,
    base: string,
    readonly registry: string,
    readonly credential: Credential | undefined,
  ) {
    this.#base = base;
    this.host = new URL(base).host;
  }

  /** `scheme://host[:port]`; may turn to http:// during the ping (insecure fallback). */
  get base(): string {
    return this.#base;
  }

  request(method: 'GET' | 'HEAD', url: string, headers: Record<string, string>): Promise<HttpResponse> {
    return this.ctx.client.request({
      method,
      url,
      headers,
      signal: this.ctx.signal,
      redirects: MAX_REDIRECTS,
      ...(this.ctx.retry ? { retry: this.ctx.retry } : {}),
    });
  }

  ping(): Promise<Ping> {
    this.#ping ??= this.#doPing();
    return this.#ping;
  }

  async #doPing(): Promise<Ping> {
    let response: HttpResponse;
    try {
      response = await this.request('GET', `${this.base}/v2/`, {});
    } catch (error) {
      // With tls-verify: false, docker (insecure-registries) and containers/image (--tls-verify=false)
      // try HTTPS first and fall back to plain HTTP when it fails; so do we, or skopeo would pull an
      // image we call unpullable. The HTTPS error stands when HTTP does not answer either.
      // Not when nothing answered at all: a registry that is down is not tried twice.
      const down = nothingAnswered(error);
      if (this.ctx.tlsVerify || !this.#base.startsWith('https://') || down) throw error;
      const plain = `http://${this.host}`;
      try {
        response = await this.request('GET', `${plain}/v2/`, {});
      } catch {
        throw error;
      }
      this.#base = plain;
    }
    if (response.status === 200) return { scheme: 'none' };
    if (response.status === 401) {
      const ping = pingFromChallenges(headerValues(response, 'www-authenticate'));
      if (ping) return ping;
      throw new Failure('error', `${this.registry} answered 401 to /v2/ without a Basic or Bearer challenge`);
    }
    const verdict = classifyResponse({
      status: response.status,
      codes: registryErrorCodes(response.body),
      authScheme: 'none',
      hasCredentials: this.credential !== undefined,
      registry: this.registry,
      repository: '',
      reference: '',
      ...retryAfter(response),
    });
    const message =
      response.status === 404
        ? `${this.base}/v2/ answered 404: ${this.registry} does not serve the registry API v2 there`
        : `${this.registry} answered ${response.status} to /v2/`;
    throw new Failure(
      verdict.status === 'rate-limited' ? verdict.status : 'error',
      verdict.status === 'rate-limited' ? verdict.message : message,
      response,
    );
  }

  /** What to ask the token server for: `scope` for one repository, none for a login check. */
  tokenRequest(ping: Ping & { realm: string }, repository?: string): TokenRequest {
    const c = this.credential;
    return {
      realm: ping.realm,
      ...(ping.service ? { service: ping.service } : {}),
      ...(repository ? { scope: `repository:${repository}:pull` } : {}),
      ...(c ? { username: c.username, password: c.password } : {}),
      // A token server of its own is not connected yet: its requests go out at once over HTTP/1.1,
      // not after a first connection learnt the protocol. One on the registry's origin shares the
      // registry's connection instead.
      ...(new URL(ping.realm).origin !== new URL(this.base).origin ? { http1: true } : {}),
    };
  }

  /** Whether `headers` carry a token asked for together with other repositories. */
  sharedToken(headers: Record<string, string>): boolean {
    const token = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
    return token !== undefined && this.ctx.tokens.isShared(token);
  }

  /**
   * Authorization header for a repository (or, with none, a login check of the credentials).
   * `alone`: a token asked for this repository only, never one shared with others.
   */
  async authorization(ping: Ping, repository?: string, alone = false): Promise<Record<string, string>> {
    const c = this.credential;
    if (ping.scheme === 'basic') {
      return c
        ? { authorization: `Basic ${Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')}` }
        : {};
    }
    if (ping.scheme !== 'bearer' || !ping.realm) return {};
    try {
      const request = this.tokenRequest({ ...ping, realm: ping.realm }, repository);
      const token = await (alone ? this.ctx.tokens.own(request) : this.ctx.tokens.get(request));
      return { authorization: `Bearer ${token}` };
    } catch (error) {
      if (error instanceof TokenError) {
        const verdict = classifyResponse({
          status: error.response.status,
          codes: registryErrorCodes(error.response.body),
          authScheme: 'bearer',
          hasCredentials: c !== undefined,
          registry: this.registry,
          repository: repository ?? '',
          reference: '',
          tokenEndpoint: true,
          ...retryAfter(error.response),
        });
        const message =
          error.response.status === 200
            ? `the token server of ${this.registry}: ${error.message}`
            : verdict.message;
        throw new Failure(verdict.status, message, error.response);
      }
      const realmHost = new URL(ping.realm).host;
      const { status, message } = classifyError(
        error,
        realmHost,
        `the token server of ${this.registry},`,
        true,
        this.ctx.caGiven,
      );
      throw new Failure(status, message);
    }
  }
}

function pingFromChallenges(values: string[]): Ping | undefined {
  const challenges = parseChallenges(values);
  const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
  if (bearer) {
    return {
      scheme: 'bearer',
      realm: bearer.params.realm!,
      ...(bearer.params.service ? { service: bearer.params.service } : {}),
    };
  }
  return challenges.some((c) => c.scheme === 'basic') ? { scheme: 'basic' } : undefined;
}

function retryAfter(response: HttpResponse): { retryAfter?: string } {
  const value = header(response, 'retry-after');
  return value === undefined ? {} : { retryAfter: value };
}

// --- verification --------------------------------------------------------------------------------

class Verifier {
  readonly #sessions = new Map<string, Session>();

  constructor(
    private readonly ctx: Context,
    private readonly plan: VerificationPlan,
    private readonly credentials: readonly Credential[],
  ) {}

  session(domain: string, credential: Credential | undefined): Session {
    const scheme = credential?.address.scheme ?? 'https';
    const apiHost = domain === DOCKER_HUB_DOMAIN ? DOCKER_HUB_API_HOST : domain;
    const base = `${scheme}://${apiHost}`;
    const key = `${base} ${credential?.address.key ?? ''}`;
    let session = this.#sessions.get(key);
    if (!session) {
      session = new Session(this.ctx, base, domain, credential);
      this.#sessions.set(key, session);
    }
    return session;
  }

  /**
   * Asks for every repository's token as soon as its registry's ping answers, instead of when an
   * image's turn comes, in one request per registry (the token spec repeats `scope`): the token
   * round of all repositories is one. Failures are left for the images to report (the token cache
   * does not keep them, so each image sees its own).
   */
  prefetchTokens(refs: readonly ImageReference[]): void {
    const repositories = new Map<Session, Set<string>>();
    for (const ref of refs) {
      const session = this.session(ref.domain, credentialFor(this.credentials, ref.domain));
      let set = repositories.get(session);
      if (!set) repositories.set(session, (set = new Set()));
      set.add(ref.repository);
    }
    for (const [session, repos] of repositories) {
      session.ping().then(
        (ping) => {
          if (ping.scheme !== 'bearer' || !ping.realm) return;
          this.ctx.tokens.prefetch(
            session.tokenRequest({ ...ping, realm: ping.realm }),
            [...repos].map((repository) => `repository:${repository}:pull`),
          );
        },
        () => undefined,
      );
    }
  }

  async image(ref: ImageReference): Promise<Verdict> {
    const started = performance.now();
    const credential = credentialFor(this.credentials, ref.domain);
    const session = this.session(ref.domain, credential);
    const verdict = pendingVerdict(ref.input, ref.domain, ref.repository, ref.reference);
    try {
      const ping = await session.ping();
      verdict.authScheme = ping.scheme;
      Object.assign(verdict, await this.#manifest(session, ping, ref));
    } catch (error) {
      Object.assign(
        verdict,
        classifyError(
          error,
          session.host,
          'the registry',
          session.credential !== undefined,
          this.ctx.caGiven,
        ),
      );
    }
    verdict.ms = Math.round(performance.now() - started);
    return verdict;
  }

  async #manifest(session: Session, ping: Ping, ref: ImageReference): Promise<Partial<Verdict>> {
    const auth = await session.authorization(ping, ref.repository);
    let headers = { accept: ACCEPT, ...auth };
    const url = `${session.base}/v2/${ref.repository}/manifests/${ref.reference}`;
    const wantPlatforms = this.plan.platforms.length > 0;
    // HEAD is free on Docker Hub's pull limit; GET only when we need the body.
    let method: 'GET' | 'HEAD' = wantPlatforms ? 'GET' : 'HEAD';
    let response = await session.request(method, url, headers);
    if (response.status === 401 && session.sharedToken(headers)) {
      // The token was asked for with other repositories; a server may grant fewer than asked, or
      // only the first: ask for this repository alone, as docker would, and let that answer stand.
      headers = { accept: ACCEPT, ...(await session.authorization(ping, ref.repository, true)) };
      response = await session.request(method, url, headers);
    }
    if (response.status === 404 && method === 'HEAD') {
      // A HEAD has no error body: ask again to tell a missing repository from a missing tag.
      method = 'GET';
      response = await session.request(method, url, headers);
    }
    const rateLimit = parseRateLimit(
      header(response, 'ratelimit-limit'),
      header(response, 'ratelimit-remaining'),
    );
    const result: Partial<Verdict> = rateLimit ? { rateLimit } : {};
    if (response.status !== 200) {
      const challenge = parseChallenges(headerValues(response, 'www-authenticate')).find(
        (c) => c.scheme === 'bearer',
      );
      const failure = classifyResponse({
        status: response.status,
        codes: registryErrorCodes(response.body),
        ...(challenge?.params.error ? { challengeError: challenge.params.error } : {}),
        authScheme: ping.scheme,
        hasCredentials: session.credential !== undefined,
        registry: session.registry,
        repository: ref.repository,
        reference: ref.reference,
        ...retryAfter(response),
      });
      return { ...result, ...failure };
    }
    let digest = header(response, 'docker-content-digest');
    if (method === 'HEAD' && !digest) {
      method = 'GET';
      response = await session.request(method, url, headers);
      if (response.status !== 200)
        return {
          ...result,
          status: 'error',
          message: `GET ${ref.repository}:${ref.reference} answered ${response.status} after HEAD answered 200`,
        };
      digest = header(response, 'docker-content-digest');
    }
    const mediaType = (header(response, 'content-type') ?? '').split(';')[0]!.trim();
    result.mediaType = mediaType;
    if (method === 'GET') {
      const algorithm = (ref.digest ?? digest ?? 'sha256:').split(':')[0]!;
      let actual: string;
      try {
        actual = manifestDigest(response.body, algorithm);
      } catch (error) {
        if (!(error instanceof ManifestDigestError)) throw error;
        return {
          ...result,
          status: 'error',
          message: `the signed schema-1 manifest of ${ref.repository}:${ref.reference} has no digest: ${error.message}`,
        };
      }
      if (digest && digest !== actual) {
        return {
          ...result,
          status: 'error',
          message: `the manifest of ${ref.repository}:${ref.reference} does not match its Docker-Content-Digest ${digest} (got ${actual})`,
        };
      }
      digest = actual;
    }
    result.digest = digest;
    if (ref.digest && digest !== ref.digest) {
      return {
        ...result,
        status: 'error',
        message: `${session.registry} served ${digest} for ${ref.repository}@${ref.digest}`,
      };
    }
    if (method === 'GET') {
      let manifest: ManifestJson;
      try {
        manifest = JSON.parse(response.body.toString('utf8')) as ManifestJson;
      } catch {
        return {
          ...result,
          status: 'error',
          message: `the manifest of ${ref.repository}:${ref.reference} is not JSON`,
        };
      }
      const platforms =
        INDEX_TYPES.has(mediaType) || INDEX_TYPES.has(manifest.mediaType ?? '')
          ? indexPlatforms(manifest)
          : wantPlatforms
            ? [await this.#configPlatform(session, headers, ref, manifest)]
            : [];
      if (platforms.length > 0) result.platforms = platforms.map(formatPlatform);
      const missing = this.plan.platforms.filter((w) => !platforms.some((p) => platformMatches(w, p)));
      if (missing.length > 0) {
        const has = platforms.length > 0 ? platforms.map(formatPlatform).join(', ') : 'none';
        return {
          ...result,
          status: 'platform-missing',
          message: `${ref.repository}:${ref.reference} has no ${missing.map(formatPlatform).join(', ')} image (it has ${has})`,
        };
      }
    }
    return {
      ...result,
      status: 'ok',
      message: `${ref.repository}:${ref.reference} can be pulled (${digest ?? 'no digest'})`,
    };
  }

  /** A single manifest's platform, from its config blob. */
  async #configPlatform(
    session: Session,
    headers: Record<string, string>,
    ref: ImageReference,
    manifest: ManifestJson,
  ): Promise<Platform> {
    if (!manifest.config?.digest) {
      // Schema 1 carries the architecture itself.
      return { os: 'linux', architecture: manifest.architecture ?? 'unknown' };
    }
    // Blob storage redirects elsewhere: the transport follows, without the registry's Authorization.
    const url = `${session.base}/v2/${ref.repository}/blobs/${manifest.config.digest}`;
    const response = await session.request('GET', url, headers);
    if (response.status !== 200) {
      throw new Failure(
        'error',
        `the config blob of ${ref.repository}:${ref.reference} answered ${response.status}`,
      );
    }
    if (hashOf(response.body, manifest.config.digest.split(':')[0]!) !== manifest.config.digest) {
      throw new Failure(
        'error',
        `the config blob of ${ref.repository}:${ref.reference} does not match its digest`,
      );
    }
    const config = JSON.parse(response.body.toString('utf8')) as {
      os?: string;
      architecture?: string;
      variant?: string;
    };
    return {
      os: config.os ?? 'unknown',
      architecture: config.architecture ?? 'unknown',
      ...(config.variant ? { variant: config.variant } : {}),
    };
  }

  /** With no images: the check `docker login` makes, per registry. */
  async login(credential: Credential): Promise<Verdict> {
    const started = performance.now();
    const session = this.session(credential.address.domain, credential);
    const verdict = pendingVerdict(credential.address.key, credential.address.domain, '', '');
    try {
      const ping = await session.ping();
      verdict.authScheme = ping.scheme;
      if (ping.scheme === 'none') {
        Object.assign(verdict, { status: 'ok', message: `${session.registry} does not ask for credentials` });
      } else if (ping.scheme === 'bearer') {
        await session.authorization(ping);
        Object.assign(verdict, {
          status: 'ok',
          message: `${session.registry} issued a token for these credentials`,
        });
      } else {
        const response = await session.request(
          'GET',
          `${session.base}/v2/`,
          await session.authorization(ping),
        );
        Object.assign(
          verdict,
          response.status === 200
            ? { status: 'ok', message: `${session.registry} accepted these credentials` }
            : classifyResponse({
                status: response.status,
                codes: registryErrorCodes(response.body),
                authScheme: 'basic',
                hasCredentials: true,
                registry: session.registry,
                repository: '',
                reference: '',
                ...retryAfter(response),
              }),
        );
      }
    } catch (error) {
      Object.assign(verdict, classifyError(error, session.host, 'the registry', true, this.ctx.caGiven));
    }
    verdict.ms = Math.round(performance.now() - started);
    return verdict;
  }
}

/** A verdict before any answer: `error` until a check says otherwise. */
function pendingVerdict(image: string, registry: string, repository: string, reference: string): Verdict {
  return { image, registry, repository, reference, status: 'error', authScheme: 'none', message: '', ms: 0 };
}

/** What verifyAll reports when its deadline passed with checks still running. */
export function timedOutVerdicts(
  plan: VerificationPlan,
  credentials: readonly Credential[],
  ms: number,
): Verdict[] {
  const message = `verification ${new DeadlineError(ms).message}`;
  const pending =
    plan.images.length > 0
      ? plan.images.map((ref) => pendingVerdict(ref.input, ref.domain, ref.repository, ref.reference))
      : credentials.map((c) => pendingVerdict(c.address.key, c.address.domain, '', ''));
  return pending.map((v) => ({ ...v, status: 'unreachable', message }));
}

/** The registries' trust scope: system CAs plus ca-cert, or none with tls-verify: false. */
export function registryDispatcher(
  plan: Pick<VerificationPlan, 'tlsVerify' | 'caCert'>,
  options: VerifyOptions = {},
) {
  return createDispatcher({
    tlsVerify: plan.tlsVerify,
    ...(plan.caCert ? { ca: plan.caCert } : {}),
    timeoutMs: options.requestTimeoutMs ?? 15_000,
    // The distribution registry offers HTTP/2: every manifest request on one connection.
    allowH2: true,
  });
}

/** One verdict per image (in input order), or per credential when there are no images. */
export async function verifyAll(
  plan: VerificationPlan,
  credentials: readonly Credential[],
  options: VerifyOptions = {},
): Promise<Verdict[]> {
  const dispatcher = options.dispatcher ?? registryDispatcher(plan, options);
  const signal = options.signal ?? AbortSignal.timeout(options.timeoutMs ?? 120_000);
  const client = createClient({
    dispatcher,
    timeoutMs: options.requestTimeoutMs ?? 15_000,
    what: 'the registry',
    caInput: 'ca-cert',
    ...(plan.caCert ? { ca: plan.caCert } : {}),
  });
  const ctx: Context = {
    client,
    caGiven: Boolean(plan.caCert),
    tlsVerify: plan.tlsVerify,
    tokens: new TokenCache(client, options.retry, signal),
    signal,
    ...(options.retry ? { retry: options.retry } : {}),
  };
  const verifier = new Verifier(ctx, plan, credentials);
  const concurrency = options.concurrency ?? 256;
  try {
    if (plan.images.length === 0) {
      return await mapConcurrent(credentials, concurrency, (c) => verifier.login(c));
    }
    verifier.prefetchTokens(plan.images);
    return await mapConcurrent(plan.images, concurrency, (ref) => verifier.image(ref));
  } finally {
    if (!options.dispatcher) await dispatcher.close();
  }
}
