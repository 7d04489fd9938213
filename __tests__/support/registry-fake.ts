/**
 * A registry served from Node itself, for runners without Debian's docker-registry (Windows,
 * macOS): the distribution API's token flow as docker meets it. `GET /v2/` answers 401 with a
 * Bearer challenge; `/token` issues a token for the right Basic credentials (401 otherwise); manifests
 * and blobs answer only with that token, with Docker-Content-Digest as a registry sends it.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { stopServer } from './http-server.js';

export interface FakeRegistry {
  /** host:port on 127.0.0.1. */
  host: string;
  /** Requests seen, as `METHOD path`. */
  log: string[];
  stop(): Promise<void>;
}

const sha256 = (data: string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** Serves one image, `repository:tag`, for one linux platform, to one user. */
export async function startFakeRegistry(options: {
  username: string;
  password: string;
  repository: string;
  tag: string;
  architecture?: string;
}): Promise<FakeRegistry> {
  const config = JSON.stringify({ os: 'linux', architecture: options.architecture ?? 'amd64', rootfs: {} });
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: sha256(config),
      size: config.length,
    },
    layers: [],
  });
  const token = randomBytes(16).toString('hex');
  const log: string[] = [];
  const expectedBasic = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
  let host = '';

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    log.push(`${req.method ?? 'GET'} ${url.pathname}`);
    const error = (status: number, code: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify({ errors: [{ code, message: code }] }));
    };
    if (url.pathname === '/token') {
      if (req.headers.authorization !== expectedBasic) {
        error(401, 'UNAUTHORIZED');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ token, expires_in: 300 }));
    }
    if (req.headers.authorization !== `Bearer ${token}`) {
      const scope = /^\/v2\/(.+)\/(manifests|blobs)\//.exec(url.pathname)?.[1];
      error(401, 'UNAUTHORIZED', {
        'www-authenticate':
          `Bearer realm="http://${host}/token",service="fake-registry"` +
          (scope ? `,scope="repository:${scope}:pull"` : ''),
      });
      return;
    }
    const send = (body: string, type: string) => {
      res.writeHead(200, {
        'content-type': type,
        'docker-content-digest': sha256(body),
        'content-length': body.length,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (url.pathname === '/v2/') {
      send('{}', 'application/json');
      return;
    }
    const prefix = `/v2/${options.repository}/`;
    if (
      url.pathname === `${prefix}manifests/${options.tag}` ||
      url.pathname === `${prefix}manifests/${sha256(manifest)}`
    ) {
      send(manifest, 'application/vnd.oci.image.manifest.v1+json');
      return;
    }
    if (url.pathname === `${prefix}blobs/${sha256(config)}`) {
      send(config, 'application/octet-stream');
      return;
    }
    error(404, url.pathname.includes('/manifests/') ? 'MANIFEST_UNKNOWN' : 'NAME_UNKNOWN');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    log,
    async stop() {
      await stopServer(server);
    },
  };
}
