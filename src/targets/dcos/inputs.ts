import type { CoreInputs } from '../../inputs/core.js';
import { defineInputs, type InputsOf } from '../../inputs/spec.js';

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

/** What the target reads: the run-wide inputs and its own, never another target's. */
export type DcosInputs = CoreInputs & InputsOf<typeof dcosInputs>;
