/**
 * Every declared input, read generically from a source (the GitHub Actions INPUT_* variables, or the
 * command line's flags and environment). Adding an input: one line in the declarations of the
 * target (or destination kind) it belongs to, its entry in action.yml, and the README tables
 * (`node scripts/readme-tables.mjs --write`); a test keeps the three equal.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { registriesSecrets } from '../credentials/registries-yaml.js';
import { httpsInputs } from '../destinations/https-inputs.js';
import { s3Inputs } from '../destinations/s3-inputs.js';
import { InputError } from '../errors.js';
import { expandHome, isDocumentText } from '../paths.js';
import { identityInputs } from '../identity/inputs.js';
import { registerCredential, registerSecret } from '../secrets.js';
import { dcosInputs } from '../targets/dcos/inputs.js';
import { kubernetesInputs } from '../targets/kubernetes/inputs.js';
import { marathonInputs } from '../targets/marathon/inputs.js';
import { rapyutaInputs } from '../targets/rapyuta/inputs.js';
import { uploadInputs } from '../targets/upload/inputs.js';
import { coreInputs } from './core.js';
import { camelCase, type InputSpec, type InputsOf } from './spec.js';

/** The one registration list (pull-credentials --help lists the inputs in this order). */
export const inputSpecs = [
  ...coreInputs,
  ...identityInputs,
  ...uploadInputs,
  ...httpsInputs,
  ...s3Inputs,
  ...kubernetesInputs,
  ...dcosInputs,
  ...marathonInputs,
  ...rapyutaInputs,
] as const;

export type Inputs = InputsOf<typeof inputSpecs>;

/** Where raw input values come from: the text as given, untrimmed, or '' when not given. */
export interface InputSource {
  get(spec: InputSpec): string;
}

export function inputSpec(name: string): InputSpec | undefined {
  return inputSpecs.find((spec) => spec.name === name);
}

/** action.yml's defaults, by input name. */
export function inputDefaults(): Record<string, string> {
  return Object.fromEntries(
    inputSpecs.flatMap((spec: InputSpec) => (spec.default === undefined ? [] : [[spec.name, spec.default]])),
  );
}

function value(spec: InputSpec, raw: string): string | string[] {
  switch (spec.kind ?? 'text') {
    case 'list':
      return raw
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('#'));
    case 'document':
      return raw.trim();
    default: {
      // A secret keeps its white space, so that a stray newline is reported rather than dropped.
      const text = spec.secret === 'value' ? raw : raw.trim();
      return text === '' ? (spec.default ?? '') : text;
    }
  }
}

/** Whether a document input names a file: its contents are masked by the target reading it. */
export function isFilePath(value: string): boolean {
  const text = value.trim();
  if (text === '' || isDocumentText(text)) return false;
  try {
    return fs.statSync(expandHome(text, os.homedir(), path)).isFile();
  } catch {
    return false;
  }
}

/** Registers a secret input in every form (src/secrets.ts); `embedded` ones are registered by their parsers. */
function mask(spec: InputSpec, raw: string): void {
  if (raw.trim() === '') return;
  // A document's path is not a secret, and masking it would hide it from every message naming the file.
  if (spec.secret === 'value' || (spec.secret === 'document' && !isFilePath(raw))) registerSecret(raw);
}

/**
 * Reads every declared input from the source, masking each secret before anything else sees it,
 * with the forms derived from registry credentials (`user:pass`, the base64 `auth`).
 */
export function readInputs(source: InputSource): Inputs {
  const values: Record<string, string | string[]> = {};
  const raws = new Map<string, string>();
  for (const spec of inputSpecs) {
    const raw = source.get(spec);
    raws.set(spec.name, raw);
    mask(spec, raw);
    values[camelCase(spec.name)] = value(spec, raw);
  }
  for (const { username, password } of [
    { username: (raws.get('username') ?? '').trim(), password: raws.get('password') ?? '' },
    ...registriesSecrets(raws.get('registries') ?? ''),
  ]) {
    registerCredential(username, password);
  }
  return values as Inputs;
}

/** Whether an input is set: a list with entries, or a text other than empty and its default. */
function isSet(inputs: Inputs, spec: InputSpec): boolean {
  const v = (inputs as Record<string, string | string[] | undefined>)[camelCase(spec.name)] ?? '';
  if (Array.isArray(v)) return v.length > 0;
  const text = v.trim();
  return text !== '' && text !== (spec.default ?? '');
}

/** A `needs` naming a kind of destination (`s3://`) is met by an upload-to line of that scheme. */
const isScheme = (need: string): boolean => need.endsWith('://');

function needMet(inputs: Inputs, need: string): boolean {
  if (isScheme(need)) return inputs.uploadTo.some((uri) => uri.toLowerCase().startsWith(need));
  const needed = inputSpec(need);
  return needed !== undefined && isSet(inputs, needed);
}

/** What an input set in vain lacks, and how to give it: for the error message. */
export function unmetNeed(need: string, names: readonly string[]): string {
  const them = names.length === 1 ? 'it' : 'them';
  return isScheme(need)
    ? `needs an ${need} destination in upload-to, but upload-to has none (set without it: ${names.join(', ')}): ` +
        `add one, or remove ${them}`
    : `needs ${need}, but ${need} is empty (set without it: ${names.join(', ')}): set ${need}, or remove ${them}`;
}

/**
 * An input set without the input its target needs (or the kind of destination it configures)
 * would be silently ignored: refused instead, naming every input set in vain.
 */
export function checkNeeds(inputs: Inputs): void {
  const stray = new Map<string, string[]>();
  for (const spec of inputSpecs as readonly InputSpec[]) {
    if (spec.needs === undefined || !isSet(inputs, spec) || needMet(inputs, spec.needs)) continue;
    stray.set(spec.needs, [...(stray.get(spec.needs) ?? []), spec.name]);
  }
  for (const [need, names] of stray) throw new InputError(names[0]!, unmetNeed(need, names));
}
