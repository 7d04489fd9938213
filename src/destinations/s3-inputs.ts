import { defineInputs, type InputsOf } from '../inputs/spec.js';

export const s3Inputs = defineInputs([
  { name: 's3-endpoint', needs: 's3://' },
  { name: 's3-region', needs: 's3://' },
  { name: 's3-force-path-style', default: 'false', needs: 's3://' },
  { name: 's3-sse', default: 'AES256', needs: 's3://' },
  { name: 's3-kms-key-id', needs: 's3://' },
]);

export type S3Inputs = InputsOf<typeof s3Inputs>;
