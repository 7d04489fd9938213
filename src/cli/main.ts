/**
 * The command line's run: arguments → inputs → the same engine as the action (run.ts) on the
 * command-line host → outputs on stdout. Exit 0 when everything succeeded, 1 when a verification
 * or a target failed, 2 when an input (or the command line) is wrong.
 */
import packageJson from '../../package.json' with { type: 'json' };
import { InputError, isUserError } from '../errors.js';
import { useHost } from '../host/index.js';
import { readInputs } from '../inputs/index.js';
import { execute } from '../run.js';
import { cliSource, parseArgs, passwordFromStdin, UsageError } from './args.js';
import { helpText } from './help.js';
import { createCliHost } from './host.js';

export interface CliIo {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  readStdin: () => Promise<string>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_INPUT = 2;

export async function runCli(io: CliIo): Promise<number> {
  let args;
  try {
    args = parseArgs(io.argv);
  } catch (error) {
    if (!(error instanceof UsageError || error instanceof InputError)) throw error;
    io.stderr(`pull-credentials: ${error.message}\n`);
    return EXIT_INPUT;
  }
  if (args.help) {
    io.stdout(helpText());
    return EXIT_OK;
  }
  if (args.version) {
    io.stdout(`${packageJson.version}\n`);
    return EXIT_OK;
  }
  const host = createCliHost({
    write: io.stderr,
    ...(args.outputDir === undefined ? {} : { outputDir: args.outputDir }),
    debug: args.debug,
  });
  useHost(host);
  const printOutputs = (): void => {
    io.stdout(host.renderOutputs(args.json));
  };
  try {
    const stdinPassword = args.passwordStdin ? passwordFromStdin(await io.readStdin()) : undefined;
    const source = cliSource(args, io.env, stdinPassword);
    await execute(() => readInputs(source));
    printOutputs();
    return EXIT_OK;
  } catch (error) {
    if (error instanceof InputError) {
      io.stderr(`pull-credentials: ${host.redact(error.message)}\n`);
      if (io.argv.length === 0) io.stderr('Run pull-credentials --help for the inputs.\n');
      return EXIT_INPUT;
    }
    printOutputs();
    const message = isUserError(error)
      ? error.message
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error);
    io.stderr(`pull-credentials: ${host.redact(message)}\n`);
    return EXIT_FAILED;
  }
}
