// `await init()`: the one asynchronous step a browser needs before using the
// library -- compile the kernel module (fetched from a URL, or given as bytes
// or a compiled module) and start the worker threads. Under Node it is
// optional (the module loads synchronously on first use) and harmless.
import { platform } from '#platform';
import { configureRuntime, runtime } from '../runtime/runtime.js';
import { initWasm, wasm, wasmReady } from './module.js';
import { prepareThreads } from './threads.js';

/** Where the kernel module comes from. */
export type WasmSource = URL | string | ArrayBuffer | Uint8Array | WebAssembly.Module | Response;

export interface InitOptions {
  /**
   * build/xnorkit.wasm: a URL (fetched), its bytes, or a compiled module.
   * Default: Node reads it from the package; a browser fetches
   * `xnorkit.wasm` next to the importing script (import.meta.url).
   */
  wasm?: WasmSource;
  /**
   * Threads to run kernels on (default: runtime().settings.threads). In a
   * browser they are Web Workers over the shared memory and need a
   * cross-origin isolated page (COOP/COEP headers); without it one thread is
   * used, with the same results.
   */
  threads?: number;
}

export interface InitResult {
  /** Threads kernels will use. */
  threads: number;
  /** Whether threads can share memory here (false on a page without COOP/COEP). */
  sharedMemory: boolean;
}

/** Compiles a module from any WasmSource. */
export async function compileWasm(src: WasmSource): Promise<WebAssembly.Module> {
  if (src instanceof WebAssembly.Module) return src;
  if (src instanceof ArrayBuffer || src instanceof Uint8Array) return WebAssembly.compile(src as BufferSource);
  const res = typeof Response !== 'undefined' && src instanceof Response ? src : await fetch(src as URL | string);
  if (!res.ok) throw new Error(`init: fetching the kernel module failed: ${res.status} ${res.statusText} (${res.url})`);
  return WebAssembly.compile(await res.arrayBuffer());
}

export async function init(opts: InitOptions = {}): Promise<InitResult> {
  if (!wasmReady()) {
    if (opts.wasm !== undefined) initWasm(await compileWasm(opts.wasm));
    else if (platform.kernelModuleSync('xnorkit.wasm')) wasm();
    else initWasm(await compileWasm(new URL('xnorkit.wasm', import.meta.url)));
  }
  const want = opts.threads ?? runtime().settings.threads;
  const threads = await prepareThreads(want);
  if (threads !== runtime().settings.threads) configureRuntime({ threads });
  return { threads, sharedMemory: platform.sharedMemory() };
}
