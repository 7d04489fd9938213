import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { TargetError } from './errors.js';

/**
 * `icacls` arguments that leave one account alone with access: inherited entries removed (a
 * runner's RUNNER_TEMP lets every local user read), full control granted to that account.
 */
export function ownerOnlyAclArgs(target: string, account: string, directory: boolean): string[] {
  return [target, '/inheritance:r', '/grant:r', `${account}:${directory ? '(OI)(CI)F' : 'F'}`];
}

/** The account this process runs as, as icacls names it (DOMAIN\user when the domain is known). */
export function currentAccount(env: NodeJS.ProcessEnv = process.env): string {
  const user = env['USERNAME'] || os.userInfo().username;
  return env['USERDOMAIN'] ? `${env['USERDOMAIN']}\\${user}` : user;
}

/**
 * Makes a file or directory private to the account running the job. POSIX: the mode (0600/0700).
 * Windows ignores the mode but for the read-only bit, so the ACL is replaced with icacls (a path
 * and the account name on its command line, never a secret).
 */
export async function restrictToOwner(target: string, directory = false): Promise<void> {
  await fs.chmod(target, directory ? 0o700 : 0o600);
  if (process.platform !== 'win32') return;
  const { getExecOutput } = await import('@actions/exec');
  const result = await getExecOutput('icacls', ownerOnlyAclArgs(target, currentAccount(), directory), {
    silent: true,
    ignoreReturnCode: true,
  });
  if (result.exitCode !== 0) {
    throw new Error(`icacls could not make ${target} private: ${(result.stderr || result.stdout).trim()}`);
  }
}

/**
 * A rename over an existing file. Windows refuses to replace a read-only file (EPERM): its
 * read-only attribute is cleared once (chmod sets it) and the rename tried again.
 */
async function replace(temp: string, file: string): Promise<void> {
  try {
    await fs.rename(temp, file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'EACCES') throw error;
    const stat = await fs.stat(file).catch(() => undefined);
    if (!stat || (stat.mode & 0o200) !== 0) {
      throw new TargetError(
        `cannot replace ${file} (${code}): check the file is not open or locked by another process`,
      );
    }
    await fs.chmod(file, stat.mode | 0o200);
    try {
      await fs.rename(temp, file);
    } catch (retry) {
      await fs.chmod(file, stat.mode).catch(() => undefined);
      throw new TargetError(
        `cannot replace ${file}: it is read-only and stays so after clearing the attribute ` +
          `(${(retry as NodeJS.ErrnoException).code ?? 'error'}); make it writable, or write elsewhere`,
      );
    }
  }
}

/**
 * Writes a file atomically: a private temp file beside the target, then a rename, so readers (and
 * a crash) never see half a file. Parent directories are created 0700. The temp file is made
 * private before any byte is written to it.
 */
export async function writeFileAtomic(file: string, data: string | Buffer, mode = 0o600): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await fs.writeFile(temp, '', { mode: 0o600, flag: 'wx' });
    // Credentials (0600) are made private before a byte is written; other files keep the ACL
    // their directory gives them.
    if (mode === 0o600) await restrictToOwner(temp);
    await fs.writeFile(temp, data);
    await fs.chmod(temp, mode); // the umask may have narrowed or widened it
    await replace(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}

export async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
