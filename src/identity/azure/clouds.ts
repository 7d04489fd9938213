/**
 * The Azure clouds' registry host suffixes, login hosts and token scopes. ACR also accepts the cloud's
 * Resource Manager audience at the exchange (what `az acr login` sends), used where no registry
 * audience is published.
 */
import type { RegistryAddress } from '../../credentials/address.js';

export interface Cloud {
  suffix: string;
  authorityHost: string;
  scope: string;
}

const CLOUDS: readonly Cloud[] = [
  { suffix: '.azurecr.io', authorityHost: 'https://login.microsoftonline.com', scope: 'https://containerregistry.azure.net/.default' },
  { suffix: '.azurecr.cn', authorityHost: 'https://login.chinacloudapi.cn', scope: 'https://management.chinacloudapi.cn/.default' },
  { suffix: '.azurecr.us', authorityHost: 'https://login.microsoftonline.us', scope: 'https://management.usgovcloudapi.net/.default' },
]; // prettier-ignore

export const KNOWN_AUTHORITIES = new Set(CLOUDS.map((c) => new URL(c.authorityHost).host));

export function isAcrHost(host: string): boolean {
  return CLOUDS.some((c) => host.endsWith(c.suffix) && /^[a-z0-9]+$/.test(host.slice(0, -c.suffix.length)));
}

export function cloudOf(address: RegistryAddress): Cloud {
  const host = address.apiHost.replace(/:\d+$/, '');
  return CLOUDS.find((c) => host.endsWith(c.suffix)) ?? CLOUDS[0]!;
}
