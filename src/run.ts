/**
 * The main and post steps: inputs → plan → documents → verification → targets → report.
 * Every user-fixable problem surfaces as one InputError/TargetError, thrown to main.ts (or the
 * command line). Everything shown goes through the host (src/host/).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { buildArchive } from './archive.js';
import { auditTargets } from './modes/audit.js';
import { previewTargets } from './modes/plan.js';
import { getInputs, type Inputs } from './context.js';
import { documentFileName, renderDocument } from './credentials/documents.js';
import { graceFor, orDeadline, raceDeadline, startDeadline } from './deadline.js';
import { errorMessage, TargetError } from './errors.js';
import { writeFileAtomic } from './fsutil.js';
import { host } from './host/index.js';
import { provideCredentials } from './identity/mint.js';
import { planIdentity, type IdentityPlan } from './identity/plan.js';
import { buildPlan, type Plan } from './plan.js';
import { timedOutVerdicts, verifyAll } from './registry/verify.js';
import type { Verdict } from './registry/types.js';
import { annotate, isFailure, setOutputs, type RunReport } from './report.js';
import { registerDocument, registerSecret } from './secrets.js';
import * as sink from './sink.js';
import { isRunDir, markMain, savedRunDir } from './state.js';
import { targets } from './targets/index.js';
import type { Artifacts, PlanFacts, Target, TargetContext, TargetOutcome } from './targets/types.js';

export interface EnabledTarget {
  target: Target;
  plan: unknown;
}

/**
 * Every target's plan, in registration order: each sees the facts of the targets planned before
 * it (PlanFacts), never their inputs.
 */
function planTargets(inputs: Inputs, plan: Plan): EnabledTarget[] {
  const enabled: EnabledTarget[] = [];
  const facts: PlanFacts = {};
  for (const target of targets) {
    const targetPlan = target.plan(inputs, plan, facts);
    if (targetPlan === undefined) continue;
    enabled.push({ target, plan: targetPlan });
    Object.assign(facts, target.facts?.(targetPlan));
  }
  return enabled;
}

/** Validates everything, including every target's inputs, before anything is written. */
export function planAll(inputs: Inputs): { plan: Plan; enabled: EnabledTarget[]; identity: IdentityPlan } {
  const plan = buildPlan(inputs);
  const identity = planIdentity(inputs, plan.timeoutMs);
  return { plan, enabled: planTargets(inputs, plan), identity };
}

/** The documents in memory only: audit compares them with what is deployed and writes no file. */
function renderArtifacts(plan: Plan): Artifacts {
  const document = renderDocument(plan.credentials, plan.configFormat);
  registerDocument(document);
  const artifacts: Artifacts = { document, configPath: '', configDir: '' };
  if (plan.tarball) artifacts.archive = { path: '', ...buildArchive(document, plan.configFormat) };
  return artifacts;
}

async function writeDocuments(plan: Plan, runDir: string): Promise<Artifacts> {
  const document = renderDocument(plan.credentials, plan.configFormat);
  registerDocument(document);
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

/** What every target shares; each gets its own deadline, log and `previous` on top. */
export interface RunContext {
  base: TargetContext['base'];
  artifacts: Artifacts;
  runDir: string;
  /** Each target's deadline. */
  timeoutMs: number;
}

type LogLine = [kind: 'info' | 'warning' | 'debug', message: string];

const failed = (name: string, message: string): TargetOutcome => ({
  results: [{ target: name, subject: name, action: 'failed', message }],
});

/** One target within its deadline; its log lines are kept and shown as one group when it ends. */
async function runOne(
  { target, plan }: EnabledTarget,
  state: Plan['state'],
  shared: RunContext,
  previous: ReadonlyMap<string, TargetOutcome>,
): Promise<TargetOutcome> {
  const lines: LogLine[] = [];
  const log: TargetContext['log'] = {
    info: (message) => lines.push(['info', message]),
    warning: (message) => lines.push(['warning', errorMessage(message)]),
    debug: (message) => lines.push(['debug', message]),
  };
  const deadline = startDeadline(shared.timeoutMs);
  const ctx: TargetContext = { ...shared, previous, log, signal: deadline.signal };
  const work = (async (): Promise<TargetOutcome> => {
    try {
      return await (state === 'present' ? target.present(plan, ctx) : target.absent(plan, ctx));
    } catch (error) {
      // A target that throws instead of reporting is still one failed target: the rest go on.
      log.debug(error instanceof Error && error.stack ? error.stack : String(error));
      return failed(target.name, errorMessage(orDeadline(error, deadline.signal)));
    }
  })();
  let outcome: TargetOutcome;
  try {
    outcome = await raceDeadline(work, deadline.signal, graceFor(shared.timeoutMs), () =>
      failed(target.name, errorMessage(deadline.signal.reason)),
    );
  } finally {
    deadline.clear();
  }
  const title = `${state === 'present' ? 'Shipping to' : 'Removing from'} ${target.name}`;
  // Synchronously, start to end: concurrent targets' groups never interleave.
  host().startGroup(title);
  for (const [kind, message] of lines) host()[kind](message);
  for (const r of outcome.results) {
    host().info(`${r.subject}: ${r.action}${r.message ? ` (${r.message})` : ''}`);
  }
  host().endGroup();
  return outcome;
}

/**
 * Runs every enabled target concurrently, each within its deadline; a target waits for those in
 * its `after`. Outcomes come back in registration order whatever order the targets end in.
 */
export async function runTargets(
  enabled: EnabledTarget[],
  state: Plan['state'],
  shared: RunContext,
): Promise<Map<string, TargetOutcome>> {
  const running = new Map<string, Promise<TargetOutcome>>();
  const names = new Set(enabled.map((e) => e.target.name));
  for (const entry of enabled) {
    const after = (entry.target.after ?? []).filter((name) => names.has(name));
    for (const name of after) {
      if (!running.has(name)) {
        throw new Error(`target ${entry.target.name} runs after ${name}, which is registered after it`);
      }
    }
    running.set(
      entry.target.name,
      Promise.all(after.map((name) => running.get(name)!)).then((outcomes) =>
        runOne(entry, state, shared, new Map(after.map((name, i) => [name, outcomes[i]!]))),
      ),
    );
  }
  const outcomes = new Map<string, TargetOutcome>();
  for (const [name, outcome] of running) outcomes.set(name, await outcome);
  return outcomes;
}

/** The mode switch for the targets: apply ships, plan only reads every place (src/modes/plan.ts). */
function shipOrPlan(
  plan: Plan,
  enabled: EnabledTarget[],
  state: Plan['state'],
  context: RunContext,
): Promise<Map<string, TargetOutcome>> {
  return plan.mode === 'plan' ? previewTargets(enabled, state, context) : runTargets(enabled, state, context);
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

/**
 * Every image's verdict, within the same deadline as a target's for verification as a whole; the
 * race ends it even if a request ignores the signal.
 */
function startVerification(plan: Plan): Promise<Verdict[]> {
  const deadline = startDeadline(plan.timeoutMs);
  const verdicts = raceDeadline(
    verifyAll(plan.verification, plan.credentials, { signal: deadline.signal }),
    deadline.signal,
    graceFor(plan.timeoutMs),
    () => timedOutVerdicts(plan.verification, plan.credentials, plan.timeoutMs),
  ).finally(() => {
    deadline.clear();
  });
  // Awaited once the documents are written; a failure to write them must not leave it unhandled.
  verdicts.catch(() => undefined);
  return verdicts;
}

/** The GitHub Actions main step. */
export async function main(): Promise<void> {
  markMain();
  await execute(getInputs);
}

/**
 * One run on the current host. `read` reads the inputs, which registers every secret among them:
 * nothing is logged before that. Throws InputError before anything is written, TargetError after.
 */
export async function execute(read: () => Inputs): Promise<RunReport> {
  const inputs = read();
  const { plan, enabled, identity } = await host().group('Validating inputs', () =>
    Promise.resolve(planAll(inputs)),
  );
  for (const { target, plan: targetPlan } of enabled) {
    for (const secret of target.secrets?.(targetPlan) ?? []) registerSecret(secret);
  }

  const runDir = await host().createRunDir();
  const report: RunReport = {
    mode: plan.mode,
    state: plan.state,
    registries: plan.credentials.map((c) => c.address.key),
    outcomes: new Map(),
  };
  const { timeoutMs } = plan;

  if (plan.mode === 'audit') {
    // Reads only: not even the local documents are written. A stored credential expiring sooner
    // than min-lifetime is `expiring`.
    const artifacts = renderArtifacts(plan);
    const audit = await auditTargets(
      enabled,
      plan.verification,
      { base: plan, artifacts, runDir, timeoutMs },
      { minLifetimeMs: identity.minLifetimeMs },
    );
    report.outcomes = audit.outcomes;
    report.audit = audit.entries;
    report.auditFails = plan.verification.mode === 'fail';
  } else if (plan.state === 'absent') {
    const artifacts: Artifacts = { document: '', configPath: '', configDir: '' };
    report.outcomes = await shipOrPlan(plan, enabled, 'absent', { base: plan, artifacts, runDir, timeoutMs });
  } else {
    // Cloud identities become credentials here, used from now on exactly as typed ones.
    const names = enabled.map((e) => e.target.name);
    report.lifetimes = await provideCredentials(plan.credentials, identity, plan.verification, names);
    // Target plans made before minting hold empty minted passwords (Kubernetes renders its secret
    // there): plan them again, as pure functions of the now complete credentials.
    if (plan.credentials.some((c) => c.auth)) {
      for (const [i, entry] of planTargets(inputs, plan).entries()) {
        enabled[i]!.plan = entry.plan;
        for (const secret of entry.target.secrets?.(entry.plan) ?? []) registerSecret(secret);
      }
    }
    // Verification only reads: its first requests go out now, and the documents are written while
    // they travel.
    const verifying = plan.verification.mode === 'off' ? undefined : startVerification(plan);
    const artifacts = await host().group('Writing credentials', () => writeDocuments(plan, runDir));
    Object.assign(report, { configPath: artifacts.configPath, configDir: artifacts.configDir });
    if (artifacts.archive) report.archive = artifacts.archive;
    if (plan.exportDockerConfig && plan.mode === 'plan') {
      host().info('mode plan: DOCKER_CONFIG is not exported');
    } else if (plan.exportDockerConfig) {
      host().exportVariable('DOCKER_CONFIG', artifacts.configDir);
      host().notice(
        `DOCKER_CONFIG now points at a config holding only ${plan.credentials.map((c) => c.address.key).join(', ')}: ` +
          'later steps no longer see the runner’s own docker config (~/.docker/config.json), so logins made ' +
          'earlier (docker/login-action, docker login, credential helpers) are hidden from them',
        { title: 'export-docker-config' },
      );
    }

    if (verifying) {
      const { mode } = plan.verification;
      if (!plan.verification.tlsVerify) {
        host().warning('tls-verify is false: registry certificates are not checked during verification', {
          title: 'TLS verification disabled',
        });
      }
      const verdicts: Verdict[] = await host().group('Verifying pulls', async () => {
        const results = await verifying;
        for (const v of results) host().info(`${v.image}: ${v.status} — ${v.message}`);
        return results;
      });
      report.verification = { mode, verdicts };
      report.blockedByVerification = mode === 'fail' && verdicts.some((v) => v.status !== 'ok');
    }
    if (!report.blockedByVerification) {
      report.outcomes = await shipOrPlan(plan, enabled, 'present', {
        base: plan,
        artifacts,
        runDir,
        timeoutMs,
      });
    }
  }

  setOutputs(report);
  annotate(report);
  await host().summary(report);
  const problems = failures(report);
  if (problems.length > 0) throw new TargetError(problems.join('; '));
  return report;
}

/** Removes the per-run directory; warns, never fails, when it cannot. */
export async function post(): Promise<void> {
  const dir = savedRunDir();
  if (!dir) return;
  if (!isRunDir(dir)) {
    sink.warning(`Not removing ${dir}: it is not a pull-credentials run directory under RUNNER_TEMP`);
    return;
  }
  try {
    await fs.rm(dir, { recursive: true, force: true });
    sink.info(`Removed ${dir}`);
  } catch (error) {
    sink.warning(`Could not remove ${dir}: ${(error as Error).message}`);
  }
}
