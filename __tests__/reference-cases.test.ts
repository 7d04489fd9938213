/**
 * Every case of distribution/reference's own test tables (reference_test.go, normalize_test.go,
 * regexp_test.go), replayed through docker's ParseDockerRef, against our parser. Where a docker or
 * containerd binary (which link crypto/sha512) answers otherwise, that answer is the one held.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseImageReference, ReferenceError } from '../src/registry/reference.js';

interface Outcome {
  reject: boolean;
  domain?: string;
  path?: string;
  tag?: string;
  digest?: string;
  reference?: string;
  canonical?: string;
}
interface Case extends Outcome {
  input: string;
  withSha512Registered?: Outcome;
}

const file = JSON.parse(
  readFileSync(new URL('./fixtures/reference-cases.json', import.meta.url), 'utf8'),
) as { source: { caseCount: number }; cases: Case[] };

describe('image references as docker parses them (distribution/reference tables)', () => {
  it('holds every case of the table', () => {
    expect(file.cases).toHaveLength(file.source.caseCount);
  });

  const cases = file.cases.map((c) => ({ input: c.input, want: c.withSha512Registered ?? c }));
  const accepted = cases.filter((c) => !c.want.reject);
  const rejected = cases.filter((c) => c.want.reject);

  it.each(accepted)('accepts $input', ({ input, want }) => {
    const ref = parseImageReference(input);
    expect({
      domain: ref.domain,
      path: ref.repository,
      reference: ref.reference,
      canonical: ref.canonical,
      digest: ref.digest,
      tag: ref.digest === undefined ? ref.tag : undefined,
    }).toEqual({
      domain: want.domain,
      path: want.path,
      reference: want.reference,
      canonical: want.canonical,
      digest: want.digest,
      tag: want.digest === undefined ? want.tag : undefined,
    });
  });

  it.each(rejected)('rejects $input', ({ input }) => {
    expect(() => parseImageReference(input)).toThrow(ReferenceError);
  });
});
