/**
 * A server that accepts every connection, reads the request and never answers: a partitioned or
 * wedged server as a client sees it. It counts the requests it received, so tests can check that a
 * deadline stopped the retries.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Socket } from 'node:net';
import { selfSignedCert } from './tls.js';

export interface HangingServer {
  /** `http(s)://127.0.0.1:PORT` */
  url: string;
  /** The certificate (its own CA) for https, also as a file for NODE_EXTRA_CA_CERTS. */
  ca?: { pem: string; file: string };
  /** `METHOD /path` of every request received. */
  requests: string[];
  stop(): Promise<void>;
}

export async function startHangingServer(options: { tls?: boolean } = {}): Promise<HangingServer> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const handler = (req: http.IncomingMessage) => {
    requests.push(`${req.method ?? ''} ${req.url ?? ''}`);
    req.resume(); // read the body, answer nothing
  };
  const material = options.tls ? selfSignedCert('hanging-server') : undefined;
  const server = material
    ? https.createServer({ key: material.key, cert: material.cert }, handler)
    : http.createServer(handler);
  // No server-side timeouts either: the client's deadline is what ends the exchange.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let ca: HangingServer['ca'];
  if (material) {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pc-hang-')), 'ca.pem');
    fs.writeFileSync(file, material.cert);
    ca = { pem: material.cert, file };
  }
  return {
    url: `${material ? 'https' : 'http'}://127.0.0.1:${port}`,
    ...(ca ? { ca } : {}),
    requests,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}
