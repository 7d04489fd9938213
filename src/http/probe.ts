/**
 * The certificate a TLS server presents, read without verifying it and without sending anything:
 * only to put the dates in an expired / not-yet-valid message (Node's verify error carries none).
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { openTunnel, proxyFor } from './proxy.js';

export async function peerCertificate(target: string, timeoutMs = 5000): Promise<tls.PeerCertificate> {
  const url = new URL(target);
  const host = url.hostname.replace(/^\[(.+)\]$/, '$1');
  const port = Number(url.port) || 443;
  const proxy = proxyFor(url);
  const socket = proxy ? await openTunnel(proxy, host, port, timeoutMs) : undefined;
  return new Promise((resolve, reject) => {
    const connection = tls.connect({
      host,
      port,
      ...(socket ? { socket } : {}),
      ...(net.isIP(host) ? {} : { servername: host }),
      rejectUnauthorized: false,
      timeout: timeoutMs,
    });
    connection.once('secureConnect', () => {
      const cert = connection.getPeerCertificate();
      connection.destroy();
      resolve(cert);
    });
    connection.once('timeout', () => connection.destroy(new Error('timed out')));
    connection.once('error', reject);
  });
}
