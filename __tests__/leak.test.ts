/**
 * No secret may reach anything the runner shows or keeps: stdout, stderr, the job summary, outputs,
 * state or exported env — with RUNNER_DEBUG=1, in passing and failing runs alike. The only lines
 * allowed to carry a secret are the `::add-mask::` registrations, and they come first.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAction, type ActionRun } from './support/action.js';

const PASSWORD = 'Leak-Test-Pa55word!';
const PASSWORD2 = 'second-registry-token-0xBEEF';
const basic = (user: string, pass: string) => Buffer.from(`${user}:${pass}`).toString('base64');

const secrets = [
  '867530912345',
  PASSWORD,
  `ci:${PASSWORD}`,
  basic('ci', PASSWORD),
  PASSWORD2,
  `bot:${PASSWORD2}`,
  basic('bot', PASSWORD2),
];

const base = {
  registry: 'registry.example.com:5000',
  username: 'ci',
  password: PASSWORD,
  registries: `- registry: ghcr.io\n  username: bot\n  password: ${PASSWORD2}\n`,
  verify: 'off',
};
const dest = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pc-leak-')), 'docker.tar.gz');

/** A path whose parent is a regular file: writing under it fails with ENOTDIR. */
const fileNotDir = () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pc-leak-')), 'not-a-dir');
  fs.writeFileSync(file, '');
  return file;
};

/** What every run with `base` registers first: both passwords, `user:pass`, and the base64 `auth`. */
const BASE_MASKS = [
  PASSWORD,
  `ci:${PASSWORD}`,
  basic('ci', PASSWORD),
  PASSWORD2,
  `bot:${PASSWORD2}`,
  basic('bot', PASSWORD2),
];

/** Each scenario: its inputs, and the exact values it must register before printing anything else. */
const scenarios: [string, () => Record<string, string>, string[]][] = [
  ['config.json + archive + file destination', () => ({ ...base, 'upload-to': dest() }), BASE_MASKS],
  ['dockercfg', () => ({ ...base, 'config-format': 'dockercfg', tarball: 'true' }), BASE_MASKS],
  ['export-docker-config', () => ({ ...base, 'export-docker-config': 'true' }), BASE_MASKS],
  ['state absent', () => ({ ...base, state: 'absent', 'upload-to': dest() }), BASE_MASKS],
  ['bad input after the secrets', () => ({ ...base, 'upload-to': 'relative.tgz' }), BASE_MASKS],
  [
    'duplicate registry',
    () => ({
      ...base,
      registries: `- registry: registry.example.com:5000\n  username: bot\n  password: ${PASSWORD2}\n`,
    }),
    BASE_MASKS,
  ],
  [
    'broken registries YAML',
    () => ({ ...base, registries: `- registry: ghcr.io\n  password: "${PASSWORD2}\n` }),
    // No username to derive `auth` from; the password is still masked.
    [PASSWORD, `ci:${PASSWORD}`, basic('ci', PASSWORD), PASSWORD2],
  ],
  [
    'password with a newline',
    () => ({ ...base, password: `${PASSWORD}\n` }),
    // The runner's encoding of the newline, as the registration line carries it.
    [`${PASSWORD}%0A`, `ci:${PASSWORD}%0A`, basic('ci', `${PASSWORD}\n`), ...BASE_MASKS.slice(3)],
  ],
  [
    'numeric YAML password',
    () => ({ ...base, registries: '- registry: ghcr.io\n  username: bot\n  password: 867530912345\n' }),
    [...BASE_MASKS.slice(0, 3), '867530912345', 'bot:867530912345', basic('bot', '867530912345')],
  ],
  [
    'failing destination',
    () => ({ ...base, 'upload-to': path.join(fileNotDir(), 'docker.tar.gz') }),
    BASE_MASKS,
  ],
];

function assertNoLeak(run: ActionRun): void {
  for (const secret of secrets) expect(run.shown, `leaked ${secret.slice(0, 4)}…`).not.toContain(secret);
  // The runner's files were scanned too; and the config is never written to the runner's home.
  expect(fs.readdirSync(path.join(run.workDir, 'home'))).toEqual([]);
}

/** The given values are registered before the action prints anything else. */
function assertMaskedFirst(run: ActionRun, masked: string[]): void {
  const lines = run.main.stdout.split('\n');
  const firstOther = lines.findIndex((l) => l !== '' && !l.startsWith('::add-mask::'));
  const late = masked.filter((secret) => {
    const at = lines.indexOf(`::add-mask::${secret}`);
    return at < 0 || at > firstOther;
  });
  expect(late.map((secret) => `${secret.slice(0, 4)}…`)).toEqual([]);
}

describe('secrets never leak (RUNNER_DEBUG=1)', () => {
  it.each(scenarios)('%s', async (_name, inputs, masked) => {
    const run = await runAction(inputs(), { env: { RUNNER_DEBUG: '1' } });
    assertNoLeak(run);
    assertMaskedFirst(run, masked);
  });
});
