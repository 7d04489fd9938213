/**
 * Azure fakes, over TLS from the test CA (MSAL accepts only https authorities), driven by
 * @azure/identity through AZURE_AUTHORITY_HOST:
 * - Entra ID: the OpenID configuration (`/<tenant>/v2.0/.well-known/openid-configuration`), instance
 *   discovery (`/common/discovery/instance`), and the v2 token endpoint taking a client assertion
 *   (`client_assertion_type=…jwt-bearer`): a federated credential matches on issuer, subject and
 *   audience, else `invalid_client` with AADSTS70021 naming the subject presented.
 * - ACR: a registry front that answers `POST /oauth2/exchange` (form `grant_type=access_token`,
 *   `service`, `tenant`, `access_token`) with `{"refresh_token"}`, and passes everything else to the
 *   real registry behind it (whose token server takes the refresh token as the null-GUID user's password).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { unsignedJwt } from './fake-github-oidc.js';
import type { TestCA, TestRegistry } from './registry.js';
import { readBody, stopServer } from './http-server.js';

const send = (res: http.ServerResponse, status: number, value: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(value));
};

function claims(jwt: string): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as Record<
      string,
      unknown
    >;
  } catch {
    return {};
  }
}

async function listenTls(
  ca: TestCA,
  handler: http.RequestListener,
): Promise<{ server: https.Server; host: string }> {
  const server = https.createServer(
    { cert: fs.readFileSync(ca.serverCertFile), key: fs.readFileSync(ca.serverKeyFile) },
    handler,
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, host: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export interface FakeEntra {
  /** AZURE_AUTHORITY_HOST */
  authorityHost: string;
  tenantId: string;
  clientId: string;
  /** The federated credential's subject (what the workflow's token must carry). */
  subject: string;
  issued: string[];
  log: { path: string; status: number; scope?: string; assertionSubject?: string }[];
  stop(): Promise<void>;
}

export async function startFakeEntra(ca: TestCA, subject: string): Promise<FakeEntra> {
  const fake = {
    tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    clientId: '0b6c4a4e-0c83-4c5e-8a1f-6d3d8c0f9b21',
    subject,
    issued: [] as string[],
    log: [] as FakeEntra['log'],
  };
  let base = '';
  const { server, host } = await listenTls(ca, (req, res) => {
    void readBody(req).then((text) => {
      const url = new URL(req.url ?? '/', 'https://x');
      const entry: FakeEntra['log'][number] = { path: url.pathname, status: 200 };
      fake.log.push(entry);
      const t = fake.tenantId;
      if (url.pathname === `/${t}/v2.0/.well-known/openid-configuration`) {
        send(res, 200, {
          token_endpoint: `${base}/${t}/oauth2/v2.0/token`,
          authorization_endpoint: `${base}/${t}/oauth2/v2.0/authorize`,
          device_authorization_endpoint: `${base}/${t}/oauth2/v2.0/devicecode`,
          end_session_endpoint: `${base}/${t}/oauth2/v2.0/logout`,
          jwks_uri: `${base}/${t}/discovery/v2.0/keys`,
          issuer: `${base}/${t}/v2.0`,
          response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
          token_endpoint_auth_methods_supported: [
            'client_secret_post',
            'private_key_jwt',
            'client_secret_basic',
          ],
          scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
          tenant_region_scope: 'WW',
        });
        return;
      }
      if (url.pathname === '/common/discovery/instance') {
        const h = new URL(base).host;
        send(res, 200, {
          tenant_discovery_endpoint: `${base}/${t}/v2.0/.well-known/openid-configuration`,
          'api-version': '1.1',
          metadata: [{ preferred_network: h, preferred_cache: h, aliases: [h] }],
        });
        return;
      }
      if (req.method === 'POST' && url.pathname === `/${t}/oauth2/v2.0/token`) {
        const form = new URLSearchParams(text);
        const assertion = claims(form.get('client_assertion') ?? '');
        entry.scope = form.get('scope') ?? '';
        entry.assertionSubject = typeof assertion['sub'] === 'string' ? assertion['sub'] : '';
        const fail = (status: number, error: string, code: number, description: string) => {
          entry.status = status;
          send(res, status, {
            error,
            error_description: `AADSTS${code}: ${description} Trace ID: ${randomBytes(8).toString('hex')} Timestamp: ${new Date().toISOString()}`,
            error_codes: [code],
            timestamp: new Date().toISOString(),
            trace_id: randomBytes(8).toString('hex'),
            correlation_id: randomBytes(8).toString('hex'),
          });
        };
        if (form.get('client_id') !== fake.clientId) {
          fail(
            400,
            'unauthorized_client',
            700016,
            `Application with identifier '${form.get('client_id') ?? ''}' was not found in the directory.`,
          );
          return;
        }
        if (
          form.get('grant_type') !== 'client_credentials' ||
          form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
        ) {
          fail(
            400,
            'invalid_request',
            900144,
            "The request body must contain the following parameter: 'client_assertion'.",
          );
          return;
        }
        if (
          assertion['iss'] !== 'https://token.actions.githubusercontent.com' ||
          assertion['aud'] !== 'api://AzureADTokenExchange' ||
          assertion['sub'] !== fake.subject
        ) {
          fail(
            401,
            'invalid_client',
            70021,
            `No matching federated identity record found for presented assertion. Assertion Issuer: '${String(assertion['iss'])}'. Assertion Subject: '${String(assertion['sub'])}'. Assertion Audience: '${String(assertion['aud'])}'.`,
          );
          return;
        }
        const now = Math.floor(Date.now() / 1000);
        const token = unsignedJwt({
          aud: 'https://containerregistry.azure.net',
          iss: `https://sts.windows.net/${t}/`,
          tid: t,
          appid: fake.clientId,
          iat: now,
          exp: now + 3600,
        });
        fake.issued.push(token);
        send(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token });
        return;
      }
      entry.status = 404;
      send(res, 404, { error: 'not_found' });
    });
  });
  base = `https://${host}`;
  return Object.assign(fake, { authorityHost: base, stop: () => stopServer(server) });
}

export interface FakeAcr {
  /** host:port the front serves: the registry's name as the action sees it. */
  host: string;
  /** The refresh token the exchange issues (the registry's token server accepts it). */
  refreshToken: string;
  expiresAt: Date;
  /** Whether the exchange grants (the identity has AcrPull). */
  grant: boolean;
  exchanges: { service: string; tenant: string; status: number }[];
  stop(): Promise<void>;
}

/** A refresh token like ACR's: a JWT whose `exp` is when it stops working. */
export function acrRefreshToken(lifetimeSeconds: number): { token: string; expiresAt: Date } {
  const now = Math.floor(Date.now() / 1000);
  const exp = now + lifetimeSeconds;
  const token = unsignedJwt({
    jti: randomBytes(8).toString('hex'),
    sub: 'puller',
    grant_type: 'refresh_token',
    iat: now,
    exp,
  });
  return { token, expiresAt: new Date(exp * 1000) };
}

export async function startFakeAcr(
  registry: TestRegistry,
  refresh: { token: string; expiresAt: Date },
  entra: FakeEntra,
): Promise<FakeAcr> {
  const ca = registry.ca!;
  const fake = {
    refreshToken: refresh.token,
    expiresAt: refresh.expiresAt,
    grant: true,
    exchanges: [] as FakeAcr['exchanges'],
  };
  let self = '';
  const { server, host } = await listenTls(ca, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://x');
    if (url.pathname === '/oauth2/exchange') {
      void readBody(req).then((text) => {
        const form = new URLSearchParams(text);
        const entry = { service: form.get('service') ?? '', tenant: form.get('tenant') ?? '', status: 200 };
        fake.exchanges.push(entry);
        if (
          req.method !== 'POST' ||
          form.get('grant_type') !== 'access_token' ||
          entry.service !== self ||
          !entra.issued.includes(form.get('access_token') ?? '') ||
          !fake.grant
        ) {
          entry.status = 401;
          send(res, 401, {
            errors: [
              {
                code: 'UNAUTHORIZED',
                message:
                  'authentication required, visit https://aka.ms/acr/authorization for more information.',
              },
            ],
          });
          return;
        }
        send(res, 200, { refresh_token: fake.refreshToken });
      });
      return;
    }
    // Everything else is the registry's.
    const upstream = https.request(
      `${registry.url}${req.url ?? '/'}`,
      { method: req.method, headers: { ...req.headers, host: registry.host }, ca: ca.caPem },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  self = host;
  return Object.assign(fake, { host, stop: () => stopServer(server) });
}

export interface FakeImds {
  /** AZURE_POD_IDENTITY_AUTHORITY_HOST: where @azure/identity looks for the instance metadata service. */
  host: string;
  /** The VM's managed identity (its client id), or none. */
  identity: string | undefined;
  log: { resource: string; clientId: string; metadata: boolean; status: number }[];
  stop(): Promise<void>;
}

/**
 * The Azure Instance Metadata Service's managed-identity endpoint, plain HTTP as on a VM:
 * `GET /metadata/identity/oauth2/token?api-version=…&resource=…[&client_id=…]` with `Metadata: true`,
 * answering an Entra token (numbers as strings, as IMDS writes them) that `entra` then counts as its
 * own, or 400 `invalid_request` when the header is missing or the VM has no such identity.
 */
export async function startFakeImds(entra: FakeEntra, identity: string | undefined): Promise<FakeImds> {
  const fake = { identity, log: [] as FakeImds['log'] };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const entry = {
      resource: url.searchParams.get('resource') ?? '',
      clientId: url.searchParams.get('client_id') ?? '',
      metadata: req.headers['metadata'] === 'true',
      status: 200,
    };
    fake.log.push(entry);
    const refuse = (description: string) => {
      entry.status = 400;
      send(res, 400, { error: 'invalid_request', error_description: description });
    };
    // MSAL asks with a trailing slash, which IMDS accepts.
    if (url.pathname.replace(/\/$/, '') !== '/metadata/identity/oauth2/token') {
      entry.status = 404;
      send(res, 404, { error: 'not_found' });
      return;
    }
    const problem = !entry.metadata
      ? 'Required metadata header not specified'
      : !url.searchParams.get('api-version')
        ? 'Required query variable api-version is missing'
        : fake.identity === undefined || (entry.clientId !== '' && entry.clientId !== fake.identity)
          ? 'Identity not found'
          : undefined;
    if (problem) {
      refuse(problem);
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const token = unsignedJwt({
      aud: entry.resource,
      iss: `https://sts.windows.net/${entra.tenantId}/`,
      tid: entra.tenantId,
      appid: fake.identity,
      iat: now,
      exp: now + 86_400,
    });
    entra.issued.push(token);
    send(res, 200, {
      access_token: token,
      client_id: fake.identity,
      expires_in: '86399',
      expires_on: String(now + 86_399),
      ext_expires_in: '86399',
      not_before: String(now),
      resource: entry.resource,
      token_type: 'Bearer',
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(fake, { host, stop: () => stopServer(server) });
}
