/** Plan and audit for Marathon definition files: what writeDefinition would do, without writing. */
import { readIfExists } from '../../fsutil.js';
import { jsonDiff } from '../../modes/classify.js';
import type { Observation } from '../types.js';
import { formatDefinition, sameJson, type JsonObject } from './patch.js';

/**
 * The same comparisons as writeDefinition, and the JSON diff between what the output file holds
 * (or the input, when there is none yet) and the patched definition.
 */
export async function observeDefinition(
  subject: string,
  file: { input: string; output: string; original: JsonObject },
  definition: JsonObject,
): Promise<Observation> {
  if (file.output === file.input && sameJson(definition, file.original)) {
    return { subject, found: 'present', upToDate: true, message: 'already patched' };
  }
  const existing = await readIfExists(file.output);
  if (existing?.equals(Buffer.from(formatDefinition(definition), 'utf8'))) {
    return { subject, found: 'present', upToDate: true, message: 'already patched' };
  }
  let before: JsonObject = file.original;
  if (existing) {
    try {
      before = JSON.parse(existing.toString('utf8').replace(/^\uFEFF/, '')) as JsonObject;
    } catch {
      // Not JSON: the whole file is replaced; diff against the input.
    }
  }
  const changes = jsonDiff(before, definition);
  return {
    subject,
    found: existing ? 'present' : 'absent',
    upToDate: false,
    message: existing ? 'definition differs' : 'output file does not exist yet',
    changes: changes.length > 0 ? changes : ['formatting only (2-space JSON, trailing newline)'],
  };
}
