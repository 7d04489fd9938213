/**
 * The AWS SDK, behind a module of our own: s3.ts imports this file dynamically, so the SDK loads only
 * when an s3:// destination is used. (A bundled dynamic import of the CommonJS SDK itself would
 * expose only `default`; a static re-export keeps the named exports.)
 */
export {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
