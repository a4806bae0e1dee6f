// Allocator for tensors in WASM linear memory. Training allocates the same
// sizes every step, so freed blocks go to exact-size free lists and are reused
// as they are: after the first step of an epoch the heap stops growing, which
// is what makes "memory after epoch 5 equals epoch 1" hold. Blocks are 64-byte
// aligned (a cache line, and v128 loads never straddle it).
import { wasm, wasmMemory, PAGE_BYTES } from './module.js';

const ALIGN = 64;

let heapStart = -1;
let heapTop = 0;
const sizeOf = new Map<number, number>();
const freeLists = new Map<number, number[]>();
let inUse = 0;
let highWater = 0;
let buffer: ArrayBufferLike | null = null;

function init(): void {
  if (heapStart >= 0) return;
  heapStart = wasm().heapBase();
  heapTop = heapStart;
}

function roundUp(bytes: number): number {
  return Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
}

function ensureCapacity(end: number): void {
  const mem = wasmMemory();
  const have = mem.buffer.byteLength;
  if (end <= have) return;
  // Grow geometrically so that a growing batch size does not grow page by page.
  const want = Math.max(end, Math.min(have * 2, have + (512 << 20)));
  const pages = Math.ceil((want - have) / PAGE_BYTES);
  try {
    mem.grow(pages);
  } catch {
    const minPages = Math.ceil((end - have) / PAGE_BYTES);
    try {
      mem.grow(minPages);
    } catch {
      throw new Error(`xnorkit: out of WASM memory: need ${(end / 2 ** 20).toFixed(0)} MiB of linear memory (limit 4096 MiB)`);
    }
  }
  buffer = null;
}

/** Allocates `bytes` bytes (contents undefined) and returns the byte offset. */
export function alloc(bytes: number): number {
  init();
  const size = roundUp(bytes);
  const list = freeLists.get(size);
  let ptr: number;
  if (list && list.length > 0) {
    ptr = list.pop()!;
  } else {
    ptr = heapTop;
    ensureCapacity(ptr + size);
    heapTop = ptr + size;
  }
  sizeOf.set(ptr, size);
  inUse += size;
  if (inUse > highWater) highWater = inUse;
  return ptr;
}

/** Allocates and zero-fills. */
export function allocZeroed(bytes: number): number {
  const ptr = alloc(bytes);
  new Uint8Array(heap(), ptr, roundUp(bytes)).fill(0);
  return ptr;
}

export function free(ptr: number): void {
  const size = sizeOf.get(ptr);
  if (size === undefined) throw new Error(`xnorkit: free of unknown pointer ${ptr} (double free?)`);
  sizeOf.delete(ptr);
  inUse -= size;
  let list = freeLists.get(size);
  if (!list) freeLists.set(size, (list = []));
  list.push(ptr);
}

/** The current backing buffer (changes when memory grows). */
export function heap(): ArrayBufferLike {
  if (buffer === null || buffer.byteLength !== wasmMemory().buffer.byteLength) buffer = wasmMemory().buffer;
  return buffer;
}

export function f32View(ptr: number, length: number): Float32Array {
  return new Float32Array(heap(), ptr, length);
}
export function i32View(ptr: number, length: number): Int32Array {
  return new Int32Array(heap(), ptr, length);
}
export function f64View(ptr: number, length: number): Float64Array {
  return new Float64Array(heap(), ptr, length);
}
export function u32View(ptr: number, length: number): Uint32Array {
  return new Uint32Array(heap(), ptr, length);
}
export function u8View(ptr: number, length: number): Uint8Array {
  return new Uint8Array(heap(), ptr, length);
}

export interface MemoryStats {
  /** Bytes held by live allocations. */
  bytesInUse: number;
  /** Largest bytesInUse seen. */
  highWaterBytes: number;
  /** Bytes between the heap base and the bump pointer (live + free-listed). */
  heapBytes: number;
  /** Size of linear memory. */
  linearMemoryBytes: number;
  liveBlocks: number;
}

export function memoryStats(): MemoryStats {
  init();
  return {
    bytesInUse: inUse,
    highWaterBytes: highWater,
    heapBytes: heapTop - heapStart,
    linearMemoryBytes: wasmMemory().buffer.byteLength,
    liveBlocks: sizeOf.size,
  };
}

/**
 * A reusable scratch block for kernel workspaces (packing buffers): grows to
 * the largest request and is never freed. One per key so that concurrent
 * users (threads) never share one.
 */
const scratchBlocks = new Map<string, { ptr: number; size: number }>();
export function scratch(bytes: number, key = 'main'): number {
  const cur = scratchBlocks.get(key);
  if (cur && cur.size >= bytes) return cur.ptr;
  if (cur) free(cur.ptr);
  const size = roundUp(Math.max(bytes, cur ? cur.size * 2 : 0));
  const ptr = alloc(size);
  scratchBlocks.set(key, { ptr, size });
  return ptr;
}
