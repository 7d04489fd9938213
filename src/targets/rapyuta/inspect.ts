/**
 * Plan and audit for rapyuta.io: reads return a docker secret's registry and username but never
 * its password, so what is stored can be found but never compared or verified: apply always
 * rewrites an existing secret, and audit says `unknown`.
 */
import type { RapyutaSecretPlan, StoredRapyutaSecret } from '../rapyuta.js';
import type { Observation } from '../types.js';

export function observeRapyuta(
  read: { secret: RapyutaSecretPlan; stored?: StoredRapyutaSecret; error?: string },
  state: 'present' | 'absent',
): Observation {
  const { secret, stored, error } = read;
  const subject = secret.name;
  if (error !== undefined) return { subject, found: 'failed', message: error };
  if (!stored) {
    return {
      subject,
      found: 'absent',
      message: `no secret named ${secret.name} in the project`,
      ...(state === 'present' ? { changes: [`+ docker secret for ${secret.registry}`] } : {}),
    };
  }
  if (stored.type !== 'Docker') {
    return {
      subject,
      found: 'present',
      managed: false,
      refusal:
        state === 'present'
          ? `a ${stored.type} secret named '${secret.name}' already exists in the project: not overwriting it`
          : `'${secret.name}' is a ${stored.type} secret, not a docker secret: not deleting it`,
      message: `a ${stored.type} secret, not a docker secret`,
    };
  }
  const differs: string[] = [];
  if (state === 'present' && stored.registry !== undefined && stored.registry !== secret.registry) {
    differs.push(`~ registry ${stored.registry} → ${secret.registry}`);
  }
  if (
    state === 'present' &&
    stored.username !== undefined &&
    secret.credential &&
    stored.username !== secret.credential.username
  ) {
    differs.push('~ username changed');
  }
  return {
    subject,
    found: 'unreadable',
    message:
      `a docker secret for ${stored.registry ?? 'an unknown registry'}; rapyuta.io never returns the stored ` +
      'password, so it cannot be compared or verified',
    changes:
      state === 'present'
        ? [...differs, 'password rewritten (it cannot be read back to compare)']
        : [`- docker secret ${secret.name}`],
  };
}
