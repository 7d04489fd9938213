/**
 * Pure edits of Marathon app and pod definitions (reference §2, seeds 000/001): what `present` adds
 * and `absent` takes away. Every function returns a new object and leaves unrelated fields as found.
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
  /** A legacy .dockercfg archive: goes in `uris` as Marathon's docs show for Registry 1.0 (seed 001). */
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
    container['type'] = 'MESOS';
    notes.push('container.type switched from DOCKER to MESOS');
    // ⚠ Unconfirmed from Marathon's source: Docker-only fields may be refused under MESOS.
    for (const field of ['network', 'portMappings', 'parameters', 'privileged']) {
      if (field in docker)
        notes.push(`container.docker.${field} is a Docker-containerizer field: check it under MESOS`);
    }
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

function presentSecretPod(def: JsonObject, patch: SecretPatch): void {
  const containers = def['containers'] as Json[];
  const skipped: string[] = [];
  let matched = 0;
  for (const c of containers) {
    const image = isObject(c) ? c['image'] : undefined;
    if (!isObject(image) || typeof image['id'] !== 'string') continue;
    // ⚠ image.kind is taken as DOCKER when unset; pullConfig is only valid on DOCKER images.
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
  if (hasUris && hasFetch) throw new DefinitionError('has both "uris" and "fetch", which Marathon rejects');
  if (hasUris && !Array.isArray(def['uris'])) throw new DefinitionError('"uris" must be an array');
  if (hasFetch && !Array.isArray(def['fetch'])) throw new DefinitionError('"fetch" must be an array');
  const container = def['container'];
  if (isObject(container) && container['type'] === 'MESOS') {
    notes.push('container.type is MESOS: the Mesos containerizer does not read the fetched docker config');
  }
  const own = new Set(patch.ownUris);
  if (hasUris || (patch.legacy && !hasFetch)) {
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
