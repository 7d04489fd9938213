/**
 * @azure/identity behind a module of our own, imported dynamically so it loads only for `auth: azure`
 * (see ../aws/sdk.ts for why not import the package itself dynamically).
 */
export { ClientAssertionCredential, DefaultAzureCredential } from '@azure/identity';
