/**
 * gaxios (google-auth-library) loads https-proxy-agent with a dynamic import and reads its named
 * export; a bundled dynamic import of a CommonJS package exposes only `default`, so the build sends
 * that import here, where a static re-export keeps the name (see scripts/build.mjs).
 */
export { HttpsProxyAgent } from 'https-proxy-agent';
