/**
 * Pure validation: raw Inputs → a typed Plan. Every user mistake becomes one InputError naming the
 * input and the fix, raised before anything is written anywhere.
 */
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { YAMLParseError } from 'yaml';
import type { Inputs } from './context.js';
import { AddressError, parseRegistry } from './credentials/address.js';
import type { ConfigFormat, Credential } from './credentials/documents.js';
import { parseRegistriesDocument } from './credentials/registries-yaml.js';
import { InputError } from './errors.js';
import { isJsonDocumentPassword, normaliseJsonPassword } from './identity/gcp/json-key.js';
import { resolveAuth, singleRegistryMints } from './identity/plan.js';
import { checkNeeds } from './inputs/index.js';
import { expandHome } from './paths.js';
import { parseImageReference, ReferenceError, unreachableRegistry } from './registry/reference.js';
import { hasControlCharacter } from './text.js';
import type { Platform, VerificationPlan } from './registry/types.js';
import type { BasePlan } from './targets/types.js';

/** apply writes; plan reads every place and says what apply would do; audit checks what is deployed. */
export type Mode = 'apply' | 'plan' | 'audit';

export interface Plan extends BasePlan {
  mode: Mode;
  exportDockerConfig: boolean;
  verification: VerificationPlan;
  /** Deadline of each target (its retries included) and of verification as a whole. */
  timeoutMs: number;
}

/** The longest `timeout` accepted: a GitHub-hosted job may run 6 hours. */
const MAX_TIMEOUT_S = 6 * 60 * 60;

/** `timeout`: seconds, a positive number (decimals allowed). */
export function parseTimeout(value: string): number {
  const v = value.trim();
  const seconds = /^\d+(\.\d+)?$/.test(v) ? Number(v) : NaN;
  if (!(seconds > 0 && seconds <= MAX_TIMEOUT_S)) {
    throw new InputError(
      'timeout',
      `'${v}' is not a number of seconds between 0 and ${MAX_TIMEOUT_S}: e.g. 60`,
    );
  }
  return Math.round(seconds * 1000);
}

export function parseBoolean(input: string, value: string): boolean {
  const v = value.trim();
  if (/^(true|True|TRUE)$/.test(v)) return true;
  if (/^(false|False|FALSE|)$/.test(v)) return false;
  throw new InputError(input, `'${v}' is not a boolean: use true or false`);
}

export function parseChoice<T extends string>(input: string, value: string, choices: readonly T[]): T {
  const v = value.trim();
  if ((choices as readonly string[]).includes(v)) return v as T;
  const named = choices.filter((c) => c !== '');
  const orEmpty = named.length < choices.length ? ', or leave it empty' : '';
  throw new InputError(input, `'${v}' is not supported: use one of ${named.join(', ')}${orEmpty}`);
}

/** `key=value` lines, e.g. labels and annotations. */
export function parseKeyValues(input: string, lines: readonly string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const line of lines) {
    const eq = line.indexOf('=');
    if (eq <= 0) throw new InputError(input, `'${line}' is not a key=value line`);
    const key = line.slice(0, eq).trim();
    if (key in result) throw new InputError(input, `key '${key}' is given twice`);
    result[key] = line.slice(eq + 1).trim();
  }
  return result;
}

/** PEM text, or a path to a PEM file. */
export function readPem(input: string, value: string): string | undefined {
  const v = value.trim();
  if (v === '') return undefined;
  if (v.includes('-----BEGIN ')) return `${v}\n`;
  let text: string;
  try {
    text = fs.readFileSync(expandHome(v, os.homedir(), path), 'utf8');
  } catch {
    throw new InputError(input, `is neither PEM text nor a readable file: '${v}'`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new InputError(input, `file '${v}' holds no PEM certificate`);
  }
  return text;
}

/**
 * PEM certificates (text or a file) that must parse: a damaged CA secret would otherwise be
 * dropped without a word, and the first TLS handshake would blame the server's certificate.
 */
export function readCertificates(input: string, value: string): string | undefined {
  const pem = readPem(input, value);
  if (pem === undefined) return undefined;
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) {
    throw new InputError(input, 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)');
  }
  blocks.forEach((block, index) => {
    try {
      new X509Certificate(block);
    } catch {
      throw new InputError(
        input,
        `certificate ${index + 1} of ${blocks.length} is not a valid PEM certificate: check the secret holds the whole file`,
      );
    }
  });
  return pem;
}

interface RawCredential {
  registry: string;
  username: string;
  password: string;
  email: string;
  /** `auth` (identity/plan.ts): a typed password, or a credential minted from a cloud identity. */
  auth: string;
}

function credentialFrom(input: string, raw: RawCredential): Credential {
  let address;
  try {
    address = parseRegistry(raw.registry);
  } catch (error) {
    if (error instanceof AddressError) {
      throw new InputError(input, `registry '${raw.registry.trim()}' ${error.message}`);
    }
    throw error;
  }
  const where = input === 'registries' ? ` (registry ${address.key})` : '';
  const field = (name: string) => (input === 'registries' ? `registries[].${name}` : name);
  const email = raw.email.trim();
  if (email !== '' && (hasControlCharacter(email) || !/^[^\s@]+@[^\s@]+$/.test(email))) {
    throw new InputError(field('email'), `'${email}' is not an e-mail address${where}`);
  }
  const auth = resolveAuth(field('auth'), raw.auth, raw.password, address);
  if (auth !== 'password') {
    if (raw.username.trim() !== '') {
      throw new InputError(
        field('username'),
        `is set, but auth ${auth} mints the user name too${where}: remove it`,
      );
    }
    return { address, username: '', password: '', auth, ...(email ? { email } : {}) };
  }
  if (raw.username.trim() === '') throw new InputError(field('username'), `is empty${where}`);
  if (raw.username.includes(':')) {
    throw new InputError(field('username'), `must not contain ':' (Basic auth cannot express it)${where}`);
  }
  if (hasControlCharacter(raw.username) || raw.username.trim() !== raw.username) {
    throw new InputError(field('username'), `contains white space or control characters${where}`);
  }
  if (raw.password.trim() === '') {
    throw new InputError(field('password'), `is empty or white space only: pass the registry secret${where}`);
  }
  // A multi-line password is accepted as a JSON document only (a service-account key for _json_key).
  const jsonDocument = hasControlCharacter(raw.password) && isJsonDocumentPassword(raw.password);
  if (hasControlCharacter(raw.password) && !jsonDocument) {
    throw new InputError(
      field('password'),
      `contains a newline or control character: store the secret without a trailing newline ` +
        `(a multi-line password must be a JSON document, e.g. a service-account key for _json_key)${where}`,
    );
  }
  const password = jsonDocument ? normaliseJsonPassword(raw.password) : raw.password;
  return { address, username: raw.username, password, ...(email ? { email } : {}) };
}

function stringField(entry: Record<string, unknown>, key: string, index: number): string {
  const value = entry[key];
  if (value === undefined || value === null) return '';
  // Plain scalars are read as strings (registries-yaml.ts): `password: 0123` stays "0123".
  if (typeof value === 'string') return value;
  throw new InputError('registries', `entry ${index + 1}: '${key}' must be a string`);
}

/** Parses the `registries` YAML list. Errors cite line and column only: the text may hold secrets. */
export function parseRegistriesYaml(text: string): RawCredential[] {
  if (text.trim() === '') return [];
  let doc: unknown;
  try {
    doc = parseRegistriesDocument(text);
  } catch (error) {
    const at =
      error instanceof YAMLParseError && error.linePos
        ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}`
        : '';
    throw new InputError('registries', `is not valid YAML${at}`);
  }
  if (!Array.isArray(doc)) {
    throw new InputError('registries', 'must be a YAML list of {registry, username, password, email}');
  }
  return doc.map((item: unknown, index) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new InputError(
        'registries',
        `entry ${index + 1} must be a mapping with registry, username, password`,
      );
    }
    const entry = item as Record<string, unknown>;
    const unknownKeys = Object.keys(entry).filter(
      (k) => !['registry', 'username', 'password', 'email', 'auth'].includes(k),
    );
    if (unknownKeys.length > 0) {
      throw new InputError('registries', `entry ${index + 1} has unknown key(s) ${unknownKeys.join(', ')}`);
    }
    const registry = stringField(entry, 'registry', index);
    if (registry.trim() === '') throw new InputError('registries', `entry ${index + 1} has no registry`);
    return {
      registry,
      username: stringField(entry, 'username', index),
      password: stringField(entry, 'password', index),
      email: stringField(entry, 'email', index),
      auth: stringField(entry, 'auth', index),
    };
  });
}

/** Whether the single-registry inputs give a credential (typed, or minted with `auth`); it comes first. */
export function singleRegistryGiven(
  inputs: Pick<Inputs, 'username' | 'password' | 'auth' | 'registry'>,
): boolean {
  return (
    inputs.username !== '' ||
    inputs.password !== '' ||
    singleRegistryMints(inputs.auth, inputs.registry, parseRegistry)
  );
}

export function planCredentials(inputs: Inputs, state: 'present' | 'absent'): Credential[] {
  const credentials: Credential[] = [];
  const single = singleRegistryGiven(inputs);
  if (single) {
    if (inputs.username === '' && inputs.password !== '') {
      throw new InputError('username', 'is empty but password is set');
    }
    credentials.push(
      credentialFrom('registry', {
        registry: inputs.registry,
        username: inputs.username,
        password: inputs.password,
        email: inputs.email,
        auth: inputs.auth,
      }),
    );
  }
  for (const raw of parseRegistriesYaml(inputs.registries))
    credentials.push(credentialFrom('registries', raw));

  // Where each credential came from, to name the right input when a registry repeats.
  const origin = (i: number) =>
    single && i === 0 ? 'the registry input' : `registries entry ${i + (single ? 0 : 1)}`;
  const seen = new Map<string, number>();
  for (const [index, { address }] of credentials.entries()) {
    const first = seen.get(address.key);
    if (first !== undefined) {
      throw new InputError(
        single && first === 0 ? 'registry' : 'registries',
        `registry ${address.key} is given twice (${origin(first)} and ${origin(index)}): give each registry's credentials once`,
      );
    }
    seen.set(address.key, index);
  }
  if (credentials.length === 0 && state === 'present') {
    throw new InputError(
      'username',
      'no credentials given: set username and password (from secrets), the registries list, ' +
        'or auth for a cloud registry',
    );
  }
  return credentials;
}

export function parsePlatform(text: string): Platform {
  const parts = text.trim().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9._-]+$/.test(p))) {
    throw new InputError('platforms', `'${text}' is not os/arch[/variant], e.g. linux/arm64/v8`);
  }
  const [os, architecture, variant] = parts as [string, string, string?];
  return { os, architecture, ...(variant ? { variant } : {}) };
}

export function planVerification(inputs: Inputs): VerificationPlan {
  const mode = parseChoice('verify', inputs.verify, ['fail', 'warn', 'off'] as const);
  const images = inputs.images.map((text) => {
    try {
      const ref = parseImageReference(text);
      const unreachable = unreachableRegistry(ref);
      if (unreachable) throw unreachable;
      return ref;
    } catch (error) {
      if (error instanceof ReferenceError) throw new InputError('images', error.message);
      throw error;
    }
  });
  const tlsVerify = parseBoolean('tls-verify', inputs.tlsVerify);
  const caCert = readCertificates('ca-cert', inputs.caCert);
  // docker and docker/build-push-action write platforms comma-separated; a newline list works too.
  const platforms = inputs.platforms
    .flatMap((line) => line.split(','))
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map(parsePlatform);
  if (platforms.length > 0 && images.length === 0) {
    throw new InputError(
      'platforms',
      'is set but images is empty: list the images whose platforms should be checked, or remove platforms',
    );
  }
  return {
    mode,
    images,
    platforms,
    tlsVerify,
    ...(caCert ? { caCert } : {}),
  };
}

export function buildPlan(inputs: Inputs): Plan {
  const state = parseChoice('state', inputs.state, ['present', 'absent'] as const);
  const mode = parseChoice<Mode>('mode', inputs.mode, ['apply', 'plan', 'audit']);
  if (mode === 'audit' && state === 'absent') {
    throw new InputError(
      'mode',
      'audit checks what state present deployed: remove state: absent, or use mode: plan to preview a removal',
    );
  }
  const configFormat = parseChoice<ConfigFormat>('config-format', inputs.configFormat, [
    'config.json',
    'dockercfg',
  ]);
  const exportDockerConfig = parseBoolean('export-docker-config', inputs.exportDockerConfig);
  if (exportDockerConfig && configFormat === 'dockercfg') {
    throw new InputError(
      'export-docker-config',
      'needs config-format config.json: Docker reads only config.json from DOCKER_CONFIG',
    );
  }
  const tarball = parseBoolean('tarball', inputs.tarball) || inputs.uploadTo.length > 0;
  const credentials = planCredentials(inputs, state);
  const verification = planVerification(inputs);
  const timeoutMs = parseTimeout(inputs.timeout);
  // After each input's own rules, so a malformed destination is named before what it lacks.
  checkNeeds(inputs);
  return { state, mode, credentials, configFormat, exportDockerConfig, tarball, verification, timeoutMs };
}
