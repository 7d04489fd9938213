/**
 * Real registries for tests: the distribution registry (Debian `docker-registry` 2.8) with htpasswd,
 * token or no auth, over TLS from a throw-away CA or plain HTTP; a token issuer signing RS256 JWTs;
 * image pushes through skopeo; skopeo inspect as the reference client.
 *
 * Self-contained (node built-ins and jose only, erasable TypeScript) so scripts/bench.mjs can import
 * it directly with Node's type stripping.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { importPKCS8, SignJWT } from 'jose';

export interface TestCA {
  dir: string;
  caPem: string;
  /** ca.crt */
  caFile: string;
  /** A directory holding only ca.crt, for skopeo --cert-dir. */
  certDir: string;
  /** Server certificate (SAN 127.0.0.1, localhost) and key signed by the CA. */
  serverCertFile: string;
  serverKeyFile: string;
}

export interface TokenRequest {
  /** '' when the request carried no credentials. */
  user: string;
  scopes: string[];
  status: number;
  granted: { name: string; actions: string[] }[];
}

export interface TestRegistry {
  /** 127.0.0.1:PORT */
  host: string;
  /** https://… or http://… */
  url: string;
  ca?: TestCA;
  users: Record<string, string>;
  stop(): Promise<void>;
  /** Internal user allowed to push (htpasswd and token modes). */
  admin: { username: string; password: string };
  auth: 'htpasswd' | 'token' | 'none';
  /** Token mode: every request the issuer answered, in order. */
  tokenLog: TokenRequest[];
  /** Token mode: the issuer's URL (realm). */
  tokenUrl?: string;
  /** Token mode: stops the token issuer only (the "token server down" case). */
  stopTokenServer(): Promise<void>;
  /**
   * Rotates a user's password: htpasswd mode rewrites the htpasswd file (the registry re-reads it
   * when its modification time changes), token mode changes what the issuer accepts.
   */
  setPassword(user: string, password: string): Promise<void>;
  /** With `accessLog`: every request the registry answered, from its access log, in order. */
  accessLog: { method: string; path: string; status: number }[];
}

const ADMIN = { username: 'registry-admin', password: 'admin-secret-pw' };

interface Exec {
  code: number;
  stdout: string;
  stderr: string;
}

function run(
  file: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<Exec> {
  return new Promise((resolve) => {
    execFile(file, args, { ...options, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function must(file: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  const result = await run(file, args, options);
  if (result.code !== 0)
    throw new Error(`${file} ${args[0] ?? ''} failed (${result.code}): ${result.stderr}`);
  return result;
}

export async function tempDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `pc-${prefix}-`));
}

/** A CA and a server certificate for 127.0.0.1/localhost, made with openssl. */
export async function createTestCA(): Promise<TestCA> {
  const dir = await tempDir('ca');
  const p = (name: string) => path.join(dir, name);
  await must('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', p('ca.key'), '-out', p('ca.crt'), '-days', '3', '-subj', '/CN=pull-credentials test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]); // prettier-ignore
  await must('openssl', [
    'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=localhost',
  ]); // prettier-ignore
  await fs.writeFile(
    p('server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n',
  );
  await must('openssl', [
    'x509', '-req', '-in', p('server.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial',
    '-out', p('server.crt'), '-days', '3', '-extfile', p('server.ext'),
  ]); // prettier-ignore
  const certDir = p('certs');
  await fs.mkdir(certDir);
  await fs.copyFile(p('ca.crt'), path.join(certDir, 'ca.crt'));
  return {
    dir,
    caPem: await fs.readFile(p('ca.crt'), 'utf8'),
    caFile: p('ca.crt'),
    certDir,
    serverCertFile: p('server.crt'),
    serverKeyFile: p('server.key'),
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/** GET a URL trusting the CA; resolves with the status, or rejects on connection errors. */
export function probe(url: string, ca?: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const lib = url.startsWith('https:') ? https : http;
    const req = lib.get(url, { ca, headers, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function waitFor(url: string, ca: string | undefined, child: ChildProcess, log: () => string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`registry exited (${child.exitCode}): ${log()}`);
    try {
      await probe(url, ca);
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`registry did not answer at ${url}: ${log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function basicUser(header: string | undefined, users: Record<string, string>): string | null | undefined {
  // undefined: no credentials; null: wrong credentials.
  if (!header?.toLowerCase().startsWith('basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const [user, pass] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
  return colon > 0 && Object.hasOwn(users, user) && users[user] === pass ? user : null;
}

interface TokenIssuer {
  setPassword(user: string, password: string): void;
  url: string;
  log: TokenRequest[];
  rootBundle: string;
  stop(): Promise<void>;
}

/**
 * A token server like the real ones: Basic auth checked against users, the intersection of the
 * requested and the granted actions (never an error for missing access), 401 for bad credentials.
 */
async function startTokenIssuer(options: {
  dir: string;
  users: Record<string, string>;
  grants: Record<string, string[]>;
  service: string;
  issuer: string;
  ca?: TestCA;
  multiScope?: MultiScope;
}): Promise<TokenIssuer> {
  const p = (name: string) => path.join(options.dir, name);
  await must('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('signing.key'), '-out', p('signing.crt'),
    '-days', '3', '-subj', '/CN=pull-credentials token signer',
  ]); // prettier-ignore
  const certPem = await fs.readFile(p('signing.crt'), 'utf8');
  const key = await importPKCS8(await fs.readFile(p('signing.key'), 'utf8'), 'RS256');
  const x5c = [new X509Certificate(certPem).raw.toString('base64')];
  const allUsers = { ...options.users, [ADMIN.username]: ADMIN.password };
  const log: TokenRequest[] = [];

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const user = basicUser(req.headers.authorization, allUsers);
      const scopes = url.searchParams
        .getAll('scope')
        .flatMap((s) => s.split(' '))
        .filter(Boolean);
      if (url.pathname !== '/token') {
        res.writeHead(404).end();
        return;
      }
      if (scopes.length > 1 && options.multiScope === 'refuse') {
        log.push({ user: user ?? '?', scopes, status: 400, granted: [] });
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ details: 'one scope per request' }));
        return;
      }
      if (user === null) {
        log.push({ user: '?', scopes, status: 401, granted: [] });
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ details: 'incorrect username or password' }));
        return;
      }
      const granted: { type: string; name: string; actions: string[] }[] = [];
      for (const scope of options.multiScope === 'first-only' ? scopes.slice(0, 1) : scopes) {
        const [type, name, actions] = scope.split(':');
        if (type !== 'repository' || !name || !actions) continue;
        const allowed =
          user === ADMIN.username
            ? ['pull', 'push', '*']
            : (options.grants[user ?? ''] ?? []).some((r) => r === '*' || r === name)
              ? ['pull']
              : [];
        const intersection = actions.split(',').filter((a) => allowed.includes(a));
        granted.push({ type, name, actions: intersection });
      }
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({ access: granted })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', x5c })
        .setIssuer(options.issuer)
        .setAudience(options.service)
        .setSubject(user ?? '')
        .setIssuedAt(now)
        .setNotBefore(now - 5)
        .setExpirationTime(now + 300)
        .setJti(randomBytes(8).toString('hex'))
        .sign(key);
      log.push({ user: user ?? '', scopes, status: 200, granted });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }),
      );
    })();
  };
  const server = options.ca
    ? https.createServer(
        {
          cert: await fs.readFile(options.ca.serverCertFile),
          key: await fs.readFile(options.ca.serverKeyFile),
        },
        handler,
      )
    : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  let stopped: Promise<void> | undefined;
  return {
    setPassword: (user, password) => {
      allUsers[user] = password;
    },
    url: `${options.ca ? 'https' : 'http'}://127.0.0.1:${port}/token`,
    log,
    rootBundle: p('signing.crt'),
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      })),
  };
}

/**
 * How the token issuer treats a request with several `scope` parameters: grant each (the token spec,
 * Docker Hub), grant only the first, or refuse the request with 400.
 */
export type MultiScope = 'grant' | 'first-only' | 'refuse';

export async function startRegistry(options: {
  auth: 'htpasswd' | 'token' | 'none';
  /** Token mode: how the issuer treats several scopes in one request; default 'grant'. */
  multiScope?: MultiScope;
  tls: boolean;
  users?: Record<string, string>;
  /** Repositories each user may pull ('*' = all); token mode only. Default: every user, all. */
  grants?: Record<string, string[]>;
  ca?: TestCA;
  /** Token mode: the realm the registry advertises, given the issuer's URL (e.g. through a proxy). */
  realmVia?: (issuerUrl: string) => Promise<string>;
  /** Accept pushes of (signed) schema-1 manifests, off by default in registry 2.8. */
  schema1?: boolean;
  /** Record every request from the registry's access log (counting without a proxy in between). */
  accessLog?: boolean;
}): Promise<TestRegistry> {
  const users = { ...(options.users ?? { alice: 'alice-secret-pw' }) };
  const dir = await tempDir('registry');
  const ca = options.tls ? (options.ca ?? (await createTestCA())) : undefined;
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const url = `${ca ? 'https' : 'http'}://${host}`;
  const grants = options.grants ?? Object.fromEntries(Object.keys(users).map((u) => [u, ['*']]));

  let auth = '';
  let issuer: TokenIssuer | undefined;
  const writeHtpasswd = async () => {
    const lines: string[] = [];
    for (const [user, pass] of Object.entries({ ...users, [ADMIN.username]: ADMIN.password })) {
      // htpasswd reads the password from stdin (-i) so it stays off argv.
      const line = await new Promise<string>((resolve, reject) => {
        const child = spawn('htpasswd', ['-niB', user], { stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.on('error', reject);
        child.on('close', (code) => {
          if (code === 0) resolve(out.trim());
          else reject(new Error(`htpasswd exited ${code}`));
        });
        child.stdin.end(pass);
      });
      lines.push(line);
    }
    // Written aside and renamed, so the registry never reads a half-written file.
    await fs.writeFile(path.join(dir, 'htpasswd.next'), `${lines.join('\n')}\n`);
    await fs.rename(path.join(dir, 'htpasswd.next'), path.join(dir, 'htpasswd'));
  };
  if (options.auth === 'htpasswd') {
    await writeHtpasswd();
    auth = `auth:\n  htpasswd:\n    realm: test-realm\n    path: ${path.join(dir, 'htpasswd')}\n`;
  } else if (options.auth === 'token') {
    issuer = await startTokenIssuer({
      dir,
      users,
      grants,
      service: 'test-registry',
      issuer: 'test-issuer',
      ...(ca ? { ca } : {}),
      ...(options.multiScope ? { multiScope: options.multiScope } : {}),
    });
    const realm = options.realmVia ? await options.realmVia(issuer.url) : issuer.url;
    auth =
      `auth:\n  token:\n    realm: ${realm}\n    service: test-registry\n    issuer: test-issuer\n` +
      `    rootcertbundle: ${issuer.rootBundle}\n`;
  }
  const tls = ca ? `  tls:\n    certificate: ${ca.serverCertFile}\n    key: ${ca.serverKeyFile}\n` : '';
  const config =
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: ${options.accessLog ? 'false' : 'true'}\n` +
    `storage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'data')}\n  delete:\n    enabled: true\n` +
    `http:\n  addr: ${host}\n  secret: ${randomBytes(16).toString('hex')}\n${tls}` +
    auth +
    (options.schema1 ? 'compatibility:\n  schema1:\n    enabled: true\n' : '');
  await fs.writeFile(path.join(dir, 'config.yml'), config);

  const child = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], {
    stdio: ['ignore', options.accessLog ? 'pipe' : 'ignore', 'pipe'],
  });
  // The access log (combined format) goes to stdout: `"HEAD /v2/… HTTP/2.0" 200`.
  const accessLog: TestRegistry['accessLog'] = [];
  let pending = '';
  child.stdout?.on('data', (d: Buffer) => {
    const lines = (pending + d.toString()).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const match = /"([A-Z]+) (\S+) HTTP\/[\d.]+" (\d{3})/.exec(line);
      if (match) accessLog.push({ method: match[1]!, path: match[2]!, status: Number(match[3]) });
    }
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  try {
    await waitFor(`${url}/v2/`, ca?.caPem, child, () => stderr);
  } catch (error) {
    child.kill();
    await issuer?.stop();
    throw error;
  }

  let stopped: Promise<void> | undefined;
  return {
    host,
    url,
    ...(ca ? { ca } : {}),
    users,
    admin: ADMIN,
    auth: options.auth,
    tokenLog: issuer?.log ?? [],
    accessLog,
    ...(issuer ? { tokenUrl: issuer.url } : {}),
    stopTokenServer: async () => issuer?.stop(),
    async setPassword(user, password) {
      users[user] = password;
      issuer?.setPassword(user, password);
      if (options.auth === 'htpasswd') await writeHtpasswd();
    },
    stop: () =>
      (stopped ??= (async () => {
        if (child.exitCode === null) {
          child.kill('SIGTERM');
          await exited;
        }
        await issuer?.stop();
        await fs.rm(dir, { recursive: true, force: true });
        // A CA we made ourselves goes too; a caller's CA is the caller's to remove.
        if (ca && !options.ca) await fs.rm(ca.dir, { recursive: true, force: true });
      })()),
  };
}

/** A docker config.json with one `auths` entry, in a fresh directory; for --authfile / HOME. */
export async function writeAuthFile(
  registryHost: string,
  username: string,
  password: string,
): Promise<{ dir: string; file: string; home: string }> {
  const home = await tempDir('home');
  await fs.mkdir(path.join(home, '.docker'));
  const file = path.join(home, '.docker', 'config.json');
  const auth = Buffer.from(`${username}:${password}`).toString('base64');
  await fs.writeFile(file, JSON.stringify({ auths: { [registryHost]: { auth } } }), { mode: 0o600 });
  return { dir: home, file, home };
}

const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** A one-file ustar archive (enough for a layer). */
function tarOneFile(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  const put = (text: string, offset: number, length: number) => header.write(text, offset, length, 'ascii');
  put(name, 0, 100);
  put('0000644\0', 100, 8);
  put('0000000\0', 108, 8);
  put('0000000\0', 116, 8);
  put(`${content.length.toString(8).padStart(11, '0')}\0`, 124, 12);
  put('00000000000\0', 136, 12);
  put('        ', 148, 8);
  put('0', 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  let sum = 0;
  for (const byte of header) sum += byte;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  const pad = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, pad, Buffer.alloc(1024)]);
}

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/**
 * Builds a tiny OCI layout (one gzip'd layer per platform, config, manifest; an index when
 * `platforms` is given) and pushes it with skopeo as the internal admin user.
 */
export async function pushImage(
  registry: TestRegistry,
  repoTag: string,
  options: { platforms?: string[]; attestation?: boolean; dockerSchema2?: boolean } = {},
): Promise<{ digest: string }> {
  const layout = await tempDir('oci');
  try {
    const blobs = path.join(layout, 'blobs', 'sha256');
    await fs.mkdir(blobs, { recursive: true });
    const writeBlob = async (data: Buffer | string, mediaType: string) => {
      const digest = sha256(data);
      await fs.writeFile(path.join(blobs, digest.slice(7)), data);
      return { mediaType, digest, size: Buffer.byteLength(data) };
    };
    const makeManifest = async (platform: string) => {
      const [os_, architecture, variant] = platform.split('/');
      const tar = tarOneFile('hello.txt', Buffer.from(`${repoTag} ${platform}\n`));
      const layer = await writeBlob(zlib.gzipSync(tar), 'application/vnd.oci.image.layer.v1.tar+gzip');
      const config = JSON.stringify({
        architecture,
        os: os_,
        ...(variant ? { variant } : {}),
        config: {},
        rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
        // The schema-1 rewrite needs one history entry per layer.
        ...(options.dockerSchema2
          ? {
              created: '2026-01-01T00:00:00Z',
              history: [{ created: '2026-01-01T00:00:00Z', created_by: 'ADD hello.txt /' }],
            }
          : {}),
      });
      const configDesc = await writeBlob(config, 'application/vnd.oci.image.config.v1+json');
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: configDesc,
        layers: [layer],
      });
      return writeBlob(manifest, OCI_MANIFEST);
    };
    const [repo, tag = 'latest'] = repoTag.split(':') as [string, string | undefined];
    let top;
    if (options.platforms) {
      const manifests = [];
      for (const platform of options.platforms) {
        const [os_, architecture, variant] = platform.split('/');
        const desc = await makeManifest(platform);
        manifests.push({ ...desc, platform: { architecture, os: os_, ...(variant ? { variant } : {}) } });
      }
      if (options.attestation) {
        // Like buildx provenance: an entry whose platform is unknown/unknown.
        const desc = await makeManifest('unknown/unknown');
        manifests.push({ ...desc, platform: { architecture: 'unknown', os: 'unknown' } });
      }
      top = await writeBlob(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }), OCI_INDEX);
    } else {
      top = await makeManifest('linux/amd64');
    }
    await fs.writeFile(path.join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    await fs.writeFile(
      path.join(layout, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [{ ...top, annotations: { 'org.opencontainers.image.ref.name': tag } }],
      }),
    );

    const args = ['--insecure-policy', 'copy', '--all', '--retry-times', '0'];
    // Docker schema 2 instead of OCI: what registry 2.8 rewrites to signed schema 1 for old clients.
    if (options.dockerSchema2) args.push('--format', 'v2s2');
    args.push('--digestfile', path.join(layout, 'digest'));
    let home: string | undefined;
    if (registry.auth !== 'none') {
      const auth = await writeAuthFile(registry.host, registry.admin.username, registry.admin.password);
      home = auth.home;
      args.push('--dest-authfile', auth.file);
    }
    args.push(registry.ca ? `--dest-cert-dir=${registry.ca.certDir}` : '--dest-tls-verify=false');
    args.push(`oci:${layout}:${tag}`, `docker://${registry.host}/${repo}:${tag}`);
    try {
      await must('skopeo', args, { env: { ...process.env, HOME: home ?? layout } });
    } finally {
      if (home) await fs.rm(home, { recursive: true, force: true });
    }
    const digest = (await fs.readFile(path.join(layout, 'digest'), 'utf8')).trim();
    if (!options.dockerSchema2 && digest !== top.digest) {
      throw new Error(`skopeo pushed ${digest}, built ${top.digest}`);
    }
    return { digest };
  } finally {
    await fs.rm(layout, { recursive: true, force: true });
  }
}

/** `skopeo inspect` with no --creds: credentials only from authFile or $HOME's docker config. */
export async function skopeoInspect(options: {
  image: string;
  authFile?: string;
  home?: string;
  certDir?: string;
  tlsVerify?: boolean;
  raw?: boolean;
}): Promise<Exec> {
  const args = ['inspect', '--retry-times', '0'];
  if (options.raw) args.push('--raw');
  if (options.authFile) args.push('--authfile', options.authFile);
  if (options.certDir) args.push('--cert-dir', options.certDir);
  if (options.tlsVerify === false) args.push('--tls-verify=false');
  args.push(`docker://${options.image}`);
  const home = options.home ?? (await tempDir('skopeo-home'));
  // Only the HOME we give: no auth.json from XDG_RUNTIME_DIR or REGISTRY_AUTH_FILE.
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_RUNTIME_DIR: path.join(home, '.run') };
  await fs.mkdir(path.join(home, '.run'), { recursive: true, mode: 0o700 });
  delete env.REGISTRY_AUTH_FILE;
  delete env.DOCKER_CONFIG;
  try {
    return await run('skopeo', args, { env });
  } finally {
    if (!options.home) await fs.rm(home, { recursive: true, force: true });
  }
}

export { sha256 as sha256Digest };
