/**
 * An in-process fake of the Kubernetes core/v1 REST API for namespaces, secrets and serviceaccounts,
 * faithful to what a kube-apiserver does for the calls pull-credentials makes (no kube-apiserver can
 * run here): bearer-token authentication (401), per-verb RBAC (403 with the apiserver's wording),
 * namespace lifecycle (POST into a missing namespace → 404 namespaces), resourceVersion optimistic
 * concurrency (409 Conflict on a stale PUT/PATCH/DELETE precondition), 409 AlreadyExists, the Secret
 * and name validation that answers 422 Invalid, JSON / merge / strategic-merge patches, Status bodies,
 * and injectable 429/5xx. Every request is logged so tests can count them.
 */
import { randomUUID } from 'node:crypto';
import * as https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stringify } from 'yaml';
import { selfSignedCert, type ServerCert } from './tls.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = Record<string, Json>;
export type Resource = 'namespaces' | 'secrets' | 'serviceaccounts';
export type Verb = 'get' | 'list' | 'create' | 'update' | 'patch' | 'delete';

export interface LoggedRequest {
  method: string;
  path: string;
  contentType: string;
  user: string;
  status: number;
}

/** An RBAC rule: the verbs allowed on the resources, in the namespaces (all when omitted). */
export interface Rule {
  verbs: Verb[] | '*';
  resources: Resource[] | '*';
  namespaces?: string[];
}

export interface User {
  name: string;
  /** Omitted: everything is allowed (cluster-admin). */
  rules?: Rule[];
}

export interface Fault {
  method?: string;
  path?: string | RegExp;
  /** The status to answer; with hangMs, the request is answered normally after the delay. */
  status: number;
  /** Hold the request this long first, like a hung API server. */
  hangMs?: number;
  /** How many matching requests get the fault. */
  times?: number;
  retryAfterSeconds?: number;
}

/**
 * A validating admission webhook that denies writes, answered as the apiserver does
 * (webhookerrors.ToStatusErr): `admission webhook "<name>" denied the request: <message>`, code 403
 * unless the webhook gave one. `message` sees the submitted object and its decoded data, so a test
 * can make the webhook quote the secret the way careless policies do.
 */
export interface AdmissionDenial {
  webhook: string;
  resource?: Resource;
  /** Default: every write (POST, PUT, PATCH). */
  methods?: string[];
  message: (object: Obj, decoded: Record<string, string>) => string;
  code?: number;
}

interface Hook {
  method: string;
  path: string | RegExp;
  times: number;
  run: () => void;
}

// ---------------------------------------------------------------------------------------------
// Validation, as apimachinery does it.

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

interface Cause {
  reason: string;
  message: string;
  field: string;
}

const invalid = (field: string, value: string, detail: string): Cause => ({
  reason: 'FieldValueInvalid',
  message: `Invalid value: "${value}": ${detail}`,
  field,
});
const required = (field: string): Cause => ({
  reason: 'FieldValueRequired',
  message: 'Required value',
  field,
});

function nameCauses(name: string, label: boolean): Cause[] {
  if (name === '') return [required('metadata.name')];
  if (label) {
    if (name.length > 63 || !DNS1123_LABEL.test(name)) {
      return [
        invalid(
          'metadata.name',
          name,
          "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
        ),
      ];
    }
  } else if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    return [
      invalid(
        'metadata.name',
        name,
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
      ),
    ];
  }
  return [];
}

function qualifiedNameOk(key: string): boolean {
  const parts = key.split('/');
  if (parts.length > 2) return false;
  const name = parts.at(-1)!;
  if (parts.length === 2 && (parts[0]!.length > 253 || !DNS1123_SUBDOMAIN.test(parts[0]!))) return false;
  return name.length <= 63 && QUALIFIED.test(name);
}

function metadataCauses(meta: Obj): Cause[] {
  const causes: Cause[] = [];
  const labels = (meta.labels ?? {}) as Record<string, Json>;
  for (const [key, value] of Object.entries(labels)) {
    if (!qualifiedNameOk(key))
      causes.push(invalid('metadata.labels', key, 'name part must consist of alphanumeric characters'));
    if (typeof value !== 'string' || value.length > 63 || (value !== '' && !QUALIFIED.test(value))) {
      causes.push(
        invalid(
          'metadata.labels',
          text(value),
          'a valid label must be an empty string or consist of alphanumeric characters',
        ),
      );
    }
  }
  const annotations = (meta.annotations ?? {}) as Record<string, Json>;
  let size = 0;
  for (const [key, value] of Object.entries(annotations)) {
    if (!qualifiedNameOk(key))
      causes.push(invalid('metadata.annotations', key, 'name part must consist of alphanumeric characters'));
    size += key.length + text(value).length;
  }
  if (size > 256 * 1024)
    causes.push({
      reason: 'FieldValueTooLong',
      message: 'Too long: must have at most 262144 bytes',
      field: 'metadata.annotations',
    });
  return causes;
}

const SECRET_TYPE_KEYS: Record<string, string> = {
  'kubernetes.io/dockerconfigjson': '.dockerconfigjson',
  'kubernetes.io/dockercfg': '.dockercfg',
};

function secretCauses(secret: Obj, data: Record<string, Buffer>): Cause[] {
  const causes: Cause[] = [];
  let total = 0;
  for (const [key, value] of Object.entries(data)) {
    if (!CONFIG_KEY.test(key))
      causes.push(
        invalid(
          `data[${key}]`,
          key,
          "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
        ),
      );
    total += value.length;
  }
  if (total > 1024 * 1024)
    causes.push({
      reason: 'FieldValueTooLong',
      message: 'Too long: must have at most 1048576 bytes',
      field: 'data',
    });
  const type = typeof secret.type === 'string' ? secret.type : 'Opaque';
  const key = SECRET_TYPE_KEYS[type];
  if (key) {
    const value = data[key];
    if (!value) causes.push(required(`data[${key}]`));
    else {
      try {
        JSON.parse(value.toString('utf8'));
      } catch (error) {
        // The apiserver redacts secret contents in its messages.
        causes.push(invalid(`data[${key}]`, '<secret contents redacted>', (error as Error).message));
      }
    }
  }
  return causes;
}

// ---------------------------------------------------------------------------------------------
// Patches.

/** A JSON value as text, for messages (strings as they are). */
function text(value: Json | undefined): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? null);
}

function clone<T extends Json>(value: T): T {
  return structuredClone(value);
}

function isObj(value: Json | undefined): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 7386. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObj(patch)) return clone(patch);
  const result: Obj = isObj(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) Reflect.deleteProperty(result, key);
    else result[key] = mergePatch(result[key] ?? null, value);
  }
  return result;
}

/** Lists the Kubernetes API merges by key under strategic merge patch (types.go patchMergeKey). */
const MERGE_KEYS: Record<string, string> = { imagePullSecrets: 'name', secrets: 'name' };

function strategicPatch(target: Json, patch: Json): Json {
  if (!isObj(patch)) return clone(patch);
  const result: Obj = isObj(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    const mergeKey = MERGE_KEYS[key];
    if (value === null) Reflect.deleteProperty(result, key);
    else if (mergeKey && Array.isArray(value)) {
      const list = Array.isArray(result[key]) ? [...result[key]] : [];
      for (const item of value) {
        if (!isObj(item)) throw new PatchError(`${key}: list items must be objects with '${mergeKey}'`);
        const index = list.findIndex((e) => isObj(e) && e[mergeKey] === item[mergeKey]);
        if (item.$patch === 'delete') {
          if (index >= 0) list.splice(index, 1);
        } else if (index >= 0) list[index] = strategicPatch(list[index]!, item);
        else list.push(clone(item));
      }
      result[key] = list;
    } else result[key] = strategicPatch(result[key] ?? null, value);
  }
  return result;
}

class PatchError extends Error {}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`invalid JSON pointer '${path}'`);
  return path
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: Json, parts: string[]): { parent: Json; key: string } {
  let node = doc;
  for (const part of parts.slice(0, -1)) {
    const next: Json | undefined = Array.isArray(node)
      ? node[Number(part)]
      : isObj(node)
        ? node[part]
        : undefined;
    if (next === undefined) throw new PatchError(`path /${parts.join('/')} does not exist`);
    node = next;
  }
  return { parent: node, key: parts.at(-1)! };
}

/** RFC 6902 (add, remove, replace, test): enough for ServiceAccount and Secret edits. */
export function jsonPatch(doc: Json, ops: Json): Json {
  if (!Array.isArray(ops)) throw new PatchError('a JSON patch must be a list of operations');
  let result = clone(doc);
  for (const op of ops) {
    if (!isObj(op) || typeof op.op !== 'string' || typeof op.path !== 'string')
      throw new PatchError('malformed operation');
    const parts = pointer(op.path);
    if (parts.length === 0) {
      if (op.op === 'test') {
        if (JSON.stringify(result) !== JSON.stringify(op.value)) throw new PatchError('testing value failed');
        continue;
      }
      result = clone(op.value ?? null);
      continue;
    }
    const { parent, key } = parentOf(result, parts);
    const current: Json | undefined = Array.isArray(parent)
      ? parent[key === '-' ? parent.length : Number(key)]
      : isObj(parent)
        ? parent[key]
        : undefined;
    switch (op.op) {
      case 'add':
        if (Array.isArray(parent))
          parent.splice(key === '-' ? parent.length : Number(key), 0, clone(op.value ?? null));
        else if (isObj(parent)) parent[key] = clone(op.value ?? null);
        else throw new PatchError(`cannot add to ${op.path}`);
        break;
      case 'replace':
      case 'remove':
        if (current === undefined)
          throw new PatchError(`${op.op} operation does not apply: doc is missing path: ${op.path}`);
        if (Array.isArray(parent)) {
          if (op.op === 'remove') parent.splice(Number(key), 1);
          else parent[Number(key)] = clone(op.value ?? null);
        } else if (isObj(parent)) {
          if (op.op === 'remove') Reflect.deleteProperty(parent, key);
          else parent[key] = clone(op.value ?? null);
        }
        break;
      case 'test':
        if (JSON.stringify(current) !== JSON.stringify(op.value))
          throw new PatchError(`testing value ${op.path} failed`);
        break;
      default:
        throw new PatchError(`unsupported operation '${op.op}'`);
    }
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// TLS material: one self-signed certificate for 127.0.0.1 per test process.

const tls = (): ServerCert => selfSignedCert('fake-kube-apiserver');

// ---------------------------------------------------------------------------------------------

class HttpError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Obj,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

const KINDS: Record<Resource, string> = {
  namespaces: 'Namespace',
  secrets: 'Secret',
  serviceaccounts: 'ServiceAccount',
};

function status(error: HttpError): Obj {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: error.message,
    ...(error.reason ? { reason: error.reason } : {}),
    ...(error.details ? { details: error.details } : {}),
    code: error.code,
  };
}

const notFound = (resource: Resource, name: string) =>
  new HttpError(404, 'NotFound', `${resource} "${name}" not found`, { name, kind: resource });
const conflict = (resource: Resource, name: string) =>
  new HttpError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, kind: resource },
  );
const invalidError = (resource: Resource, name: string, causes: Cause[]) =>
  new HttpError(
    422,
    'Invalid',
    `${KINDS[resource]} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`,
    { name, kind: KINDS[resource], causes: causes as unknown as Json },
  );

interface Route {
  resource: Resource;
  namespace?: string;
  name?: string;
}

function route(pathname: string): Route | undefined {
  const parts = pathname
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  if (parts[0] !== 'api' || parts[1] !== 'v1' || parts[2] !== 'namespaces') return undefined;
  if (parts.length === 3) return { resource: 'namespaces' };
  if (parts.length === 4) return { resource: 'namespaces', name: parts[3]! };
  const resource = parts[4];
  if (resource !== 'secrets' && resource !== 'serviceaccounts') return undefined;
  if (parts.length === 5) return { resource, namespace: parts[3]! };
  if (parts.length === 6) return { resource, namespace: parts[3]!, name: parts[5]! };
  return undefined;
}

export interface FakeKubeOptions {
  /** Bearer token → user. Default: one cluster-admin token, `admin-token`. */
  users?: Record<string, User>;
  /** Namespaces that exist from the start (each gets a `default` service account). */
  namespaces?: string[];
  /** Delay before a namespace created through the API gets its `default` service account. */
  defaultServiceAccountDelayMs?: number;
}

export class FakeKube {
  readonly requests: LoggedRequest[] = [];
  readonly users: Record<string, User>;
  private readonly objects = new Map<string, Obj>();
  private faults: (Fault & { left: number })[] = [];
  private denials: AdmissionDenial[] = [];
  private hooks: Hook[] = [];
  private revision = 100;
  private timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: https.Server,
    readonly url: string,
    readonly ca: string,
    private readonly options: FakeKubeOptions,
  ) {
    this.users = options.users ?? { 'admin-token': { name: 'admin' } };
  }

  static async start(options: FakeKubeOptions = {}): Promise<FakeKube> {
    const { key, cert } = tls();
    const holder: { fake?: FakeKube } = {};
    const server = https.createServer({ key, cert }, (req, res) => {
      void holder.fake!.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const fake = new FakeKube(server, `https://127.0.0.1:${port}`, cert, options);
    holder.fake = fake;
    for (const ns of options.namespaces ?? []) fake.addNamespace(ns);
    return fake;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server.close(() => {
        resolve();
      }),
    );
  }

  // ----- seeding and inspection -----

  private key(resource: Resource, namespace: string | undefined, name: string): string {
    return `${resource}/${namespace ?? ''}/${name}`;
  }

  private nextVersion(): string {
    return String(++this.revision);
  }

  private stamp(object: Obj, resource: Resource, namespace: string | undefined): Obj {
    const meta = object.metadata as Obj;
    Object.assign(meta, {
      uid: randomUUID(),
      creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      resourceVersion: this.nextVersion(),
      ...(namespace ? { namespace } : {}),
    });
    object.apiVersion = 'v1';
    object.kind = KINDS[resource];
    return object;
  }

  addNamespace(name: string, labels: Record<string, string> = {}): void {
    const ns = this.stamp(
      {
        metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } },
        spec: { finalizers: ['kubernetes'] },
        status: { phase: 'Active' },
      },
      'namespaces',
      undefined,
    );
    this.objects.set(this.key('namespaces', undefined, name), ns);
    this.addServiceAccount(name, 'default');
  }

  /**
   * Starts deleting a namespace, as `kubectl delete namespace` does before the namespace controller
   * has emptied it: it stays readable, its objects can be read, updated and deleted, but the
   * NamespaceLifecycle admission plugin refuses to create anything new in it (403, cause
   * NamespaceTerminating), and creating it again answers 409 AlreadyExists.
   */
  terminateNamespace(name: string): void {
    const ns = this.objects.get(this.key('namespaces', undefined, name));
    if (!ns) throw new Error(`fake-kube: no namespace ${name}`);
    (ns.metadata as Obj).deletionTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    (ns.metadata as Obj).resourceVersion = this.nextVersion();
    ns.status = { phase: 'Terminating' };
  }

  addServiceAccount(namespace: string, name: string, imagePullSecrets: string[] = []): void {
    const sa: Obj = { metadata: { name } };
    if (imagePullSecrets.length > 0) sa.imagePullSecrets = imagePullSecrets.map((n) => ({ name: n }));
    this.objects.set(
      this.key('serviceaccounts', namespace, name),
      this.stamp(sa, 'serviceaccounts', namespace),
    );
  }

  /** Seeds a secret as someone else (kubectl, a controller) would have created it. */
  addSecret(namespace: string, secret: Obj): void {
    const copy = clone(secret);
    copy.metadata = { ...(copy.metadata as Obj) };
    this.objects.set(
      this.key('secrets', namespace, text(copy.metadata.name)),
      this.stamp(copy, 'secrets', namespace),
    );
  }

  get(resource: Resource, namespace: string | undefined, name: string): Obj | undefined {
    const object = this.objects.get(this.key(resource, namespace, name));
    return object ? clone(object) : undefined;
  }

  has(resource: Resource, namespace: string | undefined, name: string): boolean {
    return this.objects.has(this.key(resource, namespace, name));
  }

  /** Simulates another writer: bumps the object's resourceVersion. */
  touch(resource: Resource, namespace: string | undefined, name: string): void {
    const object = this.objects.get(this.key(resource, namespace, name));
    if (object) (object.metadata as Obj).resourceVersion = this.nextVersion();
  }

  /** Answers the next `times` matching requests with an error status (after authentication). */
  fail(fault: Fault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1 });
  }

  /** Installs a denying admission webhook (see AdmissionDenial). */
  denyAdmission(denial: AdmissionDenial): void {
    this.denials.push(denial);
  }

  /** Runs `run` just before the next `times` matching requests are handled (e.g. a concurrent write). */
  before(method: string, path: string | RegExp, run: () => void, times = 1): void {
    this.hooks.push({ method, path, times, run });
  }

  resetLog(): void {
    this.requests.length = 0;
  }

  /** A kubeconfig with one context per entry, all pointing at this server over TLS with token auth. */
  kubeconfig(contexts: { name: string; token?: string }[], current = contexts[0]?.name): string {
    return kubeconfigFor(
      contexts.map((c) => ({ ...c, fake: this })),
      current,
    );
  }

  // ----- request handling -----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    const entry: LoggedRequest = { method, path: url.pathname, contentType, user: '', status: 0 };
    this.requests.push(entry);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let code: number;
    let body: Obj;
    let retryAfter: number | undefined;
    try {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const user = token === undefined ? undefined : this.users[token];
      if (!user) throw new HttpError(401, 'Unauthorized', 'Unauthorized');
      entry.user = user.name;
      const fault = this.faults.find(
        (f) => f.left > 0 && (!f.method || f.method === method) && matches(f.path, url.pathname),
      );
      if (fault?.hangMs !== undefined) {
        fault.left--;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, fault.hangMs);
          this.timers.add(timer);
        });
      } else if (fault) {
        fault.left--;
        const reason =
          fault.status === 429
            ? 'TooManyRequests'
            : fault.status === 503
              ? 'ServiceUnavailable'
              : 'InternalError';
        throw new HttpError(
          fault.status,
          reason,
          `injected ${fault.status}`,
          undefined,
          fault.retryAfterSeconds,
        );
      }
      for (const hook of this.hooks) {
        if (hook.times > 0 && hook.method === method && matches(hook.path, url.pathname)) {
          hook.times--;
          hook.run();
        }
      }
      const r = route(url.pathname);
      if (!r) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource', {});
      const verb = verbOf(method, r);
      this.authorize(user, verb, r);
      this.admit(method, r, raw);
      ({ code, body } = this.dispatch(method, r, raw, contentType));
    } catch (caught) {
      // A bug in the fake still answers, as the apiserver's panic handler does, instead of hanging.
      const error =
        caught instanceof HttpError
          ? caught
          : new HttpError(500, 'InternalError', `fake-kube: ${String(caught)}`);
      code = error.code;
      body = status(error);
      retryAfter = error.retryAfter;
    }
    entry.status = code;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
    res.writeHead(code, headers);
    res.end(JSON.stringify(body));
  }

  /** Validating admission: a matching webhook denies the write, quoting whatever it chooses. */
  private admit(method: string, r: Route, raw: string): void {
    const denial = this.denials.find(
      (d) =>
        (d.resource ?? r.resource) === r.resource && (d.methods ?? ['POST', 'PUT', 'PATCH']).includes(method),
    );
    if (!denial) return;
    const object = raw.trim() === '' ? {} : parseBody(raw);
    const data = isObj(object.data) ? object.data : {};
    const decoded = Object.fromEntries(
      Object.entries(data).map(([key, value]) => [key, Buffer.from(text(value), 'base64').toString('utf8')]),
    );
    throw new HttpError(
      denial.code ?? 403,
      '',
      `admission webhook "${denial.webhook}" denied the request: ${denial.message(object, decoded)}`,
    );
  }

  private authorize(user: User, verb: Verb, r: Route): void {
    if (!user.rules) return;
    const namespace = r.resource === 'namespaces' ? undefined : r.namespace;
    const allowed = user.rules.some(
      (rule) =>
        (rule.verbs === '*' || rule.verbs.includes(verb)) &&
        (rule.resources === '*' || rule.resources.includes(r.resource)) &&
        (!rule.namespaces || (namespace !== undefined && rule.namespaces.includes(namespace))),
    );
    if (allowed) return;
    const where = namespace === undefined ? 'at the cluster scope' : `in the namespace "${namespace}"`;
    const subject = r.name ? `${r.resource} "${r.name}"` : r.resource;
    throw new HttpError(
      403,
      'Forbidden',
      `${subject} is forbidden: User "${user.name}" cannot ${verb} resource "${r.resource}" in API group "" ${where}`,
      { ...(r.name ? { name: r.name } : {}), kind: r.resource },
    );
  }

  private dispatch(method: string, r: Route, raw: string, contentType: string): { code: number; body: Obj } {
    const { resource, namespace, name } = r;
    if (namespace !== undefined && method !== 'POST' && name === undefined) {
      // Lists are not needed by pull-credentials.
      if (method !== 'GET')
        throw new HttpError(
          405,
          'MethodNotAllowed',
          'the server does not allow this method on the requested resource',
        );
    }
    if (method === 'GET') {
      if (name === undefined) {
        const prefix = `${resource}/${namespace ?? ''}/`;
        const items = [...this.objects.entries()]
          .filter(([k]) => k.startsWith(prefix))
          .map(([, v]) => clone(v));
        return {
          code: 200,
          body: {
            kind: `${KINDS[resource]}List`,
            apiVersion: 'v1',
            metadata: { resourceVersion: String(this.revision) },
            items,
          },
        };
      }
      const object = this.objects.get(this.key(resource, namespace, name));
      if (!object) throw notFound(resource, name);
      return { code: 200, body: clone(object) };
    }
    if (method === 'POST') {
      if (name !== undefined)
        throw new HttpError(
          405,
          'MethodNotAllowed',
          'the server does not allow this method on the requested resource',
        );
      return { code: 201, body: this.create(resource, namespace, parseBody(raw)) };
    }
    if (name === undefined)
      throw new HttpError(
        405,
        'MethodNotAllowed',
        'the server does not allow this method on the requested resource',
      );
    const key = this.key(resource, namespace, name);
    const current = this.objects.get(key);
    if (method === 'DELETE') {
      if (!current) throw notFound(resource, name);
      const options = raw.trim() === '' ? {} : parseBody(raw);
      const pre = (options.preconditions ?? {}) as Obj;
      const meta = current.metadata as Obj;
      if (typeof pre.resourceVersion === 'string' && pre.resourceVersion !== meta.resourceVersion) {
        throw new HttpError(
          409,
          'Conflict',
          `Operation cannot be fulfilled on ${resource} "${name}": Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${text(meta.resourceVersion)}`,
          { name, kind: resource },
        );
      }
      if (typeof pre.uid === 'string' && pre.uid !== meta.uid) {
        throw new HttpError(
          409,
          'Conflict',
          `Operation cannot be fulfilled on ${resource} "${name}": Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${text(meta.uid)}`,
          { name, kind: resource },
        );
      }
      this.objects.delete(key);
      return {
        code: 200,
        body: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          details: { name, kind: resource, uid: meta.uid ?? '' },
        },
      };
    }
    if (!current) throw notFound(resource, name);
    let next: Obj;
    if (method === 'PUT') {
      next = parseBody(raw);
    } else if (method === 'PATCH') {
      const patch = parseJson(raw);
      try {
        let patched: Json;
        if (contentType === 'application/merge-patch+json') patched = mergePatch(current, patch);
        else if (contentType === 'application/strategic-merge-patch+json')
          patched = strategicPatch(current, patch);
        else if (contentType === 'application/json-patch+json') patched = jsonPatch(current, patch);
        else
          throw new HttpError(
            415,
            'UnsupportedMediaType',
            `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (the fake does not implement ${contentType || 'this type'})`,
          );
        if (!isObj(patched)) throw new PatchError('the patch did not produce an object');
        next = patched;
      } catch (error) {
        if (error instanceof PatchError) throw new HttpError(422, 'Invalid', error.message);
        throw error;
      }
    } else {
      throw new HttpError(
        405,
        'MethodNotAllowed',
        'the server does not allow this method on the requested resource',
      );
    }
    return { code: 200, body: this.update(resource, namespace, name, current, next) };
  }

  private create(resource: Resource, namespace: string | undefined, object: Obj): Obj {
    const meta = isObj(object.metadata) ? object.metadata : {};
    object.metadata = meta;
    if (typeof meta.name !== 'string') meta.name = '';
    const name = text(meta.name);
    if (namespace !== undefined && meta.namespace !== undefined && meta.namespace !== namespace) {
      throw new HttpError(
        400,
        'BadRequest',
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    if (meta.resourceVersion !== undefined && meta.resourceVersion !== '') {
      throw new HttpError(500, 'InternalError', 'resourceVersion should not be set on objects to be created');
    }
    const causes = [...nameCauses(name, resource === 'namespaces'), ...metadataCauses(meta)];
    const data = resource === 'secrets' ? this.decodeData(object) : {};
    if (resource === 'secrets') causes.push(...secretCauses(object, data));
    if (causes.length > 0) throw invalidError(resource, name, causes);
    const ns =
      namespace === undefined ? undefined : this.objects.get(this.key('namespaces', undefined, namespace));
    if (namespace !== undefined && !ns) throw notFound('namespaces', namespace);
    if (namespace !== undefined && isObj(ns?.status) && ns.status.phase === 'Terminating') {
      // plugin/pkg/admission/namespace/lifecycle: create in a terminating namespace is forbidden.
      throw new HttpError(
        403,
        'Forbidden',
        `${resource} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
        {
          name,
          kind: resource,
          causes: [
            {
              reason: 'NamespaceTerminating',
              message: `namespace ${namespace} is being terminated`,
              field: 'metadata.namespace',
            },
          ],
        },
      );
    }
    const key = this.key(resource, namespace, name);
    if (this.objects.has(key)) {
      throw new HttpError(409, 'AlreadyExists', `${resource} "${name}" already exists`, {
        name,
        kind: resource,
      });
    }
    if (resource === 'secrets' && object.type === undefined) object.type = 'Opaque';
    if (resource === 'namespaces') {
      meta.labels = { ...((meta.labels ?? {}) as Obj), 'kubernetes.io/metadata.name': name };
      object.spec = { finalizers: ['kubernetes'] };
      object.status = { phase: 'Active' };
    }
    if (resource === 'serviceaccounts') dropEmptyLists(object);
    const stored = this.stamp(object, resource, namespace);
    this.objects.set(key, stored);
    if (resource === 'namespaces') {
      // The service-account controller adds `default` a moment after the namespace appears.
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (this.objects.has(key)) this.addServiceAccount(name, 'default');
      }, this.options.defaultServiceAccountDelayMs ?? 50);
      this.timers.add(timer);
    }
    return clone(stored);
  }

  private update(
    resource: Resource,
    namespace: string | undefined,
    name: string,
    current: Obj,
    next: Obj,
  ): Obj {
    const meta = isObj(next.metadata) ? next.metadata : {};
    next.metadata = meta;
    const currentMeta = current.metadata as Obj;
    if (meta.name !== undefined && meta.name !== name) {
      throw new HttpError(
        400,
        'BadRequest',
        `the name of the object (${text(meta.name)}) does not match the name on the URL (${name})`,
      );
    }
    if (namespace !== undefined && meta.namespace !== undefined && meta.namespace !== namespace) {
      throw new HttpError(
        400,
        'BadRequest',
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    // An update carrying a resourceVersion is conditional on it; without one it is unconditional.
    if (
      typeof meta.resourceVersion === 'string' &&
      meta.resourceVersion !== '' &&
      meta.resourceVersion !== currentMeta.resourceVersion
    ) {
      throw conflict(resource, name);
    }
    const causes = metadataCauses(meta);
    if (resource === 'secrets') {
      const data = this.decodeData(next);
      if (next.type === undefined) next.type = current.type ?? 'Opaque';
      causes.push(...secretCauses(next, data));
      if (next.type !== current.type) causes.push(invalid('type', text(next.type), 'field is immutable'));
      if (
        current.immutable === true &&
        JSON.stringify(next.data ?? {}) !== JSON.stringify(current.data ?? {})
      ) {
        causes.push({
          reason: 'FieldValueForbidden',
          message: 'Forbidden: field is immutable when `immutable` is set',
          field: 'data',
        });
      }
    }
    if (causes.length > 0) throw invalidError(resource, name, causes);
    // Server-owned fields are kept whatever the client sent.
    Object.assign(meta, {
      name,
      uid: currentMeta.uid ?? null,
      creationTimestamp: currentMeta.creationTimestamp ?? null,
      resourceVersion: this.nextVersion(),
      ...(namespace ? { namespace } : {}),
    });
    next.apiVersion = 'v1';
    next.kind = KINDS[resource];
    if (resource === 'secrets') Reflect.deleteProperty(next, 'stringData');
    if (resource === 'serviceaccounts') dropEmptyLists(next);
    this.objects.set(this.key(resource, namespace, name), next);
    return clone(next);
  }

  /** `data` values are []byte in Go: JSON base64 strings; anything else is a decode error (400). */
  private decodeData(object: Obj): Record<string, Buffer> {
    const data = object.data ?? {};
    if (!isObj(data))
      throw new HttpError(
        400,
        'BadRequest',
        'Secret in version "v1" cannot be handled as a Secret: data must be an object',
      );
    const decoded: Record<string, Buffer> = {};
    for (const [key, value] of Object.entries(data)) {
      if (typeof value !== 'string' || !BASE64.test(value)) {
        throw new HttpError(
          400,
          'BadRequest',
          `Secret in version "v1" cannot be handled as a Secret: illegal base64 data in data[${key}]`,
        );
      }
      decoded[key] = Buffer.from(value, 'base64');
    }
    // stringData is merged into data on write, as the apiserver's conversion does.
    const stringData = object.stringData ?? {};
    if (isObj(stringData)) {
      for (const [key, value] of Object.entries(stringData)) {
        decoded[key] = Buffer.from(text(value), 'utf8');
        data[key] = decoded[key].toString('base64');
      }
      object.data = data;
    }
    return decoded;
  }
}

/** ServiceAccount lists are `omitempty` in Go: an emptied list is stored and returned as no field. */
function dropEmptyLists(sa: Obj): void {
  for (const key of ['imagePullSecrets', 'secrets']) {
    const value = sa[key];
    if (Array.isArray(value) && value.length === 0) Reflect.deleteProperty(sa, key);
  }
}

function matches(pattern: string | RegExp | undefined, pathname: string): boolean {
  if (pattern === undefined) return true;
  return typeof pattern === 'string' ? pathname === pattern : pattern.test(pathname);
}

function verbOf(method: string, r: Route): Verb {
  switch (method) {
    case 'GET':
      return r.name === undefined ? 'list' : 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      throw new HttpError(
        405,
        'MethodNotAllowed',
        'the server does not allow this method on the requested resource',
      );
  }
}

function parseJson(raw: string): Json {
  try {
    return JSON.parse(raw) as Json;
  } catch (error) {
    throw new HttpError(400, 'BadRequest', `the request body is not valid JSON: ${(error as Error).message}`);
  }
}

function parseBody(raw: string): Obj {
  const body = parseJson(raw);
  if (!isObj(body)) throw new HttpError(400, 'BadRequest', 'the request body must be a JSON object');
  return body;
}

/** A kubeconfig over several fakes (several "clusters"), one context per entry. */
export function kubeconfigFor(
  contexts: { name: string; fake: FakeKube; token?: string }[],
  current?: string,
): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: contexts.map((c) => ({
      name: `cluster-${c.name}`,
      cluster: {
        server: c.fake.url,
        'certificate-authority-data': Buffer.from(c.fake.ca).toString('base64'),
      },
    })),
    users: contexts.map((c) => ({ name: `user-${c.name}`, user: { token: c.token ?? 'admin-token' } })),
    contexts: contexts.map((c) => ({
      name: c.name,
      context: { cluster: `cluster-${c.name}`, user: `user-${c.name}` },
    })),
    ...(current ? { 'current-context': current } : {}),
  });
}
