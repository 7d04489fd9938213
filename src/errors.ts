/**
 * Errors a user can fix. Their message names the input (or target) and the fix; `main` prints the
 * message alone, without a stack trace. Anything else reaching the top is a bug and keeps its stack.
 */
export class InputError extends Error {
  constructor(
    readonly input: string,
    message: string,
  ) {
    super(`Input '${input}': ${message}`);
    this.name = 'InputError';
  }
}

/** A target (destination, cluster, secret store) refused or failed in a way the user can act on. */
export class TargetError extends Error {
  constructor(
    message: string,
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'TargetError';
  }
}

export function isUserError(error: unknown): error is InputError | TargetError {
  return error instanceof InputError || error instanceof TargetError;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
