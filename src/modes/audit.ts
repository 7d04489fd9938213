/**
 * `mode: audit`: reads what is deployed at every place and verifies the images with the credentials
 * found there (not the inputs'). Nothing is written. Places holding the same document are verified
 * once.
 */
import { createHash } from 'node:crypto';
import { credentialExpiry } from '../credentials/expiry.js';
import { deployedCredentials, DocumentError, parseDockerConfig } from '../credentials/parse.js';
import type { Credential } from '../credentials/documents.js';
import { verifyAll, type VerifyOptions } from '../registry/verify.js';
import type { Verdict, VerificationPlan } from '../registry/types.js';
import type { EnabledTarget, RunContext } from '../run.js';
import type { Observation, TargetOutcome, TargetResult } from '../targets/types.js';
import { auditStatus, type AuditCheck } from './classify.js';
import { inspectTargets } from './inspect.js';

/**
 * How long a stored credential must still be valid. The `min-lifetime` input (where minted
 * credentials are supported) replaces this default through AuditOptions.minLifetimeMs.
 */
export const DEFAULT_MIN_LIFETIME_MS = 60 * 60 * 1000;

export interface AuditOptions {
  minLifetimeMs?: number;
  now?: () => Date;
  verify?: VerifyOptions;
}

/** One place's audit, for the `audit` output. */
export interface AuditEntry {
  target: string;
  place: string;
  status: TargetResult['action'];
  message: string;
  expiresAt?: string;
  verification?: { image: string; status: Verdict['status'] }[];
}

interface Checked {
  verdicts?: Verdict[];
  unverifiable?: string;
  expiresAt?: Date;
}

function earliestExpiry(credentials: readonly Credential[]): Date | undefined {
  const dates = credentials
    .map((c) => credentialExpiry(c.password))
    .filter((d): d is Date => d !== undefined);
  return dates.length === 0 ? undefined : new Date(Math.min(...dates.map((d) => d.getTime())));
}

/** Parses a deployed document and verifies its credentials (or says why it cannot). */
async function check(
  document: string,
  verification: VerificationPlan,
  options: AuditOptions,
): Promise<Checked> {
  let credentials: Credential[];
  let problems: string[];
  try {
    ({ credentials, problems } = deployedCredentials(parseDockerConfig(document)));
  } catch (error) {
    if (!(error instanceof DocumentError)) throw error;
    return { unverifiable: `the stored document ${error.message}` };
  }
  const expiresAt = earliestExpiry(credentials);
  const unverifiable = problems.length > 0 ? problems.join('; ') : undefined;
  const base = { ...(expiresAt ? { expiresAt } : {}), ...(unverifiable ? { unverifiable } : {}) };
  if (verification.mode === 'off') return base;
  if (credentials.length === 0 && verification.images.length === 0) {
    return { ...base, unverifiable: unverifiable ?? 'no registry credentials stored' };
  }
  return { ...base, verdicts: await verifyAll(verification, credentials, options.verify) };
}

export async function auditTargets(
  enabled: readonly EnabledTarget[],
  verification: VerificationPlan,
  context: RunContext,
  options: AuditOptions = {},
): Promise<{ outcomes: Map<string, TargetOutcome>; entries: AuditEntry[] }> {
  const checks = new Map<string, Promise<Checked>>();
  const entries: AuditEntry[] = [];
  const now = options.now ?? (() => new Date());
  const minLifetimeMs = options.minLifetimeMs ?? DEFAULT_MIN_LIFETIME_MS;
  const outcomes = await inspectTargets(
    enabled,
    context,
    (target) => `Auditing ${target.name} (nothing is written)`,
    async (target, observations: Observation[]) => {
      const audited = await Promise.all(
        observations.map(async (o): Promise<{ result: TargetResult; entry: AuditEntry }> => {
          let checked: Checked = {};
          if (o.document !== undefined && o.found === 'present' && o.managed !== false) {
            const key = createHash('sha256').update(o.document).digest('hex');
            if (!checks.has(key)) checks.set(key, check(o.document, verification, options));
            checked = await checks.get(key)!;
          }
          const input: AuditCheck = { ...checked, now: now(), minLifetimeMs };
          const { action, message } = auditStatus(o, input);
          const entry: AuditEntry = {
            target: target.name,
            place: o.subject,
            status: action,
            message,
            ...(checked.expiresAt ? { expiresAt: checked.expiresAt.toISOString() } : {}),
            ...(checked.verdicts
              ? { verification: checked.verdicts.map((v) => ({ image: v.image, status: v.status })) }
              : {}),
          };
          return { result: { target: target.name, subject: o.subject, action, message }, entry };
        }),
      );
      entries.push(...audited.map((a) => a.entry));
      return audited.map((a) => a.result);
    },
  );
  return { outcomes, entries };
}
