import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { InputError } from '../src/errors.js';
import { buildPlan } from '../src/plan.js';
import { planBadInputs } from './support/bad-inputs.js';
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
  it.each(planBadInputs)('%s', (_name, inputs, input, message) => {
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
