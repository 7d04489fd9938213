import { describe, expect, it } from 'vitest';
import { AddressError, DOCKER_HUB_KEY, parseRegistry } from '../src/credentials/address.js';

describe('parseRegistry', () => {
  it.each([
    // input, config key, API host, scheme
    ['docker.io', DOCKER_HUB_KEY, 'registry-1.docker.io', 'https'],
    ['index.docker.io', DOCKER_HUB_KEY, 'registry-1.docker.io', 'https'],
    ['registry-1.docker.io', DOCKER_HUB_KEY, 'registry-1.docker.io', 'https'],
    ['https://index.docker.io/v1/', DOCKER_HUB_KEY, 'registry-1.docker.io', 'https'],
    ['https://docker.io', DOCKER_HUB_KEY, 'registry-1.docker.io', 'https'],
    ['ghcr.io', 'ghcr.io', 'ghcr.io', 'https'],
    ['Registry.Example.com', 'registry.example.com', 'registry.example.com', 'https'],
    ['registry.example.com:5000', 'registry.example.com:5000', 'registry.example.com:5000', 'https'],
    [
      'https://registry.example.com:5000/v2/',
      'registry.example.com:5000',
      'registry.example.com:5000',
      'https',
    ],
    ['https://r.example.com/some/path', 'r.example.com', 'r.example.com', 'https'],
    ['http://10.0.0.5:5000', '10.0.0.5:5000', '10.0.0.5:5000', 'http'],
    ['http://localhost:5000/', 'localhost:5000', 'localhost:5000', 'http'],
    ['http://10.0.0.5:5000/v2/', '10.0.0.5:5000', '10.0.0.5:5000', 'http'],
    ['http://[fd00::5]:5000/v2/', '[fd00::5]:5000', '[fd00::5]:5000', 'http'],
    ['127.0.0.1:5443', '127.0.0.1:5443', '127.0.0.1:5443', 'https'],
    ['[::1]:5000', '[::1]:5000', '[::1]:5000', 'https'],
    ['docker.io:443', 'docker.io:443', 'docker.io:443', 'https'],
  ])('%s → key %s, API %s over %s', (input, key, apiHost, scheme) => {
    const address = parseRegistry(input);
    expect(address.key).toBe(key);
    expect(address.apiHost).toBe(apiHost);
    expect(address.scheme).toBe(scheme);
    expect(address.isDockerHub).toBe(key === DOCKER_HUB_KEY);
  });

  it.each([
    ['', /empty/],
    ['ftp://registry.example.com', /scheme 'ftp:\/\/' is not supported/],
    ['oci://registry.example.com', /not supported/],
    ['registry.example.com:0', /port '0'/],
    ['registry.example.com:99999', /port '99999'/],
    ['registry.example.com:abc', /port 'abc'/],
    ['registry .example.com', /white space/],
    ['registry_bad.example.com', /not a valid host name/],
    ['-bad.example.com', /not a valid host name/],
    ['https://user:pw@registry.example.com', /user info/],
    ['https://registry.example.com/?x=1', /query/],
    ['[fd00123123123]:5000', /not an IPv6 address/],
    ['http://docker.io', /only served over https/],
    [':5000', /no host name/],
  ])('rejects %j', (input, message) => {
    expect(() => parseRegistry(input)).toThrow(AddressError);
    expect(() => parseRegistry(input)).toThrow(message);
  });
});
