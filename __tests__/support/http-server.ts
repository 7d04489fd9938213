/** What every fake HTTP server of the tests shares: reading a request body, and stopping at once. */
import type * as http from 'node:http';

/** The request's body as text. */
export function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      resolve(text);
    });
  });
}

/** Stops a server now, its keep-alive connections too, so a stop never waits for a client. */
export function stopServer(server: Pick<http.Server, 'close' | 'closeAllConnections'>): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
    server.closeAllConnections();
  });
}
