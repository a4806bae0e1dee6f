// A DatasetError is the user's problem, not ours: a missing, corrupt or
// mis-shaped data file. The CLI prints its message alone (no stack trace) and
// exits non-zero, so the message must say which file and what to do.
export class DatasetError extends Error {
  override name = 'DatasetError';
  /** Lets the CLI tell user errors from bugs without importing every error class. */
  readonly userError = true;
}
