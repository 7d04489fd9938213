/**
 * google-auth-library behind a module of our own, imported dynamically so it loads only for
 * `auth: gcp` (see ../aws/sdk.ts for why not import the package itself dynamically).
 */
export { GoogleAuth } from 'google-auth-library';
