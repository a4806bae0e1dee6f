// The platform boundary: everything the library needs from its host (files,
// threads, timers, the kernel module's bytes, a terminal) behind one small
// interface. `#platform` (package.json "imports") resolves to node.ts under
// Node and to browser.ts in bundlers' browser builds, so the rest of the
// library imports no Node built-in and bundles for the web unchanged.

/** What a kernel worker is started with: the module, the shared memory, its mailbox. */
export interface KernelWorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  mailbox: SharedArrayBuffer;
  names: string[];
}

export interface KernelWorker {
  /** Resolves when the worker has instantiated the module and waits for tasks. */
  ready: Promise<void>;
  terminate(): void;
}

/** A live progress bar on a terminal (Node only). */
export interface TerminalBar {
  start(total: number, value: number, payload: Record<string, string>): void;
  update(value: number, payload: Record<string, string>): void;
  stop(): void;
}

export interface Platform {
  readonly name: 'node' | 'browser';
  /** True when workers can be started synchronously (Node); browsers start them in `init()`. */
  readonly syncWorkers: boolean;
  /** Whether this thread may block in Atomics.wait (false on a browser's main thread). */
  canBlock(): boolean;
  /** Whether threads can share memory (Node; browsers only when crossOriginIsolated). */
  sharedMemory(): boolean;
  /** Logical processors, for defaults. */
  processors(): number;
  /** The compiled kernel module when it can be loaded synchronously (Node), else null. */
  kernelModuleSync(file: 'xnorkit.wasm'): WebAssembly.Module | null;
  /** Starts a kernel worker running `source` (the body of a worker, see src/wasm/threads.ts). */
  startKernelWorker(source: string, init: KernelWorkerInit): KernelWorker;
  readFile(path: string): Uint8Array;
  writeFileAtomic(path: string, data: string | Uint8Array): void;
  exists(path: string): boolean;
  isDirectory(path: string): boolean;
  fileSize(path: string): number;
  joinPath(...parts: string[]): string;
  /** The folder of an installed npm package (Node module resolution), or null. */
  packageDir(name: string): string | null;
  gunzip(bytes: Uint8Array): Uint8Array;
  /** Returns to the event loop (timers, I/O, signals, messages run). */
  yieldTask(): Promise<void>;
  /** A line of diagnostics (stderr under Node, the console in a browser). */
  logLine(line: string): void;
  isTerminal(): boolean;
  terminalBar(format: string): TerminalBar | null;
}
