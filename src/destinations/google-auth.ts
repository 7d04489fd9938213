/**
 * google-auth-library behind a module of our own, imported dynamically by gs.ts so it loads only when
 * a gs:// destination is used (see s3-sdk.ts for why not import the package itself dynamically).
 */
export { GoogleAuth } from 'google-auth-library';
