/**
 * The compile cache: only in a directory private to this user, code only (never an input), never in
 * the action's own folder, and off when the directory cannot be trusted.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { privateCacheDir } from '../src/compile-cache.js';
import { DIST_MAIN, listFiles, runAction } from './support/action.js';

const uid = process.getuid?.();
const cacheName =
  uid === undefined ? 'pull-credentials-compile-cache' : `pull-credentials-compile-cache-${uid}`;
// Modes and owners are POSIX; Windows' temp directory is the user's own.
const posix = process.platform !== 'win32';
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'pc-cache-'));

describe.runIf(posix)('privateCacheDir', () => {
  const cases: { name: string; prepare: (dir: string) => void; usable: boolean }[] = [
    { name: 'missing: created mode 0700', prepare: () => {}, usable: true },
    {
      name: 'already private',
      prepare: (dir) => {
        fs.mkdirSync(dir, { mode: 0o700 });
      },
      usable: true,
    },
    {
      name: 'group-writable',
      prepare: (dir) => {
        fs.mkdirSync(dir);
        fs.chmodSync(dir, 0o770);
      },
      usable: false,
    },
    {
      name: 'world-writable',
      prepare: (dir) => {
        fs.mkdirSync(dir);
        fs.chmodSync(dir, 0o1777);
      },
      usable: false,
    },
    {
      name: 'a link to a private directory',
      prepare: (dir) => {
        const real = `${dir}-real`;
        fs.mkdirSync(real, { mode: 0o700 });
        fs.symlinkSync(real, dir);
      },
      usable: false,
    },
    {
      name: 'a file',
      prepare: (dir) => {
        fs.writeFileSync(dir, 'x');
      },
      usable: false,
    },
  ];
  it.each(cases)('$name', ({ prepare, usable }) => {
    const base = tmp();
    prepare(path.join(base, cacheName));
    const dir = privateCacheDir(base);
    expect(dir).toBe(usable ? path.join(base, cacheName) : undefined);
    const stat = fs.lstatSync(path.join(base, cacheName));
    expect(usable ? stat.mode & 0o777 : 'refused').toBe(usable ? 0o700 : 'refused');
  });

  it('is off when the base directory does not exist', () => {
    expect(privateCacheDir(path.join(tmp(), 'missing'))).toBeUndefined();
  });

  it.skipIf(uid !== 0)('refuses a directory another user owns', () => {
    const base = tmp();
    fs.mkdirSync(path.join(base, cacheName), { mode: 0o700 });
    fs.chownSync(path.join(base, cacheName), 4321, 4321);
    expect(privateCacheDir(base)).toBeUndefined();
  });
});

describe.runIf(posix)('the built action and its compile cache', () => {
  const password = 'compile-cache-pw-7';
  const inputs = { registry: 'registry.example.com:5000', username: 'ci', password, verify: 'off' };
  const distFiles = () => listFiles(path.dirname(DIST_MAIN)).sort();

  it('writes code into the private directory under TMPDIR, no input, nothing beside dist/', async () => {
    const before = distFiles();
    const temp = tmp();
    const run = await runAction(inputs, { env: { TMPDIR: temp } });
    expect(run.main.code, run.main.stdout).toBe(0);
    expect(run.post?.code).toBe(0);
    const cacheDir = path.join(temp, cacheName);
    expect(fs.statSync(cacheDir).mode & 0o777).toBe(0o700);
    const entries = listFiles(cacheDir).filter((f) => fs.statSync(path.join(cacheDir, f)).isFile());
    expect(entries.length).toBeGreaterThan(0);
    const bytes = Buffer.concat(entries.map((f) => fs.readFileSync(path.join(cacheDir, f))));
    for (const form of [password, Buffer.from(`ci:${password}`).toString('base64')]) {
      expect(bytes.includes(form), form).toBe(false);
    }
    expect(distFiles()).toEqual(before);

    // A second run uses it and behaves the same.
    const again = await runAction(inputs, { env: { TMPDIR: temp } });
    expect(again.main.code, again.main.stdout).toBe(0);
    expect(again.outputs).toEqual({ ...run.outputs, ...pickPaths(again.outputs) });
  });

  const refused: { name: string; env: Record<string, string>; plant?: (dir: string) => void }[] = [
    { name: 'NODE_DISABLE_COMPILE_CACHE=1', env: { NODE_DISABLE_COMPILE_CACHE: '1' } },
    {
      name: 'a world-writable directory planted under the name',
      env: {},
      plant: (dir) => {
        fs.mkdirSync(dir);
        fs.chmodSync(dir, 0o777);
      },
    },
  ];
  it.each(refused)('writes no cache with $name, and runs', async ({ env, plant }) => {
    const temp = tmp();
    const cacheDir = path.join(temp, cacheName);
    plant?.(cacheDir);
    const run = await runAction(inputs, { env: { TMPDIR: temp, ...env } });
    expect(run.main.code, run.main.stdout).toBe(0);
    expect(listFiles(cacheDir)).toEqual([]);
  });
});

/** The outputs that name per-run paths (they differ between runs). */
function pickPaths(outputs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(outputs).filter(([, value]) => value.includes(path.sep)));
}
