/** `pull-credentials --help`: every declared input, described as action.yml describes it. */
import { parse } from 'yaml';
import actionYml from '../../action.yml';
import { inputSpecs } from '../inputs/index.js';
import type { InputSpec } from '../inputs/spec.js';
import { envName } from './args.js';

type Described = Record<string, { description?: string }>;

/** action.yml's descriptions of inputs or outputs, by name (bundled at build time: no action.yml needed). */
export function descriptions(section: 'inputs' | 'outputs'): Record<string, string> {
  const action = parse(actionYml) as Record<'inputs' | 'outputs', Described>;
  return Object.fromEntries(
    Object.entries(action[section]).map(([name, spec]) => [name, (spec.description ?? '').trim()]),
  );
}

function flag(spec: InputSpec): string {
  const value = spec.kind === 'list' ? 'VALUE (repeatable)' : spec.kind === 'document' ? 'TEXT' : 'VALUE';
  return `--${spec.name} ${value}`;
}

function env(spec: InputSpec): string {
  const name = envName(spec.name);
  if (spec.secret === 'document') return `env: ${name} (secret: as a flag, a file path only)`;
  if (spec.secret !== undefined) return `env: ${name} (secret: from the environment only, never a flag)`;
  return `env: ${name}`;
}

export function helpText(): string {
  const described = descriptions('inputs');
  const outputs = Object.entries(descriptions('outputs')).map(([name, text]) => `  ${name}\n      ${text}`);
  const inputs = (inputSpecs as readonly InputSpec[]).map((spec) => {
    const defaults = spec.default === undefined ? '' : ` [default: ${spec.default}]`;
    return `  ${flag(spec)}\n      ${described[spec.name] ?? ''}${defaults}\n      ${env(spec)}`;
  });
  return `Usage: pull-credentials [--name value ...]

Writes Docker pull credentials, proves the images pull with them, and ships them to the targets:
the same engine and inputs as the pull-credentials GitHub Action, for any CI or a terminal.

Every input is a flag of the same name or an environment variable PULL_CREDENTIALS_<NAME>
(upper case, dashes as underscores); a flag wins. List inputs repeat, or take newline-separated
values. Secrets come from the environment (or --password-stdin), never from flags.

Options:
  --output-dir DIR   where config.json and docker.tar.gz go (default: a new temporary directory)
  --json             print the outputs as one JSON object instead of name=value lines: the outputs
                     that are JSON (uploaded, fetch-uris, verification, kubernetes, ...) as nested
                     arrays and objects, verified as a boolean, changes as a number, others strings
  --password-stdin   read the registry password from standard input
  --debug            debug lines in the report
  --help, -h         this text
  --version          the version

Exit status: 0 everything succeeded, 1 a verification or a target failed, 2 an input is wrong.
The report goes to stderr, the outputs to stdout.

Inputs:
${inputs.join('\n')}

Outputs (name=value lines on stdout, or one JSON object with --json):
${outputs.join('\n')}
`;
}
