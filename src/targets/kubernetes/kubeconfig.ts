/**
 * Plan-time view of the kubeconfig: which contexts exist, which one is current, and which values in it
 * are secret. Parsed with `yaml` so plan() stays free of @kubernetes/client-node; present/absent load
 * the same source with client-node's KubeConfig.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { InputError } from '../../errors.js';
import { expandHome, isDocumentText } from '../../paths.js';

/** Where client-node should load the configuration from at run time. */
export type KubeconfigSource =
  | { kind: 'inline'; text: string }
  /**
   * Kubeconfig files (the kubeconfig input as a path, KUBECONFIG, or ~/.kube/config), merged as
   * kubectl merges them: the first file to define a name wins, and relative paths in a file are
   * resolved against that file's directory.
   */
  | { kind: 'files'; files: string[]; description: string }
  /** The pod's service account (client-node's loadFromCluster). */
  | { kind: 'in-cluster'; description: string };

export interface KubeconfigView {
  source: KubeconfigSource;
  /** The contexts to fan out to, in order. */
  contexts: string[];
  /** Tokens, passwords and private keys found in the users section, for masking. */
  secrets: string[];
}

/** client-node's name for the context it synthesises from the in-cluster service account. */
export const IN_CLUSTER_CONTEXT = 'inClusterContext';
const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

interface Named {
  name: string;
  body: Record<string, unknown>;
}

/** One `clusters`/`users`/`contexts` entry and the directory its relative paths are resolved against. */
interface Entry {
  body: Record<string, unknown>;
  dir: string;
  where: string;
}

interface ParsedConfig {
  clusters: Map<string, Entry>;
  users: Map<string, Entry>;
  contexts: Map<string, Entry>;
  currentContext: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `clusters`/`users`/`contexts` entries: `{name, <field>: {...}}`. */
function namedList(doc: Record<string, unknown>, key: string, field: string, where: string): Named[] {
  const list = doc[key];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new InputError('kubeconfig', `${where}: '${key}' must be a list`);
  return list.map((item: unknown, index) => {
    if (!isRecord(item) || typeof item.name !== 'string' || item.name === '') {
      throw new InputError('kubeconfig', `${where}: ${key}[${index}] has no name`);
    }
    const body = item[field];
    return { name: item.name, body: isRecord(body) ? body : {} };
  });
}

/**
 * Parses one kubeconfig document. Errors cite line and column only: the text holds credentials.
 * `dir` is where its relative file paths point from: the file's directory, as kubectl has it.
 */
function parseConfig(text: string, where: string, dir: string): ParsedConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text); // only linePos is used: the pretty message quotes the text
  } catch (error) {
    const at =
      error instanceof YAMLParseError && error.linePos
        ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}`
        : '';
    throw new InputError('kubeconfig', `${where} is not valid YAML${at}`);
  }
  if (!isRecord(doc)) {
    throw new InputError(
      'kubeconfig',
      `${where} is not a kubeconfig (expected a mapping with clusters, users, contexts)`,
    );
  }
  const current = doc['current-context'];
  const entries = (key: string, field: string) =>
    new Map(namedList(doc, key, field, where).map((c) => [c.name, { body: c.body, dir, where }]));
  return {
    clusters: entries('clusters', 'cluster'),
    users: entries('users', 'user'),
    contexts: entries('contexts', 'context'),
    currentContext: typeof current === 'string' ? current : '',
  };
}

/**
 * KUBECONFIG merging as kubectl does it: the first file to define a cluster, user or context name,
 * or a current-context, wins. The one rule for both the plan (parsed YAML) and present/absent
 * (client-node's KubeConfig objects), given each file's entries as [name, entry] pairs.
 */
export function mergeKubeconfigs<C, U, X>(
  files: readonly {
    clusters: Iterable<[string, C]>;
    users: Iterable<[string, U]>;
    contexts: Iterable<[string, X]>;
    currentContext: string;
  }[],
): { clusters: Map<string, C>; users: Map<string, U>; contexts: Map<string, X>; currentContext: string } {
  const firstWins = <T>(lists: Iterable<[string, T]>[]): Map<string, T> => {
    const merged = new Map<string, T>();
    for (const list of lists)
      for (const [name, entry] of list) if (!merged.has(name)) merged.set(name, entry);
    return merged;
  };
  return {
    clusters: firstWins(files.map((f) => f.clusters)),
    users: firstWins(files.map((f) => f.users)),
    contexts: firstWins(files.map((f) => f.contexts)),
    currentContext: files.find((f) => f.currentContext)?.currentContext ?? '',
  };
}

const merge = (configs: ParsedConfig[]): ParsedConfig => mergeKubeconfigs(configs);

function readFile(file: string, hint: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    throw new InputError('kubeconfig', `cannot read ${file} (${hint})`);
  }
}

/** Secret values of one user entry (token, password, client key, auth-provider tokens). */
function userSecrets(user: Record<string, unknown>): string[] {
  const secrets: string[] = [];
  const add = (value: unknown) => {
    if (typeof value === 'string' && value.trim() !== '') secrets.push(value);
  };
  add(user.token);
  add(user.password);
  const keyData = user['client-key-data'];
  if (typeof keyData === 'string' && keyData.trim() !== '') {
    add(keyData);
    // The decoded PEM may surface in errors from the TLS stack: mask its body lines as well.
    for (const line of Buffer.from(keyData, 'base64').toString('utf8').split(/\r?\n/)) {
      const trimmed = line.trim();
      if (trimmed.length >= 8 && !trimmed.startsWith('-----')) secrets.push(trimmed);
    }
  }
  const provider = user['auth-provider'];
  if (isRecord(provider) && isRecord(provider.config)) {
    for (const [key, value] of Object.entries(provider.config)) {
      if (/token|secret/i.test(key)) add(value);
    }
  }
  return secrets;
}

/** A file the entry names (CA, client certificate or key, token file) must exist, or no call can work. */
function checkFiles(entry: Entry, what: string, keys: readonly string[]): void {
  for (const key of keys) {
    const value = entry.body[key];
    if (typeof value !== 'string' || value === '') continue;
    const file = path.resolve(entry.dir, value);
    if (!fs.existsSync(file)) {
      throw new InputError(
        'kubeconfig',
        `${what} in ${entry.where} names ${key} ${value}, which does not exist` +
          (path.isAbsolute(value) ? '' : ` (relative to ${entry.dir})`),
      );
    }
  }
}

function checkContext(config: ParsedConfig, name: string, where: string): void {
  const context = config.contexts.get(name)?.body;
  if (!context) {
    const known = [...config.contexts.keys()].join(', ') || 'none';
    throw new InputError('kubernetes-contexts', `context '${name}' is not in ${where} (contexts: ${known})`);
  }
  const clusterName = context.cluster;
  const clusterEntry = typeof clusterName === 'string' ? config.clusters.get(clusterName) : undefined;
  const cluster = clusterEntry?.body;
  if (!cluster) {
    throw new InputError(
      'kubeconfig',
      `context '${name}' refers to cluster '${String(clusterName)}', which ${where} does not define`,
    );
  }
  const server = cluster.server;
  if (typeof server !== 'string' || !/^https?:\/\/[^/]/.test(server)) {
    throw new InputError(
      'kubeconfig',
      `cluster '${String(clusterName)}' in ${where} has no http(s) server URL`,
    );
  }
  checkFiles(clusterEntry, `cluster '${String(clusterName)}'`, ['certificate-authority']);
  const userName = context.user;
  if (typeof userName === 'string' && userName !== '') {
    const user = config.users.get(userName);
    if (!user) {
      throw new InputError(
        'kubeconfig',
        `context '${name}' refers to user '${userName}', which ${where} does not define`,
      );
    }
    checkFiles(user, `user '${userName}'`, ['client-certificate', 'client-key', 'token-file']);
  }
}

function resolveContexts(config: ParsedConfig, requested: readonly string[], where: string): string[] {
  if (config.contexts.size === 0) throw new InputError('kubeconfig', `${where} defines no contexts`);
  const seen = new Set<string>();
  for (const name of requested) {
    if (seen.has(name)) throw new InputError('kubernetes-contexts', `context '${name}' is listed twice`);
    seen.add(name);
  }
  let contexts = [...requested];
  if (contexts.length === 0) {
    if (config.currentContext === '') {
      throw new InputError(
        'kubernetes-contexts',
        `${where} has no current-context: list the contexts to use`,
      );
    }
    contexts = [config.currentContext];
  }
  for (const name of contexts) checkContext(config, name, where);
  return contexts;
}

/**
 * Resolves the kubeconfig the way client-node's loadFromDefault does (input, else KUBECONFIG, else
 * ~/.kube/config, else in-cluster), but refuses its last resort of http://localhost:8080.
 */
export function planKubeconfig(
  input: string,
  requested: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): KubeconfigView {
  const home = env.HOME ?? os.homedir();
  const single = input.trim();
  let files: string[];
  let where: string;
  let origin = 'named by KUBECONFIG';
  // A path, not a document: one line with no `key: value` (a colon alone is no sign: D:\a\kubeconfig).
  if (single !== '' && !isDocumentText(single)) {
    const file = path.resolve(expandHome(single, home, path));
    if (!fs.existsSync(file)) {
      // The value itself is masked as a secret input: say what it looked like instead.
      throw new InputError(
        'kubeconfig',
        /^[A-Za-z0-9+/_-]{40,}={0,2}$/.test(single)
          ? 'looks base64-encoded: pass the kubeconfig YAML itself (decode it first, e.g. base64 -d)'
          : 'is one line naming no existing file: pass the kubeconfig content (from a secret) or the path of a file written by an earlier step',
      );
    }
    files = [file];
    where = 'the file named by the kubeconfig input';
    origin = 'named by the kubeconfig input';
  } else if (single !== '') {
    const config = parseConfig(input, 'the kubeconfig input', process.cwd());
    return {
      source: { kind: 'inline', text: input },
      contexts: resolveContexts(config, requested, 'the kubeconfig input'),
      secrets: [...config.users.values()].flatMap((u) => userSecrets(u.body)),
    };
  } else {
    files = (env.KUBECONFIG ?? '').split(path.delimiter).filter((f) => f !== '');
    const homeConfig = path.join(home, '.kube', 'config');
    if (files.length === 0 && fs.existsSync(homeConfig)) {
      files.push(homeConfig);
      origin = '~/.kube/config';
    }
    files = files.map((f) => path.resolve(f));
    where = files.length === 1 ? files[0]! : `KUBECONFIG (${files.join(path.delimiter)})`;
  }
  if (files.length > 0) {
    const config = merge(files.map((f) => parseConfig(readFile(f, origin), f, path.dirname(f))));
    return {
      source: { kind: 'files', files, description: where },
      contexts: resolveContexts(config, requested, where),
      secrets: [...config.users.values()].flatMap((u) => userSecrets(u.body)),
    };
  }

  if (env.KUBERNETES_SERVICE_HOST && fs.existsSync(SERVICE_ACCOUNT_TOKEN)) {
    for (const name of requested) {
      if (name !== IN_CLUSTER_CONTEXT) {
        throw new InputError(
          'kubernetes-contexts',
          `context '${name}' is unknown: running in-cluster, the only context is ${IN_CLUSTER_CONTEXT}`,
        );
      }
    }
    return {
      source: { kind: 'in-cluster', description: 'in-cluster service account' },
      contexts: [IN_CLUSTER_CONTEXT],
      secrets: [],
    };
  }
  throw new InputError(
    'kubeconfig',
    'no kubeconfig found: pass the kubeconfig input (from a secret), set KUBECONFIG, or create ~/.kube/config',
  );
}
