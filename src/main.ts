import { isUserError } from './errors.js';
import { main, post } from './run.js';
import { setFailed } from './sink.js';
import { isPost } from './state.js';

/** The one place a run fails: user errors as their message alone, bugs with their stack. */
async function run(mainStep: () => Promise<void>, postStep: () => Promise<void>): Promise<void> {
  try {
    await (isPost() ? postStep() : mainStep());
  } catch (error) {
    setFailed(
      isUserError(error)
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error),
    );
  }
}

await run(main, post);
// Everything is reported: a request that ignored its deadline must not keep the step alive.
setTimeout(() => process.exit(), 2000).unref();
