// The browser (and Deno, and any web-style runtime) implementation of the
// platform boundary (src/platform/types.ts): no file system, kernel workers
// are Web Workers started asynchronously by `init()`, and threads share
// memory only when the page is cross-origin isolated (COOP/COEP headers).
import { PlatformError } from '../errors.js';
import type { KernelWorker, KernelWorkerInit, Platform } from './types.js';

export type { KernelWorker, KernelWorkerInit, Platform, TerminalBar } from './types.js';

const g = globalThis as unknown as { crossOriginIsolated?: boolean; document?: unknown; navigator?: { hardwareConcurrency?: number } };

function noFiles(what: string): never {
  throw new PlatformError(`${what}: there is no file system in a browser; pass the bytes (ArrayBuffer / Uint8Array) or a URL instead`);
}

export const platform: Platform = {
  name: 'browser',
  syncWorkers: false,
  // Atomics.wait throws on a page's main thread; workers may block.
  canBlock: () => g.document === undefined,
  sharedMemory: () => g.crossOriginIsolated === true,
  processors: () => g.navigator?.hardwareConcurrency ?? 1,
  kernelModuleSync: () => null,

  startKernelWorker(source: string, init: KernelWorkerInit): KernelWorker {
    // The body runs after the start message: instantiate, say ready, then serve the mailbox.
    const script = `self.onmessage = (e) => { self.onmessage = null; const workerInit = e.data;\n${source.replace('/*READY*/', 'postMessage("ready");')}\n};`;
    const url = URL.createObjectURL(new Blob([script], { type: 'text/javascript' }));
    const worker = new Worker(url);
    const ready = new Promise<void>((resolve, reject) => {
      worker.onmessage = () => resolve();
      worker.onerror = (e) => reject(new PlatformError(`kernel worker failed to start: ${e.message}`));
    });
    worker.postMessage(init);
    void ready.finally(() => URL.revokeObjectURL(url)).catch(() => {});
    return { ready, terminate: () => worker.terminate() };
  },

  readFile: (path) => noFiles(`reading ${path}`),
  writeFileAtomic: (path) => noFiles(`writing ${path}`),
  exists: () => false,
  isDirectory: () => false,
  fileSize: (path) => noFiles(`reading ${path}`),
  joinPath: (...parts) => parts.filter((p) => p !== '').join('/').replace(/\/+/g, '/'),
  packageDir: () => null,
  gunzip() {
    throw new PlatformError('gzip data cannot be decompressed synchronously in a browser; use fetchBytes (which decompresses) or pass raw bytes');
  },
  yieldTask: () => new Promise<void>((resolve) => setTimeout(resolve, 0)),
  logLine: (line) => console.log(line),
  isTerminal: () => false,
  terminalBar: () => null,
};
