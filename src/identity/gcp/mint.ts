/**
 * Google Artifact Registry and Container Registry: an OAuth2 access token from application-default
 * credentials (what google-github-actions/auth writes, workload identity federation included), sent
 * as the password of the user `oauth2accesstoken`.
 *
 * Confirmed in Artifact Registry's Docker authentication docs: the access-token login is user
 * `oauth2accesstoken` with the token as password, and the long-lived form is user `_json_key` with
 * the service-account key file's content as password. Access tokens live 1 hour by default; the
 * expiry is read from the answer, never assumed.
 */
import type { RegistryAddress } from '../../credentials/address.js';
import { MintError, type MintedCredential, type MintOptions } from '../types.js';

const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
// getClient() otherwise looks the project up (Cloud Resource Manager for federated credentials): an
// extra call a registry token does not need, since the token is not tied to a project.
const NO_PROJECT = 'pull-credentials-unused';
const FIX_NO_CREDENTIALS =
  'add google-github-actions/auth (workload_identity_provider, service_account) before this step, ' +
  'with `permissions: id-token: write` in the job';

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(Object.assign(new Error(`no answer within ${ms / 1000}s`), { name: 'TimeoutError' }));
    }, ms);
  });
  return Promise.race([promise, deadline]).finally(() => {
    clearTimeout(timer);
  });
}

/** Google's error bodies: `{error, error_description}` (STS) or `{error: {code, message, status}}` (IAM). */
function serverReason(error: unknown): string {
  const data = (error as { response?: { data?: unknown } }).response?.data;
  if (data && typeof data === 'object') {
    const d = data as { error?: unknown; error_description?: unknown };
    const text = (v: unknown): string => (typeof v === 'string' ? v : '');
    if (typeof d.error === 'string') {
      return `${d.error}${d.error_description ? `: ${text(d.error_description)}` : ''}`;
    }
    if (d.error && typeof d.error === 'object') {
      const e = d.error as { status?: unknown; message?: unknown };
      return `${text(e.status)}: ${text(e.message)}`;
    }
  }
  return error instanceof Error ? error.message : String(error);
}

export function explainGoogleError(error: unknown): MintError {
  const message = error instanceof Error ? error.message : String(error);
  if (/Could not load the default credentials|Unable to detect a Project Id/i.test(message)) {
    return new MintError(`Google: no application-default credentials were found: ${FIX_NO_CREDENTIALS}`);
  }
  const rawUrl = (error as { config?: { url?: unknown } }).config?.url;
  const url = typeof rawUrl === 'string' ? rawUrl : rawUrl instanceof URL ? rawUrl.href : '';
  const reason = serverReason(error);
  if (/generateAccessToken/.test(url)) {
    return new MintError(
      `Google IAM refused to issue a token for the service account (${reason}): grant the workload ` +
        'identity pool principal roles/iam.workloadIdentityUser on the service account',
    );
  }
  if (/token/.test(url)) {
    return new MintError(
      `Google STS refused the workflow's identity (${reason}): check the workload identity provider's ` +
        'audience and attribute condition for this repository',
    );
  }
  if ((error as { name?: string }).name === 'TimeoutError') {
    return new MintError(
      `Google: the token request timed out (${message}): check the network path (HTTPS_PROXY)`,
    );
  }
  return new MintError(`Google: could not get an access token (${reason})`);
}

/** One access token serves every Google registry listed. */
export async function mintGoogle(
  addresses: readonly RegistryAddress[],
  options: MintOptions,
): Promise<MintedCredential[]> {
  // gaxios, under google-auth-library, honours HTTPS_PROXY / NO_PROXY itself; the credentials file
  // (GOOGLE_APPLICATION_CREDENTIALS, with its own token_url and impersonation URL) is the library's.
  const { GoogleAuth } = await import('./sdk.js');
  let token: string | null | undefined;
  let expiry: number | null | undefined;
  try {
    const client = await withDeadline(
      new GoogleAuth({ scopes: SCOPE, projectId: NO_PROJECT }).getClient(),
      options.timeoutMs,
    );
    token = (await withDeadline(client.getAccessToken(), options.timeoutMs)).token;
    expiry = client.credentials.expiry_date;
  } catch (error) {
    throw explainGoogleError(error);
  }
  if (!token) throw new MintError('Google: the credentials gave no access token');
  const minted = {
    username: 'oauth2accesstoken',
    password: token,
    ...(typeof expiry === 'number' ? { expiresAt: new Date(expiry) } : {}),
  };
  return addresses.map(() => minted);
}
