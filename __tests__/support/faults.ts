/**
 * Proxies that sit in front of a test registry: an HTTP(S) reverse proxy that counts requests and
 * injects faults (429 with Retry-After, 5xx, connection resets), and a TCP proxy that adds latency
 * (tc netem is not available). Self-contained for scripts/bench.mjs, like registry.ts.
 *
 * The TCP proxy passes TLS through untouched, ALPN included; the reverse proxy offers HTTP/2 over
 * ALPN (as the distribution registry does) only when asked, with `http2`.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { TestCA } from './registry.js';

export interface Fault {
  /** Tested against `METHOD /path?query`; default: every request. */
  match?: RegExp;
  /** Answer with this status instead of forwarding. */
  status?: number;
  /** Retry-After header value for `status`. */
  retryAfter?: string;
  /** Destroy the connection without answering. */
  reset?: boolean;
  /** How many matching requests get the fault; default: all of them. */
  times?: number;
}

export interface ProxiedRequest {
  method: string;
  path: string;
  status: number;
  authorization: boolean;
}

export interface FaultProxy {
  /** 127.0.0.1:PORT */
  host: string;
  url: string;
  requests: ProxiedRequest[];
  stop(): Promise<void>;
}

/**
 * Reverse proxy to `targetUrl` (http:// or https://). With `ca` it serves TLS with the CA's server
 * certificate and trusts the CA upstream, so clients see the same trust as with the registry.
 */
export async function startFaultProxy(
  targetUrl: string,
  faults: Fault[] = [],
  options: { ca?: TestCA; http2?: boolean } = {},
): Promise<FaultProxy> {
  const target = new URL(targetUrl);
  const upstream = target.protocol === 'https:' ? https : http;
  const agent = new upstream.Agent({ keepAlive: true, ...(options.ca ? { ca: options.ca.caPem } : {}) });
  // With http2 and a TLS target, one multiplexed session upstream too (the registry speaks h2), so
  // the proxy adds no connection set-ups of its own when hundreds of requests arrive at once.
  let session: http2.ClientHttp2Session | undefined;
  const upstreamSession = () => {
    if (!session || session.closed || session.destroyed) {
      session = http2.connect(target.origin, {
        createConnection: () =>
          tls
            .connect({
              host: target.hostname,
              port: Number(target.port),
              ALPNProtocols: ['h2'],
              ...(options.ca ? { ca: options.ca.caPem } : {}),
            })
            .setNoDelay(true),
      });
      session.on('error', () => session?.destroy());
    }
    return session;
  };
  const used = faults.map(() => 0);
  const requests: ProxiedRequest[] = [];

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const line = `${req.method ?? 'GET'} ${req.url ?? '/'}`;
    const record = (status: number) =>
      requests.push({
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        status,
        authorization: req.headers.authorization !== undefined,
      });
    const index = faults.findIndex(
      (f, i) => (f.match?.test(line) ?? true) && used[i]! < (f.times ?? Number.POSITIVE_INFINITY),
    );
    const fault = index === -1 ? undefined : faults[index];
    if (fault) {
      used[index]!++;
      if (fault.reset) {
        record(0);
        // Over HTTP/2 the socket carries other streams: reset this one only.
        if (req.httpVersionMajor === 2) (req as unknown as http2.Http2ServerRequest).stream.close(2);
        else req.socket.destroy();
        return;
      }
      const status = fault.status ?? 500;
      record(status);
      res.writeHead(status, {
        'content-type': 'application/json',
        ...(fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {}),
      });
      const code = status === 429 ? 'TOOMANYREQUESTS' : 'UNAVAILABLE';
      res.end(
        req.method === 'HEAD' ? undefined : JSON.stringify({ errors: [{ code, message: 'injected' }] }),
      );
      return;
    }
    if (options.http2 && target.protocol === 'https:') {
      const headers: http2.OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (!name.startsWith(':') && !HOP_BY_HOP.has(name)) headers[name] = value;
      }
      const stream = upstreamSession().request({
        ...headers,
        ':method': req.method ?? 'GET',
        ':path': req.url ?? '/',
        ':authority': target.host,
      });
      stream.on('response', (upHeaders) => {
        const status = upHeaders[':status'] ?? 502;
        record(status);
        const out: http.OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(upHeaders)) {
          if (!name.startsWith(':') && !HOP_BY_HOP.has(name)) out[name] = value;
        }
        res.writeHead(status, out);
        stream.pipe(res);
      });
      stream.on('error', () => {
        record(502);
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      req.pipe(stream);
      return;
    }
    const headers = { ...req.headers, host: target.host };
    const forward = upstream.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent },
      (up) => {
        record(up.statusCode ?? 0);
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forward.on('error', () => {
      record(502);
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(forward);
  };
  const tlsFiles = options.ca
    ? { cert: fs.readFileSync(options.ca.serverCertFile), key: fs.readFileSync(options.ca.serverKeyFile) }
    : undefined;
  const h2server =
    tlsFiles && options.http2
      ? http2.createSecureServer({ ...tlsFiles, allowHTTP1: true }, handler as never)
      : undefined;
  const server: net.Server =
    h2server ?? (tlsFiles ? https.createServer(tlsFiles, handler) : http.createServer(handler));
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    // As Node's HTTP/1 servers do by default; its HTTP/2 server does not.
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const host = `127.0.0.1:${port}`;
  let stopped: Promise<void> | undefined;
  return {
    host,
    url: `${options.ca ? 'https' : 'http'}://${host}`,
    requests,
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        server.close(() => {
          agent.destroy();
          session?.destroy();
          resolve();
        });
        for (const socket of sockets) socket.destroy();
      })),
  };
}

/** Connection-specific headers, which HTTP/2 forbids. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'host',
  'http2-settings',
]);

export interface LatencyProxy {
  host: string;
  port: number;
  /** TCP connections accepted so far. */
  connections: number;
  /** performance.now() of the first connection accepted since the last reset(). */
  firstConnectAt: number | undefined;
  /** performance.now() of the last chunk delivered back to a client since the last reset(). */
  lastDeliveredAt: number | undefined;
  /** Forgets connections and times (between benchmark runs). */
  reset(): void;
  stop(): Promise<void>;
}

/** A TCP proxy to `targetHost` (host:port) that delays every chunk each way by `delayMs`. */
export async function startLatencyProxy(targetHost: string, delayMs: number): Promise<LatencyProxy> {
  const [hostname, portText] = [
    targetHost.slice(0, targetHost.lastIndexOf(':')),
    targetHost.split(':').pop(),
  ];
  const sockets = new Set<net.Socket>();
  const state = {
    connections: 0,
    firstConnectAt: undefined as number | undefined,
    lastDeliveredAt: undefined as number | undefined,
  };
  const delayed = (from: net.Socket, to: net.Socket, toClient: boolean) => {
    // Chunks keep their order: each is written delayMs after it arrived.
    from.on('data', (chunk) => {
      setTimeout(() => {
        if (to.destroyed) return;
        to.write(chunk);
        if (toClient) state.lastDeliveredAt = performance.now();
      }, delayMs);
    });
    from.on('end', () => setTimeout(() => to.end(), delayMs));
    from.on('error', () => to.destroy());
  };
  // No Nagle on either side: a network path delays packets but does not hold small writes back
  // for an ACK (with delayed ACKs that stalls a TLS handshake or a response's last frame ~40 ms).
  const server = net.createServer({ noDelay: true }, (client) => {
    state.connections++;
    state.firstConnectAt ??= performance.now();
    const upstream = net.connect({ port: Number(portText), host: hostname, noDelay: true });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    delayed(client, upstream, false);
    delayed(upstream, client, true);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  let stopped: Promise<void> | undefined;
  return {
    host: `127.0.0.1:${port}`,
    port,
    get connections() {
      return state.connections;
    },
    get firstConnectAt() {
      return state.firstConnectAt;
    },
    get lastDeliveredAt() {
      return state.lastDeliveredAt;
    },
    reset: () => {
      Object.assign(state, { connections: 0, firstConnectAt: undefined, lastDeliveredAt: undefined });
    },
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          resolve();
        });
      })),
  };
}

export interface ThreadedLatencyProxy extends LatencyProxy {
  /** Fetches connections and times from the thread (they are stale until then). */
  sync(): Promise<void>;
}

/**
 * startLatencyProxy on a thread of its own: the emulated network then keeps its timing while this
 * thread is busy (a benchmark's servers: TLS handshakes, token signing, proxying). Times are this
 * thread's performance.now(). Needs Node to load this file itself (the benchmark, not vitest).
 */
export async function startLatencyProxyThread(
  targetHost: string,
  delayMs: number,
): Promise<ThreadedLatencyProxy> {
  const worker = new Worker(new URL(import.meta.url), {
    workerData: { latencyProxy: { targetHost, delayMs } },
  });
  let pending: ((value: Record<string, number | undefined>) => void) | undefined;
  const ask = (type: string) =>
    new Promise<Record<string, number | undefined>>((resolve) => {
      pending = resolve;
      worker.postMessage(type);
    });
  worker.on('message', (message: Record<string, number | undefined>) => {
    const resolve = pending;
    pending = undefined;
    resolve?.(message);
  });
  const ready = await ask('state');
  // The thread reports absolute times; here they become this thread's performance.now().
  const local = (t: number | undefined) => (t === undefined ? undefined : t - performance.timeOrigin);
  const state = {
    connections: 0,
    firstConnectAt: undefined as number | undefined,
    lastDeliveredAt: undefined as number | undefined,
  };
  const port = ready.port!;
  return {
    host: `127.0.0.1:${port}`,
    port,
    get connections() {
      return state.connections;
    },
    get firstConnectAt() {
      return state.firstConnectAt;
    },
    get lastDeliveredAt() {
      return state.lastDeliveredAt;
    },
    async sync() {
      const m = await ask('state');
      Object.assign(state, {
        connections: m.connections ?? 0,
        firstConnectAt: local(m.firstConnectAt),
        lastDeliveredAt: local(m.lastDeliveredAt),
      });
    },
    reset() {
      Object.assign(state, { connections: 0, firstConnectAt: undefined, lastDeliveredAt: undefined });
      worker.postMessage('reset');
    },
    stop: async () => {
      await ask('stop');
      await worker.terminate();
    },
  };
}

// The thread side of startLatencyProxyThread.
if (!isMainThread && parentPort && (workerData as { latencyProxy?: unknown } | null)?.latencyProxy) {
  const { targetHost, delayMs } = (workerData as { latencyProxy: { targetHost: string; delayMs: number } })
    .latencyProxy;
  const port = parentPort;
  const proxy = await startLatencyProxy(targetHost, delayMs);
  const absolute = (t: number | undefined) => (t === undefined ? undefined : performance.timeOrigin + t);
  port.on('message', (type: string) => {
    if (type === 'reset') {
      proxy.reset();
      return;
    }
    const answer = () => {
      port.postMessage({
        port: proxy.port,
        connections: proxy.connections,
        firstConnectAt: absolute(proxy.firstConnectAt),
        lastDeliveredAt: absolute(proxy.lastDeliveredAt),
      });
    };
    if (type === 'stop') void proxy.stop().then(answer);
    else answer();
  });
}

/** host:port on 127.0.0.1 where nothing listens (the "registry down" case). */
export async function closedPort(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return `127.0.0.1:${port}`;
}
