/**
 * Amazon ECR (private and public): a GetAuthorizationToken call with the AWS SDK's default credential
 * chain (environment keys, or the web-identity role aws-actions/configure-aws-credentials sets up).
 *
 * Confirmed in the ECR API reference: the call takes no registry (`registryIds` is deprecated) and
 * answers `authorizationData[]` whose `authorizationToken` is base64 `AWS:<password>`, with
 * `expiresAt`, valid 12 hours; it serves every ECR registry the IAM principal may access (in any account),
 * so one call per region serves all listed registries of that region. ECR Public is served from
 * us-east-1 only, answers a single `authorizationData`, and needs `ecr-public:GetAuthorizationToken`
 * plus `sts:GetServiceBearerToken`.
 */
import type { RegistryAddress } from '../../credentials/address.js';
import { TunnelingHttpAgent, TunnelingHttpsAgent } from '../../http/proxy.js';
import { MintError, type MintedCredential, type MintOptions } from '../types.js';
import { ecrRegion } from './hosts.js';

const FIX_NO_CREDENTIALS =
  'add aws-actions/configure-aws-credentials (role-to-assume, aws-region) before this step, ' +
  'with `permissions: id-token: write` in the job';

interface TokenData {
  authorizationToken?: string | undefined;
  expiresAt?: Date | undefined;
}

/** `authorizationToken` is base64 of `AWS:<password>`. */
export function decodeAuthorizationToken(data: TokenData | undefined, what: string): MintedCredential {
  const decoded = Buffer.from(data?.authorizationToken ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) {
    throw new MintError(`${what}: the GetAuthorizationToken answer held no user:password token`);
  }
  return {
    username: decoded.slice(0, colon),
    password: decoded.slice(colon + 1),
    ...(data?.expiresAt ? { expiresAt: new Date(data.expiresAt) } : {}),
  };
}

function clientConfig(region: string, options: MintOptions) {
  return {
    region,
    // The SDK retries throttling and 5xx answers itself (standard mode); 3 attempts in all.
    maxAttempts: 3,
    // The SDK reads no proxy variables: the shared transport's tunnelling agents do (HTTPS_PROXY,
    // HTTP_PROXY, NO_PROXY), as for s3://. Endpoint overrides (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_ECR,
    // AWS_ENDPOINT_URL_ECR_PUBLIC, AWS_ENDPOINT_URL_STS) are the SDK's own.
    requestHandler: {
      httpAgent: new TunnelingHttpAgent({ keepAlive: true }),
      httpsAgent: new TunnelingHttpsAgent({ keepAlive: true }),
      connectionTimeout: Math.min(options.timeoutMs, 10_000),
      requestTimeout: options.timeoutMs,
    },
  };
}

/** Turns an SDK failure into the fix: missing credentials, the missing IAM action, throttling. */
export function explainAwsError(error: unknown, what: string, actions: string): MintError {
  const e = error as { name?: string; message?: string; $metadata?: { attempts?: number } };
  const name = e.name ?? 'Error';
  const message = e.message ?? String(error);
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return new MintError(`${what}: no AWS credentials were found (${message}): ${FIX_NO_CREDENTIALS}`);
  }
  if (/AssumeRoleWithWebIdentity/.test(message) || name === 'InvalidIdentityTokenException') {
    return new MintError(
      `${what}: AWS STS refused the workflow's web identity (${name}: ${message}): allow this repository ` +
        "and branch in the role's trust policy (token.actions.githubusercontent.com:sub)",
    );
  }
  if (/AccessDenied/.test(name)) {
    return new MintError(
      `${what}: AWS denied the token request (${name}: ${message}): allow ${actions} on resource "*" ` +
        "in the role's IAM policy",
    );
  }
  if (/Throttl|TooManyRequests/.test(name)) {
    return new MintError(
      `${what}: AWS throttled the token request after ${e.$metadata?.attempts ?? 1} attempt(s) ` +
        `(${name}): re-run the job, or run fewer concurrent jobs against this account`,
    );
  }
  if (name === 'AbortError' || name === 'TimeoutError') {
    return new MintError(`${what}: the token request timed out: check the network path (HTTPS_PROXY) to AWS`);
  }
  return new MintError(`${what}: GetAuthorizationToken failed (${name}: ${message})`);
}

function regionOf(address: RegistryAddress, env: NodeJS.ProcessEnv): string {
  const region =
    ecrRegion(address.apiHost.replace(/:\d+$/, '')) ?? env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'];
  if (!region) {
    throw new MintError(
      `registry ${address.key} is not an ECR host name, so its region is unknown: set AWS_REGION ` +
        '(aws-actions/configure-aws-credentials sets it)',
    );
  }
  return region;
}

/** One GetAuthorizationToken per region among the addresses. */
export async function mintEcr(
  addresses: readonly RegistryAddress[],
  options: MintOptions,
): Promise<MintedCredential[]> {
  const sdk = await import('./sdk.js');
  const byRegion = new Map<string, Promise<MintedCredential>>();
  const mintRegion = async (region: string): Promise<MintedCredential> => {
    const what = `ECR (${region})`;
    const client = new sdk.ECRClient(clientConfig(region, options));
    try {
      const answer = await client.send(new sdk.GetAuthorizationTokenCommand({}), {
        abortSignal: AbortSignal.timeout(options.timeoutMs),
      });
      return decodeAuthorizationToken(answer.authorizationData?.[0], what);
    } catch (error) {
      if (error instanceof MintError) throw error;
      throw explainAwsError(error, what, 'ecr:GetAuthorizationToken');
    } finally {
      client.destroy();
    }
  };
  return Promise.all(
    addresses.map((address) => {
      const region = regionOf(address, options.env);
      let minted = byRegion.get(region);
      if (!minted) {
        minted = mintRegion(region);
        byRegion.set(region, minted);
      }
      return minted;
    }),
  );
}

/** ECR Public: one GetAuthorizationToken in us-east-1 serves public.ecr.aws. */
export async function mintEcrPublic(
  addresses: readonly RegistryAddress[],
  options: MintOptions,
): Promise<MintedCredential[]> {
  const sdk = await import('./sdk.js');
  const what = 'ECR Public (us-east-1)';
  const client = new sdk.ECRPUBLICClient(clientConfig('us-east-1', options));
  try {
    const answer = await client.send(new sdk.GetPublicAuthorizationTokenCommand({}), {
      abortSignal: AbortSignal.timeout(options.timeoutMs),
    });
    const minted = decodeAuthorizationToken(answer.authorizationData, what);
    return addresses.map(() => minted);
  } catch (error) {
    if (error instanceof MintError) throw error;
    throw explainAwsError(error, what, 'ecr-public:GetAuthorizationToken and sts:GetServiceBearerToken');
  } finally {
    client.destroy();
  }
}
