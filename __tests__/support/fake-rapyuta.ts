/**
 * A fake of the rapyuta.io v2 secrets API (as its rapyuta-io-sdk-v2 client and pydantic models use it),
 * served on 127.0.0.1. What is documented is followed; what is not is chosen plausibly and marked ⚠:
 * - Authorization must be `Bearer <token>`: otherwise 401 {"error": …} (SDK: UnauthorizedAccessError).
 * - `organizationguid` and `project` headers: missing → 400, unknown to the token → 403 (⚠ the split
 *   between 400 and 403 is our choice; the SDK maps both to MethodNotAllowedError).
 * - Bodies: malformed JSON → 400; wrong apiVersion/kind/type, bad name, missing docker fields → 422
 *   (⚠ the status for validation failures is unconfirmed). Content-Type must be JSON → 415 (⚠).
 * - POST on a taken name → 409 (documented); GET/PUT/DELETE on an unknown name → 404.
 * - Reads return `spec.secretKeys`, never the password (documented); ⚠ the key names are a guess.
 * - Create answers 200 (⚠ 200 vs 201 unconfirmed; `createStatus` switches it).
 * Routes exist only with their trailing slash, as the SDK calls them.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export const NAME_RULE = /^[a-z0-9][a-z0-9-]+[a-z0-9]$/;

export interface DockerSpec {
  registry: string;
  username: string;
  password: string;
  email: string;
}

export interface StoredSecret {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    labels?: Record<string, string>;
    guid: string;
    projectGUID: string;
    organizationGUID: string;
  };
  spec: { type: 'Docker'; docker: DockerSpec } | { type: 'Opaque'; data: Record<string, string> };
}

export interface LoggedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The raw body text ('' when none). */
  text: string;
  /** The body parsed as JSON when it was JSON. */
  body?: unknown;
  status: number;
}

export interface Fault {
  status: number;
  method?: string;
  /** Exact path, e.g. `/v2/secrets/` or `/v2/secrets/a-b/`. */
  path?: string;
  /** Only requests about this secret: its URL path, or a POST body naming it. */
  secret?: string;
  /** How many matching requests fail; Infinity for a persistent fault. */
  times: number;
  body?: string;
  retryAfter?: string;
  /** The error quotes the request body (or what the function picks of it), as careless validation errors do. */
  echo?: boolean | ((body: string) => string);
}

export interface FakeRapyutaOptions {
  token?: string;
  organization?: string;
  project?: string;
  createStatus?: 200 | 201;
}

function bodyName(text: string): string | undefined {
  try {
    const name = (JSON.parse(text) as { metadata?: { name?: unknown } }).metadata?.name;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}

function echoed(fault: Fault, text: string): string | undefined {
  if (!fault.echo) return undefined;
  return `invalid request: ${fault.echo === true ? text : fault.echo(text)}`;
}

export class FakeRapyuta {
  readonly token: string;
  readonly organization: string;
  readonly project: string;
  readonly log: LoggedRequest[] = [];
  private readonly secrets = new Map<string, StoredSecret>();
  private faults: Fault[] = [];
  private server?: http.Server;
  private createStatus: number;
  url = '';

  constructor(options: FakeRapyutaOptions = {}) {
    this.token = options.token ?? 'rio-token-s3cr3t-value';
    this.organization = options.organization ?? 'org-abcdefghijklmnopqrstuvwx';
    this.project = options.project ?? 'project-abcdefghijklmnopqrstuvwx';
    this.createStatus = options.createStatus ?? 200;
  }

  async start(): Promise<string> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const { status, body, headers } = this.handle(req, text);
        let parsed: unknown;
        try {
          parsed = text === '' ? undefined : JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        this.log.push({
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          text,
          ...(parsed === undefined ? {} : { body: parsed }),
          status,
        });
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(body);
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      server.close((e) => {
        if (e) reject(e);
        else resolve();
      }),
    );
    this.server = undefined;
  }

  /** Forgets secrets, faults and the log between tests. */
  reset(): void {
    this.secrets.clear();
    this.faults = [];
    this.log.length = 0;
  }

  fail(fault: Omit<Fault, 'times'> & { times?: number }): void {
    this.faults.push({ times: 1, ...fault });
  }

  /** What the fake stored, password included, for field-by-field checks. */
  stored(name: string): StoredSecret | undefined {
    return this.secrets.get(name);
  }

  names(): string[] {
    return [...this.secrets.keys()].sort();
  }

  /** Seeds a secret as if created earlier (e.g. an Opaque one under a name we want). */
  seed(secret: Omit<StoredSecret, 'apiVersion' | 'kind' | 'metadata'> & { name: string }): void {
    this.secrets.set(secret.name, {
      apiVersion: 'api.rapyuta.io/v2',
      kind: 'Secret',
      metadata: this.metadata(secret.name),
      spec: secret.spec,
    });
  }

  private metadata(name: string): StoredSecret['metadata'] {
    return {
      name,
      guid: `secret-${name.replace(/-/g, '').slice(0, 20)}`,
      projectGUID: this.project,
      organizationGUID: this.organization,
    };
  }

  private handle(
    req: http.IncomingMessage,
    text: string,
  ): { status: number; body: string; headers?: Record<string, string> } {
    const method = req.method ?? '';
    const path = req.url ?? '';
    const error = (status: number, message: string) => ({ status, body: JSON.stringify({ error: message }) });

    const fault = this.faults.find(
      (f) =>
        f.times > 0 &&
        (f.method === undefined || f.method === method) &&
        (f.path === undefined || f.path === path) &&
        (f.secret === undefined || path === `/v2/secrets/${f.secret}/` || bodyName(text) === f.secret),
    );
    if (fault) {
      fault.times--;
      return {
        status: fault.status,
        body: fault.body ?? JSON.stringify({ error: echoed(fault, text) ?? `injected ${fault.status}` }),
        ...(fault.retryAfter === undefined ? {} : { headers: { 'retry-after': fault.retryAfter } }),
      };
    }

    const auth = req.headers.authorization ?? '';
    const bearer = /^Bearer (\S+)$/.exec(auth);
    if (!bearer) return error(401, 'Authorization header with a Bearer token is required');
    if (bearer[1] !== this.token) return error(401, 'invalid or expired token');
    const org = req.headers.organizationguid;
    const project = req.headers.project;
    if (typeof org !== 'string' || org === '') return error(400, 'organizationguid header is required');
    if (typeof project !== 'string' || project === '') return error(400, 'project header is required');
    if (org !== this.organization) return error(403, `user is not a member of organization ${org}`);
    if (project !== this.project) return error(403, `user does not have access to project ${project}`);

    const pathname = path.split('?')[0]!;
    if (pathname === '/v2/secrets/') {
      if (method === 'GET') return this.list();
      if (method === 'POST') {
        const parsed = this.parse(req, text, undefined);
        if ('status' in parsed) return parsed;
        if (this.secrets.has(parsed.metadata.name)) {
          return error(409, `secret ${parsed.metadata.name} already exists`);
        }
        this.secrets.set(parsed.metadata.name, parsed);
        return { status: this.createStatus, body: JSON.stringify(this.view(parsed)) };
      }
      return error(405, 'method not allowed');
    }
    const match = /^\/v2\/secrets\/([^/]+)\/$/.exec(pathname);
    if (!match) return { status: 404, body: '404 page not found' };
    const name = decodeURIComponent(match[1]!);
    const existing = this.secrets.get(name);
    if (method === 'GET' || method === 'DELETE' || method === 'PUT') {
      if (!existing) return error(404, `secret ${name} not found`);
    }
    if (method === 'GET') return { status: 200, body: JSON.stringify(this.view(existing!)) };
    if (method === 'DELETE') {
      this.secrets.delete(name);
      return { status: 200, body: JSON.stringify({ success: true }) };
    }
    if (method === 'PUT') {
      const parsed = this.parse(req, text, name);
      if ('status' in parsed) return parsed;
      this.secrets.set(name, parsed);
      return { status: 200, body: JSON.stringify(this.view(parsed)) };
    }
    return error(405, 'method not allowed');
  }

  private list() {
    const items = [...this.secrets.values()].map((s) => this.view(s));
    return { status: 200, body: JSON.stringify({ metadata: { continue: 0 }, items }) };
  }

  /** The read form: docker fields except the password, plus secretKeys. */
  private view(secret: StoredSecret): unknown {
    const spec =
      secret.spec.type === 'Docker'
        ? {
            type: 'Docker',
            docker: {
              registry: secret.spec.docker.registry,
              username: secret.spec.docker.username,
              email: secret.spec.docker.email,
            },
            // ⚠ key names unconfirmed: the legacy v1 secret stored a `.dockercfg` key.
            secretKeys: ['.dockercfg'],
          }
        : { type: 'Opaque', secretKeys: Object.keys(secret.spec.data).sort() };
    return { apiVersion: secret.apiVersion, kind: secret.kind, metadata: secret.metadata, spec };
  }

  private parse(
    req: http.IncomingMessage,
    text: string,
    pathName: string | undefined,
  ): StoredSecret | { status: number; body: string } {
    const error = (status: number, message: string) => ({ status, body: JSON.stringify({ error: message }) });
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return error(415, 'Content-Type must be application/json');
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      return error(400, 'request body is not valid JSON');
    }
    if (typeof doc !== 'object' || doc === null) return error(400, 'request body must be an object');
    const d = doc as Record<string, unknown>;
    if (d.apiVersion !== 'api.rapyuta.io/v2') return error(422, `apiVersion must be api.rapyuta.io/v2`);
    if (d.kind !== 'Secret') return error(422, 'kind must be Secret');
    const metadata = d.metadata as Record<string, unknown> | undefined;
    const name = metadata?.name;
    if (typeof name !== 'string') return error(422, 'metadata.name is required');
    if (name.length < 3 || name.length > 253 || !NAME_RULE.test(name)) {
      return error(422, `metadata.name '${name}' is invalid`);
    }
    if (pathName !== undefined && name !== pathName) {
      return error(422, `metadata.name '${name}' does not match the URL`); // ⚠ assumed check
    }
    const labels = metadata?.labels;
    if (labels !== undefined && (typeof labels !== 'object' || labels === null)) {
      return error(422, 'metadata.labels must be an object');
    }
    const spec = d.spec as Record<string, unknown> | undefined;
    if (spec?.type !== 'Docker' && spec?.type !== 'Opaque')
      return error(422, 'spec.type must be Docker or Opaque');
    const meta = { ...this.metadata(name), ...(labels ? { labels: labels as Record<string, string> } : {}) };
    if (spec.type === 'Opaque') {
      const data = spec.data;
      if (typeof data !== 'object' || data === null) return error(422, "'spec.data' is required");
      return {
        apiVersion: 'api.rapyuta.io/v2',
        kind: 'Secret',
        metadata: meta,
        spec: { type: 'Opaque', data: data as Record<string, string> },
      };
    }
    // ⚠ The SDK model defaults `registry` to Docker Hub; this fake requires it so a client that
    // forgot it is caught rather than silently pointed at Docker Hub.
    const docker = spec.docker as Record<string, unknown> | undefined;
    if (typeof docker !== 'object' || docker === null) {
      return error(422, "'spec.docker' is required when creating a Docker secret");
    }
    const fields = ['registry', 'username', 'password', 'email'] as const;
    for (const field of fields) {
      const value = docker[field];
      if (typeof value !== 'string' || value === '') return error(422, `spec.docker.${field} is required`);
    }
    return {
      apiVersion: 'api.rapyuta.io/v2',
      kind: 'Secret',
      metadata: meta,
      spec: {
        type: 'Docker',
        docker: {
          registry: docker.registry as string,
          username: docker.username as string,
          password: docker.password as string,
          email: docker.email as string,
        },
      },
    };
  }
}
