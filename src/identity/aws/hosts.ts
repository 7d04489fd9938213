/**
 * ECR registry host names. Private: `<account>.dkr.ecr[-fips].<region>.amazonaws.com`, China
 * `….amazonaws.com.cn`, the isolated partitions, and dual-stack `<account>.dkr-ecr.<region>.on.aws`
 * (`….on.amazonwebservices.com.cn` in China). Public: `public.ecr.aws`.
 */
const PRIVATE =
  /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.(?:amazonaws\.com(?:\.cn)?|c2s\.ic\.gov|sc2s\.sgov\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov)$/;
const DUAL_STACK = /^(\d{12})\.dkr-ecr(?:-fips)?\.([a-z0-9-]+)\.on\.(?:aws|amazonwebservices\.com\.cn)$/;

export function ecrRegion(host: string): string | undefined {
  const match = PRIVATE.exec(host) ?? DUAL_STACK.exec(host);
  return match?.[2];
}

export const isEcrPrivateHost = (host: string): boolean => ecrRegion(host) !== undefined;
export const isEcrPublicHost = (host: string): boolean => host === 'public.ecr.aws';
