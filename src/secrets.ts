/**
 * The one secret registry. Every secret is registered here the moment it is read, in every form a
 * server or a log could show it: raw, JSON-escaped the ways JSON encoders write strings, as
 * `user:pass` and its base64 (`auth`), line by line for multi-line secrets, and whole documents
 * with their base64. Each form goes to the runner (core.setSecret), which masks it in the log, and
 * `redact` removes every form from text a server supplied before anything shows or keeps it.
 */
import * as core from '@actions/core';
import { isJsonDocumentPassword, jsonPasswordForms, normaliseJsonPassword } from './identity/gcp/json-key.js';

/**
 * Lines of a multi-line secret (and the trimmed form of a padded one) shorter than this are not
 * registered on their own: lines such as `{`, `}` or `"id": 1,` hold no secret by themselves but
 * appear in ordinary output, and the runner would blank them everywhere in the log. The secret as
 * a whole is always registered, whatever its length.
 */
export const MIN_LINE_LENGTH = 8;

/** PEM armour lines name the kind of key, never the key. */
const PEM_ARMOUR = /^-----(BEGIN|END) /;

const registered = new Set<string>();
/** Registered forms, longest first, so a longer form is replaced before a shorter one inside it. */
let longestFirst: string[] | undefined;

function add(form: string): void {
  if (form.trim() === '' || registered.has(form)) return;
  registered.add(form);
  longestFirst = undefined;
  core.setSecret(form);
}

const hex4 = (unit: number, upper: boolean): string => {
  const digits = unit.toString(16).padStart(4, '0');
  return `\\u${upper ? digits.toUpperCase() : digits}`;
};

/**
 * The value as it appears inside a JSON string literal: as JSON.stringify writes it; with every
 * non-ASCII UTF-16 unit as `\uXXXX` (Python's ensure_ascii, lower- and upper-case hex); with `<`,
 * `>`, `&`, U+2028 and U+2029 escaped as Go's encoding/json does; each also with `/` as `\/`; and
 * escaped twice (a document quoted inside another JSON string).
 */
export function jsonForms(value: string): string[] {
  const plain = JSON.stringify(value).slice(1, -1);
  const ascii = (upper: boolean) => plain.replace(/[\u0080-\uffff]/g, (c) => hex4(c.charCodeAt(0), upper));
  const go = plain.replace(/[<>&\u2028\u2029]/g, (c) => hex4(c.charCodeAt(0), false));
  const goAscii = ascii(false).replace(/[<>&]/g, (c) => hex4(c.charCodeAt(0), false));
  const escaped = [plain, ascii(false), ascii(true), go, goAscii];
  const forms = new Set([...escaped, ...escaped.map((f) => f.replaceAll('/', '\\/'))]);
  forms.add(JSON.stringify(plain).slice(1, -1));
  return [...forms];
}

/** Standard base64, padded and without padding. */
export function base64Forms(value: string): string[] {
  const padded = Buffer.from(value, 'utf8').toString('base64');
  return [...new Set([padded, padded.replace(/=+$/, '')])];
}

/** A value and its JSON-escaped forms (base64 text thus also with `/` escaped as `\/`). */
function registerForms(value: string): void {
  add(value);
  for (const form of jsonForms(value)) add(form);
}

/**
 * A secret value (a password, a token, a private key, a kubeconfig): the whole value, trimmed and
 * untrimmed, in every JSON-escaped form, and each line of a multi-line value long enough to matter.
 */
export function registerSecret(value: string): void {
  if (value.trim() === '') return;
  registerForms(value);
  // A server may trim what it quotes; a short trimmed remnant (` a `) would blank every `a`.
  if (value.trim().length >= MIN_LINE_LENGTH) registerForms(value.trim());
  const lines = value.split(/\r?\n/);
  if (lines.length < 2) return;
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed.length >= MIN_LINE_LENGTH && !PEM_ARMOUR.test(trimmed)) registerForms(trimmed);
  }
}

/** A registry credential: the password, `user:pass`, and the base64 `auth` padded and unpadded. */
export function registerCredential(username: string, password: string): void {
  if (password.trim() === '') return;
  registerSecret(password);
  // A JSON-document password (a service-account key): its multi-line string values (the private
  // key) too, and `user:pass` of the form written, one trailing newline dropped.
  const jsonDocument = isJsonDocumentPassword(password);
  if (jsonDocument) for (const form of jsonPasswordForms(password)) registerForms(form);
  if (username === '') return;
  for (const form of new Set(jsonDocument ? [password, normaliseJsonPassword(password)] : [password])) {
    registerForms(`${username}:${form}`);
    for (const encoded of base64Forms(`${username}:${form}`)) registerForms(encoded);
  }
}

/**
 * A rendered document holding credentials (config.json, .dockercfg, a Kubernetes payload): whole,
 * JSON-escaped (a `{"value": …}` DC/OS secret), without its final newline, and its base64 (what
 * Kubernetes and rapyuta.io store). Its secrets are registered on their own by registerCredential.
 */
export function registerDocument(text: string): void {
  if (text.trim() === '') return;
  for (const version of new Set([text, text.trimEnd()])) {
    registerForms(version);
    for (const form of base64Forms(version)) registerForms(form);
  }
}

/** Every registered form, longest first (for tests and for redact). */
export function registeredForms(): readonly string[] {
  longestFirst ??= [...registered].sort((a, b) => b.length - a.length);
  return longestFirst;
}

/**
 * Text fit to show: every registered form replaced by `***` first, then cut to `maxLength` when
 * given (the other order could leave part of a secret at the cut).
 */
export function redact(text: string, maxLength?: number): string {
  let result = text;
  for (const form of registeredForms()) {
    if (result.includes(form)) result = result.replaceAll(form, '***');
  }
  return maxLength !== undefined && result.length > maxLength ? `${result.slice(0, maxLength)}…` : result;
}

/** A JSON value as text, every string in it redacted first (so the JSON stays well-formed). */
export function redactedJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? redact(v) : v));
}

/** Forgets every registered form: for tests that need a registry of their own. */
export function forgetSecretsForTests(): void {
  registered.clear();
  longestFirst = undefined;
}
