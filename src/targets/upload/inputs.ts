import type { DestinationInputs } from '../../destinations/types.js';
import type { CoreInputs } from '../../inputs/core.js';
import { defineInputs, type InputsOf } from '../../inputs/spec.js';

/** The upload target's own inputs; each destination kind declares its own beside it. */
export const uploadInputs = defineInputs([
  { name: 'upload-to', kind: 'list' },
  { name: 'fetch-scheme', default: 'https', needs: 'upload-to' },
]);

/** What the upload target reads: the run-wide inputs, its own and its destinations'. */
export type UploadInputs = CoreInputs & InputsOf<typeof uploadInputs> & DestinationInputs;
