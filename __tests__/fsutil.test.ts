/**
 * Atomic private writes: the ACL Windows gets in place of a mode, and replacing a read-only file,
 * which Windows refuses (EPERM) where POSIX renames over it. The rename below behaves as Windows'
 * MoveFileEx does for a read-only target, so the fallback runs on any OS.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

const windowsRename = { on: false, locked: false };

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...real,
    rename: async (from: string, to: string) => {
      const target = await real.stat(to).catch(() => undefined);
      if (target && (windowsRename.locked || (windowsRename.on && (target.mode & 0o200) === 0))) {
        throw Object.assign(new Error(`EPERM: operation not permitted, rename '${from}' -> '${to}'`), {
          code: 'EPERM',
        });
      }
      return real.rename(from, to);
    },
  };
});

const { currentAccount, ownerOnlyAclArgs, writeFileAtomic } = await import('../src/fsutil.js');

const dirs: string[] = [];
const tmp = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-fsutil-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  windowsRename.on = false;
  windowsRename.locked = false;
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('owner-only ACLs on Windows', () => {
  it.each([
    [false, ['C:\\t\\config.json', '/inheritance:r', '/grant:r', 'CORP\\runner:F']],
    [true, ['C:\\t\\config.json', '/inheritance:r', '/grant:r', 'CORP\\runner:(OI)(CI)F']],
  ])('directory %s → icacls %j', (directory, args) => {
    expect(ownerOnlyAclArgs('C:\\t\\config.json', 'CORP\\runner', directory)).toEqual(args);
  });

  it.each([
    [{ USERNAME: 'runneradmin', USERDOMAIN: 'fv-az123' }, 'fv-az123\\runneradmin'],
    [{ USERNAME: 'runneradmin' }, 'runneradmin'],
    [{}, os.userInfo().username],
  ])('account of %j is %s', (env, account) => {
    expect(currentAccount(env)).toBe(account);
  });
});

describe('writeFileAtomic', () => {
  it('writes 0600 and leaves no temp file', async () => {
    const file = path.join(tmp(), 'a/b/config.json');
    await writeFileAtomic(file, 'secret');
    expect(fs.readFileSync(file, 'utf8')).toBe('secret');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['config.json']);
  });

  it('replaces a read-only file where the OS refuses to (EPERM), keeping its mode', async () => {
    windowsRename.on = true;
    const file = path.join(tmp(), 'app.json');
    fs.writeFileSync(file, 'old');
    fs.chmodSync(file, 0o444);
    await writeFileAtomic(file, 'new', 0o444);
    expect(fs.readFileSync(file, 'utf8')).toBe('new');
    expect(fs.statSync(file).mode & 0o777).toBe(0o444);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['app.json']);
  });

  it('says clearly when a writable file still cannot be replaced (locked), and cleans up', async () => {
    windowsRename.locked = true; // a file held open by another process: refused whatever its mode
    const dir = tmp();
    const file = path.join(dir, 'app.json');
    fs.writeFileSync(file, 'old');
    await expect(writeFileAtomic(file, 'new', 0o644)).rejects.toThrow(
      /^cannot replace .*app\.json \(EPERM\): check the file is not open or locked by another process$/,
    );
    expect(fs.readFileSync(file, 'utf8')).toBe('old');
    expect(fs.readdirSync(dir)).toEqual(['app.json']);
  });
});
