/**
 * What each credential is and when it stops working, and the rule that keeps short-lived ones away
 * from places that outlive the job. Pure.
 */
import type { Credential } from '../credentials/documents.js';
import { InputError } from '../errors.js';
import { jwtExpiry } from './jwt.js';

export interface CredentialLifetime {
  registry: string;
  /** What the credential is: "password", "ECR authorization token", "GitHub Actions token"… */
  kind: string;
  minted: boolean;
  expiresAt?: Date;
  /** Dies with the job (GITHUB_TOKEN): never for places that outlive it. */
  jobScoped?: boolean;
}

/** Targets whose copy of the credential is used after the job ends, by target name. */
export const OUTLIVING_TARGETS: Readonly<Record<string, string>> = {
  upload: 'the archive destinations (upload-to)',
  kubernetes: 'Kubernetes',
  dcos: 'DC/OS',
  rapyuta: 'rapyuta.io',
};

/** A typed credential's kind and expiry, from what the password itself says. */
export function typedLifetime(credential: Credential): CredentialLifetime {
  const registry = credential.address.key;
  const { username, password } = credential;
  // Confirmed in GitHub's docs: GITHUB_TOKEN is an app installation token (prefix `ghs_`, also in the
  // newer `ghs_<app id>_<JWT>` form) that expires when the job finishes; other installation tokens
  // live an hour. Checked before the JWT rule below, which the newer form would otherwise match.
  if (password.startsWith('ghs_'))
    return { registry, kind: 'GitHub Actions token', minted: false, jobScoped: true };
  if (username === '_json_key' || username === '_json_key_base64') {
    return { registry, kind: 'service-account key', minted: false };
  }
  const expiresAt = /^[\w-]+\.[\w-]+\.[\w-]*$/.test(password) ? jwtExpiry(password) : undefined;
  if (expiresAt) return { registry, kind: 'token', minted: false, expiresAt };
  return { registry, kind: 'password', minted: false };
}

/** `11h 59m`, `45m`, `30s`. */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s (already expired)';
  const d = Math.floor(ms / 86_400_000);
  const h = Math.floor((ms % 86_400_000) / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const parts = [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}m` : ''].filter(Boolean);
  return parts.length > 0 ? parts.join(' ') : `${Math.ceil(ms / 1000)}s`;
}

function outliving(targetNames: readonly string[]): string[] {
  return targetNames.filter((n) => n in OUTLIVING_TARGETS).map((n) => OUTLIVING_TARGETS[n]!);
}

/**
 * Refuses, before anything is written, a credential that dies with the job or expires sooner than
 * min-lifetime when a target keeps it beyond the job.
 */
export function checkLifetimes(
  lifetimes: readonly CredentialLifetime[],
  targetNames: readonly string[],
  minLifetimeMs: number,
  minLifetime: string,
  now: Date,
): void {
  const places = outliving(targetNames);
  if (places.length === 0) return;
  const where = places.join(', ');
  for (const l of lifetimes) {
    if (l.jobScoped) {
      throw new InputError(
        'password',
        `the credential for ${l.registry} is a ${l.kind} (ghs_…), which stops working when the job ends, ` +
          `and ${where} keep it beyond the job: pass a personal access token (classic) with read:packages, ` +
          'or a robot account, from a secret; the job token suits config.json and export-docker-config only',
      );
    }
    if (!l.expiresAt) continue;
    const left = l.expiresAt.getTime() - now.getTime();
    if (left < minLifetimeMs) {
      throw new InputError(
        'min-lifetime',
        `the ${l.kind} for ${l.registry} expires at ${l.expiresAt.toISOString()}, in ${formatDuration(left)}, ` +
          `sooner than min-lifetime ${minLifetime}, and ${where} keep it beyond the job: use a long-lived ` +
          'credential (a robot account, service-account key or registry token), or lower min-lifetime and run ' +
          'this workflow on a schedule more often than the credential lives',
      );
    }
  }
}

/** One notice per expiring credential shipped beyond the job: when it expires, and the schedule it needs. */
export function expiryNotices(
  lifetimes: readonly CredentialLifetime[],
  targetNames: readonly string[],
  now: Date,
): string[] {
  const places = outliving(targetNames);
  if (places.length === 0) return [];
  return lifetimes
    .filter((l) => l.expiresAt)
    .map((l) => {
      const left = l.expiresAt!.getTime() - now.getTime();
      return (
        `The ${l.kind} for ${l.registry} shipped to ${places.join(', ')} expires at ` +
        `${l.expiresAt!.toISOString()} (in ${formatDuration(left)}): run this workflow on a schedule ` +
        `(on: schedule) more often than every ${formatDuration(left)}, or pulls start failing then`
      );
    });
}

export function earliestExpiry(lifetimes: readonly CredentialLifetime[]): Date | undefined {
  const times = lifetimes.flatMap((l) => (l.expiresAt ? [l.expiresAt.getTime()] : []));
  return times.length > 0 ? new Date(Math.min(...times)) : undefined;
}
