/**
 * Pure classification for `mode: plan` and `mode: audit`: an Observation of a place (what is stored
 * there now) becomes the action apply would take, or the audit status; and the change lists shown
 * in a plan (registries added, removed or changed; a JSON diff), which never hold a secret value.
 */
import type { Credential } from '../credentials/documents.js';
import { DocumentError, entryKeys, parseDockerConfig, type DeployedEntry } from '../credentials/parse.js';
import type { Verdict } from '../registry/types.js';
import type { AuditStatus, Observation, PlanAction } from '../targets/types.js';

export interface Classified<T> {
  action: T;
  message: string;
}

/** What apply would do at this place for the given state. */
export function planAction(obs: Observation, state: 'present' | 'absent'): Classified<PlanAction> {
  if (obs.found === 'failed') return { action: 'failed', message: obs.message };
  if (obs.skip !== undefined) return { action: 'skipped', message: obs.skip };
  if (obs.refusal !== undefined) return { action: 'failed', message: `apply would refuse: ${obs.refusal}` };
  if (state === 'present') {
    if (obs.found === 'absent') return { action: 'would-create', message: obs.message };
    if (obs.found === 'present' && obs.upToDate === true)
      return { action: 'unchanged', message: obs.message };
    return { action: 'would-update', message: obs.message };
  }
  if (obs.found === 'absent') return { action: 'unchanged', message: obs.message };
  if (obs.kept !== undefined) return { action: 'unchanged', message: obs.kept };
  return { action: 'would-delete', message: obs.message };
}

/** Which planned actions match which applied ones (what a plan promises, for tests and readers). */
export const PLANNED_AS: Readonly<Record<PlanAction, readonly string[]>> = {
  'would-create': ['created', 'written'],
  'would-update': ['updated', 'written'],
  'would-delete': ['deleted'],
  unchanged: ['unchanged', 'absent'],
  skipped: ['skipped'],
  failed: ['failed'],
};

export const isChange = (action: string): boolean =>
  action.startsWith('would-') || ['created', 'updated', 'written', 'deleted'].includes(action);

/** What the audit found at a place, checked with the credentials stored there. */
export interface AuditCheck {
  /** Verdicts of the stored credentials; undefined when verification is off or nothing could be verified. */
  verdicts?: readonly Verdict[];
  /** Why the stored credentials could not be verified (no usable entry…). */
  unverifiable?: string;
  /** The earliest expiry any stored credential shows. */
  expiresAt?: Date;
  now: Date;
  minLifetimeMs: number;
}

function duration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs >= 86_400_000) return `${Math.round(abs / 86_400_000)} d`;
  if (abs >= 3_600_000) return `${Math.round(abs / 3_600_000)} h`;
  return `${Math.max(1, Math.round(abs / 60_000))} min`;
}

/**
 * Precedence: the place cannot be read (failed), is empty (missing), is not ours (foreign), cannot
 * be read back (unknown); then the stored credentials fail to pull (broken), expire within
 * min-lifetime (expiring), differ from what the inputs would write (stale); else ok.
 */
export function auditStatus(obs: Observation, check: AuditCheck): Classified<AuditStatus> {
  if (obs.found === 'failed') return { action: 'failed', message: obs.message };
  if (obs.skip !== undefined) return { action: 'skipped', message: obs.skip };
  if (obs.found === 'absent') return { action: 'missing', message: obs.message };
  if (obs.managed === false) return { action: 'foreign', message: obs.message };
  if (obs.found === 'unreadable') return { action: 'unknown', message: obs.message };
  const bad = (check.verdicts ?? []).filter((v) => v.status !== 'ok');
  if (bad.length > 0) {
    return {
      action: 'broken',
      message: `the stored credentials fail: ${bad.map((v) => `${v.image} ${v.status} (${v.message})`).join('; ')}`,
    };
  }
  if (check.expiresAt) {
    const left = check.expiresAt.getTime() - check.now.getTime();
    if (left < check.minLifetimeMs) {
      const when = left <= 0 ? `expired ${duration(left)} ago` : `expires in ${duration(left)}`;
      return {
        action: 'expiring',
        message: `a stored credential ${when} (${check.expiresAt.toISOString()}), sooner than min-lifetime ${duration(check.minLifetimeMs)}`,
      };
    }
  }
  const notes = [
    ...(check.unverifiable ? [`not verified: ${check.unverifiable}`] : []),
    ...(check.verdicts && check.verdicts.length > 0
      ? [`stored credentials pull ${check.verdicts.map((v) => v.image).join(', ')}`]
      : []),
    ...(check.expiresAt ? [`expires ${check.expiresAt.toISOString()}`] : []),
  ];
  if (obs.upToDate === false) {
    return {
      action: 'stale',
      message: ['differs from what the inputs would write', ...(obs.changes ?? []), ...notes].join('; '),
    };
  }
  return { action: 'ok', message: [obs.message, ...notes].filter(Boolean).join('; ') };
}

/**
 * Registries added, removed or changed between a stored document's entries and the credentials
 * apply would write. Only keys and the names of changed fields are shown, never their values.
 */
export function registryChanges(
  before: readonly DeployedEntry[] | undefined,
  after: readonly Credential[],
  keyOf: (entry: DeployedEntry) => string = (e) => e.key,
): string[] {
  const old = new Map((before ?? []).map((e) => [keyOf(e), e]));
  const changes: string[] = [];
  for (const c of after) {
    const e = old.get(c.address.key);
    if (!e) {
      changes.push(`+ registry ${c.address.key}`);
      continue;
    }
    const fields = [
      ...(e.username !== c.username ? ['username'] : []),
      ...(e.password !== c.password ? ['password'] : []),
      ...((e.email ?? '') !== (c.email ?? '') ? ['email'] : []),
    ];
    if (fields.length > 0) changes.push(`~ registry ${c.address.key}: ${fields.join(', ')} changed`);
  }
  const kept = new Set(after.map((c) => c.address.key));
  for (const key of old.keys()) if (!kept.has(key)) changes.push(`- registry ${key}`);
  return changes;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const pointer = (path: readonly (string | number)[]): string =>
  path.length === 0
    ? '/'
    : path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');

function show(value: Json | undefined): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

const isObject = (v: Json | undefined): v is { [key: string]: Json } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A JSON diff as `+ /path: value`, `- /path: value`, `~ /path: old → new` lines (RFC 6901 paths);
 * objects are compared key by key, arrays index by index.
 */
export function jsonDiff(
  before: Json | undefined,
  after: Json | undefined,
  path: (string | number)[] = [],
): string[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  if (before === undefined) return [`+ ${pointer(path)}: ${show(after)}`];
  if (after === undefined) return [`- ${pointer(path)}: ${show(before)}`];
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((k) => jsonDiff(before[k], after[k], [...path, k]));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length);
    return Array.from({ length }, (_, i) => jsonDiff(before[i], after[i], [...path, i])).flat();
  }
  return [`~ ${pointer(path)}: ${show(before)} → ${show(after)}`];
}

/** What apply would change in a stored document: registries added, removed or changed. */
export function documentChanges(stored: string, desired: readonly Credential[]): string[] {
  try {
    const doc = parseDockerConfig(stored);
    const keys = entryKeys(doc);
    return registryChanges(
      doc.entries.map((e, i) => ({ ...e, key: keys[i]! })),
      desired,
    );
  } catch (error) {
    if (error instanceof DocumentError) return [`the stored document ${error.message}: replaced whole`];
    throw error;
  }
}
