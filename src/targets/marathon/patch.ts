/**
 * Pure edits of Marathon app and pod definitions: what `present` adds (pullConfig and its secret,
 * or the archive in fetch/uris) and `absent` takes away. Every function returns a new object and
 * leaves unrelated fields as found.
 */
import { parseImageReference } from '../../registry/reference.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = Record<string, Json>;
export type DefinitionKind = 'app' | 'pod';

/** A definition Marathon would refuse once patched, or that cannot be patched; the caller adds the file. */
export class DefinitionError extends Error {}

export interface SecretPatch {
  mode: 'secret';
  /** Key of the definition's `secrets` map, e.g. `pullConfigSecret`. */
  secretName: string;
  /** Store path as Marathon names it, e.g. `/mesos-docker/pullConfig`. */
  source: string;
  /** `mesos` switches an app's Docker containerizer to MESOS so pullConfig is accepted. */
  containerizer: '' | 'mesos';
  /** Image domains (`docker.io` for Hub) we hold credentials for. */
  registryDomains: readonly string[];
}

export interface TarballPatch {
  mode: 'tarball';
  /** The archive URI to reference. */
  fetchUri: string;
  /** Every URI our archive may be fetched from (all upload-to destinations): ours to replace or remove. */
  ownUris: readonly string[];
  /** A legacy .dockercfg archive: goes in `uris`, as Marathon's docs show for Registry 1.0. */
  legacy: boolean;
}

export type Patch = SecretPatch | TarballPatch;

export interface PatchResult {
  definition: JsonObject;
  notes: string[];
}

const isObject = (v: Json | undefined): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = (v: JsonObject): JsonObject => structuredClone(v);

/** An app has `container`/`cmd`/`args`; a pod has a `containers` array (Marathon's /v2/pods schema). */
export function definitionKind(doc: Json): DefinitionKind {
  if (!isObject(doc)) throw new DefinitionError('is not a JSON object (a Marathon app or pod definition)');
  if (typeof doc['id'] !== 'string' || doc['id'] === '') throw new DefinitionError('has no "id"');
  if (Array.isArray(doc['containers'])) return 'pod';
  if ('containers' in doc) throw new DefinitionError('"containers" must be an array (pod definition)');
  return 'app';
}

function imageDomain(image: string): string | undefined {
  try {
    return parseImageReference(image).domain;
  } catch {
    return undefined; // a placeholder or template: not one of our registries
  }
}

function setSecret(def: JsonObject, patch: SecretPatch): void {
  const secrets = def['secrets'];
  if (secrets !== undefined && !isObject(secrets)) throw new DefinitionError('"secrets" must be an object');
  const map: JsonObject = secrets ?? {};
  const existing = map[patch.secretName];
  if (!(isObject(existing) && existing['source'] === patch.source && Object.keys(existing).length === 1)) {
    map[patch.secretName] = { source: patch.source };
  }
  def['secrets'] = map;
}

function presentSecretApp(def: JsonObject, patch: SecretPatch, notes: string[]): void {
  const container = def['container'];
  const docker = isObject(container) ? container['docker'] : undefined;
  if (!isObject(container) || !isObject(docker) || typeof docker['image'] !== 'string') {
    throw new DefinitionError('has no container.docker.image: there is no image to pull with pullConfig');
  }
  // Marathon's default containerizer is DOCKER, which rejects pullConfig.
  const type = container['type'] ?? 'DOCKER';
  if (type === 'DOCKER') {
    if (patch.containerizer !== 'mesos') {
      throw new DefinitionError(
        'uses the Docker containerizer (container.type DOCKER or unset), and Marathon rejects pullConfig with it ' +
          '("pullConfig is not supported with Docker containerizer"): set marathon-containerizer: mesos to switch ' +
          'the app to the Mesos containerizer (UCR), or use marathon-mode: tarball',
      );
    }
    switchToMesos(def, container, docker, notes);
  } else if (type !== 'MESOS') {
    throw new DefinitionError(`has container.type ${JSON.stringify(type)}: pullConfig needs MESOS`);
  }
  const domain = imageDomain(docker['image']);
  if (domain === undefined || !patch.registryDomains.includes(domain)) {
    notes.push(`image ${docker['image']} is not on a registry with credentials here`);
  }
  const current = docker['pullConfig'];
  if (!(isObject(current) && current['secret'] === patch.secretName && Object.keys(current).length === 1)) {
    docker['pullConfig'] = { secret: patch.secretName };
  }
  setSecret(def, patch);
}

/** docker.network → the app's `networks`, as Marathon's own normalisation maps the legacy field. */
const NETWORK_MODES: Readonly<Record<string, string>> = { HOST: 'host', BRIDGE: 'container/bridge' };

const isEmptyList = (v: Json | undefined): boolean => v === undefined || (Array.isArray(v) && v.length === 0);

/**
 * A USER network as Marathon's own normalisation maps it: `{mode: container}` on the network the
 * app's `ipAddress` names (none: Marathon's default network), its labels the network's; `ipAddress`
 * itself goes. Its `groups` and `discovery` have no place in `networks` and are refused.
 */
function userNetwork(def: JsonObject, refuse: (why: string) => never): JsonObject & { mode: string } {
  const ip = def['ipAddress'];
  if (ip !== undefined && ip !== null && !isObject(ip)) refuse('its ipAddress is not an object');
  const address = isObject(ip) ? ip : {};
  if (!isEmptyList(address['groups'])) {
    refuse('ipAddress.groups (network security groups) have no equivalent in "networks"');
  }
  const discovery = address['discovery'];
  if (isObject(discovery) && !isEmptyList(discovery['ports'])) {
    refuse('ipAddress.discovery.ports have no equivalent in "networks": give them as container.portMappings');
  }
  const name = address['networkName'];
  const labels = address['labels'];
  delete def['ipAddress'];
  return {
    mode: 'container',
    ...(typeof name === 'string' && name !== '' ? { name } : {}),
    ...(isObject(labels) && Object.keys(labels).length > 0 ? { labels } : {}),
  };
}

/**
 * DOCKER → MESOS. Marathon refuses a MESOS app whose container.docker has `network`, `portMappings`
 * or `parameters` ("must be empty"), so what has a MESOS equivalent moves there (`networks`,
 * `container.portMappings`) and what has none is refused, the file left as it is.
 */
function switchToMesos(def: JsonObject, container: JsonObject, docker: JsonObject, notes: string[]): void {
  const refuse = (why: string): never => {
    throw new DefinitionError(
      `cannot be switched to the Mesos containerizer (marathon-containerizer: mesos): ${why}; ` +
        'edit the definition, or use marathon-mode: tarball with the Docker containerizer',
    );
  };
  if (!isEmptyList(docker['parameters'])) {
    refuse('container.docker.parameters (docker run options) have no Mesos-containerizer equivalent');
  }
  const network = docker['network'];
  if (network !== undefined) {
    const entry =
      network === 'USER'
        ? userNetwork(def, refuse)
        : {
            mode:
              (typeof network === 'string' ? NETWORK_MODES[network] : undefined) ??
              refuse(
                `container.docker.network ${JSON.stringify(network)} has no equivalent in "networks" (HOST, BRIDGE and USER have)`,
              ),
          };
    if (!isEmptyList(def['networks'])) {
      refuse('it has both container.docker.network and "networks", which Marathon refuses');
    }
    if (entry.mode !== 'host' && (!isEmptyList(def['portDefinitions']) || !isEmptyList(def['ports']))) {
      refuse(
        `it has portDefinitions (or ports), which Marathon allows with host networking only, not ${entry.mode}`,
      );
    }
    def['networks'] = [entry];
  }
  const mappings = docker['portMappings'];
  if (!isEmptyList(mappings)) {
    if (!Array.isArray(mappings)) refuse('container.docker.portMappings is not a list');
    if (network === 'HOST')
      refuse('it has container.docker.portMappings with HOST networking, where Marathon allows none');
    if (!isEmptyList(container['portMappings'])) {
      refuse('it has both container.docker.portMappings and container.portMappings');
    }
    container['portMappings'] = mappings as Json[];
  }
  delete docker['network'];
  delete docker['portMappings'];
  delete docker['parameters'];
  container['type'] = 'MESOS';
  notes.push(
    'container.type switched from DOCKER to MESOS' +
      (network !== undefined
        ? `; container.docker.network ${JSON.stringify(network)} moved to networks${network === 'USER' ? ' (with ipAddress)' : ''}`
        : '') +
      (!isEmptyList(mappings) ? '; container.docker.portMappings moved to container.portMappings' : ''),
  );
}

function presentSecretPod(def: JsonObject, patch: SecretPatch): void {
  const containers = def['containers'] as Json[];
  const skipped: string[] = [];
  let matched = 0;
  for (const c of containers) {
    const image = isObject(c) ? c['image'] : undefined;
    if (!isObject(image) || typeof image['id'] !== 'string') continue;
    // Marathon takes image.kind as DOCKER when unset; pullConfig is only valid on DOCKER images.
    if ((image['kind'] ?? 'DOCKER') !== 'DOCKER') continue;
    const domain = imageDomain(image['id']);
    if (domain === undefined || !patch.registryDomains.includes(domain)) {
      skipped.push(image['id']);
      continue;
    }
    matched++;
    const current = image['pullConfig'];
    if (!(isObject(current) && current['secret'] === patch.secretName && Object.keys(current).length === 1)) {
      image['pullConfig'] = { secret: patch.secretName };
    }
  }
  if (matched === 0) {
    const domains = patch.registryDomains.join(', ') || 'none';
    throw new DefinitionError(
      `has no DOCKER container image on a registry with credentials here (${domains})` +
        (skipped.length ? `; images seen: ${skipped.join(', ')}` : ''),
    );
  }
  setSecret(def, patch);
}

function presentTarball(def: JsonObject, patch: TarballPatch, notes: string[]): void {
  const hasUris = 'uris' in def;
  const hasFetch = 'fetch' in def;
  if (hasUris && !Array.isArray(def['uris'])) throw new DefinitionError('"uris" must be an array');
  if (hasFetch && !Array.isArray(def['fetch'])) throw new DefinitionError('"fetch" must be an array');
  const someUris = hasUris && !isEmptyList(def['uris']);
  const someFetch = hasFetch && !isEmptyList(def['fetch']);
  // Marathon refuses only both non-empty ("may not be set in conjunction with fetch").
  if (someUris && someFetch) {
    throw new DefinitionError('has both "uris" and "fetch" non-empty, which Marathon rejects: keep one list');
  }
  const container = def['container'];
  if (isObject(container) && container['type'] === 'MESOS') {
    notes.push('container.type is MESOS: the Mesos containerizer does not read the fetched docker config');
  }
  const own = new Set(patch.ownUris);
  if (someUris || (!someFetch && (patch.legacy || (hasUris && !hasFetch)))) {
    const uris = ((def['uris'] ?? []) as Json[]).filter(
      (u) => u === patch.fetchUri || typeof u !== 'string' || !own.has(u),
    );
    if (!uris.includes(patch.fetchUri)) uris.push(patch.fetchUri);
    def['uris'] = uris;
  } else {
    const uriOf = (e: Json) => (isObject(e) && typeof e['uri'] === 'string' ? e['uri'] : undefined);
    const fetch = ((def['fetch'] ?? []) as Json[]).filter((e) => {
      const uri = uriOf(e);
      return uri === undefined || uri === patch.fetchUri || !own.has(uri);
    });
    if (!fetch.some((e) => uriOf(e) === patch.fetchUri)) fetch.push({ uri: patch.fetchUri });
    def['fetch'] = fetch;
  }
}

/** Checks a definition can take the patch; the plan calls it so bad input writes nothing. */
export function checkPresent(doc: JsonObject, kind: DefinitionKind, patch: Patch): void {
  applyPresent(doc, kind, patch);
}

export function applyPresent(doc: JsonObject, kind: DefinitionKind, patch: Patch): PatchResult {
  const def = clone(doc);
  const notes: string[] = [];
  if (patch.mode === 'secret') {
    if (kind === 'app') presentSecretApp(def, patch, notes);
    else presentSecretPod(def, patch);
  } else {
    if (kind === 'pod') {
      throw new DefinitionError(
        'is a pod: pods take no fetched archive for image pulls (they use containers[].artifacts and ' +
          'pullConfig): use marathon-mode: secret with the DC/OS secret store',
      );
    }
    presentTarball(def, patch, notes);
  }
  return { definition: def, notes };
}

function dropEmpty(def: JsonObject, key: string): void {
  const v = def[key];
  if ((Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0))
    Reflect.deleteProperty(def, key);
}

function removePullConfig(holder: Json | undefined, secretName: string): void {
  if (isObject(holder) && isObject(holder['pullConfig']) && holder['pullConfig']['secret'] === secretName) {
    delete holder['pullConfig'];
  }
}

/**
 * Takes away what `present` adds: pullConfig naming our secret, our `secrets` entry, and fetch/uris
 * entries of our archive; containers and maps left empty are dropped. container.type stays as is.
 */
export function applyAbsent(doc: JsonObject, kind: DefinitionKind, patch: Patch): PatchResult {
  const def = clone(doc);
  if (patch.mode === 'secret') {
    if (kind === 'app') {
      const container = def['container'];
      removePullConfig(isObject(container) ? container['docker'] : undefined, patch.secretName);
    } else {
      for (const c of def['containers'] as Json[])
        removePullConfig(isObject(c) ? c['image'] : undefined, patch.secretName);
    }
    const secrets = def['secrets'];
    if (isObject(secrets)) {
      const entry = secrets[patch.secretName];
      if (isObject(entry) && entry['source'] === patch.source)
        Reflect.deleteProperty(secrets, patch.secretName);
      dropEmpty(def, 'secrets');
    }
  } else {
    const own = new Set(patch.ownUris);
    if (Array.isArray(def['uris'])) {
      def['uris'] = def['uris'].filter((u) => typeof u !== 'string' || !own.has(u));
      dropEmpty(def, 'uris');
    }
    if (Array.isArray(def['fetch'])) {
      def['fetch'] = def['fetch'].filter(
        (e) => !(isObject(e) && typeof e['uri'] === 'string' && own.has(e['uri'])),
      );
      dropEmpty(def, 'fetch');
    }
  }
  return { definition: def, notes: [] };
}

/** The file format written: 2-space JSON and a trailing newline, with the file's line ending. */
export function formatDefinition(def: JsonObject, eol: '\n' | '\r\n' = '\n'): string {
  return `${JSON.stringify(def, null, 2)}\n`.replaceAll('\n', eol);
}

/** Deep equality of JSON values, key order ignored. */
export function sameJson(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameJson(v, b[i]))
    );
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && sameJson(a[k], b[k]));
  }
  return false;
}
