/**
 * Node's compile cache for the bundle: V8 code (compiled from dist/, never data) kept in a directory
 * private to this user, so a later run on the same machine skips parsing and compiling the bundle
 * (~20 ms of every start). Off when the directory cannot be made private: a cache another user could
 * write would be code this process runs.
 */
import * as fs from 'node:fs';
import { enableCompileCache } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

const DIR_NAME = 'pull-credentials-compile-cache';

/**
 * `base/pull-credentials-compile-cache[-uid]`, created mode 0700 if missing; undefined unless it is a
 * real directory (not a link) owned by this user that no one else may write.
 */
export function privateCacheDir(base: string = os.tmpdir()): string | undefined {
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  const dir = path.join(base, uid === undefined ? DIR_NAME : `${DIR_NAME}-${uid}`);
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
  }
  try {
    const stat = fs.lstatSync(dir);
    if (!stat.isDirectory()) return undefined;
    // Windows has no uids or modes here; its temp directory is the user's own.
    if (uid !== undefined && (stat.uid !== uid || (stat.mode & 0o022) !== 0)) return undefined;
    fs.accessSync(dir, fs.constants.W_OK);
    return dir;
  } catch {
    return undefined;
  }
}

/** Turns the cache on (NODE_COMPILE_CACHE and NODE_DISABLE_COMPILE_CACHE=1 still win); never throws. */
export function startCompileCache(): void {
  try {
    if (process.env['NODE_DISABLE_COMPILE_CACHE'] || process.env['NODE_COMPILE_CACHE']) return;
    const dir = privateCacheDir();
    if (dir) enableCompileCache(dir);
  } catch {
    // An optimisation only: the run goes on without it.
  }
}
