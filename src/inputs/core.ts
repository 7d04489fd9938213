import type { identityInputs } from '../identity/inputs.js';
import { defineInputs, type InputsOf } from './spec.js';

/** Inputs every run reads: the credentials, the documents written from them, and verification. */
export const coreInputs = defineInputs([
  { name: 'registry', default: 'docker.io' },
  { name: 'username' },
  { name: 'password', secret: 'value' },
  { name: 'email' },
  { name: 'registries', kind: 'document', secret: 'embedded' },
  { name: 'config-format', default: 'config.json' },
  { name: 'export-docker-config', default: 'false' },
  { name: 'state', default: 'present' },
  { name: 'mode', default: 'apply' },
  { name: 'timeout', default: '60' },
  { name: 'tarball', default: 'false' },
  { name: 'images', kind: 'list' },
  { name: 'verify', default: 'fail' },
  { name: 'platforms', kind: 'list' },
  { name: 'ca-cert', kind: 'document' },
  { name: 'tls-verify', default: 'true' },
]);

/** What every target may read besides its own inputs (minting decides the credentials too). */
export type CoreInputs = InputsOf<typeof coreInputs> & InputsOf<typeof identityInputs>;
