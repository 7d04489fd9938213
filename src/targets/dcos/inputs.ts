import { defineInputs } from '../../inputs/spec.js';

const needs = 'dcos-url';

export const dcosInputs = defineInputs([
  { name: 'dcos-url' },
  { name: 'dcos-secret-path', needs },
  { name: 'dcos-token', secret: 'value', needs },
  { name: 'dcos-uid', needs },
  { name: 'dcos-private-key', kind: 'document', secret: 'document', needs },
  { name: 'dcos-password', secret: 'value', needs },
  { name: 'dcos-ca-cert', kind: 'document', needs },
  { name: 'dcos-secret-encoding', default: 'file', needs },
]);
