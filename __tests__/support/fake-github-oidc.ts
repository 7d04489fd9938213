/**
 * The runner's OIDC token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN): `GET <url>&audience=<aud>`
 * with `Authorization: Bearer <request token>`, answered `{"value": "<JWT>"}`. The JWT carries the
 * claims a GitHub workflow token has (iss, sub, aud); fakes downstream read them, not its signature.
 */
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { stopServer } from './http-server.js';

export interface FakeGithubOidc {
  /** ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN for the action's environment. */
  env: { ACTIONS_ID_TOKEN_REQUEST_URL: string; ACTIONS_ID_TOKEN_REQUEST_TOKEN: string };
  subject: string;
  /** Audiences requested, in order. */
  audiences: string[];
  /** Every token handed out. */
  issued: string[];
  stop(): Promise<void>;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function unsignedJwt(claims: Record<string, unknown>): string {
  return `${b64({ alg: 'RS256', typ: 'JWT', kid: 'test' })}.${b64(claims)}.${randomBytes(32).toString('base64url')}`;
}

export async function startFakeGithubOidc(
  subject = 'repo:octo/app:ref:refs/heads/main',
): Promise<FakeGithubOidc> {
  const requestToken = randomBytes(16).toString('hex');
  const audiences: string[] = [];
  const issued: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.headers.authorization !== `Bearer ${requestToken}` || url.pathname !== '/idtoken') {
      res.writeHead(401).end();
      return;
    }
    const aud = url.searchParams.get('audience') ?? 'https://github.com/octo';
    audiences.push(aud);
    const now = Math.floor(Date.now() / 1000);
    const value = unsignedJwt({
      iss: 'https://token.actions.githubusercontent.com',
      sub: subject,
      aud,
      repository: 'octo/app',
      iat: now,
      nbf: now - 5,
      exp: now + 300,
    });
    issued.push(value);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ count: 1, value }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    env: {
      ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${port}/idtoken?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
    },
    subject,
    audiences,
    issued,
    stop: () => stopServer(server),
  };
}
