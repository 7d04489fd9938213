/** Plan and audit for the DC/OS secret store: one login and one GET of the secret, nothing written. */
import type { Credential } from '../../credentials/documents.js';
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

/** `document` is what apply would store; undefined for state absent. */
export async function inspectDcos(
  plan: DcosPlan,
  document: string | undefined,
  credentials: readonly Credential[],
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
      return {
        subject,
        found: 'absent',
        message: 'no such secret',
        ...(document === undefined
          ? {}
          : {
              changes: [
                `+ secret ${plan.secretPath} (${plan.encoding}) with ${credentials.map((c) => c.address.key).join(', ')}`,
              ],
            }),
      };
    }
    const text = stored.bytes.toString('utf8');
    // The deployed credentials are masked before anything else reads them.
    maskDeployed(text);
    const managed = isDockerConfig(text);
    const upToDate =
      document === undefined
        ? undefined
        : stored.encoding === plan.encoding && stored.bytes.equals(Buffer.from(document, 'utf8'));
    const changes =
      document === undefined || upToDate
        ? []
        : [
            ...(stored.encoding === plan.encoding
              ? []
              : [`~ encoding ${stored.encoding} → ${plan.encoding}`]),
            ...(managed
              ? documentChanges(text, credentials)
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
