import * as core from '@actions/core';
import { isUserError } from './errors.js';
import { main, post } from './run.js';
import { isPost } from './state.js';

/** The one place a run fails: user errors as their message alone, bugs with their stack. */
async function run(mainStep: () => Promise<void>, postStep: () => Promise<void>): Promise<void> {
  try {
    await (isPost() ? postStep() : mainStep());
  } catch (error) {
    core.setFailed(
      isUserError(error)
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error),
    );
  }
}

await run(main, post);
