/**
 * The GitHub Actions input source: every declared input (src/inputs/) read from the runner's
 * INPUT_* variables, secrets masked as they are read. plan.ts turns the result into a Plan.
 */
import * as core from '@actions/core';
import { inputDefaults, readInputs, type InputSource, type Inputs } from './inputs/index.js';

export type { Inputs } from './inputs/index.js';

/** action.yml's defaults, applied to empty inputs so bare INPUT_* variables behave as the runner's. */
export const INPUT_DEFAULTS: Readonly<Record<string, string>> = inputDefaults();

export const githubInputs: InputSource = {
  get: (spec) => core.getInput(spec.name, { trimWhitespace: false }),
};

export function getInputs(): Inputs {
  return readInputs(githubInputs);
}
