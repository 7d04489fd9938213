import type { HttpsInputs } from './https-inputs.js';
import type { S3Inputs } from './s3-inputs.js';

/** What destination kinds read besides the upload-to line: their own inputs, declared beside them. */
export type DestinationInputs = HttpsInputs & S3Inputs;

export type FetchScheme = 'https' | 'native';

/** What a destination holds now, read without writing (modes plan and audit). */
export type StoredArchive =
  | { found: 'absent' }
  | {
      found: 'present';
      bytes: Buffer;
      /** Whether put() of an archive with this sha256 would skip the write (leave it unchanged). */
      current(sha256: string): boolean;
    }
  /** Something may be stored, but this destination cannot read it back (a URL presigned for PUT). */
  | { found: 'unreadable'; reason: string };
/** What a put did; a note is something the user should know about this destination (a warning). */
export type PutResult = 'written' | 'unchanged' | { action: 'written' | 'unchanged'; note: string };

/** One place the archive is stored, parsed from an `upload-to` line. */
export interface Destination {
  /** Safe to print: no query string or other credential. */
  display: string;
  /** The URI Mesos agents fetch the archive from. */
  fetchUri(scheme: FetchScheme): string;
  /** Secret parts of the destination (a signed URL's query, header values) to mask. */
  secrets: string[];
  /** `signal` is the upload target's deadline: pass it to every request. */
  put(archive: { bytes: Buffer; sha256: string }, signal?: AbortSignal): Promise<PutResult>;
  remove(signal?: AbortSignal): Promise<'deleted' | 'absent'>;
  /** Reads the stored archive without writing anything; throws when the read fails. */
  read(signal?: AbortSignal): Promise<StoredArchive>;
}

/**
 * A kind of destination (file, s3, https, gs). `parse` is pure and throws InputError; SDKs are
 * imported inside put/remove so an unused kind costs nothing at start-up.
 */
export interface DestinationKind {
  name: string;
  matches(uri: string): boolean;
  parse(uri: string, inputs: DestinationInputs): Destination;
}
