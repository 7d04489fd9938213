/**
 * Review of the foundation's input handling: `registries` YAML read as the user typed it (no
 * numbers or booleans made of passwords, no warnings quoting them), duplicate registries naming the
 * right input, and file:// destinations with a slash too few.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registriesSecrets } from '../src/credentials/registries-yaml.js';
import { fileDestination } from '../src/destinations/file.js';
import { InputError } from '../src/errors.js';
import { buildPlan, parseRegistriesYaml } from '../src/plan.js';
import { errorLines, listFiles, runAction } from './support/action.js';
import { defaultInputs, inputsOf } from './support/inputs.js';

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('no InputError thrown');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('registries YAML keeps secrets as written', () => {
  // Plain YAML scalars that the core schema turns into numbers or booleans.
  it.each(['0123', '1e3', '0x1F', '0o17', '12345678901234567890', '1.10', '.inf', 'true', 'no', '1_000'])(
    'password: %s',
    (literal) => {
      const plan = buildPlan(
        inputsOf({ registries: `- registry: ghcr.io\n  username: 007\n  password: ${literal}\n` }),
      );
      expect(plan.credentials).toHaveLength(1);
      expect(plan.credentials[0]).toMatchObject({ username: '007', password: literal });
      // The masking helper sees the same text the plan will use.
      expect(registriesSecrets(`- registry: ghcr.io\n  username: 007\n  password: ${literal}\n`)).toEqual([
        { username: '007', password: literal },
      ]);
    },
  );

  it.each(['~', 'null', ''])('password: %s is still an empty password', (literal) => {
    const error = inputError(() =>
      buildPlan(inputsOf({ registries: `- registry: ghcr.io\n  username: bot\n  password: ${literal}\n` })),
    );
    expect(error.input).toBe('registries[].password');
    expect(error.message).toMatch(/is empty or white space only/);
  });

  it('a list or mapping is still not a password', () => {
    const error = inputError(() =>
      parseRegistriesYaml('- registry: ghcr.io\n  username: a\n  password: [1]\n'),
    );
    expect(error.message).toMatch(/entry 1: 'password' must be a string/);
  });

  it('an unknown tag prints no YAML warning, which would quote the password line on stderr', () => {
    const warn = vi.spyOn(process, 'emitWarning');
    const text = '- registry: ghcr.io\n  username: bot\n  password: !vault tagged-secret-value\n';
    expect(parseRegistriesYaml(text)[0]).toMatchObject({ password: 'tagged-secret-value' });
    expect(registriesSecrets(text)).toEqual([{ username: 'bot', password: 'tagged-secret-value' }]);
    expect(warn).not.toHaveBeenCalled();
  });

  it('unparseable text still yields what follows password: for masking', () => {
    expect(registriesSecrets('- registry: ghcr.io\n  password: "open-quote-secret\n')).toEqual([
      { username: '', password: 'open-quote-secret' },
    ]);
  });
});

describe('duplicate registries name the input that repeats', () => {
  const single = { registry: 'docker.io', username: 'jane', password: 'hub-pw' };
  it('a repeat inside registries names registries and both entries, even with the single inputs set', () => {
    const error = inputError(() =>
      buildPlan(
        inputsOf({
          ...single,
          registries:
            '- registry: ghcr.io\n  username: a\n  password: b\n- registry: https://ghcr.io/v2/\n  username: c\n  password: d\n',
        }),
      ),
    );
    expect(error.input).toBe('registries');
    expect(error.message).toMatch(
      /registry ghcr.io is given twice \(registries entry 1 and registries entry 2\)/,
    );
  });

  it('a registries entry repeating the registry input names registry', () => {
    const error = inputError(() =>
      buildPlan(
        inputsOf({ ...single, registries: '- registry: index.docker.io\n  username: c\n  password: d\n' }),
      ),
    );
    expect(error.input).toBe('registry');
    expect(error.message).toMatch(/\(the registry input and registries entry 1\)/);
  });
});

describe('file destinations', () => {
  it.each([
    ['file://tmp/pc/docker.tar.gz', /names the host 'tmp'.*e\.g\. file:\/\/\/tmp\/pc\/docker\.tar\.gz/],
    ['file://srv.example.com/x.tar.gz', /names the host 'srv\.example\.com'/],
    ['file:tmp/docker.tar.gz', /relative path/],
    ['file:///srv/dir/', /names a directory/],
  ])('%s is refused', (uri, message) => {
    const error = inputError(() => fileDestination.parse(uri, defaultInputs()));
    expect(error.input).toBe('upload-to');
    expect(error.message).toMatch(message);
  });

  it.each([
    ['file:///srv/docker.tar.gz', '/srv/docker.tar.gz'],
    ['file:/srv/docker.tar.gz', '/srv/docker.tar.gz'],
    ['file://localhost/srv/docker.tar.gz', '/srv/docker.tar.gz'],
  ])('%s is %s', (uri, file) => {
    expect(fileDestination.parse(uri, defaultInputs()).display).toBe(`file://${file}`);
  });

  it('the built action refuses file://tmp/… with one error naming upload-to, writing nothing', async () => {
    const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-review-dest-'));
    try {
      const uri = `file:/${dest}/docker.tar.gz`; // file://tmp/… : two slashes
      const run = await runAction({ username: 'ci', password: 'pw-1', verify: 'off', 'upload-to': uri });
      expect(run.main.code).toBe(1);
      expect(errorLines(run.main)).toEqual([
        expect.stringMatching(new RegExp(`^Input 'upload-to': '${uri}' names the host 'tmp'`)),
      ]);
      expect(listFiles(run.runnerTemp)).toEqual([]);
      expect(listFiles(dest)).toEqual([]);
    } finally {
      fs.rmSync(dest, { recursive: true, force: true });
    }
  });
});
