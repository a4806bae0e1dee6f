// The runtime context: every setting that changes how (never what) the
// library computes, in one explicit object instead of switches scattered over
// modules. Kernels and ops read `runtime().settings`; a caller changes them
// for the whole process with `configure`, or for the length of a call with
// `withRuntime` (tinygrad's Context; tfjs' env flags). Whatever the settings,
// results are the same bit for bit: threads split work by shape only, the
// XNOR kernels compute the same integers as the float-emulated products, and
// the sparse backward adds the same terms in the same order.

export type BinaryPath = 'auto' | 'scalar' | 'v128' | 'hybrid' | 'csa';

export interface RuntimeSettings {
  /** Threads kernels may use, the caller's included (1 = no workers). */
  readonly threads: number;
  /** Binarized layers' forward products on XNOR-popcount kernels (false: float-emulated ±1 products). */
  readonly xnorKernels: boolean;
  /** conv2d's backward skips the zeros of a sparse output gradient (behind a max-pool). */
  readonly sparseBackward: boolean;
  /** Binary GEMM/conv code path: 'auto' picks per shape on this CPU, or force one. */
  readonly binaryPath: BinaryPath;
}

export const DEFAULT_SETTINGS: RuntimeSettings = Object.freeze({
  threads: 1, xnorKernels: true, sparseBackward: true, binaryPath: 'auto',
});

const BINARY_PATHS: readonly BinaryPath[] = ['auto', 'scalar', 'v128', 'hybrid', 'csa'];

function checked(s: RuntimeSettings): RuntimeSettings {
  if (!Number.isInteger(s.threads) || s.threads < 1 || s.threads > 64) {
    throw new RangeError(`runtime: threads must be an integer in 1..64, got ${s.threads}`);
  }
  if (typeof s.xnorKernels !== 'boolean') throw new TypeError(`runtime: xnorKernels must be true or false, got ${String(s.xnorKernels)}`);
  if (typeof s.sparseBackward !== 'boolean') throw new TypeError(`runtime: sparseBackward must be true or false, got ${String(s.sparseBackward)}`);
  if (!BINARY_PATHS.includes(s.binaryPath)) {
    throw new RangeError(`runtime: binaryPath must be one of ${BINARY_PATHS.join(', ')}, got ${String(s.binaryPath)}`);
  }
  return Object.freeze({ ...s });
}

/** The settings in force plus what the runtime learns about this machine (kernel timings). */
export class Runtime {
  private current: RuntimeSettings;
  /**
   * Measured facts about this CPU, by key (e.g. the fastest binary kernel
   * path per shape class). Filled on first use and reused; they change only
   * speed, never results.
   */
  readonly tuning = new Map<string, unknown>();

  constructor(settings: Partial<RuntimeSettings> = {}) {
    this.current = checked({ ...DEFAULT_SETTINGS, ...settings });
  }

  get settings(): RuntimeSettings {
    return this.current;
  }

  /** Changes settings from now on; returns the previous ones. */
  configure(changes: Partial<RuntimeSettings>): RuntimeSettings {
    const before = this.current;
    this.current = checked({ ...this.current, ...changes });
    return before;
  }

  /** Runs fn with some settings changed, restoring the previous ones afterwards (even on throw). */
  with<T>(changes: Partial<RuntimeSettings>, fn: () => T): T {
    const before = this.configure(changes);
    try {
      return fn();
    } finally {
      this.current = before;
    }
  }

  /**
   * `with` for asynchronous work: the settings hold until the promise
   * settles, for the whole process (other work interleaved at an await sees
   * them too).
   */
  async withAsync<T>(changes: Partial<RuntimeSettings>, fn: () => Promise<T>): Promise<T> {
    const before = this.configure(changes);
    try {
      return await fn();
    } finally {
      this.current = before;
    }
  }
}

// The one runtime of this thread (each worker thread runs kernels only and
// never reads settings). The single piece of process state the library
// keeps besides the WASM memory it allocates from.
const theRuntime = new Runtime();

/** The runtime context of this process. */
export function runtime(): Runtime {
  return theRuntime;
}

/** Shorthand for runtime().with(changes, fn). */
export function withRuntime<T>(changes: Partial<RuntimeSettings>, fn: () => T): T {
  return theRuntime.with(changes, fn);
}

/** Shorthand for runtime().configure(changes). */
export function configureRuntime(changes: Partial<RuntimeSettings>): RuntimeSettings {
  return theRuntime.configure(changes);
}
