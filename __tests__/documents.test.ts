import { describe, expect, it } from 'vitest';
import { parseRegistry } from '../src/credentials/address.js';
import {
  basicAuth,
  credentialFor,
  renderConfigJson,
  renderDockercfg,
  type Credential,
} from '../src/credentials/documents.js';

const cred = (registry: string, username: string, password: string, email?: string): Credential => ({
  address: parseRegistry(registry),
  username,
  password,
  ...(email ? { email } : {}),
});

describe('documents', () => {
  const hub = cred('docker.io', 'janedoe', 'hub-pass', 'jane@example.com');
  const priv = cred('https://registry.example.com:5000/v2/', 'ci', 'p@ss:w0rd');

  it('config.json holds inline auths only, keyed as docker/cli stores them', () => {
    const doc = JSON.parse(renderConfigJson([hub, priv])) as Record<string, unknown>;
    expect(doc).toEqual({
      auths: {
        'https://index.docker.io/v1/': { auth: basicAuth('janedoe', 'hub-pass'), email: 'jane@example.com' },
        'registry.example.com:5000': { auth: basicAuth('ci', 'p@ss:w0rd') },
      },
    });
    expect(Object.keys(doc)).toEqual(['auths']); // never credsStore / credHelpers
  });

  it('auth is standard base64 of user:pass (a colon in the password survives)', () => {
    expect(Buffer.from(basicAuth('ci', 'p@ss:w0rd'), 'base64').toString()).toBe('ci:p@ss:w0rd');
    expect(basicAuth('janedoe', 'hub-pass')).toBe(Buffer.from('janedoe:hub-pass').toString('base64'));
  });

  it('.dockercfg is the same entries as a flat map, without an auths wrapper', () => {
    const doc = JSON.parse(renderDockercfg([hub, priv])) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(['https://index.docker.io/v1/', 'registry.example.com:5000']);
    expect(doc['registry.example.com:5000']).toEqual({ auth: basicAuth('ci', 'p@ss:w0rd') });
  });

  it.each([
    ['docker.io', 'https://index.docker.io/v1/'],
    ['registry.example.com:5000', 'registry.example.com:5000'],
    ['REGISTRY.example.com:5000', 'registry.example.com:5000'],
    ['registry.example.com', undefined], // ports must match exactly
    ['ghcr.io', undefined],
  ])('an image on %s gets the credentials under %s', (domain, key) => {
    expect(credentialFor([hub, priv], domain)?.address.key).toBe(key);
  });
});
