import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { INPUT_DEFAULTS } from '../src/context.js';
import { renderTables } from '../scripts/readme-tables.mjs';
import { ROOT } from './support/action.js';

const actionYml = fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8');
const action = parse(actionYml) as {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, unknown>;
  runs: Record<string, string>;
};
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const contextSource = fs.readFileSync(path.join(ROOT, 'src/context.ts'), 'utf8');

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

  it('every input is read by context.ts and every read input is declared', () => {
    const read = new Set(
      [...contextSource.matchAll(/(?:text|list|getInput)\('([a-z0-9-]+)'/g)].map((m) => m[1]),
    );
    expect([...read].sort()).toEqual(Object.keys(action.inputs).sort());
  });

  it("README's tables are rendered from action.yml (node scripts/readme-tables.mjs --write)", () => {
    const tables = renderTables(actionYml);
    expect(readme).toContain(`<!-- inputs:start -->\n${tables.inputs}\n<!-- inputs:end -->`);
    expect(readme).toContain(`<!-- outputs:start -->\n${tables.outputs}\n<!-- outputs:end -->`);
  });
});
