// Errors that are the user's to fix (bad option, missing dataset, corrupt
// file: the library's XnorkitError family, src/errors.ts) are printed as one
// line without a stack trace; anything else is a bug and keeps its stack.
import { XnorkitError } from '../errors.js';

/** A command-line usage mistake (an option the CLI itself rejects). */
export class UsageError extends XnorkitError {}

export function isUserError(e: unknown): e is Error {
  // Also an XnorkitError of another copy of the module (e.g. dist/ reached through
  // '#platform' when the CLI runs from source): it carries userError = true.
  return e instanceof XnorkitError || (e instanceof Error && (e as { userError?: unknown }).userError === true);
}

export function reportAndExit(e: unknown): never {
  if (isUserError(e)) {
    process.stderr.write(`xnorkit: ${e.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`xnorkit: internal error: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
}
