import type { ImageReference } from './reference.js';

export type VerdictStatus =
  | 'ok'
  | 'unauthorized'
  | 'denied'
  | 'not-found'
  | 'tls'
  | 'unreachable'
  | 'rate-limited'
  | 'platform-missing'
  | 'error';

export type AuthScheme = 'none' | 'basic' | 'bearer';

/** One image's (or, with no images, one registry login's) verification result. Never holds a secret. */
export interface Verdict {
  image: string;
  registry: string;
  repository: string;
  reference: string;
  status: VerdictStatus;
  digest?: string;
  mediaType?: string;
  platforms?: string[];
  authScheme: AuthScheme;
  rateLimit?: { limit: number; remaining: number; window?: number };
  /** Human sentence: what happened and, on failure, what to do. */
  message: string;
  ms: number;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface VerificationPlan {
  mode: 'fail' | 'warn' | 'off';
  images: ImageReference[];
  platforms: Platform[];
  /** Extra PEM CA certificates to trust. */
  caCert?: string;
  tlsVerify: boolean;
}
