import { CommanderError } from 'commander';
import { buildProgram } from './cli';
import { describeFailure } from './cli/failure';

/** Entry point of the `transferscope` binary. */
async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed help or the usage error.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    const failure = describeFailure(error);
    console.error(`transferscope: ${failure.message}`);
    if (failure.exitCode === 1 && error instanceof Error && error.stack) console.error(error.stack);
    process.exitCode = failure.exitCode;
  }
}

void main(process.argv);
