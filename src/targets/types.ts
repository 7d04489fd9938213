import type { Host } from '../host/index.js';
import type { Inputs } from '../context.js';
import type { ConfigFormat, Credential } from '../credentials/documents.js';

export type ApplyAction =
  'created' | 'updated' | 'unchanged' | 'written' | 'deleted' | 'absent' | 'skipped' | 'failed';

/** What `mode: plan` predicts for a place: what apply would then report. */
export type PlanAction =
  'would-create' | 'would-update' | 'would-delete' | 'unchanged' | 'skipped' | 'failed';

/** What `mode: audit` finds at a place (`failed`: the place could not be read). */
export type AuditStatus =
  'ok' | 'stale' | 'broken' | 'expiring' | 'missing' | 'foreign' | 'unknown' | 'skipped' | 'failed';

export type Action = ApplyAction | PlanAction | AuditStatus;

/** One thing a target wrote or removed (a file, a namespace's secret, a secret path…). */
export interface TargetResult {
  target: string;
  /** What was acted on, fit for a log line: a URI without its query, `context/namespace`, a path. */
  subject: string;
  action: Action;
  message: string;
  /** Plan mode: what would change (registries, a JSON diff, a sha256), never a secret value. */
  changes?: string[];
}

export interface TargetOutcome {
  results: TargetResult[];
  /** Action outputs this target sets, JSON-encoded by the report. */
  outputs?: Record<string, unknown>;
  /** What this target's run tells the targets after it. */
  facts?: RunFacts;
}

/** What a target's run tells the targets run after it (PlanFacts' counterpart once things are written). */
export interface RunFacts {
  /** Fetch URIs of the upload destinations that now hold the archive, in upload-to order. */
  storedFetchUris?: string[];
  /** Whether the DC/OS secret store now holds the pull config. */
  dcosSecretStored?: boolean;
}

/** The facts of every earlier outcome together; a target that threw tells nothing. */
export function runFacts(previous: ReadonlyMap<string, TargetOutcome>): RunFacts {
  return Object.assign({}, ...[...previous.values()].map((o) => o.facts ?? {})) as RunFacts;
}

/** The plan-wide facts every target sees. */
export interface BasePlan {
  state: 'present' | 'absent';
  /** The run's mode; an audit compares minted credentials by what each place stores (credentials/minted.ts). */
  mode?: 'apply' | 'plan' | 'audit';
  credentials: Credential[];
  configFormat: ConfigFormat;
  tarball: boolean;
}

/** What the documents step produced, for targets to ship. */
export interface Artifacts {
  /** The config document as written (config.json or .dockercfg contents). */
  document: string;
  /** Local docker-config path and its directory. */
  configPath: string;
  configDir: string;
  archive?: { path: string; bytes: Buffer; sha256: string };
}

export interface TargetContext {
  base: BasePlan;
  artifacts: Artifacts;
  /** The per-run directory under RUNNER_TEMP (0700), removed by the post step. */
  runDir: string;
  /** Outcomes of the targets named in this target's `after`, by target name. */
  previous: ReadonlyMap<string, TargetOutcome>;
  /** Redacting log lines (src/sink.ts), shown as this target's group when it ends. */
  log: Pick<Host, 'info' | 'warning' | 'debug'>;
  /**
   * This target's deadline (the `timeout` input), aborted with a DeadlineError: pass it to every
   * request and retry. A target still running shortly after it aborts is reported as timed out.
   */
  signal: AbortSignal;
}

/**
 * What a target's plan tells the targets planned after it, so that no target reads another's
 * inputs: Marathon's pullConfig names the DC/OS secret path, its fetch entries the upload's URIs.
 */
export interface PlanFacts {
  /** The DC/OS secret store path of the pull config, without surrounding slashes. */
  dcosSecretPath?: string;
  /** Where agents fetch the archive from, one URI per upload destination in upload-to order. */
  fetchUris?: string[];
}

/**
 * What one place holds now, read without writing anything (modes plan and audit). The pure
 * classifiers in src/modes/classify.ts turn it into a planned action or an audit status.
 */
export interface Observation {
  /** Same subject as apply reports for this place. */
  subject: string;
  /**
   * present: something is stored; absent: nothing is; unreadable: something may be stored but it
   * cannot be read back (rapyuta.io passwords, a URL presigned for PUT only); failed: the read failed.
   */
  found: 'present' | 'absent' | 'unreadable' | 'failed';
  /** false: what is stored was not made by pull-credentials (audit reports it foreign). */
  managed?: boolean;
  /** With state absent: why apply would leave what is stored in place. */
  kept?: string;
  /** true when apply would find nothing to write here (the stored content is what it writes). */
  upToDate?: boolean;
  /** Why apply would refuse this place (a foreign secret without force, a type clash…). */
  refusal?: string;
  /** Why apply would skip this place (a step it depends on would fail). */
  skip?: string;
  /** The deployed docker config document (config.json, .dockercfg or a pull secret's JSON), for audit. */
  document?: string;
  /** What apply would change here, in words, without secret values. */
  changes?: string[];
  /** The read, in words (the failure for found failed). */
  message: string;
}

/**
 * A place credentials are shipped to. `plan` is pure: it validates this target's inputs (throwing
 * InputError) and returns undefined when the target is not enabled; `facts` are what earlier
 * targets' plans told (see PlanFacts). Heavy clients are imported inside present/absent so a run
 * that does not use the target never loads them.
 */
export interface Target<P = unknown> {
  name: string;
  /**
   * Targets whose outcomes this one reads in `ctx.previous` (registered before it): it starts
   * once they have ended. Every other target runs concurrently with the rest.
   */
  after?: readonly string[];
  plan(inputs: Inputs, base: BasePlan, facts?: Readonly<PlanFacts>): P | undefined;
  /** What this target's plan tells the targets after it. */
  facts?(plan: P): PlanFacts;
  /** Secret values in the plan (tokens, signed-URL queries…), registered before any use. */
  secrets?(plan: P): string[];
  present(plan: P, ctx: TargetContext): Promise<TargetOutcome>;
  absent(plan: P, ctx: TargetContext): Promise<TargetOutcome>;
  /**
   * Reads every place present/absent would act on, writing nothing: one observation per place, in
   * the order apply reports them. `ctx.previous` holds earlier targets' planned outcomes.
   */
  inspect?(plan: P, ctx: TargetContext): Promise<Observation[]>;
  /**
   * Places this target rewrites rather than deletes, even for state absent (Marathon definition
   * files): a plan shows their removals as updates.
   */
  rewrites?: boolean;
  /** The outputs present/absent would set, for results of plan or audit (same order as inspect). */
  outputs?(plan: P, results: TargetResult[]): Record<string, unknown>;
}

/** Helper for registration lists: keeps each target's plan type while erasing it from the list. */
export function defineTarget<P>(target: Target<P>): Target {
  return target;
}
