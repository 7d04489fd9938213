/**
 * Multi-line passwords that are JSON documents: a Google service-account key given as the password
 * of `_json_key` (`docker login -u _json_key --password-stdin < key.json`). The runner masks values
 * line by line, so every line, every string value of the document, and the JSON-escaped forms the
 * documents we render hold (Kubernetes' `password` field) are secrets of their own.
 */
import { hasControlCharacter } from '../../text.js';

/** A password holding newlines is accepted only as a JSON object (JSON allows tab, CR and LF between tokens). */
export function isJsonDocumentPassword(password: string): boolean {
  // JSON allows tab, CR and LF between tokens; no other control character.
  if (hasControlCharacter(password, { allow: '\t\r\n' }) || !password.trimStart().startsWith('{'))
    return false;
  try {
    const value: unknown = JSON.parse(password);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** As `docker login --password-stdin` reads it: one trailing newline dropped. */
export function normaliseJsonPassword(password: string): string {
  return password.replace(/\r?\n$/, '');
}

const MIN_SECRET_LINE = 8;

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

/** Every form of a JSON-document password that could reach a log: to register with the runner. */
export function jsonPasswordForms(password: string): string[] {
  const forms = new Set<string>([password, normaliseJsonPassword(password)]);
  const add = (text: string) => {
    const t = text.trim();
    if (t.length >= MIN_SECRET_LINE && !/^-----(BEGIN|END) [A-Z ]+-----$/.test(t)) forms.add(t);
  };
  for (const line of password.split(/\r?\n/)) add(line);
  forms.add(JSON.stringify(normaliseJsonPassword(password)).slice(1, -1));
  forms.add(JSON.stringify(password).slice(1, -1));
  let document: unknown;
  try {
    document = JSON.parse(password);
  } catch {
    document = undefined;
  }
  for (const value of strings(document)) {
    // A value spanning lines (the PEM private key) is masked whole, escaped, and line by line.
    if (!value.includes('\n')) continue;
    forms.add(value);
    forms.add(JSON.stringify(value).slice(1, -1));
    for (const line of value.split(/\r?\n/)) add(line);
  }
  return [...forms].filter((f) => f.trim() !== '');
}
