/**
 * Trust scopes in the built action: `ca-cert` is trusted for registries only and `dcos-ca-cert` for
 * DC/OS only. With each CA given to the other input, both fail, each naming its own input; given
 * the right way round, both succeed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAction } from './support/action.js';
import { FakeDcos } from './support/fake-dcos.js';
import {
  createTestCA,
  pushImage,
  startRegistry,
  type TestCA,
  type TestRegistry,
} from './support/registry.js';
import { issueCert } from './support/tls.js';

const PASSWORD = 'scope-Registry-Pw-5';
const DCOS_PASSWORD = 'scope-Dcos-Pw-6';

let registryCa: TestCA;
let dcosCa: TestCA;
let registry: TestRegistry;
let dcos: FakeDcos;

beforeAll(async () => {
  [registryCa, dcosCa] = await Promise.all([createTestCA(), createTestCA()]);
  registry = await startRegistry({ auth: 'htpasswd', tls: true, ca: registryCa, users: { ci: PASSWORD } });
  await pushImage(registry, 'team/app:1');
  dcos = new FakeDcos();
  dcos.addUser('ci-deployer', DCOS_PASSWORD);
  await dcos.start(issueCert(dcosCa.dir, 'IP:127.0.0.1'));
});
afterAll(async () => {
  await Promise.all([registry.stop(), dcos.stop()]);
});

function inputs(caCert: string, dcosCaCert: string): Record<string, string> {
  return {
    registry: registry.host,
    username: 'ci',
    password: PASSWORD,
    images: `${registry.host}/team/app:1`,
    verify: 'warn',
    'ca-cert': caCert,
    'dcos-url': dcos.url,
    'dcos-ca-cert': dcosCaCert,
    'dcos-uid': 'ci-deployer',
    'dcos-password': DCOS_PASSWORD,
    'dcos-secret-path': 'scope/pullConfig',
  };
}

const json = (text: string | undefined): unknown => JSON.parse(text ?? 'null');

describe('trust scopes', () => {
  it("each CA given to the other input: the registry's CA is not trusted for DC/OS, nor the reverse", async () => {
    const run = await runAction(inputs(dcosCa.caPem, registryCa.caPem));
    expect(run.main.code).toBe(1);
    expect(json(run.outputs['verification'])).toMatchObject([
      {
        status: 'tls',
        message: expect.stringMatching(
          new RegExp(
            `^the certificate of the registry ${registry.host} is not trusted \\(\\w+\\): it is not signed by the CA in ca-cert nor by a system CA`,
          ),
        ) as unknown,
      },
    ]);
    expect(run.main.stdout).toMatch(
      /the certificate of the DC\/OS cluster 127\.0\.0\.1:\d+ is not trusted \(\w+\): it is not signed by the CA in dcos-ca-cert nor by a system CA/,
    );
    expect(dcos.secrets.has('scope/pullConfig')).toBe(false);
  });

  it('each CA given to its own input: both are trusted', async () => {
    const run = await runAction(inputs(registryCa.caPem, dcosCa.caPem));
    expect(run.main.code, run.main.stdout).toBe(0);
    expect(json(run.outputs['verification'])).toMatchObject([{ status: 'ok' }]);
    expect(json(run.outputs['dcos'])).toMatchObject({ action: 'created' });
  });
});
