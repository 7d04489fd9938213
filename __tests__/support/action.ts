/**
 * Runs the built action (dist/main.js) the way the GitHub runner does: INPUT_* variables, the
 * GITHUB_OUTPUT / GITHUB_STATE / GITHUB_STEP_SUMMARY / GITHUB_ENV files, RUNNER_TEMP, then the post
 * step with the saved state as STATE_* variables.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Readable, Writable } from 'node:stream';

export const ROOT = path.resolve(import.meta.dirname, '../..');
/** The bundle under test: dist/main.js, or ACTION_MAIN (a private build, see scripts/build.mjs). */
export const DIST_MAIN = process.env['ACTION_MAIN'] ?? path.join(ROOT, 'dist/main.js');

export interface StepResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ActionRun {
  main: StepResult;
  post?: StepResult;
  outputs: Record<string, string>;
  state: Record<string, string>;
  env: Record<string, string>;
  summary: string;
  /** Everything the run made visible: stdout, stderr, summary, outputs, state and env files. */
  visible: string;
  /** `visible` without the `::add-mask::` registrations, the only lines allowed to hold a secret. */
  shown: string;
  runnerTemp: string;
  workDir: string;
  /** Runs the post step later, for a run made with skipPost (extra env, e.g. a STATE_ override). */
  runPost(env?: Record<string, string>): Promise<StepResult>;
}

/** Parses the runner's file-command format: `name=value` lines and `name<<DELIM` heredocs. */
export function parseFileCommands(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const value: string[] = [];
      while (++i < lines.length && lines[i] !== delimiter) value.push(lines[i]!);
      result[name!] = value.join('\n');
    } else if (line.includes('=')) {
      result[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return result;
}

/** A child process's exit code and everything it printed, once it has ended. */
export function collect(
  child: ChildProcessByStdio<Writable | null, Readable, Readable>,
): Promise<StepResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

function step(env: NodeJS.ProcessEnv, cwd: string): Promise<StepResult> {
  return collect(spawn(process.execPath, [DIST_MAIN], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** What a Windows process needs from its environment to run at all (unset elsewhere). */
const WINDOWS_ENV = ['SystemRoot', 'windir', 'ComSpec', 'PATHEXT', 'USERNAME', 'USERDOMAIN', 'USERPROFILE'];
const windowsEnv = (): NodeJS.ProcessEnv =>
  process.platform === 'win32'
    ? Object.fromEntries(WINDOWS_ENV.map((name) => [name, process.env[name]]))
    : {};

const inputEnvName = (name: string): string => `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;

export interface RunOptions {
  /** Extra environment (HOME, proxies, KUBECONFIG…). */
  env?: Record<string, string>;
  /** Skip the post step (to inspect RUNNER_TEMP while the files still exist). */
  skipPost?: boolean;
  /** Reuse a work directory (for a second run against the same RUNNER_TEMP). */
  workDir?: string;
}

export async function runAction(
  inputs: Record<string, string>,
  options: RunOptions = {},
): Promise<ActionRun> {
  const workDir = options.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pc-action-'));
  const runnerTemp = path.join(workDir, 'runner-temp');
  const home = path.join(workDir, 'home');
  fs.mkdirSync(runnerTemp, { recursive: true });
  fs.mkdirSync(home, { recursive: true });
  const files = {
    GITHUB_OUTPUT: path.join(workDir, 'output'),
    GITHUB_STATE: path.join(workDir, 'state'),
    GITHUB_STEP_SUMMARY: path.join(workDir, 'summary.md'),
    GITHUB_ENV: path.join(workDir, 'env'),
  };
  for (const file of Object.values(files)) {
    fs.writeFileSync(file, '');
  }

  const base: NodeJS.ProcessEnv = {
    ...windowsEnv(),
    PATH: process.env['PATH'],
    HOME: home,
    RUNNER_TEMP: runnerTemp,
    GITHUB_WORKSPACE: workDir,
    GITHUB_ACTIONS: 'true',
    ...files,
    ...options.env,
  };
  for (const [name, value] of Object.entries(inputs)) base[inputEnvName(name)] = value;

  const main = await step(base, workDir);
  const state = parseFileCommands(fs.readFileSync(files.GITHUB_STATE, 'utf8'));
  const postEnv: NodeJS.ProcessEnv = { ...base };
  for (const [name, value] of Object.entries(state)) postEnv[`STATE_${name}`] = value;
  const runPost = (env: Record<string, string> = {}) => step({ ...postEnv, ...env }, workDir);
  const post = options.skipPost ? undefined : await runPost();
  const outputs = parseFileCommands(fs.readFileSync(files.GITHUB_OUTPUT, 'utf8'));
  const env = parseFileCommands(fs.readFileSync(files.GITHUB_ENV, 'utf8'));
  const summary = fs.readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8');
  const visible = [
    main.stdout,
    main.stderr,
    post?.stdout ?? '',
    post?.stderr ?? '',
    summary,
    fs.readFileSync(files.GITHUB_OUTPUT, 'utf8'),
    fs.readFileSync(files.GITHUB_STATE, 'utf8'),
    fs.readFileSync(files.GITHUB_ENV, 'utf8'),
  ].join('\n');
  const shown = visible
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  return { main, post, outputs, state, env, summary, visible, shown, runnerTemp, workDir, runPost };
}

/** The `::error::` lines of a step's stdout, decoded. */
export function errorLines(result: StepResult): string[] {
  return result.stdout
    .split('\n')
    .filter((line) => line.startsWith('::error'))
    .map((line) =>
      line
        .slice(line.indexOf('::', 2) + 2)
        .replace(/%0A/g, '\n')
        .replace(/%25/g, '%'),
    );
}

/** Lists every file under a directory (relative paths); empty when it does not exist. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)));
}

/** The `status` of each verdict in the `verification` output. */
export function verdictStatuses(run: ActionRun): string[] {
  return (JSON.parse(run.outputs['verification'] ?? '[]') as { status: string }[]).map((v) => v.status);
}

/** The `user:password` a written config.json holds for a registry key. */
export function configAuth(configPath: string, key: string): string {
  const config = JSON.parse(fs.readFileSync(configPath, 'utf8')) as {
    auths: Record<string, { auth: string }>;
  };
  return Buffer.from(config.auths[key]?.auth ?? '', 'base64').toString('utf8');
}
