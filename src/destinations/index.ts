import { fileDestination } from './file.js';
import { gsDestination } from './gs.js';
import { httpsDestination } from './https.js';
import { s3Destination } from './s3.js';
import type { DestinationKind } from './types.js';

/** Every kind of `upload-to` destination. Adding one: a file beside this one and a line here. */
export const destinationKinds: readonly DestinationKind[] = [
  s3Destination,
  gsDestination,
  httpsDestination,
  fileDestination,
];
