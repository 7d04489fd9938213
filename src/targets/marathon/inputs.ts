import { defineInputs } from '../../inputs/spec.js';

const needs = 'marathon-definitions';

export const marathonInputs = defineInputs([
  { name: 'marathon-definitions', kind: 'list' },
  { name: 'marathon-output-dir', needs },
  { name: 'marathon-mode', needs },
  { name: 'marathon-secret-name', default: 'pullConfigSecret', needs },
  { name: 'marathon-containerizer', needs },
]);
