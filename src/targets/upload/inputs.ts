import { defineInputs } from '../../inputs/spec.js';

/** The upload target's own inputs; each destination kind declares its own beside it. */
export const uploadInputs = defineInputs([
  { name: 'upload-to', kind: 'list' },
  { name: 'fetch-scheme', default: 'https', needs: 'upload-to' },
]);
