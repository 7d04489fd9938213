import type { CoreInputs } from '../../inputs/core.js';
import { defineInputs, type InputsOf } from '../../inputs/spec.js';

const needs = 'marathon-definitions';

export const marathonInputs = defineInputs([
  { name: 'marathon-definitions', kind: 'list' },
  { name: 'marathon-output-dir', needs },
  { name: 'marathon-mode', needs },
  { name: 'marathon-secret-name', default: 'pullConfigSecret', needs },
  { name: 'marathon-containerizer', needs },
]);

/** What the target reads: the run-wide inputs and its own, never another target's. */
export type MarathonInputs = CoreInputs & InputsOf<typeof marathonInputs>;
