/**
 * The GitHub Actions runner as host: workflow commands and GITHUB_OUTPUT/ENV files, every text
 * redacted on the way out (src/sink.ts), the job summary.
 */
import * as core from '@actions/core';
import type { Host } from './index.js';
import { writeSummary } from '../report.js';
import * as sink from '../sink.js';
import { createRunDir } from '../state.js';

// Called lazily throughout: report.ts, sink.ts and this module import each other.
export const githubHost: Host = {
  info: (message) => {
    sink.info(message);
  },
  warning: (message, properties) => {
    sink.warning(message, properties);
  },
  notice: (message, properties) => {
    sink.notice(message, properties);
  },
  error: (message, properties) => {
    sink.error(message, properties);
  },
  debug: (message) => {
    sink.debug(message);
  },
  group: (title, fn) => core.group(title, fn),
  startGroup: (title) => {
    core.startGroup(title);
  },
  endGroup: () => {
    core.endGroup();
  },
  setSecret: (secret) => {
    core.setSecret(secret);
  },
  setOutput: (name, value) => {
    sink.setOutput(name, value);
  },
  exportVariable(name, value) {
    core.exportVariable(name, value);
    sink.info(`${name}=${value} for the rest of the job`);
  },
  createRunDir: () => createRunDir(),
  summary: (report) => writeSummary(report),
};
