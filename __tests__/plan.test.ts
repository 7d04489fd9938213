import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { InputError } from '../src/errors.js';
import { buildPlan } from '../src/plan.js';
import { inputsOf } from './support/inputs.js';

const good = { registry: 'registry.example.com:5000', username: 'ci', password: 's3cret-pw' };

describe('buildPlan', () => {
  it('applies the action.yml defaults', () => {
    const plan = buildPlan(inputsOf({ username: 'jane', password: 'hub-pass' }));
    expect(plan.state).toBe('present');
    expect(plan.configFormat).toBe('config.json');
    expect(plan.exportDockerConfig).toBe(false);
    expect(plan.tarball).toBe(false);
    expect(plan.verification.mode).toBe('fail');
    expect(plan.credentials.map((c) => c.address.key)).toEqual(['https://index.docker.io/v1/']);
  });

  it('combines the single-registry inputs with the registries list', () => {
    const plan = buildPlan(
      inputsOf({
        ...good,
        email: 'ci@example.com',
        registries:
          '- registry: ghcr.io\n  username: bot\n  password: gh-token\n- registry: docker.io\n  username: jane\n  password: hub\n  email: jane@example.com\n',
      }),
    );
    expect(plan.credentials.map((c) => [c.address.key, c.username, c.email])).toEqual([
      ['registry.example.com:5000', 'ci', 'ci@example.com'],
      ['ghcr.io', 'bot', undefined],
      ['https://index.docker.io/v1/', 'jane', 'jane@example.com'],
    ]);
  });

  it('upload-to implies the tarball', () => {
    expect(buildPlan(inputsOf({ ...good, 'upload-to': '/srv/docker.tar.gz' })).tarball).toBe(true);
    expect(buildPlan(inputsOf(good)).mode).toBe('apply');
    expect(buildPlan(inputsOf({ ...good, mode: 'plan', state: 'absent' })).mode).toBe('plan');
  });

  it.each(['linux/amd64,linux/arm64/v8', 'linux/amd64, linux/arm64/v8', 'linux/amd64\nlinux/arm64/v8'])(
    'platforms %j: comma, comma-space or newline separated',
    (platforms) => {
      const plan = buildPlan(inputsOf({ ...good, images: 'registry.example.com:5000/app', platforms }));
      expect(plan.verification.platforms).toEqual([
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ]);
    },
  );

  it.each([
    ['http://10.0.0.5:5000/v2/', '10.0.0.5:5000', 'http'],
    ['https://10.0.0.5:5000/v2/', '10.0.0.5:5000', 'https'],
  ])('registry %s is %s over %s, as docker login takes it', (registry, key, scheme) => {
    const plan = buildPlan(inputsOf({ ...good, registry }));
    expect(plan.credentials.map((c) => [c.address.key, c.address.scheme])).toEqual([[key, scheme]]);
  });

  it.each([`sha256:${'a'.repeat(64)}`, `sha512:${'b'.repeat(128)}`])('accepts an image by %s', (digest) => {
    const plan = buildPlan(inputsOf({ ...good, images: `r.example.com/app@${digest}` }));
    expect(plan.verification.images.map((i) => i.reference)).toEqual([digest]);
  });

  it.each([
    [{}, 60_000],
    [{ timeout: '3' }, 3000],
    [{ timeout: ' 1.5 ' }, 1500],
  ])('timeout %j is %i ms', (extra, ms) => {
    expect(buildPlan(inputsOf({ ...good, ...extra })).timeoutMs).toBe(ms);
  });

  it('state absent needs no credentials', () => {
    expect(buildPlan(inputsOf({ state: 'absent' })).credentials).toEqual([]);
  });

  // Each bad input: the input the error must name, and what it must say.
  it.each<[string, Record<string, string>, string, RegExp]>([
    ['no credentials', {}, 'username', /no credentials given/],
    ['username without password', { username: 'ci' }, 'password', /empty or white space/],
    ['password without username', { password: 'pw' }, 'username', /empty but password is set/],
    ['whitespace password', { username: 'ci', password: '   ' }, 'password', /white space only/],
    ['colon in username', { username: 'c:i', password: 'pw' }, 'username', /must not contain ':'/],
    ['newline in password', { username: 'ci', password: 'pw\n' }, 'password', /newline or control/],
    ['control char in password', { username: 'ci', password: 'p\u0007w' }, 'password', /control/],
    ['tab in username', { username: 'c\ti', password: 'pw' }, 'username', /control characters/],
    ['bad email', { ...good, email: 'not-an-email' }, 'email', /not an e-mail/],
    ['bad port', { ...good, registry: 'r.example.com:70000' }, 'registry', /port '70000'/],
    ['unsupported scheme', { ...good, registry: 'ftp://r.example.com' }, 'registry', /not supported/],
    ['malformed host', { ...good, registry: 'bad_host!' }, 'registry', /not a valid host/],
    ['invalid YAML', { registries: '- registry: [unclosed' }, 'registries', /not valid YAML at line 1/],
    ['YAML not a list', { registries: 'registry: ghcr.io' }, 'registries', /must be a YAML list/],
    ['YAML entry not a map', { registries: '- ghcr.io' }, 'registries', /entry 1 must be a mapping/],
    [
      'YAML unknown key',
      { registries: '- registry: ghcr.io\n  user: x\n  password: y' },
      'registries',
      /unknown key/,
    ],
    [
      'YAML entry without registry',
      { registries: '- username: x\n  password: y' },
      'registries',
      /has no registry/,
    ],
    [
      'YAML entry without password',
      { registries: '- registry: ghcr.io\n  username: x' },
      'registries[].password',
      /registry ghcr.io/,
    ],
    [
      'duplicate registry',
      { ...good, registries: '- registry: https://registry.example.com:5000\n  username: x\n  password: y' },
      'registry',
      /given twice/,
    ],
    [
      'duplicate Hub alias',
      {
        registries:
          '- registry: docker.io\n  username: a\n  password: b\n- registry: index.docker.io\n  username: c\n  password: d',
      },
      'registries',
      /https:\/\/index.docker.io\/v1\/ is given twice/,
    ],
    ['timeout not a number', { ...good, timeout: '30s' }, 'timeout', /'30s' is not a number of seconds/],
    ['timeout zero', { ...good, timeout: '0' }, 'timeout', /between 0 and 21600/],
    ['timeout too long', { ...good, timeout: '86400' }, 'timeout', /between 0 and 21600/],
    [
      'unknown config-format',
      { ...good, 'config-format': 'json' },
      'config-format',
      /use one of config.json, dockercfg/,
    ],
    ['unknown state', { ...good, state: 'gone' }, 'state', /use one of present, absent/],
    ['unknown mode', { ...good, mode: 'dry-run' }, 'mode', /use one of apply, plan, audit/],
    [
      'audit of a removal',
      { ...good, mode: 'audit', state: 'absent' },
      'mode',
      /use mode: plan to preview a removal/,
    ],
    ['bad boolean', { ...good, tarball: 'yes' }, 'tarball', /not a boolean/],
    [
      'export with dockercfg',
      { ...good, 'config-format': 'dockercfg', 'export-docker-config': 'true' },
      'export-docker-config',
      /only config.json/,
    ],
    ['unknown verify', { ...good, verify: 'maybe' }, 'verify', /fail, warn, off/],
    ['bad image', { ...good, images: 'Team/App:1' }, 'images', /must be lowercase/],
    ['bad platform', { ...good, platforms: 'linux' }, 'platforms', /os\/arch/],
    ['platforms without images', { ...good, platforms: 'linux/amd64' }, 'platforms', /images is empty/],
    [
      'ca-cert with PEM markers around garbage',
      { ...good, 'ca-cert': '-----BEGIN CERTIFICATE-----\nZ2FyYmFnZQ==\n-----END CERTIFICATE-----' },
      'ca-cert',
      /certificate 1 of 1 is not a valid PEM certificate/,
    ],
    ['md5 digest', { ...good, images: `r.io/a@md5:${'f'.repeat(32)}` }, 'images', /'md5' is not supported/],
    [
      'sha512 digest of sha256 length',
      { ...good, images: `r.io/a@sha512:${'f'.repeat(64)}` },
      'images',
      /sha512 digest is 128/,
    ],
    ['registry port above 65535', { ...good, images: 'localhost:65536/foo' }, 'images', /above 65535/],
    ['bracketed non-IPv6', { ...good, images: '[fd00123123123]:5000/foo' }, 'images', /not an IPv6/],
    [
      'missing ca-cert file',
      { ...good, 'ca-cert': '/nonexistent/ca.pem' },
      'ca-cert',
      /neither PEM text nor a readable file/,
    ],
  ])('%s', (_name, inputs, input, message) => {
    let error: unknown;
    try {
      buildPlan(inputsOf(inputs));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).input).toBe(input);
    expect((error as InputError).message).toMatch(message);
    expect((error as InputError).message).toMatch(new RegExp(`^Input '${input.replace(/[[\]]/g, '\\$&')}'`));
  });

  it('a YAML error never quotes the text, which may hold passwords', () => {
    expect(() =>
      buildPlan(inputsOf({ registries: '- registry: ghcr.io\n  password: "hunter2-secret\n' })),
    ).toThrow(/^(?!.*hunter2).*$/s);
  });
});

describe('masking at read time', () => {
  it('masks kubeconfig and key documents line by line, but not a path naming a file', () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk).trim());
      return true;
    });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pc-mask-')), 'kubeconfig');
    fs.writeFileSync(file, 'apiVersion: v1\n');
    try {
      inputsOf({ kubeconfig: file, 'dcos-private-key': 'line-one-of-a-key\nline-two-of-a-key' });
    } finally {
      spy.mockRestore();
    }
    expect(lines).not.toContain(`::add-mask::${file}`);
    expect(lines).toContain('::add-mask::line-one-of-a-key');
    expect(lines).toContain('::add-mask::line-two-of-a-key');
  });
});
