// Errors that are the user's to fix (bad option, missing dataset, corrupt
// file) are printed as one line without a stack trace; anything else is a bug
// and keeps its stack.
export class UsageError extends Error {
  override name = 'UsageError';
}

const USER_ERRORS = new Set(['UsageError', 'DatasetError', 'ShapeError', 'ModelFormatError', 'ConfigError']);

export function isUserError(e: unknown): e is Error {
  return e instanceof Error && USER_ERRORS.has(e.name);
}

export function reportAndExit(e: unknown): never {
  if (isUserError(e)) {
    process.stderr.write(`xnorkit: ${e.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`xnorkit: internal error: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
}
