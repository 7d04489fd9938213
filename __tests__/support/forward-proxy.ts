/**
 * A real forward proxy on loopback, as on corporate runners: CONNECT tunnels (HTTPS_PROXY) and
 * absolute-URI forwarding (HTTP_PROXY for plain-HTTP servers). It logs every request line.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface ForwardProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  /** 127.0.0.1:PORT */
  host: string;
  /** `CONNECT host:port` or `METHOD http://host:port/path`, in order. */
  log: string[];
  /** host:port of every connection the proxy made onward. */
  targets(): string[];
  stop(): Promise<void>;
}

export async function startForwardProxy(): Promise<ForwardProxy> {
  const log: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    // Plain HTTP through a proxy: the request line carries the absolute URI.
    log.push(`${req.method ?? ''} ${req.url ?? ''}`);
    const target = new URL(req.url ?? '');
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: req.method,
        headers: req.headers,
        agent: false,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    log.push(`CONNECT ${req.url ?? ''}`);
    const authority = req.url ?? '';
    const colon = authority.lastIndexOf(':');
    const host = authority.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
    const upstream = net.connect(Number(authority.slice(colon + 1)), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.on('close', () => sockets.delete(s));
    }
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `http://${host}`,
    host,
    log,
    targets: () =>
      log.map((line) => {
        const [method, target = ''] = line.split(' ');
        return method === 'CONNECT' ? target : new URL(target).host;
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}

const PROXY_VARS = ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy'];

/** Sets exactly these proxy variables in this process; returns a function restoring the previous ones. */
export function setProxyEnv(values: Record<string, string>): () => void {
  const saved = Object.fromEntries(PROXY_VARS.map((v) => [v, process.env[v]]));
  for (const v of PROXY_VARS) Reflect.deleteProperty(process.env, v);
  Object.assign(process.env, values);
  return () => {
    for (const v of PROXY_VARS) {
      if (saved[v] === undefined) Reflect.deleteProperty(process.env, v);
      else process.env[v] = saved[v];
    }
  };
}
