/**
 * The input declarations (src/inputs/ and each target's inputs.ts): read generically, typed, masked
 * at read time, and the declared "needs" enforced before any target plans.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InputError } from '../src/errors.js';
import { checkNeeds, inputSpec, inputSpecs, readInputs, type InputSource } from '../src/inputs/index.js';
import type { InputSpec } from '../src/inputs/spec.js';
import { buildPlan } from '../src/plan.js';
import { inputsOf } from './support/inputs.js';

const good = { registry: 'registry.example.com:5000', username: 'ci', password: 's3cret-pw' };

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('no InputError thrown');
}

/** A value that counts as set: not empty and not the default. */
const setValue = (spec: InputSpec): string => (spec.kind === 'list' ? 'entry-one' : 'set-value');

const needing = (inputSpecs as readonly InputSpec[]).filter((spec) => spec.needs !== undefined);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('declarations', () => {
  it('every needs names a declared input that itself needs nothing', () => {
    expect(needing.length).toBeGreaterThan(20);
    for (const spec of needing.filter((s) => !s.needs!.endsWith('://'))) {
      const needed = inputSpec(spec.needs!);
      expect(needed, `${spec.name} needs ${spec.needs}`).toMatchObject({ name: spec.needs });
      expect(needed!.needs, `${spec.needs} must not need anything`).toBeUndefined();
    }
  });

  it('a list never has a default, a secret value is text', () => {
    const specs = inputSpecs as readonly InputSpec[];
    const lists = specs.filter((spec) => spec.kind === 'list');
    const secretValues = specs.filter((spec) => spec.secret === 'value');
    expect(lists.map((spec) => [spec.name, spec.default])).toEqual(
      lists.map((spec) => [spec.name, undefined]),
    );
    expect(secretValues.map((spec) => [spec.name, spec.kind ?? 'text'])).toEqual(
      secretValues.map((spec) => [spec.name, 'text']),
    );
    expect(lists.length).toBeGreaterThan(5);
    expect(secretValues.length).toBeGreaterThan(3);
  });
});

describe('the generic reader', () => {
  const source = (values: Record<string, string>): InputSource => ({
    get: (spec) => values[spec.name] ?? '',
  });

  it('reads text trimmed with its default, lists line by line, documents trimmed, secrets as given', () => {
    const inputs = readInputs(
      source({
        registry: '  ghcr.io  ',
        password: ' pw with spaces \n',
        images: '\n  a/b:1  \n# a comment\n\nc/d:2\r\n',
        registries: '\n- registry: x\n',
        'kubernetes-secret-name': '',
      }),
    );
    expect(inputs.registry).toBe('ghcr.io');
    expect(inputs.password).toBe(' pw with spaces \n');
    expect(inputs.images).toEqual(['a/b:1', 'c/d:2']);
    expect(inputs.registries).toBe('- registry: x');
    expect(inputs.kubernetesSecretName).toBe('regcred');
    expect(inputs.state).toBe('present');
    expect(inputs.uploadTo).toEqual([]);
    expect(Object.keys(inputs)).toHaveLength(inputSpecs.length);
  });

  it('masks every secret value as it is read, and the forms derived from the credentials', () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk).trim());
      return true;
    });
    readInputs(
      source({
        username: 'ci',
        password: 'registry-pw-1',
        'dcos-token': 'dcos-token-value',
        'dcos-password': 'dcos-password-value',
        'rapyuta-token': 'rapyuta-token-value',
        registries: '- registry: ghcr.io\n  username: bot\n  password: yaml-pw-2\n',
      }),
    );
    vi.restoreAllMocks();
    for (const secret of [
      'registry-pw-1',
      'ci:registry-pw-1',
      Buffer.from('ci:registry-pw-1').toString('base64'),
      'dcos-token-value',
      'dcos-password-value',
      'rapyuta-token-value',
      'yaml-pw-2',
      Buffer.from('bot:yaml-pw-2').toString('base64'),
    ]) {
      expect(lines).toContain(`::add-mask::${secret}`);
    }
    expect(lines).not.toContain('::add-mask::ci');
  });
});

describe('an input set without the input its target needs', () => {
  it.each(needing.map((spec) => [spec.name, spec.needs!, setValue(spec)]))(
    '%s without %s is refused before any target plans',
    (name, needs, value) => {
      const error = inputError(() => buildPlan(inputsOf({ ...good, [name]: value })));
      expect(error.input).toBe(name);
      expect(error.message).toBe(
        needs.endsWith('://')
          ? `Input '${name}': needs an ${needs} destination in upload-to, but upload-to has none (set without it: ${name}): add one, or remove it`
          : `Input '${name}': needs ${needs}, but ${needs} is empty (set without it: ${name}): set ${needs}, or remove it`,
      );
    },
  );

  it('names every input set in vain, first one first', () => {
    const error = inputError(() =>
      buildPlan(
        inputsOf({ ...good, 'dcos-secret-path': 'a/b', 'dcos-token': 't', 'dcos-ca-cert': '/x.pem' }),
      ),
    );
    expect(error.input).toBe('dcos-secret-path');
    expect(error.message).toMatch(
      /\(set without it: dcos-secret-path, dcos-token, dcos-ca-cert\): .*remove them$/,
    );
  });

  it.each([
    ['kubernetes-secret-name', 'regcred'],
    ['kubernetes-force', 'false'],
    ['rapyuta-api-url', 'https://api.rapyuta.io'],
    ['s3-sse', 'AES256'],
    ['dcos-secret-encoding', 'file'],
  ])('%s at its default (as the runner passes it) is not set', (name, value) => {
    expect(() => buildPlan(inputsOf({ ...good, [name]: value }))).not.toThrow();
  });

  it('with the needed input set, the check passes', () => {
    const inputs = inputsOf({ ...good, 'upload-to': 's3://bucket/docker.tar.gz', 's3-region': 'eu-west-1' });
    expect(() => {
      checkNeeds(inputs);
    }).not.toThrow();
  });
});

describe('inputs of one kind of destination', () => {
  it.each([
    ['s3-region', 'eu-west-1', 'https://store.example.com/docker.tar.gz'],
    ['s3-endpoint', 'https://minio.example.com', '/srv/docker.tar.gz'],
    ['upload-headers', 'X-Key: v', 's3://bucket/docker.tar.gz'],
  ])('%s beside only other kinds of destination is refused', (name, value, uploadTo) => {
    const error = inputError(() => buildPlan(inputsOf({ ...good, 'upload-to': uploadTo, [name]: value })));
    expect(error.input).toBe(name);
    expect(error.message).toMatch(/destination in upload-to, but upload-to has none/);
  });

  it.each([
    ['s3-region', 'eu-west-1', 'S3://bucket/docker.tar.gz'],
    ['upload-headers', 'X-Key: v', 'https://store.example.com/docker.tar.gz'],
  ])('%s beside its kind of destination passes', (name, value, uploadTo) => {
    expect(() => {
      checkNeeds(inputsOf({ ...good, 'upload-to': uploadTo, [name]: value }));
    }).not.toThrow();
  });
});
