/**
 * The main and post steps: inputs → plan → documents → verification → targets → report.
 * Every user-fixable problem surfaces as one InputError/TargetError, thrown to main.ts.
 */
import * as core from '@actions/core';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { buildArchive } from './archive.js';
import { auditTargets } from './modes/audit.js';
import { planTargets } from './modes/plan.js';
import { getInputs, type Inputs } from './context.js';
import { documentFileName, maskEncoded, renderDocument } from './credentials/documents.js';
import { errorMessage, TargetError } from './errors.js';
import { writeFileAtomic } from './fsutil.js';
import { buildPlan, type Plan } from './plan.js';
import { verifyAll } from './registry/verify.js';
import type { Verdict } from './registry/types.js';
import { annotate, isFailure, setOutputs, writeSummary, type RunReport } from './report.js';
import { createRunDir, isRunDir, markMain, savedRunDir } from './state.js';
import { targets } from './targets/index.js';
import type { Artifacts, Target, TargetContext, TargetOutcome } from './targets/types.js';

export interface EnabledTarget {
  target: Target;
  plan: unknown;
}

/** Validates everything, including every target's inputs, before anything is written. */
function planAll(inputs: Inputs): { plan: Plan; enabled: EnabledTarget[] } {
  const plan = buildPlan(inputs);
  const enabled: EnabledTarget[] = [];
  for (const target of targets) {
    const targetPlan = target.plan(inputs, plan);
    if (targetPlan !== undefined) enabled.push({ target, plan: targetPlan });
  }
  return { plan, enabled };
}

/** The documents in memory only: audit compares them with what is deployed and writes no file. */
function renderArtifacts(plan: Plan): Artifacts {
  const document = renderDocument(plan.credentials, plan.configFormat);
  maskEncoded(document);
  const artifacts: Artifacts = { document, configPath: '', configDir: '' };
  if (plan.tarball) artifacts.archive = { path: '', ...buildArchive(document, plan.configFormat) };
  return artifacts;
}

async function writeDocuments(plan: Plan, runDir: string): Promise<Artifacts> {
  const document = renderDocument(plan.credentials, plan.configFormat);
  maskEncoded(document);
  const configDir = path.join(runDir, 'docker');
  const configPath = path.join(configDir, documentFileName(plan.configFormat));
  await fs.mkdir(configDir, { mode: 0o700 });
  await writeFileAtomic(configPath, document);
  core.info(
    `Wrote ${configPath} with ${plan.credentials.length} registr${plan.credentials.length === 1 ? 'y' : 'ies'}`,
  );
  const artifacts: Artifacts = { document, configPath, configDir };
  if (plan.tarball) {
    const { bytes, sha256 } = buildArchive(document, plan.configFormat);
    const archivePath = path.join(runDir, 'docker.tar.gz');
    await writeFileAtomic(archivePath, bytes);
    artifacts.archive = { path: archivePath, bytes, sha256 };
    core.info(`Wrote ${archivePath} (sha256 ${sha256})`);
  }
  return artifacts;
}

export async function runTargets(
  enabled: EnabledTarget[],
  state: Plan['state'],
  context: Omit<TargetContext, 'previous'>,
): Promise<Map<string, TargetOutcome>> {
  const outcomes = new Map<string, TargetOutcome>();
  for (const { target, plan } of enabled) {
    const title = `${state === 'present' ? 'Shipping to' : 'Removing from'} ${target.name}`;
    const outcome = await core.group(title, async (): Promise<TargetOutcome> => {
      const ctx = { ...context, previous: outcomes };
      try {
        const result = await (state === 'present' ? target.present(plan, ctx) : target.absent(plan, ctx));
        for (const r of result.results) {
          core.info(`${r.subject}: ${r.action}${r.message ? ` (${r.message})` : ''}`);
        }
        return result;
      } catch (error) {
        // A target that throws instead of reporting is still one failed target: the rest go on.
        core.debug(error instanceof Error && error.stack ? error.stack : String(error));
        return {
          results: [
            { target: target.name, subject: target.name, action: 'failed', message: errorMessage(error) },
          ],
        };
      }
    });
    outcomes.set(target.name, outcome);
  }
  return outcomes;
}

/** The mode switch for the targets: apply ships, plan only reads every place (src/modes/plan.ts). */
function shipOrPlan(
  plan: Plan,
  enabled: EnabledTarget[],
  state: Plan['state'],
  context: Omit<TargetContext, 'previous'>,
): Promise<Map<string, TargetOutcome>> {
  return plan.mode === 'plan' ? planTargets(enabled, state, context) : runTargets(enabled, state, context);
}

function failures(report: RunReport): string[] {
  const problems: string[] = [];
  if (report.mode === 'audit') {
    // A place whose credentials do not pull, or that holds none, fails with verify: fail.
    const bad = [...report.outcomes.values()].flatMap((o) =>
      o.results.filter((r) => ['broken', 'missing', 'failed'].includes(r.action)),
    );
    if (bad.length > 0 && report.auditFails) {
      problems.push(`audit found ${bad.map((r) => `${r.target} ${r.subject} ${r.action}`).join(', ')}`);
    }
    return problems;
  }
  const failed = [...report.outcomes.values()].flatMap((o) => o.results.filter(isFailure));
  if (report.blockedByVerification) {
    const bad = report.verification!.verdicts.filter((v) => v.status !== 'ok');
    problems.push(
      `verification failed for ${bad.map((v) => `${v.image} (${v.status})`).join(', ')}; nothing was shipped`,
    );
  } else if (report.verification?.mode === 'fail') {
    const bad = report.verification.verdicts.filter((v) => v.status !== 'ok');
    if (bad.length > 0) problems.push(`verification failed for ${bad.map((v) => v.image).join(', ')}`);
  }
  if (failed.length > 0) {
    problems.push(
      `${failed.length} ${report.mode === 'plan' ? 'place(s) could not be read or would fail' : 'target write(s) failed'}: ${failed.map((r) => `${r.target} ${r.subject}`).join(', ')}`,
    );
  }
  return problems;
}

export async function main(): Promise<void> {
  markMain();
  // Reading the inputs masks every secret among them: nothing is logged before that.
  const inputs = getInputs();
  const { plan, enabled } = await core.group('Validating inputs', () => Promise.resolve(planAll(inputs)));
  for (const { target, plan: targetPlan } of enabled) {
    for (const secret of target.secrets?.(targetPlan) ?? []) core.setSecret(secret);
  }

  const runDir = await createRunDir();
  const report: RunReport = {
    mode: plan.mode,
    state: plan.state,
    registries: plan.credentials.map((c) => c.address.key),
    outcomes: new Map(),
  };
  const log = { info: core.info, warning: core.warning, debug: core.debug };

  if (plan.mode === 'audit') {
    // Reads only: not even the local documents are written. A min-lifetime input, where credentials
    // carry an expiry, is passed as auditTargets' options.minLifetimeMs (default 1 h).
    const artifacts = renderArtifacts(plan);
    const audit = await auditTargets(enabled, plan.verification, { base: plan, artifacts, runDir, log });
    report.outcomes = audit.outcomes;
    report.audit = audit.entries;
    report.auditFails = plan.verification.mode === 'fail';
  } else if (plan.state === 'absent') {
    const artifacts: Artifacts = { document: '', configPath: '', configDir: '' };
    report.outcomes = await shipOrPlan(plan, enabled, 'absent', { base: plan, artifacts, runDir, log });
  } else {
    const artifacts = await core.group('Writing credentials', () => writeDocuments(plan, runDir));
    Object.assign(report, { configPath: artifacts.configPath, configDir: artifacts.configDir });
    if (artifacts.archive) report.archive = artifacts.archive;
    if (plan.exportDockerConfig && plan.mode === 'plan') {
      core.info('mode plan: DOCKER_CONFIG is not exported');
    } else if (plan.exportDockerConfig) {
      core.exportVariable('DOCKER_CONFIG', artifacts.configDir);
      core.info(`DOCKER_CONFIG=${artifacts.configDir} for the rest of the job`);
    }

    const { mode } = plan.verification;
    if (mode !== 'off') {
      if (!plan.verification.tlsVerify) {
        core.warning('tls-verify is false: registry certificates are not checked during verification', {
          title: 'TLS verification disabled',
        });
      }
      const verdicts: Verdict[] = await core.group('Verifying pulls', async () => {
        const results = await verifyAll(plan.verification, plan.credentials);
        for (const v of results) core.info(`${v.image}: ${v.status} — ${v.message}`);
        return results;
      });
      report.verification = { mode, verdicts };
      report.blockedByVerification = mode === 'fail' && verdicts.some((v) => v.status !== 'ok');
    }
    if (!report.blockedByVerification) {
      report.outcomes = await shipOrPlan(plan, enabled, 'present', { base: plan, artifacts, runDir, log });
    }
  }

  setOutputs(report);
  annotate(report);
  await writeSummary(report);
  const problems = failures(report);
  if (problems.length > 0) throw new TargetError(problems.join('; '));
}

/** Removes the per-run directory; warns, never fails, when it cannot. */
export async function post(): Promise<void> {
  const dir = savedRunDir();
  if (!dir) return;
  if (!isRunDir(dir)) {
    core.warning(`Not removing ${dir}: it is not a pull-credentials run directory under RUNNER_TEMP`);
    return;
  }
  try {
    await fs.rm(dir, { recursive: true, force: true });
    core.info(`Removed ${dir}`);
  } catch (error) {
    core.warning(`Could not remove ${dir}: ${(error as Error).message}`);
  }
}
