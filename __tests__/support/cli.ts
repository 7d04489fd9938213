/**
 * Runs the built command (dist/cli.js) as a CI job would: inputs as flags, secrets in
 * PULL_CREDENTIALS_* variables, nothing of GitHub Actions in the environment.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inputSpec } from '../../src/inputs/index.js';
import { collect, ROOT, type StepResult } from './action.js';

/** The bundle under test: dist/cli.js, or CLI_MAIN (a private build). */
export const DIST_CLI = process.env['CLI_MAIN'] ?? path.join(ROOT, 'dist/cli.js');

export interface CliOptions {
  env?: Record<string, string>;
  stdin?: string;
  cwd?: string;
}

export function runCli(args: readonly string[], options: CliOptions = {}): Promise<StepResult> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-cli-home-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: home,
    TMPDIR: os.tmpdir(),
    ...options.env,
  };
  const child = spawn(process.execPath, [DIST_CLI, ...args], {
    env,
    cwd: options.cwd ?? home,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end(options.stdin ?? '');
  return collect(child).finally(() => {
    fs.rmSync(home, { recursive: true, force: true });
  });
}

export const envName = (name: string): string => `PULL_CREDENTIALS_${name.replace(/-/g, '_').toUpperCase()}`;

/**
 * The same inputs as the action's INPUT_* values, the command line's way: secrets in the
 * environment, everything else as flags (a list as one flag per line).
 */
export function cliInputs(inputs: Record<string, string>): { args: string[]; env: Record<string, string> } {
  const args: string[] = [];
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(inputs)) {
    const spec = inputSpec(name);
    if (spec === undefined) throw new Error(`no input ${name}`);
    if (spec.secret !== undefined) env[envName(name)] = value;
    else if (spec.kind === 'list') for (const line of value.split('\n')) args.push(`--${name}=${line}`);
    else args.push(`--${name}`, value);
  }
  return { args, env };
}

/** The `name=value` lines a run prints on stdout. */
export function outputLines(stdout: string): Record<string, string> {
  return Object.fromEntries(
    stdout
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** The lines a failed run gives as its reason (`pull-credentials: …`), prefix removed. */
export function errorMessages(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('pull-credentials: '))
    .map((line) => line.slice('pull-credentials: '.length));
}
