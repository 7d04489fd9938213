/**
 * When a registry credential stops working, where the credential itself says so: a JWT password
 * (registry tokens, GitHub/GitLab job tokens, Azure ACR refresh tokens) carries `exp`, and an ECR
 * authorization token's password is base64 JSON with `expiration`. Pure; undefined when unknown.
 * Minted credentials (cloud identities) may know their expiry better: callers pass it in instead.
 */

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function decodeJson(base64: string): unknown {
  try {
    return JSON.parse(Buffer.from(base64, 'base64').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Seconds or milliseconds since the epoch (a number, or digits in a string) as a Date. */
function epoch(value: unknown): Date | undefined {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d+$/.test(value)
        ? Number(value)
        : NaN;
  if (!Number.isFinite(n) || n <= 0) return undefined;
  // 1e11 seconds is the year 5138: anything larger is milliseconds.
  return new Date(n > 1e11 ? n : n * 1000);
}

export function credentialExpiry(password: string): Date | undefined {
  const parts = password.split('.');
  if (parts.length === 3 && parts.every((p) => /^[A-Za-z0-9_-]+$/.test(p))) {
    const payload = decodeJson(parts[1]!.replace(/-/g, '+').replace(/_/g, '/'));
    if (isObject(payload)) return epoch(payload['exp']);
  }
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(password) && password.length >= 16) {
    const doc = decodeJson(password);
    if (isObject(doc)) return epoch(doc['expiration']);
  }
  return undefined;
}
