import {
  renderKubernetesDockerConfigJson,
  renderKubernetesDockercfg,
  type Credential,
} from '../credentials/documents.js';
import { desiredAt } from '../credentials/minted.js';
import { InputError } from '../errors.js';
import { base64Forms } from '../secrets.js';
import { parseBoolean, parseChoice, parseKeyValues } from '../plan.js';
import type { KubeEntry, KubeJob, SecretType } from './kubernetes/apply.js';
import type { KubernetesInputs } from './kubernetes/inputs.js';
import { planKubeconfig } from './kubernetes/kubeconfig.js';
import {
  dns1123LabelError,
  dns1123SubdomainError,
  labelValueError,
  qualifiedNameError,
  TOTAL_ANNOTATION_SIZE_LIMIT,
} from './kubernetes/names.js';
import { defineTarget, type BasePlan, type TargetOutcome } from './types.js';

// Duplicated from apply.ts (a type-only import there keeps client-node out of plan()).
const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
const CONTENT_HASH_ANNOTATION = 'pull-credentials/content-sha256';

/** The secret's data document for its type. */
function renderSecretDocument(type: SecretType, credentials: readonly Credential[]): string {
  return type === 'dockercfg'
    ? renderKubernetesDockercfg(credentials)
    : renderKubernetesDockerConfigJson(credentials);
}

export interface KubernetesPlan extends KubeJob {
  /** The secret's payload as kubectl writes it; undefined for state absent. */
  document?: string;
  /** Kubeconfig credentials, for masking. */
  kubeconfigSecrets: string[];
}

function names(
  input: string,
  values: readonly string[],
  check: (name: string) => string | undefined,
): string[] {
  const seen = new Set<string>();
  for (const value of values) {
    const problem = check(value);
    if (problem) throw new InputError(input, `'${value}' ${problem}`);
    if (seen.has(value)) throw new InputError(input, `'${value}' is listed twice`);
    seen.add(value);
  }
  return [...values];
}

function planLabels(lines: readonly string[]): Record<string, string> {
  const labels = parseKeyValues('kubernetes-labels', lines);
  for (const [key, value] of Object.entries(labels)) {
    const keyProblem = qualifiedNameError(key);
    if (keyProblem) throw new InputError('kubernetes-labels', `key '${key}' ${keyProblem}`);
    const valueProblem = labelValueError(value);
    if (valueProblem) throw new InputError('kubernetes-labels', `value of '${key}' ${valueProblem}`);
    if (key === MANAGED_BY_LABEL) {
      throw new InputError(
        'kubernetes-labels',
        `'${key}' is set by pull-credentials to mark the secrets it manages`,
      );
    }
  }
  return labels;
}

function planAnnotations(lines: readonly string[]): Record<string, string> {
  const annotations = parseKeyValues('kubernetes-annotations', lines);
  let size = 0;
  for (const [key, value] of Object.entries(annotations)) {
    const keyProblem = qualifiedNameError(key);
    if (keyProblem) throw new InputError('kubernetes-annotations', `key '${key}' ${keyProblem}`);
    if (key === CONTENT_HASH_ANNOTATION) {
      throw new InputError(
        'kubernetes-annotations',
        `'${key}' is set by pull-credentials to skip unchanged writes`,
      );
    }
    size += key.length + Buffer.byteLength(value, 'utf8');
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) {
    throw new InputError('kubernetes-annotations', `are ${size} bytes together; Kubernetes allows 262144`);
  }
  return annotations;
}

export function planKubernetes(inputs: KubernetesInputs, base: BasePlan): KubernetesPlan | undefined {
  // The other kubernetes-* inputs declare that they need kubernetes-namespaces (./kubernetes/inputs.ts).
  if (inputs.kubernetesNamespaces.length === 0) return undefined;
  const namespaces = names('kubernetes-namespaces', inputs.kubernetesNamespaces, dns1123LabelError);
  const secretName = inputs.kubernetesSecretName.trim();
  const nameProblem = dns1123SubdomainError(secretName);
  if (nameProblem) throw new InputError('kubernetes-secret-name', `'${secretName}' ${nameProblem}`);
  const secretType = parseChoice<SecretType>('kubernetes-secret-type', inputs.kubernetesSecretType, [
    'dockerconfigjson',
    'dockercfg',
  ]);
  const serviceAccounts = names(
    'kubernetes-service-accounts',
    inputs.kubernetesServiceAccounts,
    dns1123SubdomainError,
  );
  const createNamespace = parseBoolean('kubernetes-create-namespace', inputs.kubernetesCreateNamespace);
  const force = parseBoolean('kubernetes-force', inputs.kubernetesForce);
  const labels = planLabels(inputs.kubernetesLabels);
  const annotations = planAnnotations(inputs.kubernetesAnnotations);
  const kubeconfig = planKubeconfig(inputs.kubeconfig, inputs.kubernetesContexts);
  const plan: KubernetesPlan = {
    source: kubeconfig.source,
    contexts: kubeconfig.contexts,
    namespaces,
    secretName,
    secretType,
    serviceAccounts,
    createNamespace,
    labels,
    annotations,
    force,
    kubeconfigSecrets: kubeconfig.secrets,
  };
  if (base.state === 'present') plan.document = renderSecretDocument(secretType, base.credentials);
  return plan;
}

function outcome(entries: KubeEntry[]): TargetOutcome {
  return {
    results: entries.map((e) => ({
      target: 'kubernetes',
      subject: `${e.context}/${e.namespace}`,
      action: e.action,
      message: e.message,
    })),
    outputs: { kubernetes: entries },
  };
}

/** Ships the pull secret to every (context, namespace); see kubernetes/apply.ts. */
export const kubernetesTarget = defineTarget<KubernetesPlan>({
  name: 'kubernetes',
  plan: planKubernetes,
  secrets: (plan) => [
    ...plan.kubeconfigSecrets,
    ...(plan.document ? [plan.document, ...base64Forms(plan.document)] : []),
  ],
  async present(plan, ctx) {
    const { applyKubernetes } = await import('./kubernetes/apply.js');
    return outcome(await applyKubernetes(plan, plan.document ?? '', { signal: ctx.signal }));
  },
  async absent(plan, ctx) {
    const { applyKubernetes } = await import('./kubernetes/apply.js');
    return outcome(await applyKubernetes(plan, undefined, { signal: ctx.signal }));
  },
  async inspect(plan, ctx) {
    const { inspectKubernetes } = await import('./kubernetes/inspect.js');
    const desired =
      plan.document === undefined
        ? undefined
        : desiredAt(ctx.base, plan.document, (credentials) =>
            renderSecretDocument(plan.secretType, credentials),
          );
    return inspectKubernetes(plan, desired, { signal: ctx.signal });
  },
  outputs(plan, results) {
    return {
      kubernetes: results.map((r) => {
        // Namespaces hold no '/', so the last one separates the context.
        const cut = r.subject.lastIndexOf('/');
        return {
          context: r.subject.slice(0, cut),
          namespace: r.subject.slice(cut + 1),
          secret: plan.secretName,
          action: r.action,
          message: r.message,
        };
      }),
    };
  },
});
