/**
 * One rule for every target: an input that only means something beside another (its target's
 * enabling input, or a kind of destination) is refused when given alone, naming it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { buildPlan } from '../src/plan.js';
import { checkInputNeeds, INPUT_NEEDS } from '../src/targets/requirements.js';
import { inputsOf } from './support/inputs.js';

const creds = { username: 'ci', password: 'pw-1' };

/** Inputs that give each enabler (the target or destination kind an input needs). */
const ENABLING: Record<string, Record<string, string>> = {
  'upload-to': { 'upload-to': '/srv/docker.tar.gz' },
  's3://': { 'upload-to': 's3://bucket/docker.tar.gz' },
  'https://': { 'upload-to': 'https://store.example.com/docker.tar.gz' },
  'kubernetes-namespaces': { 'kubernetes-namespaces': 'apps' },
  'dcos-url': { 'dcos-url': 'https://dcos.example.com' },
  'marathon-definitions': { 'marathon-definitions': 'app.json' },
  'rapyuta-token': { 'rapyuta-token': 'tok' },
};

/** Each input with a value other than its default (what a user would set). */
const VALUE: Record<string, string> = { 's3-sse': 'aws:kms', 'fetch-scheme': 'native' };
const valueOf = (input: string) => VALUE[input] ?? 'given-value';

const actionInputs = Object.keys(
  (parse(fs.readFileSync(path.join(import.meta.dirname, '../action.yml'), 'utf8')) as { inputs: object })
    .inputs,
);

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

const rows = Object.entries(INPUT_NEEDS).map(([input, needs]) => ({ input, needs }));

describe('inputs that need another', () => {
  it('names only inputs of action.yml, and every enabler has a test fixture', () => {
    expect(rows.map((r) => r.input).filter((i) => !actionInputs.includes(i))).toEqual([]);
    expect(new Set(rows.map((r) => r.needs))).toEqual(new Set(Object.keys(ENABLING)));
  });

  it.each(rows)('$input alone is refused, naming it and $needs', ({ input, needs }) => {
    const error = thrown(() => buildPlan(inputsOf({ ...creds, [input]: valueOf(input) })));
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).input).toBe(input);
    // The message says what is missing, in the enabler's own words (s3://, kubernetes-namespaces…).
    expect((error as InputError).message).toMatch(
      new RegExp(`^Input '${input}': is set but [^:]*${needs.replace(/[/]/g, '\\/')}`),
    );
  });

  it.each(rows)('$input beside $needs passes this check', ({ input, needs }) => {
    expect(() => {
      checkInputNeeds(inputsOf({ ...creds, ...ENABLING[needs], [input]: valueOf(input) }));
    }).not.toThrow();
  });

  it('a value equal to its default counts as not given', () => {
    expect(() => {
      checkInputNeeds(inputsOf({ ...creds, 's3-sse': 'AES256', 'kubernetes-secret-name': 'regcred' }));
    }).not.toThrow();
  });

  it('an s3-* input beside an https:// destination only is still refused', () => {
    const error = thrown(() => {
      checkInputNeeds(
        inputsOf({ ...ENABLING['https://'], 's3-region': 'eu-west-1', 's3-endpoint': 'https://m' }),
      );
    });
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).input).toBe('s3-endpoint');
    expect((error as InputError).message).toBe(
      "Input 's3-endpoint': is set but upload-to has no s3:// destination: it applies only to s3:// destinations; " +
        'set that, or remove it (and s3-region)',
    );
  });

  it('upload-headers beside an s3:// destination only is refused', () => {
    const error = thrown(() => {
      checkInputNeeds(inputsOf({ ...ENABLING['s3://'], 'upload-headers': 'Authorization: Bearer x' }));
    });
    expect((error as InputError).input).toBe('upload-headers');
    expect((error as InputError).message).toMatch(/is set but upload-to has no https:\/\/ destination/);
  });
});
