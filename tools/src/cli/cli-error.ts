/**
 * Exit codes of `transferscope`, documented in the README:
 * 0 success; 1 unexpected internal error; 2 bad input (usage, configuration, a rejected file or study definition).
 */
export const EXIT_CODES = { ok: 0, internal: 1, badInput: 2 } as const;

/** A problem with what the user asked for, reported as one line without a stack trace. */
export class CliUsageError extends Error {
  readonly exitCode = EXIT_CODES.badInput;
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}
