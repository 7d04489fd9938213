/**
 * What the suites that ship to every target at once share: the DC/OS and rapyuta.io fakes, and the
 * inputs that point the S3, DC/OS, Marathon and rapyuta.io targets at their servers.
 */
import { FakeDcos } from './fake-dcos.js';
import { FakeRapyuta } from './fake-rapyuta.js';
import type { TestS3 } from './s3-server.js';

/** The DC/OS fake (with a password login for `ci-deployer`) and the rapyuta.io fake, started. */
export async function startOrchestratorFakes(
  dcosPassword: string,
): Promise<{ dcos: FakeDcos; rapyuta: FakeRapyuta }> {
  const dcos = new FakeDcos();
  dcos.addUser('ci-deployer', dcosPassword);
  const rapyuta = new FakeRapyuta();
  await Promise.all([dcos.start(), rapyuta.start()]);
  return { dcos, rapyuta };
}

/**
 * Inputs for s3:// at s3rver (path-style), the DC/OS secret store (password login), Marathon's
 * `deploy/app.json` and a rapyuta.io secret `team-pull`. The caller adds the registry, upload-to
 * and Kubernetes inputs.
 */
export function everyTargetInputs(
  servers: { s3: TestS3; dcos: FakeDcos; rapyuta: FakeRapyuta },
  dcosPassword: string,
  dcosSecretPath = 'mesos-docker/pullConfig',
): Record<string, string> {
  const { s3, dcos, rapyuta } = servers;
  return {
    's3-endpoint': s3.endpoint,
    's3-force-path-style': 'true',
    'dcos-url': dcos.url,
    'dcos-uid': 'ci-deployer',
    'dcos-password': dcosPassword,
    'dcos-secret-path': dcosSecretPath,
    'marathon-definitions': 'deploy/app.json',
    'rapyuta-token': rapyuta.token,
    'rapyuta-organization': rapyuta.organization,
    'rapyuta-project': rapyuta.project,
    'rapyuta-secret-name': 'team-pull',
    'rapyuta-api-url': rapyuta.url,
  };
}
