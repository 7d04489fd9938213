/**
 * Registry address rules: how a user-written registry becomes the key docker/cli stores credentials
 * under, and the host the registry API is spoken to on.
 */
import { isIPv6 } from 'node:net';
import { hasSpaceOrControl } from '../text.js';

export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';
/** The domain image references use for Docker Hub (distribution/reference). */
export const DOCKER_HUB_DOMAIN = 'docker.io';
/** The host that actually serves Docker Hub's registry API (moby registry/config.go). */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';

const HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

export interface RegistryAddress {
  /** Key in config.json `auths` / .dockercfg / kubectl's --docker-server. */
  key: string;
  /** Domain as it appears in image references (`docker.io` for Hub, else host[:port]). */
  domain: string;
  /** host[:port] the registry API is served on. */
  apiHost: string;
  scheme: 'https' | 'http';
  isDockerHub: boolean;
}

/** Why an address is rejected; the caller names the input. */
export class AddressError extends Error {}

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/;

/** Validates `host[:port]` and returns it lower-cased. */
export function parseHostPort(hostPort: string): { host: string; port?: number } {
  const match = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(hostPort);
  const host = match?.[1] ?? '';
  const portText = match?.[2];
  if (host === '') throw new AddressError(`'${hostPort}' has no host name`);
  const ipv6 = /^\[(.*)\]$/.exec(host)?.[1];
  if (ipv6 !== undefined) {
    if (!isIPv6(ipv6)) throw new AddressError(`'${host}' is not an IPv6 address in brackets`);
  } else if (!IPV4.test(host) && !host.split('.').every((label) => LABEL.test(label))) {
    throw new AddressError(`'${host}' is not a valid host name`);
  }
  if (portText === undefined) return { host: host.toLowerCase() };
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
    throw new AddressError(`port '${portText}' must be a number from 1 to 65535`);
  }
  return { host: host.toLowerCase(), port: Number(portText) };
}

/**
 * Parses `host`, `host:port`, `https://host[:port][/path]`, `http://host[:port]` and the Docker Hub
 * aliases. The path (e.g. `/v2/`) is dropped, over http as over https, as docker/cli's
 * ConvertToHostname does.
 */
export function parseRegistry(input: string): RegistryAddress {
  const raw = input.trim();
  if (raw === '') throw new AddressError('is empty');
  if (hasSpaceOrControl(raw)) throw new AddressError('contains white space or control characters');

  let scheme: 'https' | 'http' = 'https';
  let rest = raw;
  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(raw);
  if (schemeMatch) {
    const name = schemeMatch[1]!.toLowerCase();
    if (name !== 'https' && name !== 'http') {
      throw new AddressError(`scheme '${name}://' is not supported: use https:// or http://`);
    }
    scheme = name;
    rest = raw.slice(schemeMatch[0].length);
  }
  const slash = rest.indexOf('/');
  const hostPort = slash === -1 ? rest : rest.slice(0, slash);
  if (/[?#@]/.test(rest)) throw new AddressError('must not contain a query, fragment or user info');
  const { host, port } = parseHostPort(hostPort);
  const normalised = port === undefined ? host : `${host}:${port}`;

  if (port === undefined && HUB_HOSTS.has(host)) {
    if (scheme === 'http') throw new AddressError('Docker Hub is only served over https');
    return {
      key: DOCKER_HUB_KEY,
      domain: DOCKER_HUB_DOMAIN,
      apiHost: DOCKER_HUB_API_HOST,
      scheme: 'https',
      isDockerHub: true,
    };
  }
  return { key: normalised, domain: normalised, apiHost: normalised, scheme, isDockerHub: false };
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** A URL hostname on this machine: the only place plain http may go (local stores, fakes, tunnels). */
export const isLoopbackHost = (hostname: string): boolean => LOOPBACK_HOSTS.has(hostname.toLowerCase());
