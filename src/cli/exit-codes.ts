/** Every exit code kaic uses, in one table (docs/decisions/0002-exit-codes.md, 0005-validate-hardening.md). */
export const EXIT = {
  ok: 0,
  /** Findings at error level, or a check that failed. */
  fail: 1,
  /** Bad usage or unreadable input. */
  badInput: 2,
  /** A run that could not reach a verdict for everything it was asked (NOT-RUN, ERROR). */
  incomplete: 3,
  interrupted: 130,
  /** A bug in kaic (an unexpected exception), never a verdict on the input: "this is a kaic bug". */
  internal: 70,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A user error: printed as one line, with exit code 2 unless said otherwise. No stack trace. */
export class UsageError extends Error {
  constructor(message: string, readonly exitCode: ExitCode = EXIT.badInput) {
    super(message);
  }
}
