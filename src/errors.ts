// The library's error types. Every error that is the user's to fix (a bad
// option, a file xnorkit cannot read, a model that cannot be exported, data
// with the wrong shape) is an XnorkitError subclass with a message that says
// what is wrong and what to do; anything else that escapes is a bug. The CLI
// maps these to exit codes and flag names (src/cli/errors.ts); the library
// never names a CLI flag.

/** Base of every error the user can fix; `name` is the subclass's name. */
export class XnorkitError extends Error {
  /** Lets callers tell user errors from bugs without importing every class. */
  readonly userError = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An option, argument or configuration value that is not valid. */
export class ConfigError extends XnorkitError {}

/** Tensor or data shapes that do not fit together. */
export class ShapeError extends XnorkitError {}

/** A missing, corrupt or mis-shaped data file (images, labels). */
export class DatasetError extends XnorkitError {}

/** A model or training-state file (or a description read from one) that xnorkit cannot use. */
export class ModelFormatError extends XnorkitError {}

/** A model that the packed inference format cannot represent. */
export class CompileError extends XnorkitError {}

/**
 * A NaN or infinite value where a number is needed: in the input data, the
 * loss, or a variable after an optimizer step. The message names the tensor
 * or the batch.
 */
export class NumericError extends XnorkitError {}

/** A run folder that another running process holds (its lock names it). */
export class RunFolderError extends XnorkitError {}

/** Something this platform cannot do (a file path in a browser, threads without cross-origin isolation), or `init()` not awaited. */
export class PlatformError extends XnorkitError {}
/** A distributed run that cannot go on: the queue's Redis cannot be reached, a job failed every attempt, shards do not fit together. */
export class ClusterError extends XnorkitError {}

export function isXnorkitError(e: unknown): e is XnorkitError {
  return e instanceof XnorkitError;
}

const BY_NAME: Record<string, new (message: string) => XnorkitError> = {
  XnorkitError, ConfigError, ShapeError, DatasetError, ModelFormatError, CompileError, NumericError, RunFolderError, PlatformError, ClusterError,
};

/**
 * An error that crossed a thread or process boundary as plain data (name,
 * message, stack), rebuilt so that a user error is still an XnorkitError.
 */
export function rebuildError(e: { name: string; message: string; stack?: string; userError?: boolean }): Error {
  let err: Error;
  if (e.userError) {
    const Cls = BY_NAME[e.name] ?? XnorkitError;
    err = new Cls(e.message);
    err.name = e.name;
  } else {
    err = new Error(e.message);
    err.name = e.name;
  }
  if (e.stack) err.stack = e.stack;
  return err;
}
