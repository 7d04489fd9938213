/**
 * The command line: every declared input is a flag of the same name (`--upload-to`), or an
 * environment variable `PULL_CREDENTIALS_<NAME>`. Pure parsing; a mistake is an InputError (or a
 * UsageError for what is not an input), reported with exit code 2.
 */
import { InputError } from '../errors.js';
import { inputSpec, isFilePath, type InputSource } from '../inputs/index.js';
import type { InputSpec } from '../inputs/spec.js';

/** A command-line mistake that is not about an input's value (an unknown option, a missing value). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface CliArgs {
  help: boolean;
  version: boolean;
  json: boolean;
  debug: boolean;
  passwordStdin: boolean;
  outputDir?: string;
  /** Input values from flags, by input name; a list flag may repeat. */
  flags: Map<string, string[]>;
}

const OPTIONS = ['help', 'version', 'json', 'debug', 'password-stdin', 'output-dir'] as const;
const SWITCHES = new Set(['help', 'version', 'json', 'debug', 'password-stdin']);

export const envName = (name: string): string => `PULL_CREDENTIALS_${name.replace(/-/g, '_').toUpperCase()}`;

export function parseArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = {
    help: false,
    version: false,
    json: false,
    debug: false,
    passwordStdin: false,
    flags: new Map(),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h') {
      args.help = true;
      continue;
    }
    const match = /^--([a-z0-9-]+)(?:=([\s\S]*))?$/.exec(arg);
    if (!match) {
      // Not echoed: a value typed without its flag may be a secret.
      throw new UsageError(`unexpected argument ${i + 1}: every input is given as --name value`);
    }
    const name = match[1]!;
    const inline = match[2];
    if (SWITCHES.has(name)) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      if (name === 'help') args.help = true;
      else if (name === 'version') args.version = true;
      else if (name === 'json') args.json = true;
      else if (name === 'debug') args.debug = true;
      else args.passwordStdin = true;
      continue;
    }
    const spec = inputSpec(name);
    if (spec === undefined && !(OPTIONS as readonly string[]).includes(name)) {
      throw new UsageError(`unknown option --${name} (pull-credentials --help lists them)`);
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || /^--[a-z]/.test(next)) {
        throw new UsageError(`--${name} needs a value (--${name}=VALUE for one that begins with --)`);
      }
      value = next;
      i++;
    }
    if (spec === undefined) {
      if (args.outputDir !== undefined) throw new UsageError('--output-dir is given twice');
      if (value.trim() === '') throw new UsageError('--output-dir is empty');
      args.outputDir = value;
      continue;
    }
    const seen = args.flags.get(name) ?? [];
    if (seen.length > 0 && spec.kind !== 'list') {
      throw new InputError(name, `--${name} is given twice (only list inputs repeat)`);
    }
    args.flags.set(name, [...seen, value]);
  }
  return args;
}

/** Why a secret must not be a flag: every user of the machine can read a process's arguments. */
function refuseSecretFlag(spec: InputSpec, value: string): void {
  if (spec.secret === undefined) return;
  // A document given as a file path is not itself a secret (the file's contents are).
  if (spec.secret === 'document' && isFilePath(value)) return;
  const where = spec.secret === 'document' ? ', or give a file path' : '';
  const stdin = spec.name === 'password' ? ', or pipe it to --password-stdin' : '';
  throw new InputError(
    spec.name,
    `is a secret and must not be a command-line flag (other users can read the process list): set ${envName(spec.name)}${where}${stdin}`,
  );
}

/**
 * Input values from flags first, then PULL_CREDENTIALS_* variables; the password may come from
 * standard input instead. Secrets given as flags are refused before anything is read.
 */
export function cliSource(
  args: CliArgs,
  env: NodeJS.ProcessEnv,
  stdinPassword: string | undefined,
): InputSource {
  for (const [name, values] of args.flags) {
    const spec = inputSpec(name)!;
    for (const value of values) refuseSecretFlag(spec, value);
  }
  if (stdinPassword !== undefined && (env[envName('password')] ?? '') !== '') {
    throw new InputError(
      'password',
      `is given twice: by --password-stdin and by ${envName('password')}; keep one`,
    );
  }
  return {
    get(spec) {
      const flags = args.flags.get(spec.name);
      if (flags !== undefined) return flags.join('\n');
      if (spec.name === 'password' && stdinPassword !== undefined) return stdinPassword;
      return env[envName(spec.name)] ?? '';
    },
  };
}

/** What `docker login --password-stdin` keeps of its input: everything but one trailing newline. */
export function passwordFromStdin(text: string): string {
  return text.replace(/\n$/, '').replace(/\r$/, '');
}
