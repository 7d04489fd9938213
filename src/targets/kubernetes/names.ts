/**
 * Kubernetes naming rules (apimachinery pkg/util/validation), checked in plan() so a bad name never
 * reaches an API server.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** Why a name is invalid, or undefined when it is valid. */
export function dns1123LabelError(name: string): string | undefined {
  if (name.length > 63) return 'must be at most 63 characters';
  if (!DNS1123_LABEL.test(name)) {
    return 'must be a DNS-1123 label: lower-case letters, digits and -, starting and ending with a letter or digit';
  }
  return undefined;
}

export function dns1123SubdomainError(name: string): string | undefined {
  if (name.length > 253) return 'must be at most 253 characters';
  if (!DNS1123_SUBDOMAIN.test(name)) {
    return 'must be a DNS-1123 subdomain: lower-case letters, digits, - and ., starting and ending with a letter or digit';
  }
  return undefined;
}

/** Label and annotation keys: `[prefix/]name`, prefix a DNS-1123 subdomain, name ≤ 63. */
export function qualifiedNameError(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return "must be [prefix/]name with at most one '/'";
  const name = parts.length === 2 ? parts[1]! : parts[0]!;
  if (parts.length === 2) {
    const prefix = parts[0]!;
    if (prefix === '') return 'has an empty prefix before /';
    const problem = dns1123SubdomainError(prefix);
    if (problem) return `prefix '${prefix}' ${problem}`;
  }
  if (name === '') return 'has an empty name';
  if (name.length > 63) return 'name part must be at most 63 characters';
  if (!QUALIFIED_NAME.test(name)) {
    return 'name part must be letters, digits, -, _ and ., starting and ending with a letter or digit';
  }
  return undefined;
}

/** Label values: empty, or ≤ 63 characters of the qualified-name alphabet. */
export function labelValueError(value: string): string | undefined {
  if (value.length > 63) return 'must be at most 63 characters';
  if (value !== '' && !QUALIFIED_NAME.test(value)) {
    return 'must be empty or letters, digits, -, _ and ., starting and ending with a letter or digit';
  }
  return undefined;
}

/** The API server's limit on all annotations of one object together (keys plus values). */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;
