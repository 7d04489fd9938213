/**
 * The main and post steps: inputs → plan → documents → verification → targets → report.
 * Every user-fixable problem surfaces as one InputError/TargetError, thrown to main.ts (or the
 * command line). Everything shown goes through the host (src/host/).
 */
import * as core from '@actions/core';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { buildArchive } from './archive.js';
import { getInputs, type Inputs } from './context.js';
import { documentFileName, maskEncoded, renderDocument } from './credentials/documents.js';
import { errorMessage, TargetError } from './errors.js';
import { writeFileAtomic } from './fsutil.js';
import { host } from './host/index.js';
import { buildPlan, type Plan } from './plan.js';
import { verifyAll } from './registry/verify.js';
import type { Verdict } from './registry/types.js';
import { annotate, isFailure, setOutputs, type RunReport } from './report.js';
import { isRunDir, markMain, savedRunDir } from './state.js';
import { targets } from './targets/index.js';
import type { Artifacts, PlanFacts, Target, TargetContext, TargetOutcome } from './targets/types.js';

export interface EnabledTarget {
  target: Target;
  plan: unknown;
}

/**
 * Validates everything, including every target's inputs, before anything is written. Each target
 * sees the facts of the targets planned before it (registration order), never their inputs.
 */
export function planAll(inputs: Inputs): { plan: Plan; enabled: EnabledTarget[] } {
  const plan = buildPlan(inputs);
  const enabled: EnabledTarget[] = [];
  const facts: PlanFacts = {};
  for (const target of targets) {
    const targetPlan = target.plan(inputs, plan, facts);
    if (targetPlan === undefined) continue;
    enabled.push({ target, plan: targetPlan });
    Object.assign(facts, target.facts?.(targetPlan));
  }
  return { plan, enabled };
}

async function writeDocuments(plan: Plan, runDir: string): Promise<Artifacts> {
  const document = renderDocument(plan.credentials, plan.configFormat);
  maskEncoded(document);
  const configDir = path.join(runDir, 'docker');
  const configPath = path.join(configDir, documentFileName(plan.configFormat));
  // recursive: the command line may write into the --output-dir of an earlier run.
  await fs.mkdir(configDir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(configPath, document);
  host().info(
    `Wrote ${configPath} with ${plan.credentials.length} registr${plan.credentials.length === 1 ? 'y' : 'ies'}`,
  );
  const artifacts: Artifacts = { document, configPath, configDir };
  if (plan.tarball) {
    const { bytes, sha256 } = buildArchive(document, plan.configFormat);
    const archivePath = path.join(runDir, 'docker.tar.gz');
    await writeFileAtomic(archivePath, bytes);
    artifacts.archive = { path: archivePath, bytes, sha256 };
    host().info(`Wrote ${archivePath} (sha256 ${sha256})`);
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
    const outcome = await host().group(title, async (): Promise<TargetOutcome> => {
      const ctx = { ...context, previous: outcomes };
      try {
        const result = await (state === 'present' ? target.present(plan, ctx) : target.absent(plan, ctx));
        for (const r of result.results) {
          host().info(`${r.subject}: ${r.action}${r.message ? ` (${r.message})` : ''}`);
        }
        return result;
      } catch (error) {
        // A target that throws instead of reporting is still one failed target: the rest go on.
        host().debug(error instanceof Error && error.stack ? error.stack : String(error));
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

function failures(report: RunReport): string[] {
  const problems: string[] = [];
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
      `${failed.length} target write(s) failed: ${failed.map((r) => `${r.target} ${r.subject}`).join(', ')}`,
    );
  }
  return problems;
}

/** The GitHub Actions main step. */
export async function main(): Promise<void> {
  markMain();
  await execute(getInputs);
}

/**
 * One run on the current host. `read` reads the inputs, which masks every secret among them:
 * nothing is logged before that. Throws InputError before anything is written, TargetError after.
 */
export async function execute(read: () => Inputs): Promise<RunReport> {
  const inputs = read();
  const { plan, enabled } = await host().group('Validating inputs', () => Promise.resolve(planAll(inputs)));
  for (const { target, plan: targetPlan } of enabled) {
    for (const secret of target.secrets?.(targetPlan) ?? []) host().setSecret(secret);
  }

  const runDir = await host().createRunDir();
  const report: RunReport = {
    state: plan.state,
    registries: plan.credentials.map((c) => c.address.key),
    outcomes: new Map(),
  };
  const log: TargetContext['log'] = {
    info(message) {
      host().info(message);
    },
    warning(message, properties) {
      host().warning(message, properties);
    },
    debug(message) {
      host().debug(message);
    },
  };

  if (plan.state === 'absent') {
    const artifacts: Artifacts = { document: '', configPath: '', configDir: '' };
    report.outcomes = await runTargets(enabled, 'absent', { base: plan, artifacts, runDir, log });
  } else {
    const artifacts = await host().group('Writing credentials', () => writeDocuments(plan, runDir));
    Object.assign(report, { configPath: artifacts.configPath, configDir: artifacts.configDir });
    if (artifacts.archive) report.archive = artifacts.archive;
    if (plan.exportDockerConfig) {
      host().exportVariable('DOCKER_CONFIG', artifacts.configDir);
    }

    const { mode } = plan.verification;
    if (mode !== 'off') {
      if (!plan.verification.tlsVerify) {
        host().warning('tls-verify is false: registry certificates are not checked during verification', {
          title: 'TLS verification disabled',
        });
      }
      const verdicts: Verdict[] = await host().group('Verifying pulls', async () => {
        const results = await verifyAll(plan.verification, plan.credentials);
        for (const v of results) host().info(`${v.image}: ${v.status} — ${v.message}`);
        return results;
      });
      report.verification = { mode, verdicts };
      report.blockedByVerification = mode === 'fail' && verdicts.some((v) => v.status !== 'ok');
    }
    if (!report.blockedByVerification) {
      report.outcomes = await runTargets(enabled, 'present', { base: plan, artifacts, runDir, log });
    }
  }

  setOutputs(report);
  annotate(report);
  await host().summary(report);
  const problems = failures(report);
  if (problems.length > 0) throw new TargetError(problems.join('; '));
  return report;
}

/** The GitHub Actions post step: removes the per-run directory; warns, never fails, when it cannot. */
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
