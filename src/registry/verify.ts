import type { Credential } from '../credentials/documents.js';
import type { Verdict, VerificationPlan } from './types.js';

/** PLACEHOLDER — replaced by the verification work. */
export function verifyAll(plan: VerificationPlan, credentials: readonly Credential[]): Promise<Verdict[]> {
  return Promise.reject(
    new Error(`verification is not implemented yet (${plan.mode}, ${credentials.length})`),
  );
}
