/**
 * The ECR clients behind a module of our own, imported dynamically so they load only for `auth: aws`
 * or `aws-public` (a bundled dynamic import of the CommonJS SDK itself would expose only `default`).
 */
export { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
export {
  ECRPUBLICClient,
  GetAuthorizationTokenCommand as GetPublicAuthorizationTokenCommand,
} from '@aws-sdk/client-ecr-public';
