/**
 * Fakes of the AWS endpoints minting ECR credentials, faithful to their documented wire contracts and
 * driven by the real SDK through its endpoint overrides (AWS_ENDPOINT_URL_ECR, _ECR_PUBLIC, _STS):
 * - ECR: JSON 1.1 (`POST /`, `X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken`),
 *   answering `authorizationData[]` with base64 `AWS:<password>`, `expiresAt` (epoch seconds) and
 *   `proxyEndpoint`; errors as `{"__type", "message"}` with status 400 (AccessDeniedException,
 *   ThrottlingException).
 * - ECR Public: JSON 1.1 (`SpencerFrontendService.GetAuthorizationToken`), a single `authorizationData`.
 * - STS: query protocol `Action=AssumeRoleWithWebIdentity`, answered in XML.
 * Every ECR request must carry a valid SigV4 signature, for the right service, made with the keys STS issued.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody, stopServer } from './http-server.js';

export interface AwsRequest {
  service: 'ecr' | 'ecr-public' | 'sts';
  action: string;
  /** From the SigV4 credential scope (ECR) or the form (STS). */
  accessKeyId?: string;
  region?: string;
  signingName?: string;
  securityToken?: string;
  webIdentityToken?: string;
  roleArn?: string;
  status: number;
}

export interface FakeAws {
  ecrUrl: string;
  ecrPublicUrl: string;
  stsUrl: string;
  log: AwsRequest[];
  /** The password the ECR token carries (give it to the registry's htpasswd as user AWS). */
  password: string;
  publicPassword: string;
  /** When issued tokens expire (settable: a short one for the min-lifetime tests). */
  expiresAt: Date;
  /** Failures the next ECR calls answer, in order, before succeeding. */
  failures: ('throttle' | 'denied')[];
  /** The web identity token STS accepts (the file AWS_WEB_IDENTITY_TOKEN_FILE points at holds it). */
  webIdentityToken: string;
  roleArn: string;
  issued: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  stop(): Promise<void>;
}

async function listen(handler: http.RequestListener): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** `AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, …` */
function credentialScope(header: string | undefined) {
  const m = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(header ?? '');
  return m ? { accessKeyId: m[1]!, region: m[2]!, signingName: m[3]! } : undefined;
}

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

/** Recomputes the request's SigV4 signature (header form) with the secret key and compares. */
export function validSigV4(req: http.IncomingMessage, body: string, secretAccessKey: string): boolean {
  const m =
    /^AWS4-HMAC-SHA256 Credential=[^/]+\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      req.headers.authorization ?? '',
    );
  const amzDate = req.headers['x-amz-date'];
  if (!m || typeof amzDate !== 'string') return false;
  const [, date, region, service, signedHeaders, signature] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const url = new URL(req.url ?? '/', 'http://x');
  const query = [...url.searchParams]
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .sort()
    .join('&');
  const headers = signedHeaders
    .split(';')
    .map(
      (name) =>
        `${name}:${String(req.headers[name] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}\n`,
    )
    .join('');
  const canonical = [req.method, url.pathname, query, headers, signedHeaders, sha256(body)].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), 'aws4_request');
  return createHmac('sha256', key).update(toSign).digest('hex') === signature;
}

const json = (res: http.ServerResponse, status: number, value: unknown) => {
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-requestid': randomBytes(8).toString('hex'),
  });
  res.end(JSON.stringify(value));
};

export async function startFakeAws(): Promise<FakeAws> {
  const fake: Omit<FakeAws, 'ecrUrl' | 'ecrPublicUrl' | 'stsUrl' | 'stop'> = {
    log: [],
    password: `ecr-${randomBytes(24).toString('base64url')}`,
    publicPassword: `ecrpub-${randomBytes(24).toString('base64url')}`,
    expiresAt: new Date(Date.now() + 12 * 3_600_000),
    failures: [],
    webIdentityToken: `eyJ.${randomBytes(16).toString('base64url')}.sig`,
    roleArn: 'arn:aws:iam::123456789012:role/pull-credentials',
    issued: {
      accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(20).toString('base64'),
      sessionToken: randomBytes(40).toString('base64'),
    },
  };

  const ecrHandler =
    (service: 'ecr' | 'ecr-public', target: string, answer: () => unknown): http.RequestListener =>
    (req, res) => {
      void readBody(req).then((text) => {
        const scope = credentialScope(req.headers.authorization);
        const entry: AwsRequest = {
          service,
          action: String(req.headers['x-amz-target'] ?? ''),
          ...(scope ?? {}),
          ...(req.headers['x-amz-security-token']
            ? { securityToken: String(req.headers['x-amz-security-token']) }
            : {}),
          status: 200,
        };
        fake.log.push(entry);
        const fail = (status: number, type: string, message: string) => {
          entry.status = status;
          json(res, status, { __type: type, message });
        };
        if (req.method !== 'POST' || entry.action !== target) {
          fail(400, 'UnknownOperationException', '');
          return;
        }
        if (
          !scope ||
          scope.accessKeyId !== fake.issued.accessKeyId ||
          entry.securityToken !== fake.issued.sessionToken
        ) {
          {
            fail(
              400,
              'UnrecognizedClientException',
              'The security token included in the request is invalid.',
            );
            return;
          }
        }
        if (!validSigV4(req, text, fake.issued.secretAccessKey)) {
          fail(
            403,
            'InvalidSignatureException',
            'The request signature we calculated does not match the signature you provided.',
          );
          return;
        }
        if (scope.signingName !== service) {
          fail(400, 'InvalidSignatureException', 'Credential should be scoped to correct service');
          return;
        }
        const failure = fake.failures.shift();
        if (failure === 'throttle') {
          fail(400, 'ThrottlingException', 'Rate exceeded');
          return;
        }
        if (failure === 'denied') {
          {
            fail(
              400,
              'AccessDeniedException',
              `User: arn:aws:sts::123456789012:assumed-role/pull-credentials/gha is not authorized to perform: ${service}:GetAuthorizationToken on resource: * because no identity-based policy allows the ${service}:GetAuthorizationToken action`,
            );
            return;
          }
        }
        json(res, 200, answer());
      });
    };

  const token = (password: string) => Buffer.from(`AWS:${password}`).toString('base64');
  const ecr = await listen(
    ecrHandler('ecr', 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken', () => ({
      authorizationData: [
        {
          authorizationToken: token(fake.password),
          expiresAt: fake.expiresAt.getTime() / 1000,
          proxyEndpoint: 'https://123456789012.dkr.ecr.us-east-1.amazonaws.com',
        },
      ],
    })),
  );
  const ecrPublic = await listen(
    ecrHandler('ecr-public', 'SpencerFrontendService.GetAuthorizationToken', () => ({
      authorizationData: {
        authorizationToken: token(fake.publicPassword),
        expiresAt: fake.expiresAt.getTime() / 1000,
      },
    })),
  );
  const sts = await listen((req, res) => {
    void readBody(req).then((text) => {
      const form = new URLSearchParams(text);
      const entry: AwsRequest = {
        service: 'sts',
        action: form.get('Action') ?? '',
        webIdentityToken: form.get('WebIdentityToken') ?? '',
        roleArn: form.get('RoleArn') ?? '',
        status: 200,
      };
      fake.log.push(entry);
      const requestId = randomBytes(8).toString('hex');
      if (
        entry.action !== 'AssumeRoleWithWebIdentity' ||
        entry.webIdentityToken !== fake.webIdentityToken ||
        entry.roleArn !== fake.roleArn
      ) {
        entry.status = 403;
        res.writeHead(403, { 'content-type': 'text/xml' });
        res.end(
          `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>` +
            `<Code>AccessDenied</Code><Message>Not authorized to perform sts:AssumeRoleWithWebIdentity</Message>` +
            `</Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
        );
        return;
      }
      const session = form.get('RoleSessionName') ?? 'session';
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">` +
          `<AssumeRoleWithWebIdentityResult>` +
          `<SubjectFromWebIdentityToken>repo:octo/app:ref:refs/heads/main</SubjectFromWebIdentityToken>` +
          `<Audience>sts.amazonaws.com</Audience>` +
          `<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/pull-credentials/${session}</Arn>` +
          `<AssumedRoleId>AROAEXAMPLE:${session}</AssumedRoleId></AssumedRoleUser>` +
          `<Credentials><SessionToken>${fake.issued.sessionToken}</SessionToken>` +
          `<SecretAccessKey>${fake.issued.secretAccessKey}</SecretAccessKey>` +
          `<Expiration>${new Date(Date.now() + 3_600_000).toISOString()}</Expiration>` +
          `<AccessKeyId>${fake.issued.accessKeyId}</AccessKeyId></Credentials>` +
          `<Provider>arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com</Provider>` +
          `</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>${requestId}</RequestId>` +
          `</ResponseMetadata></AssumeRoleWithWebIdentityResponse>`,
      );
    });
  });
  const servers = [ecr.server, ecrPublic.server, sts.server];
  return Object.assign(fake, {
    ecrUrl: ecr.url,
    ecrPublicUrl: ecrPublic.url,
    stsUrl: sts.url,
    stop: async () => {
      await Promise.all(servers.map(stopServer));
    },
  });
}
