/**
 * What @actions/http-client imports from undici (its ProxyAgent), served from the transport's
 * undici modules. The build points that import here; the transport's own module is then only ever
 * resolved the ordinary way, which keeps the bundle the same from one build to the next.
 */
export { ProxyAgent } from './undici.js';
