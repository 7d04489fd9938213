/**
 * Main → post hand-off. Only the per-run directory's path crosses over: never a secret.
 * Each run gets its own directory under RUNNER_TEMP, so concurrent jobs on a shared self-hosted
 * runner never share or clean up each other's files (docker/login-action#173).
 */
import * as core from '@actions/core';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { restrictToOwner } from './fsutil.js';
import { saveState } from './sink.js';

const IS_POST = 'isPost';
const RUN_DIR = 'runDir';

export const isPost = (): boolean => core.getState(IS_POST) === 'true';

/** Marks that the main step ran, so the same entry point runs the post step next time. */
export function markMain(): void {
  saveState(IS_POST, 'true');
}

const PREFIX = 'pull-credentials-';
const runnerTemp = (): string => process.env['RUNNER_TEMP'] || os.tmpdir();

export async function createRunDir(): Promise<string> {
  const base = runnerTemp();
  await fs.mkdir(base, { recursive: true });
  const dir = await fs.mkdtemp(path.join(base, PREFIX));
  await restrictToOwner(dir, true);
  saveState(RUN_DIR, dir);
  return dir;
}

export const savedRunDir = (): string => core.getState(RUN_DIR);

/** Whether a path is a run directory this action makes, so the post step never removes anything else. */
export function isRunDir(dir: string): boolean {
  const resolved = path.resolve(dir);
  return path.dirname(resolved) === path.resolve(runnerTemp()) && path.basename(resolved).startsWith(PREFIX);
}
