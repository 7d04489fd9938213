/**
 * Packages the bundle evaluates on first use (scripts/build.mjs: yaml behind getters) behave in the
 * built action as imported normally: parse results and the YAMLParseError class both reach the code.
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorLines, runAction } from './support/action.js';

const base = { registry: 'registry.example.com:5000', username: 'ci', password: 'lazy-pw-1', verify: 'off' };

describe('the built action, yaml loaded on first use', () => {
  const cases: { name: string; registries: string; code: number; errors: RegExp[]; auths: string[] }[] = [
    {
      name: 'a registries list is parsed',
      registries: '- registry: ghcr.io\n  username: bot\n  password: 0123\n',
      code: 0,
      errors: [],
      auths: ['ghcr.io', 'registry.example.com:5000'],
    },
    {
      name: 'a YAML syntax error is a YAMLParseError, cited by line',
      registries: '- registry: [unclosed\n',
      code: 1,
      errors: [/registries.*not valid YAML at line 1/],
      auths: [],
    },
  ];
  it.each(cases)('$name', async ({ registries, code, errors, auths }) => {
    const run = await runAction({ ...base, registries }, { skipPost: true });
    expect(run.main.code, run.main.stdout).toBe(code);
    const lines = errorLines(run.main);
    expect(lines).toHaveLength(errors.length);
    errors.forEach((pattern, i) => {
      expect(lines[i]).toMatch(pattern);
    });
    const config = run.outputs['docker-config'];
    const written = config
      ? Object.keys((JSON.parse(fs.readFileSync(config, 'utf8')) as { auths: object }).auths)
      : [];
    expect(written.sort()).toEqual(auths);
  });
});
