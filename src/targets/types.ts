import type { Host } from '../host/index.js';
import type { Inputs } from '../context.js';
import type { ConfigFormat, Credential } from '../credentials/documents.js';

export type Action =
  'created' | 'updated' | 'unchanged' | 'written' | 'deleted' | 'absent' | 'skipped' | 'failed';

/** One thing a target wrote or removed (a file, a namespace's secret, a secret path…). */
export interface TargetResult {
  target: string;
  /** What was acted on, fit for a log line: a URI without its query, `context/namespace`, a path. */
  subject: string;
  action: Action;
  message: string;
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
}

/** Helper for registration lists: keeps each target's plan type while erasing it from the list. */
export function defineTarget<P>(target: Target<P>): Target {
  return target;
}
