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

const scenarios: [string, () => Record<string, string>][] = [
  ['config.json + archive + file destination', () => ({ ...base, 'upload-to': dest() })],
  ['dockercfg', () => ({ ...base, 'config-format': 'dockercfg', tarball: 'true' })],
  ['export-docker-config', () => ({ ...base, 'export-docker-config': 'true' })],
  ['state absent', () => ({ ...base, state: 'absent', 'upload-to': dest() })],
  ['bad input after the secrets', () => ({ ...base, 'upload-to': 'relative.tgz' })],
  [
    'duplicate registry',
    () => ({
      ...base,
      registries: `- registry: registry.example.com:5000\n  username: bot\n  password: ${PASSWORD2}\n`,
    }),
  ],
  [
    'broken registries YAML',
    () => ({ ...base, registries: `- registry: ghcr.io\n  password: "${PASSWORD2}\n` }),
  ],
  ['password with a newline', () => ({ ...base, password: `${PASSWORD}\n` })],
  [
    'numeric YAML password',
    () => ({ ...base, registries: '- registry: ghcr.io\n  username: bot\n  password: 867530912345\n' }),
  ],
  ['failing destination', () => ({ ...base, 'upload-to': path.join(fileNotDir(), 'docker.tar.gz') })],
];

function assertNoLeak(run: ActionRun): void {
  for (const secret of secrets) expect(run.shown, `leaked ${secret.slice(0, 4)}…`).not.toContain(secret);
  // The runner's files were scanned too; and the config is never written to the runner's home.
  expect(fs.readdirSync(path.join(run.workDir, 'home'))).toEqual([]);
}

/** The password and its derived values are registered before the action prints anything else. */
function assertMaskedFirst(run: ActionRun, yamlParses: boolean): void {
  const lines = run.main.stdout.split('\n');
  const firstOther = lines.findIndex((l) => l !== '' && !l.startsWith('::add-mask::'));
  // Unparseable YAML gives no username to derive `auth` from; its password is still masked.
  const derived = yamlParses ? [basic('bot', PASSWORD2)] : [];
  for (const secret of [PASSWORD, `ci:${PASSWORD}`, basic('ci', PASSWORD), PASSWORD2, ...derived]) {
    const mask = lines.indexOf(`::add-mask::${secret}`);
    expect(mask, `${secret.slice(0, 4)}… masked`).toBeGreaterThanOrEqual(0);
    expect(mask).toBeLessThan(firstOther);
  }
}

describe('secrets never leak (RUNNER_DEBUG=1)', () => {
  it.each(scenarios)('%s', async (_name, inputs) => {
    const run = await runAction(inputs(), { env: { RUNNER_DEBUG: '1' } });
    assertNoLeak(run);
    if (!/newline|numeric/.test(_name)) assertMaskedFirst(run, !_name.includes('broken'));
    if (_name.includes('numeric')) {
      expect(run.main.stdout).toContain('::add-mask::867530912345');
      expect(run.main.stdout).toContain(`::add-mask::${basic('bot', '867530912345')}`);
    }
    // A valid run registered the password and the derived auth before using them.
    if (run.main.code === 0) {
      expect(run.main.stdout).toContain(`::add-mask::${PASSWORD}`);
      expect(run.main.stdout).toContain(`::add-mask::${basic('ci', PASSWORD)}`);
    }
  });
});
