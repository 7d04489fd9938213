/**
 * What a run would store at a place. Minted credentials (`auth: aws`, `gcp`, …) are new at every
 * mint, and an audit does not mint: for them the place's own stored username and password stand in,
 * so an audit judges such a credential by whether it pulls and how long it lives (broken, expiring),
 * and the place by everything else it holds (registries, emails, format, labels…).
 */
import type { Credential } from './documents.js';
import { DocumentError, entryKeys, parseDockerConfig } from './parse.js';

/** A place's desired content: the document apply would store and the credentials in it. */
export interface Desired {
  document: string;
  credentials: readonly Credential[];
}

/** The desired content for a place, given the document it stores now (undefined: none). */
export type DesiredAt = (stored: string | undefined) => Desired;

/** `credentials`, each minted one carrying the username and password stored under its key. */
export function withStoredMinted(
  credentials: readonly Credential[],
  stored: string | undefined,
): Credential[] {
  if (stored === undefined || !credentials.some((c) => c.auth)) return [...credentials];
  let entries: Map<string, { username: string; password: string }>;
  try {
    const doc = parseDockerConfig(stored);
    const keys = entryKeys(doc);
    entries = new Map(doc.entries.map((e, i) => [keys[i]!, e]));
  } catch (error) {
    if (error instanceof DocumentError) return [...credentials];
    throw error;
  }
  return credentials.map((c) => {
    const entry = c.auth ? entries.get(c.address.key) : undefined;
    return entry ? { ...c, username: entry.username, password: entry.password } : c;
  });
}

/**
 * The desired content at each place: `document` (what the run renders) everywhere, except in an
 * audit with minted credentials, where each place's stored credentials stand in for them (above).
 */
export function desiredAt(
  base: { mode?: 'apply' | 'plan' | 'audit'; credentials: readonly Credential[] },
  document: string,
  render: (credentials: readonly Credential[]) => string,
): DesiredAt {
  // Only an audit does not mint: elsewhere the run's own document is what apply would store.
  if (base.mode !== 'audit' || !base.credentials.some((c) => c.auth)) {
    const fixed = { document, credentials: base.credentials };
    return () => fixed;
  }
  return (stored) => {
    const credentials = withStoredMinted(base.credentials, stored);
    return { document: render(credentials), credentials };
  };
}
