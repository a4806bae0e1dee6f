// Loads build/xnorkit.wasm once per process (or per worker) against one shared
// linear memory. Node loads synchronously so that library users never have to
// await an init call; browsers `await init()` first (src/wasm/init.ts).
import { platform } from '#platform';
import { PlatformError } from '../errors.js';
import type { KernelExports } from './kernels.js';

const PAGE = 65536;
/** wasm32 ceiling; shared memories must declare a maximum. */
export const MAX_PAGES = 65536;

let exportsCache: KernelExports | null = null;
let memoryCache: WebAssembly.Memory | null = null;
let moduleCache: WebAssembly.Module | null = null;

function readModule(): WebAssembly.Module {
  if (moduleCache) return moduleCache;
  const m = platform.kernelModuleSync('xnorkit.wasm');
  if (!m) throw new PlatformError('xnorkit: the kernel module is not loaded; `await init()` (from xnorkit) before using the library in a browser');
  moduleCache = m;
  return m;
}

/** Instantiates the kernel module. Workers pass the main thread's module and memory. */
export function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as KernelExports;
}

/** Explicit initialisation, for browsers or for reusing a compiled module. */
export function initWasm(module: WebAssembly.Module, initialPages = 256): void {
  if (exportsCache) return;
  moduleCache = module;
  memoryCache = new WebAssembly.Memory({ initial: initialPages, maximum: MAX_PAGES, shared: true });
  exportsCache = instantiate(module, memoryCache);
}

/** True once the kernel module is instantiated. */
export function wasmReady(): boolean {
  return exportsCache !== null;
}

/** The kernel exports, instantiating on first use (Node only). */
export function wasm(): KernelExports {
  if (!exportsCache) initWasm(readModule());
  return exportsCache!;
}

export function wasmMemory(): WebAssembly.Memory {
  if (!memoryCache) wasm();
  return memoryCache!;
}

export function wasmModule(): WebAssembly.Module {
  if (!moduleCache) wasm();
  return moduleCache!;
}

export const PAGE_BYTES = PAGE;
