/** Plan and audit for the DC/OS secret store: one login and one GET of the secret, nothing written. */
import type { DesiredAt } from '../../credentials/minted.js';
import { DocumentError, maskDeployed, parseDockerConfig } from '../../credentials/parse.js';
import { errorMessage } from '../../errors.js';
import { documentChanges } from '../../modes/classify.js';
import type { DcosPlan } from '../dcos.js';
import type { Observation } from '../types.js';
import { DcosSession } from './client.js';

function isDockerConfig(text: string): boolean {
  try {
    parseDockerConfig(text);
    return true;
  } catch (error) {
    if (error instanceof DocumentError) return false;
    throw error;
  }
}

/** `desired` is what apply would store (given what is stored now); undefined for state absent. */
export async function inspectDcos(
  plan: DcosPlan,
  desired: DesiredAt | undefined,
  signal?: AbortSignal,
): Promise<Observation> {
  const subject = `${plan.url} ${plan.secretPath}`;
  const session = new DcosSession({
    url: plan.url,
    auth: plan.auth,
    ...(plan.caCert ? { caCert: plan.caCert } : {}),
    ...(signal ? { signal } : {}),
  });
  try {
    await session.login();
    const stored = await session.readSecret(plan.secretPath);
    if (!stored) {
      const want = desired?.(undefined);
      return {
        subject,
        found: 'absent',
        message: 'no such secret',
        ...(want === undefined
          ? {}
          : {
              changes: [
                `+ secret ${plan.secretPath} (${plan.encoding}) with ${want.credentials.map((c) => c.address.key).join(', ')}`,
              ],
            }),
      };
    }
    const text = stored.bytes.toString('utf8');
    // The deployed credentials are masked before anything else reads them.
    maskDeployed(text);
    const managed = isDockerConfig(text);
    const want = desired?.(text);
    const upToDate =
      want === undefined
        ? undefined
        : stored.encoding === plan.encoding && stored.bytes.equals(Buffer.from(want.document, 'utf8'));
    const changes =
      want === undefined || upToDate
        ? []
        : [
            ...(stored.encoding === plan.encoding
              ? []
              : [`~ encoding ${stored.encoding} → ${plan.encoding}`]),
            ...(managed
              ? documentChanges(text, want.credentials)
              : ['the stored value is not a docker config: replaced']),
          ];
    return {
      subject,
      found: 'present',
      managed,
      ...(upToDate === undefined ? {} : { upToDate }),
      ...(managed ? { document: text } : {}),
      ...(changes.length > 0 ? { changes } : {}),
      message: managed
        ? `a ${stored.encoding} secret holding a docker config`
        : `a ${stored.encoding} secret that is not a docker config`,
    };
  } catch (error) {
    return { subject, found: 'failed', message: errorMessage(error) };
  } finally {
    await session.close();
  }
}
