/**
 * Google's token endpoints as workload identity federation uses them, driven by google-auth-library
 * through an external-account credentials file (token_url, service_account_impersonation_url):
 * - STS `POST /v1/token` (RFC 8693 token exchange, form-encoded): the workflow's OIDC token for a
 *   federated access token; `{"error": "invalid_grant", …}` with 400 when it does not match.
 * - IAM Credentials `POST /v1/projects/-/serviceAccounts/<email>:generateAccessToken` (Bearer the
 *   federated token, JSON `{scope, lifetime}`), answered `{accessToken, expireTime}`; 403
 *   PERMISSION_DENIED when the pool may not impersonate the account.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { readBody, stopServer } from './http-server.js';

export interface FakeGoogle {
  url: string;
  serviceAccount: string;
  audience: string;
  /** The access token generateAccessToken issues (give it to the registry as oauth2accesstoken's password). */
  accessToken: string;
  expiresAt: Date;
  /** Whether the pool may impersonate the service account. */
  allowImpersonation: boolean;
  log: { path: string; status: number; subjectToken?: string; scope?: string[] }[];
  /**
   * Writes the credentials file google-github-actions/auth writes: an external account whose subject
   * token comes from the runner's OIDC endpoint.
   */
  credentialsFile(
    dir: string,
    oidc: { ACTIONS_ID_TOKEN_REQUEST_URL: string; ACTIONS_ID_TOKEN_REQUEST_TOKEN: string },
  ): string;
  stop(): Promise<void>;
}

export async function startFakeGoogle(expectSubject: (token: string) => boolean): Promise<FakeGoogle> {
  const federated = `ya29.federated-${randomBytes(16).toString('hex')}`;
  const fake = {
    serviceAccount: 'puller@demo-project.iam.gserviceaccount.com',
    audience:
      '//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/github/providers/github',
    accessToken: `ya29.c.${randomBytes(48).toString('base64url')}`,
    expiresAt: new Date(Math.floor(Date.now() / 1000 + 3600) * 1000),
    allowImpersonation: true,
    log: [] as FakeGoogle['log'],
  };
  const send = (res: http.ServerResponse, status: number, value: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(value));
  };
  const server = http.createServer((req, res) => {
    void readBody(req).then((text) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const entry: FakeGoogle['log'][number] = { path: url.pathname, status: 200 };
      fake.log.push(entry);
      if (req.method === 'POST' && url.pathname === '/v1/token') {
        const form = new URLSearchParams(text);
        entry.subjectToken = form.get('subject_token') ?? '';
        const ok =
          form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:token-exchange' &&
          form.get('audience') === fake.audience &&
          form.get('requested_token_type') === 'urn:ietf:params:oauth:token-type:access_token' &&
          form.get('subject_token_type') === 'urn:ietf:params:oauth:token-type:jwt' &&
          expectSubject(entry.subjectToken);
        if (!ok) {
          entry.status = 400;
          send(res, 400, {
            error: 'invalid_grant',
            error_description: 'The audience in ID Token does not match the expected audience.',
          });
          return;
        }
        send(res, 200, {
          access_token: federated,
          issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          token_type: 'Bearer',
          expires_in: 3600,
        });
        return;
      }
      const impersonate = /^\/v1\/projects\/-\/serviceAccounts\/([^/:]+):generateAccessToken$/.exec(
        url.pathname,
      );
      if (req.method === 'POST' && impersonate) {
        const { scope } = JSON.parse(text || '{}') as { scope?: string[] };
        entry.scope = scope ?? [];
        if (req.headers.authorization !== `Bearer ${federated}`) {
          entry.status = 401;
          send(res, 401, {
            error: {
              code: 401,
              message: 'Request had invalid authentication credentials.',
              status: 'UNAUTHENTICATED',
            },
          });
          return;
        }
        if (!fake.allowImpersonation || decodeURIComponent(impersonate[1]!) !== fake.serviceAccount) {
          entry.status = 403;
          send(res, 403, {
            error: {
              code: 403,
              message:
                "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).",
              status: 'PERMISSION_DENIED',
            },
          });
          return;
        }
        send(res, 200, { accessToken: fake.accessToken, expireTime: fake.expiresAt.toISOString() });
        return;
      }
      entry.status = 404;
      send(res, 404, { error: { code: 404, message: 'Not Found', status: 'NOT_FOUND' } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(fake, {
    url,
    credentialsFile(
      dir: string,
      oidc: { ACTIONS_ID_TOKEN_REQUEST_URL: string; ACTIONS_ID_TOKEN_REQUEST_TOKEN: string },
    ) {
      const file = path.join(dir, `gha-creds-${randomBytes(4).toString('hex')}.json`);
      const document = {
        type: 'external_account',
        audience: fake.audience,
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        token_url: `${url}/v1/token`,
        service_account_impersonation_url: `${url}/v1/projects/-/serviceAccounts/${fake.serviceAccount}:generateAccessToken`,
        credential_source: {
          url: `${oidc.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=${encodeURIComponent(`https:${fake.audience}`)}`,
          headers: { Authorization: `Bearer ${oidc.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` },
          format: { type: 'json', subject_token_field_name: 'value' },
        },
      };
      fs.writeFileSync(file, JSON.stringify(document), { mode: 0o600 });
      return file;
    },
    stop: () => stopServer(server),
  });
}
