import { fileDestination } from './file.js';
import type { DestinationKind } from './types.js';

/** Every kind of `upload-to` destination. Adding one: a file beside this one and a line here. */
export const destinationKinds: readonly DestinationKind[] = [fileDestination];
