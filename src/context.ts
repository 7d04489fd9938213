import * as core from '@actions/core';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { registriesSecrets } from './credentials/registries-yaml.js';
import { expandHome, isDocumentText } from './paths.js';
import { registerCredential, registerSecret } from './secrets.js';

/**
 * Every input of action.yml, read once. This is the only module that calls core.getInput; plan.ts
 * turns these raw strings into a validated Plan. Defaults here mirror action.yml (a test keeps them
 * equal) so the action behaves the same when run with bare INPUT_* variables.
 */
export interface Inputs {
  registry: string;
  username: string;
  password: string;
  email: string;
  registries: string;
  /** Cloud identities (src/identity/): auth, min-lifetime, azure-client-id, azure-tenant-id. */
  auth: string;
  minLifetime: string;
  azureClientId: string;
  azureTenantId: string;
  configFormat: string;
  exportDockerConfig: string;
  state: string;
  mode: string;
  timeout: string;

  tarball: string;
  uploadTo: string[];
  uploadHeaders: string[];
  s3Endpoint: string;
  s3Region: string;
  s3ForcePathStyle: string;
  s3Sse: string;
  s3KmsKeyId: string;
  fetchScheme: string;

  images: string[];
  verify: string;
  platforms: string[];
  caCert: string;
  tlsVerify: string;

  kubernetesNamespaces: string[];
  kubernetesSecretName: string;
  kubeconfig: string;
  kubernetesContexts: string[];
  kubernetesSecretType: string;
  kubernetesServiceAccounts: string[];
  kubernetesCreateNamespace: string;
  kubernetesLabels: string[];
  kubernetesAnnotations: string[];
  kubernetesForce: string;

  dcosUrl: string;
  dcosSecretPath: string;
  dcosToken: string;
  dcosUid: string;
  dcosPrivateKey: string;
  dcosPassword: string;
  dcosCaCert: string;
  dcosSecretEncoding: string;

  marathonDefinitions: string[];
  marathonOutputDir: string;
  marathonMode: string;
  marathonSecretName: string;
  marathonContainerizer: string;

  rapyutaToken: string;
  rapyutaOrganization: string;
  rapyutaProject: string;
  rapyutaSecretName: string;
  rapyutaSecretNames: string[];
  rapyutaApiUrl: string;
}

/** Inputs that hold secrets as a whole. They are registered the moment they are read. */
const SECRET_INPUTS = ['password', 'dcos-token', 'dcos-password', 'rapyuta-token'] as const;

/** Secret documents: registered whole and line by line, since the runner masks values line by line. */
const SECRET_DOCUMENT_INPUTS = ['dcos-private-key', 'kubeconfig'] as const;

export const INPUT_DEFAULTS: Readonly<Record<string, string>> = {
  registry: 'docker.io',
  auth: 'auto',
  'min-lifetime': '1h',
  'config-format': 'config.json',
  'export-docker-config': 'false',
  state: 'present',
  mode: 'apply',
  timeout: '60',
  tarball: 'false',
  's3-force-path-style': 'false',
  's3-sse': 'AES256',
  'fetch-scheme': 'https',
  verify: 'fail',
  'tls-verify': 'true',
  'kubernetes-secret-name': 'regcred',
  'kubernetes-secret-type': 'dockerconfigjson',
  'kubernetes-create-namespace': 'false',
  'kubernetes-force': 'false',
  'dcos-secret-encoding': 'file',
  'marathon-secret-name': 'pullConfigSecret',
  'rapyuta-api-url': 'https://api.rapyuta.io',
};

function text(name: string): string {
  const value = core.getInput(name, { trimWhitespace: !isSecret(name) });
  return value === '' ? (INPUT_DEFAULTS[name] ?? '') : value;
}

/** Newline list: one entry per line, blank lines and `#` comments dropped. */
function list(name: string): string[] {
  return core
    .getInput(name)
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

function isSecret(name: string): boolean {
  return (SECRET_INPUTS as readonly string[]).includes(name);
}

/**
 * Registers secret inputs, and the values derived from registry credentials (`user:pass`, the
 * base64 `auth`), in every form (src/secrets.ts) before anything else reads them.
 */
export function registerSecretInputs(): void {
  for (const name of SECRET_INPUTS) registerSecret(core.getInput(name, { trimWhitespace: false }));
  for (const name of SECRET_DOCUMENT_INPUTS) {
    const value = core.getInput(name, { trimWhitespace: false });
    // A path to the document is not a secret (its target registers what the file holds), and
    // masking it would hide it from every message that names the file.
    if (!isFilePath(value)) registerSecret(value);
  }
  const credentials = [
    { username: core.getInput('username'), password: core.getInput('password', { trimWhitespace: false }) },
    ...registriesSecrets(core.getInput('registries')),
  ];
  for (const { username, password } of credentials) registerCredential(username, password);
}

function isFilePath(value: string): boolean {
  const text = value.trim();
  if (text === '' || isDocumentText(text)) return false;
  try {
    return fs.statSync(expandHome(text, os.homedir(), path)).isFile();
  } catch {
    return false;
  }
}

export function getInputs(): Inputs {
  registerSecretInputs();
  return {
    registry: text('registry'),
    username: text('username'),
    password: text('password'),
    email: text('email'),
    registries: core.getInput('registries'),
    auth: text('auth'),
    minLifetime: text('min-lifetime'),
    azureClientId: text('azure-client-id'),
    azureTenantId: text('azure-tenant-id'),
    configFormat: text('config-format'),
    exportDockerConfig: text('export-docker-config'),
    state: text('state'),
    mode: text('mode'),
    timeout: text('timeout'),

    tarball: text('tarball'),
    uploadTo: list('upload-to'),
    uploadHeaders: list('upload-headers'),
    s3Endpoint: text('s3-endpoint'),
    s3Region: text('s3-region'),
    s3ForcePathStyle: text('s3-force-path-style'),
    s3Sse: text('s3-sse'),
    s3KmsKeyId: text('s3-kms-key-id'),
    fetchScheme: text('fetch-scheme'),

    images: list('images'),
    verify: text('verify'),
    platforms: list('platforms'),
    caCert: core.getInput('ca-cert'),
    tlsVerify: text('tls-verify'),

    kubernetesNamespaces: list('kubernetes-namespaces'),
    kubernetesSecretName: text('kubernetes-secret-name'),
    kubeconfig: core.getInput('kubeconfig'),
    kubernetesContexts: list('kubernetes-contexts'),
    kubernetesSecretType: text('kubernetes-secret-type'),
    kubernetesServiceAccounts: list('kubernetes-service-accounts'),
    kubernetesCreateNamespace: text('kubernetes-create-namespace'),
    kubernetesLabels: list('kubernetes-labels'),
    kubernetesAnnotations: list('kubernetes-annotations'),
    kubernetesForce: text('kubernetes-force'),

    dcosUrl: text('dcos-url'),
    dcosSecretPath: text('dcos-secret-path'),
    dcosToken: text('dcos-token'),
    dcosUid: text('dcos-uid'),
    dcosPrivateKey: core.getInput('dcos-private-key'),
    dcosPassword: text('dcos-password'),
    dcosCaCert: core.getInput('dcos-ca-cert'),
    dcosSecretEncoding: text('dcos-secret-encoding'),

    marathonDefinitions: list('marathon-definitions'),
    marathonOutputDir: text('marathon-output-dir'),
    marathonMode: text('marathon-mode'),
    marathonSecretName: text('marathon-secret-name'),
    marathonContainerizer: text('marathon-containerizer'),

    rapyutaToken: text('rapyuta-token'),
    rapyutaOrganization: text('rapyuta-organization'),
    rapyutaProject: text('rapyuta-project'),
    rapyutaSecretName: text('rapyuta-secret-name'),
    rapyutaSecretNames: list('rapyuta-secret-names'),
    rapyutaApiUrl: text('rapyuta-api-url'),
  };
}
