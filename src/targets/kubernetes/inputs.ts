import { defineInputs } from '../../inputs/spec.js';

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
