import type { CoreInputs } from '../../inputs/core.js';
import { defineInputs, type InputsOf } from '../../inputs/spec.js';

const needs = 'rapyuta-token';
export const DEFAULT_API_URL = 'https://api.rapyuta.io';

export const rapyutaInputs = defineInputs([
  { name: 'rapyuta-token', secret: 'value' },
  { name: 'rapyuta-organization', needs },
  { name: 'rapyuta-project', needs },
  { name: 'rapyuta-secret-name', needs },
  { name: 'rapyuta-secret-names', kind: 'list', needs },
  { name: 'rapyuta-api-url', default: DEFAULT_API_URL, needs },
]);

/** What the target reads: the run-wide inputs and its own, never another target's. */
export type RapyutaInputs = CoreInputs & InputsOf<typeof rapyutaInputs>;
