import { describe, expect, it } from 'vitest';
import { redact } from '../src/errors.js';

describe('redact', () => {
  it.each([
    ['token abc123secret rejected', ['abc123secret'], 100, 'token *** rejected'],
    // A secret across the cut is replaced before cutting, so no part of it survives.
    ['xxxxxxxx abc123secret', ['abc123secret'], 14, 'xxxxxxxx ***'],
    ['0123456789', [], 4, '0123…'],
    ['nothing to hide', [''], 100, 'nothing to hide'],
  ])('%j', (text, secrets, max, want) => {
    expect(redact(text, secrets, max)).toBe(want);
  });
});
