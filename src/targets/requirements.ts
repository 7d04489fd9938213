/**
 * Inputs that mean something only beside another: an s3-* input without an s3:// destination, a
 * kubernetes-* input without kubernetes-namespaces… One table and one check for every target, run
 * before any target plans, so a stray input is refused instead of silently ignored.
 */
import { INPUT_DEFAULTS, type Inputs } from '../context.js';
import { InputError } from '../errors.js';

/**
 * What enables a target or destination kind: whether the inputs give it, what is missing when they
 * do not, and what an input that needs it applies to.
 */
const ENABLERS = {
  'upload-to': {
    given: (i: Inputs) => i.uploadTo.length > 0,
    missing: 'upload-to is empty',
    appliesTo: 'upload-to destinations',
  },
  's3://': {
    given: (i: Inputs) => i.uploadTo.some((u) => /^s3:\/\//i.test(u)),
    missing: 'upload-to has no s3:// destination',
    appliesTo: 's3:// destinations',
  },
  'https://': {
    given: (i: Inputs) => i.uploadTo.some((u) => /^https:\/\//i.test(u)),
    missing: 'upload-to has no https:// destination',
    appliesTo: 'https:// destinations',
  },
  'kubernetes-namespaces': {
    given: (i: Inputs) => i.kubernetesNamespaces.length > 0,
    missing: 'kubernetes-namespaces is empty',
    appliesTo: 'the Kubernetes target, which kubernetes-namespaces turns on',
  },
  'dcos-url': {
    given: (i: Inputs) => i.dcosUrl.trim() !== '',
    missing: 'dcos-url is empty',
    appliesTo: 'the DC/OS secret store, which dcos-url turns on',
  },
  'marathon-definitions': {
    given: (i: Inputs) => i.marathonDefinitions.length > 0,
    missing: 'marathon-definitions lists no files',
    appliesTo: 'the Marathon definitions listed in marathon-definitions',
  },
  'rapyuta-token': {
    given: (i: Inputs) => i.rapyutaToken.trim() !== '',
    missing: 'rapyuta-token is empty',
    appliesTo: 'rapyuta.io, which rapyuta-token turns on',
  },
} as const;

type Enabler = keyof typeof ENABLERS;

/** Input → what it needs. Inputs not listed stand on their own. */
export const INPUT_NEEDS: Readonly<Record<string, Enabler>> = {
  'fetch-scheme': 'upload-to',
  'upload-headers': 'https://',
  's3-endpoint': 's3://',
  's3-region': 's3://',
  's3-force-path-style': 's3://',
  's3-sse': 's3://',
  's3-kms-key-id': 's3://',

  kubeconfig: 'kubernetes-namespaces',
  'kubernetes-secret-name': 'kubernetes-namespaces',
  'kubernetes-contexts': 'kubernetes-namespaces',
  'kubernetes-secret-type': 'kubernetes-namespaces',
  'kubernetes-service-accounts': 'kubernetes-namespaces',
  'kubernetes-create-namespace': 'kubernetes-namespaces',
  'kubernetes-labels': 'kubernetes-namespaces',
  'kubernetes-annotations': 'kubernetes-namespaces',
  'kubernetes-force': 'kubernetes-namespaces',

  'dcos-secret-path': 'dcos-url',
  'dcos-token': 'dcos-url',
  'dcos-uid': 'dcos-url',
  'dcos-private-key': 'dcos-url',
  'dcos-password': 'dcos-url',
  'dcos-ca-cert': 'dcos-url',
  'dcos-secret-encoding': 'dcos-url',

  'marathon-output-dir': 'marathon-definitions',
  'marathon-mode': 'marathon-definitions',
  'marathon-secret-name': 'marathon-definitions',
  'marathon-containerizer': 'marathon-definitions',

  'rapyuta-organization': 'rapyuta-token',
  'rapyuta-project': 'rapyuta-token',
  'rapyuta-secret-name': 'rapyuta-token',
  'rapyuta-secret-names': 'rapyuta-token',
  'rapyuta-api-url': 'rapyuta-token',
};

/** `s3-kms-key-id` → `s3KmsKeyId`: the Inputs field of an input. */
const fieldOf = (input: string): keyof Inputs =>
  input.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()) as keyof Inputs;

/** Given: a non-empty list, or a value other than blank and its action.yml default. */
function isGiven(inputs: Inputs, input: string): boolean {
  const value = inputs[fieldOf(input)];
  if (Array.isArray(value)) return value.length > 0;
  const text = value.trim();
  return text !== '' && text !== INPUT_DEFAULTS[input];
}

/** Refuses the first input given without what it needs, naming the others alike. */
export function checkInputNeeds(inputs: Inputs): void {
  const stray = Object.entries(INPUT_NEEDS).filter(
    ([input, needs]) => isGiven(inputs, input) && !ENABLERS[needs].given(inputs),
  );
  const [first] = stray;
  if (!first) return;
  const [input, needs] = first;
  const alike = stray.filter(([name, n]) => n === needs && name !== input).map(([name]) => name);
  const { missing, appliesTo } = ENABLERS[needs];
  throw new InputError(
    input,
    `is set but ${missing}: it applies only to ${appliesTo}; set that, or remove it` +
      (alike.length > 0 ? ` (and ${alike.join(', ')})` : ''),
  );
}
