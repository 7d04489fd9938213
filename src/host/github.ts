/** The GitHub Actions runner as host: workflow commands, GITHUB_OUTPUT/ENV files, the job summary. */
import * as core from '@actions/core';
import type { Host } from './index.js';
import { writeSummary } from '../report.js';
import { createRunDir } from '../state.js';

export const githubHost: Host = {
  info: core.info,
  warning: core.warning,
  error: core.error,
  debug: core.debug,
  group: core.group,
  setSecret: core.setSecret,
  setOutput: core.setOutput,
  exportVariable(name, value) {
    core.exportVariable(name, value);
    core.info(`${name}=${value} for the rest of the job`);
  },
  // Called lazily: report.ts and this module import each other.
  createRunDir: () => createRunDir(),
  summary: (report) => writeSummary(report),
};
