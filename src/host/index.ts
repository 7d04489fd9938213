/**
 * What a run needs from where it runs: logs, groups, masking, outputs, variables, its directory and
 * the report. The GitHub Actions runner (github.ts) and the command line (src/cli/host.ts) provide
 * it; the engine (run.ts, report.ts, the targets' logs) only ever talks to the current host.
 */
import type { AnnotationProperties } from '@actions/core';
import type { RunReport } from '../report.js';
import { githubHost } from './github.js';

export interface Host {
  info(message: string): void;
  warning(message: string | Error, properties?: AnnotationProperties): void;
  /** A notice: something to know that is neither wrong nor risky (an expiry, a hidden login). */
  notice(message: string, properties?: AnnotationProperties): void;
  error(message: string | Error, properties?: AnnotationProperties): void;
  debug(message: string): void;
  group<T>(title: string, fn: () => Promise<T>): Promise<T>;
  /** A group printed synchronously, start to end (concurrent targets' groups never interleave). */
  startGroup(title: string): void;
  endGroup(): void;
  /** Registers a secret: nothing this host shows afterwards contains it. */
  setSecret(secret: string): void;
  /** An output: a string as it is, anything else as JSON (every string in it redacted). */
  setOutput(name: string, value: unknown): void;
  /** Sets a variable for whatever runs next (DOCKER_CONFIG for the rest of the job). */
  exportVariable(name: string, value: string): void;
  /** A new directory, private to this run, for the documents. */
  createRunDir(): Promise<string>;
  /** Shows the run's report: the job summary, or plain text. */
  summary(report: RunReport): Promise<void>;
}

let current: Host = githubHost;

export const host = (): Host => current;

/** Makes `next` the host of everything that runs from now on. */
export function useHost(next: Host): void {
  current = next;
}
