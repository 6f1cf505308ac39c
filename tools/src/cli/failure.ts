import { CorrelationError } from '@transferscope/api';
import { BackendError, ModelError, StudyDefinitionError, StudyRunError } from '@transferscope/compute';
import { DatasetError } from '@transferscope/datasets';
import { ImportError } from '@transferscope/db';
import { ConfigError } from '../config';
import { CliUsageError, EXIT_CODES } from './cli-error';

/** Errors that describe bad input: shown as one line, exit code 2. Everything else is a bug: exit code 1. */
const BAD_INPUT_ERRORS: (abstract new (...args: never[]) => Error)[] = [CliUsageError, ConfigError, ImportError, CorrelationError, StudyDefinitionError, StudyRunError, DatasetError, ModelError, BackendError];

export function describeFailure(error: unknown): { message: string; exitCode: number } {
  if (BAD_INPUT_ERRORS.some((type) => error instanceof type)) {
    return { message: (error as Error).message, exitCode: EXIT_CODES.badInput };
  }
  return { message: error instanceof Error ? error.message : String(error), exitCode: EXIT_CODES.internal };
}
