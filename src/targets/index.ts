import { dcosTarget } from './dcos.js';
import { kubernetesTarget } from './kubernetes.js';
import { marathonTarget } from './marathon.js';
import { rapyutaTarget } from './rapyuta.js';
import type { Target } from './types.js';
import { uploadTarget } from './upload.js';

/**
 * Every target, in the order their results are reported. They run concurrently, except that a
 * target waits for those named in its `after` (Marathon definitions use the upload's fetch URIs
 * and the DC/OS secret), which must come before it here. Adding a target: a file and a line here.
 */
export const targets: readonly Target[] = [
  uploadTarget,
  kubernetesTarget,
  dcosTarget,
  rapyutaTarget,
  marathonTarget,
];
