/**
 * The Marathon definitions target: patches app and pod JSON files so their images pull with our
 * credentials, by a DC/OS secret (`pullConfig`, UCR) or by the fetched docker.tar.gz (Docker
 * containerizer). Written in place or into marathon-output-dir; a second run changes nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errorMessage, InputError } from '../errors.js';
import { readIfExists, writeFileAtomic } from '../fsutil.js';
import { parseChoice } from '../plan.js';
import type { MarathonInputs } from './marathon/inputs.js';
import {
  applyAbsent,
  applyPresent,
  checkPresent,
  DefinitionError,
  definitionKind,
  formatDefinition,
  sameJson,
  type DefinitionKind,
  type JsonObject,
  type Patch,
  type SecretPatch,
} from './marathon/patch.js';
import type {
  BasePlan,
  Observation,
  PlanFacts,
  TargetContext,
  TargetOutcome,
  TargetResult,
} from './types.js';
import { defineTarget, runFacts } from './types.js';
import { observeDefinition } from './marathon/inspect.js';

interface DefinitionFile {
  /** As listed in marathon-definitions, for messages. */
  display: string;
  input: string;
  output: string;
  kind: DefinitionKind;
  original: JsonObject;
  /** The file's line ending, kept when it is written back (a Windows checkout has CRLF). */
  eol: '\n' | '\r\n';
}

export interface MarathonPlan {
  state: 'present' | 'absent';
  mode: 'secret' | 'tarball';
  definitions: DefinitionFile[];
  secret?: Omit<SecretPatch, 'mode'>;
  /** Tarball mode: every upload-to destination's fetch URI, in upload-to order. */
  fetchUris: string[];
  legacy: boolean;
}

function workspace(): string {
  return process.env['GITHUB_WORKSPACE'] || process.cwd();
}

function readDefinition(listed: string): Pick<DefinitionFile, 'input' | 'original' | 'kind' | 'eol'> {
  const input = path.resolve(workspace(), listed);
  let text: string;
  try {
    text = fs.readFileSync(input, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new InputError('marathon-definitions', `cannot read '${listed}' (${code})`);
  }
  let doc: unknown;
  try {
    // Some Windows editors save UTF-8 with a byte-order mark, which JSON.parse refuses.
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new InputError('marathon-definitions', `'${listed}' is not valid JSON: ${errorMessage(error)}`);
  }
  try {
    const original = doc as JsonObject;
    return { input, original, kind: definitionKind(original), eol: text.includes('\r\n') ? '\r\n' : '\n' };
  } catch (error) {
    throw new InputError('marathon-definitions', `'${listed}' ${errorMessage(error)}`);
  }
}

function patchFor(plan: MarathonPlan, fetchUri: string): Patch {
  return plan.mode === 'secret'
    ? { mode: 'secret', ...plan.secret! }
    : { mode: 'tarball', fetchUri, ownUris: plan.fetchUris, legacy: plan.legacy };
}

export function planMarathon(
  inputs: MarathonInputs,
  base: BasePlan,
  facts: Readonly<PlanFacts> = {},
): MarathonPlan | undefined {
  const mode = parseChoice('marathon-mode', inputs.marathonMode, ['', 'secret', 'tarball'] as const);
  const containerizer = parseChoice('marathon-containerizer', inputs.marathonContainerizer, [
    '',
    'mesos',
  ] as const);
  const secretName = inputs.marathonSecretName.trim();
  // The other marathon-* inputs declare that they need marathon-definitions (./marathon/inputs.ts).
  if (inputs.marathonDefinitions.length === 0) return undefined;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(secretName)) {
    throw new InputError(
      'marathon-secret-name',
      `'${secretName}' is not a secrets key: use letters, digits, '.', '_', '-'`,
    );
  }
  const effective = mode || (facts.dcosSecretPath !== undefined ? 'secret' : 'tarball');

  const plan: MarathonPlan = {
    state: base.state,
    mode: effective,
    definitions: [],
    fetchUris: [],
    legacy: base.configFormat === 'dockercfg',
  };
  if (effective === 'secret') {
    const secretPath = facts.dcosSecretPath;
    if (secretPath === undefined) {
      throw new InputError(
        'dcos-secret-path',
        'is required by marathon-mode: secret (the pull config secret path, with dcos-url)',
      );
    }
    plan.secret = {
      secretName,
      // Marathon names store paths with a leading slash, e.g. "/mesos-docker/pullConfig".
      source: `/${secretPath}`,
      containerizer,
      registryDomains: [...new Set(base.credentials.map((c) => c.address.domain))],
    };
  } else {
    if (containerizer !== '') {
      throw new InputError(
        'marathon-containerizer',
        'only applies to marathon-mode: secret (pullConfig needs MESOS)',
      );
    }
    // The upload's plan tells the URIs it will report, known before any upload.
    if (facts.fetchUris === undefined) {
      throw new InputError(
        'upload-to',
        'marathon-mode tarball needs the archive somewhere every agent can fetch it: set upload-to ' +
          '(or set dcos-secret-path for marathon-mode: secret)',
      );
    }
    plan.fetchUris = facts.fetchUris;
  }

  const outputDir =
    inputs.marathonOutputDir.trim() === ''
      ? undefined
      : path.resolve(workspace(), inputs.marathonOutputDir.trim());
  const outputs = new Map<string, string>();
  for (const listed of inputs.marathonDefinitions) {
    const { input, original, kind, eol } = readDefinition(listed);
    const output = outputDir ? path.join(outputDir, path.basename(input)) : input;
    const clash = outputs.get(output);
    if (clash !== undefined) {
      throw new InputError(
        outputDir ? 'marathon-output-dir' : 'marathon-definitions',
        `'${clash}' and '${listed}' would both be written to ${output}`,
      );
    }
    outputs.set(output, listed);
    if (base.state === 'present') {
      try {
        checkPresent(original, kind, patchFor(plan, plan.fetchUris[0] ?? ''));
      } catch (error) {
        if (!(error instanceof DefinitionError)) throw error;
        const input = /containerizer/.test(error.message) ? 'marathon-containerizer' : 'marathon-definitions';
        throw new InputError(input, `${kind} '${listed}' ${error.message}`);
      }
    }
    plan.definitions.push({ display: listed, input, output, kind, original, eol });
  }
  return plan;
}

/**
 * The archive URI a plan would reference: the first upload destination whose planned write would
 * not fail (the upload reports one result per destination, or one failure for the whole target).
 */
function plannedFetchUri(plan: MarathonPlan, ctx: TargetContext): string | undefined {
  const results = ctx.previous.get('upload')?.results ?? [];
  if (results.length !== plan.fetchUris.length) {
    return results.some((r) => r.action === 'failed') ? undefined : plan.fetchUris[0];
  }
  return plan.fetchUris.find((_uri, i) => results[i]!.action !== 'failed');
}

function relative(file: string): string {
  const rel = path.relative(workspace(), file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

async function writeDefinition(
  file: DefinitionFile,
  definition: JsonObject,
  notes: string[],
): Promise<TargetResult> {
  const subject = relative(file.output);
  const text = formatDefinition(definition, file.eol);
  // In place with nothing to change: the user's own formatting is left alone.
  if (file.output === file.input && sameJson(definition, file.original)) {
    return { target: 'marathon', subject, action: 'unchanged', message: notes.join('; ') };
  }
  const existing = await readIfExists(file.output);
  if (existing?.equals(Buffer.from(text, 'utf8'))) {
    return { target: 'marathon', subject, action: 'unchanged', message: notes.join('; ') };
  }
  const mode = existing ? fs.statSync(file.output).mode & 0o777 : 0o644;
  await writeFileAtomic(file.output, text, mode);
  return {
    target: 'marathon',
    subject,
    action: existing ? 'updated' : 'created',
    message: notes.join('; '),
  };
}

async function each(
  plan: MarathonPlan,
  act: (file: DefinitionFile) => Promise<TargetResult>,
): Promise<TargetOutcome> {
  const results: TargetResult[] = [];
  for (const file of plan.definitions) {
    try {
      results.push(await act(file));
    } catch (error) {
      results.push({
        target: 'marathon',
        subject: relative(file.output),
        action: 'failed',
        message: errorMessage(error),
      });
    }
  }
  return {
    results,
    outputs: {
      'marathon-definitions': results.flatMap((r, i) =>
        r.action === 'failed' || r.action === 'skipped' ? [] : [plan.definitions[i]!.output],
      ),
    },
  };
}

function skipped(plan: MarathonPlan, message: string): TargetOutcome {
  return {
    results: plan.definitions.map((f) => ({
      target: 'marathon',
      subject: relative(f.output),
      action: 'skipped',
      message,
    })),
    outputs: { 'marathon-definitions': [] },
  };
}

export const marathonTarget = defineTarget<MarathonPlan>({
  name: 'marathon',
  after: ['upload', 'dcos'],
  plan: planMarathon,

  async present(plan, ctx) {
    let fetchUri = '';
    // The DC/OS and upload targets ran first (registration order) and told what they stored.
    const facts = runFacts(ctx.previous);
    if (plan.mode === 'secret') {
      if (facts.dcosSecretStored !== true) {
        return skipped(plan, 'the DC/OS secret was not stored, so pullConfig would name a missing secret');
      }
    } else {
      // The first destination whose upload did not fail.
      const chosen = facts.storedFetchUris?.[0];
      if (chosen === undefined) return skipped(plan, 'no upload-to destination holds the archive');
      fetchUri = chosen;
    }
    const patch = patchFor(plan, fetchUri);
    return each(plan, (file) => {
      const { definition, notes } = applyPresent(file.original, file.kind, patch);
      for (const note of notes) ctx.log.warning(`${file.display}: ${note}`);
      return writeDefinition(file, definition, notes);
    });
  },

  async inspect(plan, ctx) {
    const skip = (why: string) =>
      plan.definitions.map((f): Observation => ({
        subject: relative(f.output),
        found: 'present',
        skip: why,
        message: why,
      }));
    let patch: Patch;
    if (plan.state === 'absent') {
      patch = patchFor(plan, plan.fetchUris[0] ?? '');
    } else if (plan.mode === 'secret') {
      if (ctx.previous.get('dcos')?.results.some((r) => r.action === 'failed')) {
        return skip('the DC/OS secret would not be stored, so pullConfig would name a missing secret');
      }
      patch = patchFor(plan, '');
    } else {
      const chosen = plannedFetchUri(plan, ctx);
      if (chosen === undefined) return skip('no upload-to destination would hold the archive');
      patch = patchFor(plan, chosen);
    }
    const observations: Observation[] = [];
    for (const file of plan.definitions) {
      try {
        const { definition } =
          plan.state === 'present'
            ? applyPresent(file.original, file.kind, patch)
            : applyAbsent(file.original, file.kind, patch);
        observations.push(await observeDefinition(relative(file.output), file, definition));
      } catch (error) {
        observations.push({ subject: relative(file.output), found: 'failed', message: errorMessage(error) });
      }
    }
    return observations;
  },

  rewrites: true,
  outputs: (plan, results) => ({
    'marathon-definitions': results.flatMap((r, i) =>
      r.action === 'failed' || r.action === 'skipped' ? [] : [plan.definitions[i]!.output],
    ),
  }),

  absent(plan) {
    const patch = patchFor(plan, plan.fetchUris[0] ?? '');
    return each(plan, async (file) => {
      const { definition } = applyAbsent(file.original, file.kind, patch);
      const result = await writeDefinition(file, definition, []);
      return result.action === 'unchanged'
        ? { ...result, action: 'absent', message: 'nothing of ours to remove' }
        : result;
    });
  },
});
