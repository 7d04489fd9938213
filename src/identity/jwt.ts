/** Reading a JWT's claims without verifying it: the issuer's server verifies; we only read `exp` and `sub`. */

/** The `exp` claim of a JWT, without verifying it (the registry does that); undefined when absent. */
export function jwtExpiry(token: string): Date | undefined {
  const claims = jwtClaims(token);
  return typeof claims?.['exp'] === 'number' ? new Date(claims['exp'] * 1000) : undefined;
}

export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return claims && typeof claims === 'object' ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
