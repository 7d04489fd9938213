/**
 * Secrets in the `registries` YAML that the yaml package would otherwise turn into something else
 * or quote in a warning: masked exactly as written, before anything else, and never on stderr.
 * (Needs context.ts to mask through registriesSecrets, the reader plan.ts uses.)
 */
import { describe, expect, it } from 'vitest';
import { runAction } from './support/action.js';

const basic = (user: string, pass: string) => Buffer.from(`${user}:${pass}`).toString('base64');

describe('registries YAML secrets (RUNNER_DEBUG=1)', () => {
  it.each([
    ['an unknown tag, which the yaml package warns about quoting the line', '!vault tagged-Secret-value-42'],
    ['a number with a leading zero', '0123456789'],
    ['a number too long for a double', '98765432109876543210'],
  ])('%s', async (_name, yamlValue) => {
    const password = yamlValue.replace(/^!vault /, '');
    const run = await runAction(
      {
        registries: `- registry: ghcr.io\n  username: bot\n  password: ${yamlValue}\n`,
        verify: 'off',
      },
      { env: { RUNNER_DEBUG: '1' } },
    );
    expect(run.main.code).toBe(0);
    const lines = run.main.stdout.split('\n');
    const firstOther = lines.findIndex((l) => l !== '' && !l.startsWith('::add-mask::'));
    for (const secret of [password, `bot:${password}`, basic('bot', password)]) {
      const mask = lines.indexOf(`::add-mask::${secret}`);
      expect(mask, `${secret.slice(0, 4)}… masked as written`).toBeGreaterThanOrEqual(0);
      expect(mask).toBeLessThan(firstOther);
    }
    expect(run.shown).not.toContain(password);
    expect(run.main.stderr).toBe('');
  });
});
