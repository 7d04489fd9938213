/**
 * Runs the upload target the way run.ts does: plan from INPUT_* values, then present or absent
 * with a TargetContext whose archive is a real one from buildArchive.
 */
import * as os from 'node:os';
import { buildArchive } from '../../src/archive.js';
import type { Destination, FetchScheme } from '../../src/destinations/types.js';
import type { BasePlan, TargetContext, TargetOutcome } from '../../src/targets/types.js';
import { uploadTarget } from '../../src/targets/upload.js';
import { clearInputs, inputsOf } from './inputs.js';

export const BASE: BasePlan = {
  state: 'present',
  credentials: [],
  configFormat: 'config.json',
  tarball: true,
};

export function testArchive(password = 'hunter2-registry-secret') {
  const auth = Buffer.from(`alice:${password}`).toString('base64');
  const document = JSON.stringify({ auths: { 'registry.example.com': { auth } } }, null, 2);
  return { document, ...buildArchive(document, 'config.json') };
}

export type TestArchive = ReturnType<typeof testArchive>;

export function context(archive: TestArchive, warnings: string[] = []): TargetContext {
  return {
    base: BASE,
    artifacts: {
      document: archive.document,
      configPath: '/nonexistent/config.json',
      configDir: '/nonexistent',
      archive: { path: '/nonexistent/docker.tar.gz', bytes: archive.bytes, sha256: archive.sha256 },
    },
    runDir: os.tmpdir(),
    previous: new Map(),
    log: { info: () => undefined, warning: (m) => warnings.push(String(m)), debug: () => undefined },
    signal: new AbortController().signal,
  };
}

/** Plans the upload target from inputs; throws the plan's InputError. */
export function planUpload(inputs: Record<string, string>): {
  destinations: Destination[];
  fetchScheme: FetchScheme;
} {
  // Each call stands alone: no INPUT_* left over from an earlier call in the same test.
  clearInputs();
  const plan = uploadTarget.plan(inputsOf(inputs), BASE);
  if (plan === undefined) throw new Error('upload target not enabled');
  return plan as { destinations: Destination[]; fetchScheme: FetchScheme };
}

export async function upload(
  state: 'present' | 'absent',
  inputs: Record<string, string>,
  archive: TestArchive = testArchive(),
): Promise<TargetOutcome & { secrets: string[]; warnings: string[] }> {
  const plan = planUpload(inputs);
  const warnings: string[] = [];
  const ctx = context(archive, warnings);
  const outcome =
    state === 'present' ? await uploadTarget.present(plan, ctx) : await uploadTarget.absent(plan, ctx);
  return { ...outcome, secrets: uploadTarget.secrets?.(plan) ?? [], warnings };
}
