/**
 * The parts of undici the transport uses, from undici's own modules: its index also evaluates fetch,
 * WebSocket, the caches and the mocks, ~15 ms of every start that a run never uses.
 */
import type * as Undici from 'undici';
import api from 'undici/lib/api/index.js';
import util from 'undici/lib/core/util.js';
import Dispatcher from 'undici/lib/dispatcher/dispatcher.js';

export { default as EnvHttpProxyAgent } from 'undici/lib/dispatcher/env-http-proxy-agent.js';
// @actions/http-client's one import from undici (scripts/build.mjs points it here).
export { default as ProxyAgent } from 'undici/lib/dispatcher/proxy-agent.js';

// What undici's index does on load: dispatchers get request(), connect() and the rest (its proxy
// agent tunnels with connect()).
Object.assign(Dispatcher.prototype, api);

/** undici's `request(url, options)`, as its index builds it, for callers that pass a dispatcher. */
export function request(
  url: string,
  options: Omit<Undici.Dispatcher.RequestOptions, 'origin' | 'path'> & { dispatcher: Undici.Dispatcher },
): Promise<Undici.Dispatcher.ResponseData> {
  const { dispatcher, ...rest } = options;
  const parsed = util.parseURL(url);
  return api.request.call(dispatcher, {
    ...rest,
    origin: parsed.origin,
    path: parsed.search ? `${parsed.pathname}${parsed.search}` : parsed.pathname,
    method: rest.method || (rest.body ? 'PUT' : 'GET'),
  });
}
