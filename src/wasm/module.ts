// Loads build/xnorkit.wasm once per process (or per worker) against one shared
// linear memory. Node loads synchronously so that library users never have to
// await an init call; browsers call `initWasm(bytes)` first.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { KernelExports } from './kernels.js';

const PAGE = 65536;
/** wasm32 ceiling; shared memories must declare a maximum. */
export const MAX_PAGES = 65536;

let exportsCache: KernelExports | null = null;
let memoryCache: WebAssembly.Memory | null = null;
let moduleCache: WebAssembly.Module | null = null;

export function wasmPath(): string {
  return fileURLToPath(new URL('../../build/xnorkit.wasm', import.meta.url));
}

function readModule(): WebAssembly.Module {
  if (moduleCache) return moduleCache;
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(readFileSync(wasmPath()));
  } catch {
    throw new Error(`xnorkit: kernel module not found at ${wasmPath()}; run "npm run build" (npm install runs it too)`);
  }
  moduleCache = new WebAssembly.Module(bytes);
  return moduleCache;
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
