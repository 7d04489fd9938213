import { dcosTarget } from './dcos.js';
import { kubernetesTarget } from './kubernetes.js';
import { marathonTarget } from './marathon.js';
import { rapyutaTarget } from './rapyuta.js';
import type { Target } from './types.js';
import { uploadTarget } from './upload.js';

/**
 * Every target, in the order they run: later targets read earlier outcomes (Marathon definitions
 * use the upload's fetch URIs and the DC/OS secret path). Adding a target: a file and a line here.
 */
export const targets: readonly Target[] = [
  uploadTarget,
  kubernetesTarget,
  dcosTarget,
  rapyutaTarget,
  marathonTarget,
];
