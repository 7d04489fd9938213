import { defineInputs, type InputsOf } from '../inputs/spec.js';

export const httpsInputs = defineInputs([
  { name: 'upload-headers', kind: 'list', secret: 'embedded', needs: 'https://' },
]);

export type HttpsInputs = InputsOf<typeof httpsInputs>;
