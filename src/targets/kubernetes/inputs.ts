import type { CoreInputs } from '../../inputs/core.js';
import { defineInputs, type InputsOf } from '../../inputs/spec.js';

const needs = 'kubernetes-namespaces';

export const kubernetesInputs = defineInputs([
  { name: 'kubernetes-namespaces', kind: 'list' },
  { name: 'kubernetes-secret-name', default: 'regcred', needs },
  { name: 'kubeconfig', kind: 'document', secret: 'document', needs },
  { name: 'kubernetes-contexts', kind: 'list', needs },
  { name: 'kubernetes-secret-type', default: 'dockerconfigjson', needs },
  { name: 'kubernetes-service-accounts', kind: 'list', needs },
  { name: 'kubernetes-create-namespace', default: 'false', needs },
  { name: 'kubernetes-labels', kind: 'list', needs },
  { name: 'kubernetes-annotations', kind: 'list', needs },
  { name: 'kubernetes-force', default: 'false', needs },
]);

/** What the target reads: the run-wide inputs and its own, never another target's. */
export type KubernetesInputs = CoreInputs & InputsOf<typeof kubernetesInputs>;
