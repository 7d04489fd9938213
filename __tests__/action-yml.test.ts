import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { INPUT_DEFAULTS } from '../src/context.js';
import { inputSpecs } from '../src/inputs/index.js';
import { renderTables } from '../scripts/readme-tables.mjs';
import { ROOT } from './support/action.js';

const actionYml = fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8');
const action = parse(actionYml) as {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, unknown>;
  runs: Record<string, string>;
};
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

describe('action.yml', () => {
  it('runs on node24 with a main and a post step', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/main.js', post: 'dist/main.js' });
  });

  it('declares exactly the defaults the code applies', () => {
    const declared = Object.fromEntries(
      Object.entries(action.inputs)
        .filter(([, spec]) => spec.default !== undefined)
        .map(([name, spec]) => [name, String(spec.default)]),
    );
    expect(INPUT_DEFAULTS).toEqual(declared);
  });

  it('declares exactly the inputs the targets declare, with the same defaults', () => {
    const declared = inputSpecs.map((spec) => [spec.name, 'default' in spec ? spec.default : undefined]);
    const inYaml = Object.entries(action.inputs).map(([name, spec]) => [name, spec.default]);
    expect(Object.fromEntries(declared)).toEqual(Object.fromEntries(inYaml));
    expect(new Set(declared.map(([name]) => name)).size).toBe(declared.length);
  });

  it('describes exactly the list inputs as lists (newline lists or lines)', () => {
    const described = Object.entries(action.inputs as Record<string, { description: string }>)
      .filter(([, spec]) => /Newline list|\blines\b/.test(spec.description))
      .map(([name]) => name);
    const lists = inputSpecs
      .filter((spec) => 'kind' in spec && spec.kind === 'list')
      .map((spec) => spec.name);
    expect(described.sort()).toEqual([...lists].sort());
  });

  it("README's tables are rendered from action.yml (node scripts/readme-tables.mjs --write)", () => {
    const tables = renderTables(actionYml);
    expect(readme).toContain(`<!-- inputs:start -->\n${tables.inputs}\n<!-- inputs:end -->`);
    expect(readme).toContain(`<!-- outputs:start -->\n${tables.outputs}\n<!-- outputs:end -->`);
  });
});
