/**
 * The proxy for a URL from HTTPS_PROXY / HTTP_PROXY / NO_PROXY (either case), by the rules undici's
 * EnvHttpProxyAgent applies to our own requests, for the clients that do not use undici through us:
 * Node `http(s).Agent`s that tunnel (CONNECT) for the AWS SDK, and the Kubernetes client's proxy-url.
 * There is no implicit bypass of loopback addresses: NO_PROXY alone decides.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Duplex } from 'node:stream';

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

function env(lower: string, upper: string): string | undefined {
  const value = process.env[lower] ?? process.env[upper];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

interface NoProxyEntry {
  hostname: string;
  port: number;
  wildcard: boolean;
}

function parseNoProxy(value: string): NoProxyEntry[] {
  return value
    .split(/[,\s]/)
    .filter((entry) => entry !== '')
    .map((entry) => {
      let hostname: string;
      let port: number;
      const ipv6WithPort = /^\[(.+)\]:(\d+)$/.exec(entry);
      if (ipv6WithPort) {
        hostname = ipv6WithPort[1]!;
        port = Number(ipv6WithPort[2]);
      } else {
        const unbracketed = entry.replace(/^\[(.+)\]$/, '$1');
        const parsed = (unbracketed.match(/:/g) ?? []).length === 1 && /^(.+):(\d+)$/.exec(unbracketed);
        hostname = parsed ? parsed[1]! : unbracketed;
        port = parsed ? Number(parsed[2]) : 0;
      }
      return {
        hostname: hostname
          .replace(/^\*?\./, '')
          .replace(/^(.+)\.$/, '$1')
          .toLowerCase(),
        port,
        wildcard: entry.startsWith('*'),
      };
    });
}

/** Whether NO_PROXY exempts this host and port. */
function bypassed(hostname: string, port: number): boolean {
  for (const entry of parseNoProxy(env('no_proxy', 'NO_PROXY') ?? '')) {
    if (entry.port && entry.port !== port) continue;
    if (entry.hostname === '*') return true;
    if (!entry.wildcard && hostname === entry.hostname) return true;
    if (hostname.endsWith(`.${entry.hostname}`)) return true;
  }
  return false;
}

/** The proxy URL the environment names for this URL, or undefined for a direct connection. */
export function proxyFor(target: string | URL): string | undefined {
  const url = typeof target === 'string' ? new URL(target) : target;
  const httpProxy = env('http_proxy', 'HTTP_PROXY');
  const proxy = url.protocol === 'https:' ? (env('https_proxy', 'HTTPS_PROXY') ?? httpProxy) : httpProxy;
  if (!proxy) return undefined;
  let hostname = url.hostname.replace(/^\[(.+)\]$/, '$1').toLowerCase();
  if (hostname.length > 1 && hostname.endsWith('.')) hostname = hostname.slice(0, -1);
  const port = Number(url.port) || DEFAULT_PORTS[url.protocol] || 0;
  return bypassed(hostname, port) ? undefined : proxy;
}

/** A raw TCP stream to host:port through the proxy's CONNECT. */
export function openTunnel(
  proxyUrl: string,
  host: string,
  port: number,
  timeoutMs = 15_000,
): Promise<Duplex> {
  const proxy = new URL(proxyUrl);
  const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const headers: Record<string, string> = { host: authority };
  if (proxy.username !== '' || proxy.password !== '') {
    const user = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
    headers['proxy-authorization'] = `Basic ${Buffer.from(user).toString('base64')}`;
  }
  const client = proxy.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request({
      host: proxy.hostname.replace(/^\[(.+)\]$/, '$1'),
      port: Number(proxy.port) || DEFAULT_PORTS[proxy.protocol],
      method: 'CONNECT',
      path: authority,
      headers,
      timeout: timeoutMs,
      agent: false,
    });
    request.once('connect', (response, socket) => {
      if (response.statusCode !== 200) {
        socket.destroy();
        reject(
          Object.assign(
            new Error(`the proxy ${proxy.host} refused CONNECT ${authority} (${response.statusCode})`),
            {
              code: 'ERR_PROXY_CONNECT',
            },
          ),
        );
        return;
      }
      resolve(socket);
    });
    request.once('timeout', () =>
      request.destroy(Object.assign(new Error('proxy CONNECT timed out'), { code: 'ETIMEDOUT' })),
    );
    request.once('error', reject);
    request.end();
  });
}

type Callback = (error: Error | null, stream: Duplex) => void;

/** Node's connection callback takes no stream with an error. */
const fail = (callback: Callback | undefined, error: Error): void => callback?.(error, undefined as never);

/**
 * An https.Agent that reaches each host through the environment's proxy (CONNECT, then TLS inside
 * the tunnel with the agent's own TLS options), or directly when none applies.
 */
export class TunnelingHttpsAgent extends https.Agent {
  override createConnection(options: https.RequestOptions, callback?: Callback): Duplex | null | undefined {
    const host = options.host ?? options.hostname ?? 'localhost';
    const port = Number(options.port) || 443;
    const proxy = proxyFor(`https://${host.includes(':') ? `[${host}]` : host}:${port}`);
    if (!proxy) return super.createConnection(options, callback);
    openTunnel(proxy, host, port).then(
      (socket) => {
        const secure = tls.connect({
          ...(options as tls.ConnectionOptions),
          host,
          port,
          socket,
          ...(options.servername || net.isIP(host) ? {} : { servername: host }),
        });
        callback?.(null, secure);
      },
      (error: unknown) => {
        fail(callback, error instanceof Error ? error : new Error(String(error)));
      },
    );
    return undefined;
  }
}

/** The plain-HTTP counterpart (a loopback S3 endpoint): a CONNECT tunnel when a proxy applies. */
export class TunnelingHttpAgent extends http.Agent {
  override createConnection(options: http.ClientRequestArgs, callback?: Callback): Duplex | null | undefined {
    const host = options.host ?? options.hostname ?? 'localhost';
    const port = Number(options.port) || 80;
    const proxy = proxyFor(`http://${host.includes(':') ? `[${host}]` : host}:${port}`);
    if (!proxy) return super.createConnection(options, callback);
    openTunnel(proxy, host, port).then(
      (socket) => {
        callback?.(null, socket);
      },
      (error: unknown) => {
        fail(callback, error instanceof Error ? error : new Error(String(error)));
      },
    );
    return undefined;
  }
}
