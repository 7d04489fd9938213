/**
 * rapyuta.io docker secrets through the v2 API: one `Docker` secret per
 * registry, created with POST /v2/secrets/ and, when it already exists, replaced with PUT.
 */
import { DOCKER_HUB_KEY, isLoopbackHost } from '../credentials/address.js';
import {
  createClient,
  isTransientStatus,
  TransportError,
  type Client as Transport,
} from '../http/transport.js';
import type { Credential } from '../credentials/documents.js';
import { orDeadline } from '../deadline.js';
import { errorMessage, InputError, TargetError } from '../errors.js';
import { singleRegistryGiven } from '../plan.js';
import { redact } from '../secrets.js';
import { hasSpaceOrControl } from '../text.js';
import { DEFAULT_API_URL, type RapyutaInputs } from './rapyuta/inputs.js';
import { defineTarget, type Action, type TargetContext, type TargetResult } from './types.js';

const API_VERSION = 'api.rapyuta.io/v2';
/** Secret names: 3 to 253 lower-case alphanumerics or '-', alphanumeric at both ends. */
const NAME = /^[a-z0-9][a-z0-9-]*[a-z0-9]$/;
const NAME_MIN = 3;
const NAME_MAX = 253;
/** GUIDs look like `org-…` / `project-…`; anything outside this set could not travel in a header. */
const GUID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const REQUEST_TIMEOUT_MS = 30_000;

export interface RapyutaSecretPlan {
  name: string;
  /** The registry as rapyuta.io stores it; '' for a deletion whose credentials were not given. */
  registry: string;
  credential?: Credential;
}

export interface RapyutaPlan {
  apiUrl: string;
  token: string;
  organization: string;
  project: string;
  secrets: RapyutaSecretPlan[];
  /** Retry tuning; tests shorten the backoff. */
  retry?: { attempts: number; baseMs: number; maxMs: number };
}

/**
 * The registry field of a docker secret: Docker Hub as `https://index.docker.io/v1/` (the console's
 * "Dockerhub" choice), a private registry as its URL `https://host[:port]`, or
 * `http://host[:port]` when the user wrote http:// for a plain-HTTP registry. rapyuta.io does not
 * document the form for private registries; the console asks for a "Registry Url", so a URL with
 * its scheme is sent.
 */
export function rapyutaRegistry(credential: Credential): string {
  const { address } = credential;
  return address.isDockerHub ? DOCKER_HUB_KEY : `${address.scheme}://${address.apiHost}`;
}

function checkName(input: string, name: string, what = `'${name}'`): void {
  if (name.length < NAME_MIN || name.length > NAME_MAX || !NAME.test(name)) {
    throw new InputError(
      input,
      `${what} is not a valid rapyuta.io secret name: use ${NAME_MIN}-${NAME_MAX} lower-case letters, ` +
        `digits or '-', beginning and ending with a letter or digit`,
    );
  }
}

/** https only; http is allowed for loopback hosts alone (local fakes and tunnels), never on the wire. */
function parseApiUrl(text: string): string {
  const raw = text.trim();
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError('rapyuta-api-url', `'${raw}' is not a URL, e.g. ${DEFAULT_API_URL}`);
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new InputError('rapyuta-api-url', 'must not contain user info, a query or a fragment');
  }
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new InputError(
      'rapyuta-api-url',
      `'${raw}' must be an https:// URL (http:// is accepted for 127.0.0.1, [::1] and localhost only): ` +
        'the API token travels in every request',
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function checkGuid(input: string, value: string): string {
  const v = value.trim();
  if (v === '') throw new InputError(input, 'is required with rapyuta-token');
  if (!GUID.test(v)) {
    throw new InputError(input, `'${v}' is not a rapyuta.io GUID (letters, digits, '-', '_' and '.')`);
  }
  return v;
}

/** Secret names, one per credential in order (or the listed names for a deletion without them). */
function planNames(inputs: RapyutaInputs, count: number, state: 'present' | 'absent'): string[] {
  const base = inputs.rapyutaSecretName.trim();
  const listed = inputs.rapyutaSecretNames;
  if (listed.length > 0) {
    if (base !== '') {
      throw new InputError(
        'rapyuta-secret-names',
        'set either rapyuta-secret-name or rapyuta-secret-names, not both',
      );
    }
    // With state absent and no credentials, the list alone says what to delete.
    if (!(state === 'absent' && count === 0) && listed.length !== count) {
      throw new InputError(
        'rapyuta-secret-names',
        `lists ${listed.length} name(s) for ${count} registr${count === 1 ? 'y' : 'ies'}: ` +
          'give one name per registry, in the order of username/registry then registries',
      );
    }
    const seen = new Set<string>();
    for (const name of listed) {
      checkName('rapyuta-secret-names', name);
      if (seen.has(name)) throw new InputError('rapyuta-secret-names', `'${name}' is listed twice`);
      seen.add(name);
    }
    return [...listed];
  }
  if (base === '') {
    throw new InputError(
      'rapyuta-secret-name',
      'is required with rapyuta-token (or list one name per registry in rapyuta-secret-names)',
    );
  }
  checkName('rapyuta-secret-name', base);
  // One registry keeps the bare name. Several get <name>-<n>; a deletion without credentials cannot
  // know how many there were, so it deletes <name> alone (rapyuta-secret-names covers the rest).
  if (count <= 1) return [base];
  const names = Array.from({ length: count }, (_, i) => `${base}-${i + 1}`);
  for (const name of names) {
    checkName('rapyuta-secret-name', name, `'${name}' (derived as <name>-<n>)`);
  }
  return names;
}

export function planRapyuta(
  inputs: RapyutaInputs,
  base: { state: 'present' | 'absent'; credentials: Credential[] },
) {
  const token = inputs.rapyutaToken.trim();
  // The other rapyuta-* inputs declare that they need rapyuta-token (./rapyuta/inputs.ts).
  if (token === '') return undefined;
  // Never echo the token: say what is wrong with it only.
  if (hasSpaceOrControl(token)) {
    throw new InputError(
      'rapyuta-token',
      "contains white space or control characters (pass the token alone, without 'Bearer ')",
    );
  }
  const organization = checkGuid('rapyuta-organization', inputs.rapyutaOrganization);
  const project = checkGuid('rapyuta-project', inputs.rapyutaProject);
  const apiUrl = parseApiUrl(inputs.rapyutaApiUrl);
  const { state, credentials } = base;
  const names = planNames(inputs, credentials.length, state);

  if (state === 'present') {
    // plan.ts puts the single-registry credential first when it is given.
    const single = singleRegistryGiven(inputs);
    credentials.forEach((credential, i) => {
      if (credential.email === undefined || credential.email === '') {
        const fromSingle = single && i === 0;
        // The email input belongs to the username/password registry; registries entries need their own.
        const note =
          !fromSingle && inputs.email.trim() !== ''
            ? '; the email input applies to the username/password registry only, give each registries entry its email'
            : '';
        throw new InputError(
          fromSingle ? 'email' : 'registries[].email',
          `is required by rapyuta.io docker secrets (registry ${credential.address.key})${note}`,
        );
      }
    });
  }
  const secrets = names.map((name, i): RapyutaSecretPlan => {
    const credential = credentials[i];
    return credential ? { name, registry: rapyutaRegistry(credential), credential } : { name, registry: '' };
  });
  return { apiUrl, token, organization, project, secrets } satisfies RapyutaPlan;
}

// ---------------------------------------------------------------------------------------------------
// HTTP

interface ApiResponse {
  status: number;
  text: string;
}

/** A refusal or fault from the API. */
class ApiError extends TargetError {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
  }
}

/** The API's `error` text (what the SDK shows), else the raw body, shortened and scrubbed. */
function detail(text: string, status: number): string {
  let message = '';
  try {
    const json: unknown = JSON.parse(text);
    if (typeof json === 'object' && json !== null) {
      const error = (json as { error?: unknown }).error;
      if (typeof error === 'string') message = error;
    }
  } catch {
    // Not JSON: fall back to the raw text below.
  }
  if (message === '') message = text.replace(/\s+/g, ' ').trim();
  message = redact(message, 300);
  return message === '' ? `HTTP ${status}` : message;
}

function hint(status: number): string {
  if (status === 401) return ': check the rapyuta-token input (expired or revoked?)';
  if (status === 403) {
    return ': check rapyuta-organization and rapyuta-project, and that the token may manage secrets there';
  }
  return '';
}

class Client {
  constructor(
    private readonly plan: RapyutaPlan,
    private readonly transport: Transport,
  ) {}

  /**
   * One logical call with the transport's retries; other statuses return. A repeated POST is safe:
   * its 409 leads to the read-and-replace path.
   */
  async send(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<ApiResponse> {
    let response;
    try {
      response = await this.transport.request({
        method,
        url: `${this.plan.apiUrl}${path}`,
        idempotent: true,
        headers: {
          authorization: `Bearer ${this.plan.token}`,
          organizationguid: this.plan.organization,
          project: this.plan.project,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      if (!(error instanceof TransportError)) throw error;
      throw new ApiError(`rapyuta.io ${method} ${path} failed: ${redact(error.message, 300)}`, undefined);
    }
    const text = response.body.toString('utf8');
    const status = response.status;
    if (isTransientStatus(status)) {
      throw new ApiError(
        `rapyuta.io answered ${status} to ${method} ${path}: ${detail(text, status)}`,
        status,
      );
    }
    return { status, text };
  }

  /** A TargetError for an unexpected status, with the API's text and which input to check. */
  refuse(method: string, path: string, response: ApiResponse): ApiError {
    const { status, text } = response;
    return new ApiError(
      `rapyuta.io answered ${status} to ${method} ${path}: ${detail(text, status)}${hint(status)}`,
      status,
    );
  }
}

const ok = (status: number): boolean => status >= 200 && status < 300;
const secretPath = (name: string): string => `/v2/secrets/${encodeURIComponent(name)}/`;

/** The type of an existing secret, or undefined when there is none. */
async function existingType(client: Client, name: string): Promise<string | undefined> {
  const path = secretPath(name);
  const response = await client.send('GET', path);
  if (response.status === 404) return undefined;
  if (!ok(response.status)) throw client.refuse('GET', path, response);
  try {
    const json = JSON.parse(response.text) as { spec?: { type?: unknown } };
    return typeof json.spec?.type === 'string' ? json.spec.type : 'unknown';
  } catch {
    return 'unknown';
  }
}

function secretBody(secret: RapyutaSecretPlan & { credential: Credential }) {
  const { credential } = secret;
  return {
    apiVersion: API_VERSION,
    kind: 'Secret',
    metadata: { name: secret.name },
    spec: {
      type: 'Docker',
      docker: {
        registry: secret.registry,
        username: credential.username,
        password: credential.password,
        email: credential.email ?? '',
      },
    },
  };
}

/**
 * Create, or replace when the name is taken. The password cannot be read back (reads return
 * secretKeys only), so an existing secret is always PUT and reported 'updated', never 'unchanged'.
 * A secret of another type under the name is refused rather than overwritten.
 */
async function upsert(
  client: Client,
  secret: RapyutaSecretPlan & { credential: Credential },
): Promise<Action> {
  const body = secretBody(secret);
  const created = await client.send('POST', '/v2/secrets/', body);
  if (ok(created.status)) return 'created';
  if (created.status !== 409) throw client.refuse('POST', '/v2/secrets/', created);

  const type = await existingType(client, secret.name);
  if (type === undefined) {
    // Deleted between our POST and GET: create it again, once.
    const again = await client.send('POST', '/v2/secrets/', body);
    if (ok(again.status)) return 'created';
    throw client.refuse('POST', '/v2/secrets/', again);
  }
  if (type !== 'Docker') {
    throw new TargetError(
      `a ${type} secret named '${secret.name}' already exists in the project: not overwriting it; ` +
        'choose another rapyuta-secret-name',
    );
  }
  const path = secretPath(secret.name);
  const updated = await client.send('PUT', path, body);
  if (ok(updated.status)) return 'updated';
  throw client.refuse('PUT', path, updated);
}

/** Deletes a Docker secret; a missing one is 'absent', one of another type is left alone. */
async function remove(client: Client, name: string): Promise<Action> {
  const type = await existingType(client, name);
  if (type === undefined) return 'absent';
  if (type !== 'Docker') {
    throw new TargetError(`'${name}' is a ${type} secret, not a docker secret: not deleting it`);
  }
  const path = secretPath(name);
  const response = await client.send('DELETE', path);
  if (ok(response.status)) return 'deleted';
  if (response.status === 404) return 'absent';
  throw client.refuse('DELETE', path, response);
}

/** What happened to one secret, in words (the output's `message`, the summary's details). */
function summary(action: Action, secret: RapyutaSecretPlan): string {
  const what = secret.registry === '' ? 'docker secret' : `docker secret for ${secret.registry}`;
  switch (action) {
    case 'created':
      return `${what} created`;
    case 'updated':
      // Reads never return the password, so an existing secret cannot be compared, only rewritten.
      return `${what} updated (rewritten: rapyuta.io never returns the stored password to compare)`;
    case 'deleted':
      return `${what} deleted`;
    case 'absent':
      return `no secret named ${secret.name} in the project`;
    default:
      return what;
  }
}

function transportFor(plan: RapyutaPlan, ctx: TargetContext) {
  const { attempts = 3, baseMs = 250, maxMs = 5000 } = plan.retry ?? {};
  return createClient({
    signal: ctx.signal,
    what: 'rapyuta.io',
    timeoutMs: REQUEST_TIMEOUT_MS,
    retry: { attempts, baseMs, maxDelayMs: maxMs },
    onRetry: ({ method, url, attempt }) => {
      ctx.log.info(`Retrying ${method} ${url.slice(plan.apiUrl.length)} (attempt ${attempt} of ${attempts})`);
    },
  });
}

async function withClient(
  plan: RapyutaPlan,
  ctx: TargetContext,
  each: (client: Client, secret: RapyutaSecretPlan) => Promise<Action>,
) {
  const transport = transportFor(plan, ctx);
  const client = new Client(plan, transport);
  const results: TargetResult[] = [];
  const report: { name: string; registry: string; action: Action; message: string }[] = [];
  try {
    // One at a time: a handful of secrets, and a 401 is then reported for each without a burst.
    for (const secret of plan.secrets) {
      let action: Action;
      let message: string;
      try {
        action = await each(client, secret);
        message = summary(action, secret);
      } catch (error) {
        action = 'failed';
        message = errorMessage(orDeadline(error, ctx.signal));
      }
      results.push({ target: 'rapyuta', subject: secret.name, action, message });
      report.push({ name: secret.name, registry: secret.registry, action, message });
    }
  } finally {
    await transport.close();
  }
  return { results, outputs: { rapyuta: report } };
}

/** A secret as a read returns it: never the password. */
export interface StoredRapyutaSecret {
  type: string;
  registry?: string;
  username?: string;
}

/**
 * Reads every planned secret with GETs only (modes plan and audit): the stored secret, undefined
 * when there is none, or the read's failure.
 */
export async function readSecrets(
  plan: RapyutaPlan,
  ctx: TargetContext,
): Promise<{ secret: RapyutaSecretPlan; stored?: StoredRapyutaSecret; error?: string }[]> {
  const transport = transportFor(plan, ctx);
  const client = new Client(plan, transport);
  const found: { secret: RapyutaSecretPlan; stored?: StoredRapyutaSecret; error?: string }[] = [];
  try {
    for (const secret of plan.secrets) {
      const path = secretPath(secret.name);
      try {
        const response = await client.send('GET', path);
        if (response.status === 404) {
          found.push({ secret });
          continue;
        }
        if (!ok(response.status)) throw client.refuse('GET', path, response);
        let spec: { type?: unknown; docker?: { registry?: unknown; username?: unknown } } = {};
        try {
          spec = (JSON.parse(response.text) as { spec?: typeof spec }).spec ?? {};
        } catch {
          // An unreadable body: the type stays unknown.
        }
        const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
        const registry = text(spec.docker?.registry);
        const username = text(spec.docker?.username);
        found.push({
          secret,
          stored: {
            type: text(spec.type) ?? 'unknown',
            ...(registry === undefined ? {} : { registry }),
            ...(username === undefined ? {} : { username }),
          },
        });
      } catch (error) {
        found.push({ secret, error: errorMessage(error) });
      }
    }
  } finally {
    await transport.close();
  }
  return found;
}

export const rapyutaTarget = defineTarget<RapyutaPlan>({
  name: 'rapyuta',
  plan: planRapyuta,
  secrets: (plan) => [plan.token],
  present: (plan, ctx) =>
    withClient(plan, ctx, (client, secret) => {
      const { credential } = secret;
      if (!credential) return Promise.reject(new Error(`rapyuta secret ${secret.name} has no credentials`));
      return upsert(client, { ...secret, credential });
    }),
  absent: (plan, ctx) => withClient(plan, ctx, (client, secret) => remove(client, secret.name)),
  async inspect(plan, ctx) {
    const { observeRapyuta } = await import('./rapyuta/inspect.js');
    return (await readSecrets(plan, ctx)).map((read) => observeRapyuta(read, ctx.base.state));
  },
  outputs: (plan, results) => ({
    rapyuta: results.map((r, i) => ({
      name: r.subject,
      registry: plan.secrets[i]?.registry ?? '',
      action: r.action,
      message: r.message,
    })),
  }),
});
