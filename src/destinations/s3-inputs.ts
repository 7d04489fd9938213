import { defineInputs, type InputsOf } from '../inputs/spec.js';

export const s3Inputs = defineInputs([
  { name: 's3-endpoint', needs: 'upload-to' },
  { name: 's3-region', needs: 'upload-to' },
  { name: 's3-force-path-style', default: 'false', needs: 'upload-to' },
  { name: 's3-sse', default: 'AES256', needs: 'upload-to' },
  { name: 's3-kms-key-id', needs: 'upload-to' },
]);

export type S3Inputs = InputsOf<typeof s3Inputs>;
