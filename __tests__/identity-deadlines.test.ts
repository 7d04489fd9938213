/**
 * Every minting call has a deadline: against endpoints that accept the connection and never answer,
 * each provider gives up within its timeout with a message naming the network path. Driven in-process
 * with a short timeout (the action's is 30 s).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseRegistry } from '../src/credentials/address.js';
import { awsProvider } from '../src/identity/aws/index.js';
import { exchangeForRefreshToken } from '../src/identity/azure/exchange.js';
import { gcpProvider } from '../src/identity/gcp/index.js';
import { MintError, type MintOptions } from '../src/identity/types.js';
import { tempDir } from './support/registry.js';

let silent: http.Server;
let url: string;
let dir: string;
const saved = { ...process.env };

beforeAll(async () => {
  // Reads the request, never answers.
  silent = http.createServer((req) => {
    req.resume();
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  dir = await tempDir('deadlines');
});

afterAll(async () => {
  silent.closeAllConnections();
  await new Promise<void>((resolve) =>
    silent.close(() => {
      resolve();
    }),
  );
  fs.rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) Reflect.deleteProperty(process.env, key);
  Object.assign(process.env, saved);
});

const options = (): MintOptions => ({ tlsVerify: true, timeoutMs: 400, env: process.env });

async function elapsed(run: () => Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const start = Date.now();
  try {
    await run();
    return { ms: Date.now() - start, error: undefined };
  } catch (error) {
    return { ms: Date.now() - start, error };
  }
}

describe('minting deadlines', () => {
  it('ECR', async () => {
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE01',
      AWS_SECRET_ACCESS_KEY: 'secret-access-key-for-the-deadline-test',
      AWS_ENDPOINT_URL_ECR: url,
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    const { ms, error } = await elapsed(() =>
      awsProvider.mint([parseRegistry('123456789012.dkr.ecr.eu-west-1.amazonaws.com')], options()),
    );
    expect(error).toBeInstanceOf(MintError);
    expect((error as Error).message).toMatch(/ECR \(eu-west-1\): the token request timed out/);
    expect(ms).toBeLessThan(5000);
  }, 20_000);

  it('Google', async () => {
    const file = path.join(dir, 'creds.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        type: 'external_account',
        audience: '//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/p',
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        token_url: `${url}/v1/token`,
        credential_source: { file: file },
      }),
    );
    Object.assign(process.env, { GOOGLE_APPLICATION_CREDENTIALS: file, METADATA_SERVER_DETECTION: 'none' });
    const { ms, error } = await elapsed(() =>
      gcpProvider.mint([parseRegistry('us-docker.pkg.dev')], options()),
    );
    expect(error).toBeInstanceOf(MintError);
    expect((error as Error).message).toMatch(/Google: the token request timed out/);
    expect(ms).toBeLessThan(5000);
  }, 20_000);

  it('the ACR token exchange', async () => {
    const { ms, error } = await elapsed(() =>
      exchangeForRefreshToken(parseRegistry(url), 'entra-access-token', undefined, options()),
    );
    expect(error).toBeInstanceOf(MintError);
    expect((error as Error).message).toMatch(/the token exchange failed \(timed out\)/);
    expect(ms).toBeLessThan(5000);
  }, 20_000);
});
