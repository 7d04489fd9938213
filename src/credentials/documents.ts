import type { MintAuth } from '../identity/types.js';
import { DOCKER_HUB_DOMAIN, DOCKER_HUB_KEY, type RegistryAddress } from './address.js';

/** One registry's credentials, validated by plan.ts. */
export interface Credential {
  address: RegistryAddress;
  username: string;
  password: string;
  email?: string;
  /** Set when the credential is minted from a cloud identity (username/password filled in then). */
  auth?: MintAuth;
}

export type ConfigFormat = 'config.json' | 'dockercfg';

/** The `auth` field: standard base64 of `user:pass` (docker/cli authconfig.go). */
export function basicAuth(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
}

interface DockerEntry {
  auth: string;
  email?: string;
}

function dockerEntry(credential: Credential): DockerEntry {
  const entry: DockerEntry = { auth: basicAuth(credential.username, credential.password) };
  if (credential.email) entry.email = credential.email;
  return entry;
}

function entries<T>(credentials: readonly Credential[], render: (c: Credential) => T): Record<string, T> {
  return Object.fromEntries(credentials.map((c) => [c.address.key, render(c)]));
}

/**
 * `config.json` with inline `auths` only: never credsStore/credHelpers, which would send lookups to a
 * helper, and docker reads a helper's answer before the inline entries. Tab-indented like docker/cli.
 */
export function renderConfigJson(credentials: readonly Credential[]): string {
  return `${JSON.stringify({ auths: entries(credentials, dockerEntry) }, null, '\t')}\n`;
}

/** Legacy `.dockercfg`: the same entries as a flat map, no `auths` wrapper (Docker < 1.7). */
export function renderDockercfg(credentials: readonly Credential[]): string {
  return `${JSON.stringify(entries(credentials, dockerEntry), null, '\t')}\n`;
}

export function renderDocument(credentials: readonly Credential[], format: ConfigFormat): string {
  return format === 'dockercfg' ? renderDockercfg(credentials) : renderConfigJson(credentials);
}

/** File name the document is written under, inside the config directory or the archive. */
export function documentFileName(format: ConfigFormat): string {
  return format === 'dockercfg' ? '.dockercfg' : 'config.json';
}

interface KubectlEntry {
  username: string;
  password: string;
  email?: string;
  auth: string;
}

/**
 * The entry `kubectl create secret docker-registry` writes (create_secret_docker.go): username,
 * password, email when given, and auth. Kubelet reads all four.
 */
function kubectlEntry(credential: Credential): KubectlEntry {
  return {
    username: credential.username,
    password: credential.password,
    ...(credential.email ? { email: credential.email } : {}),
    auth: basicAuth(credential.username, credential.password),
  };
}

/** Data of a `kubernetes.io/dockerconfigjson` secret (`.dockerconfigjson`). */
export function renderKubernetesDockerConfigJson(credentials: readonly Credential[]): string {
  return JSON.stringify({ auths: entries(credentials, kubectlEntry) });
}

/** Data of a `kubernetes.io/dockercfg` secret (`.dockercfg`): a flat map, never `{"auths":…}`. */
export function renderKubernetesDockercfg(credentials: readonly Credential[]): string {
  return JSON.stringify(entries(credentials, kubectlEntry));
}

/**
 * Which credentials an image's registry gets, as docker/cli looks them up: Docker Hub images only
 * under `https://index.docker.io/v1/`, every other registry by its exact host[:port] (ports must
 * match). Our keys are already normalised, so kubelet's keyring picks the same entry.
 */
export function credentialFor(
  credentials: readonly Credential[],
  imageDomain: string,
): Credential | undefined {
  const key = imageDomain === DOCKER_HUB_DOMAIN ? DOCKER_HUB_KEY : imageDomain.toLowerCase();
  return credentials.find((c) => c.address.key === key);
}
