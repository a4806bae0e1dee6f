// The roofline probes (assembly/roofline-probes.ts): their list and their
// compilation, shared by bench/roofline.ts and its test.
import asc from 'assemblyscript/asc';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Probe = (n: number, k: number | bigint) => bigint;
export interface ProbeSpec {
  name: string;
  what: string;
  /** Operations per loop iteration: chains x statements per chain. */
  perIteration: number;
  /** The probe's second argument (f32 or i64). */
  k: number | bigint;
}
export const PROBES: ProbeSpec[] = [
  { name: 'addChain', what: 'dependent i64 add (the clock)', perIteration: 16, k: 3n },
  { name: 'f32x4Mul', what: 'f32x4.mul', perIteration: 24, k: 1 },
  { name: 'f32x4Add', what: 'f32x4.add', perIteration: 24, k: 0 },
  { name: 'v128Xor', what: 'v128.xor', perIteration: 24, k: 0x5555n },
  { name: 'i8x16XorPopcnt', what: 'v128.xor + i8x16.popcnt + i8x16.add', perIteration: 16, k: 0x5555n },
  { name: 'i64Xor', what: 'i64.xor', perIteration: 16, k: 0x5555n },
  { name: 'i64XorPopcnt', what: 'i64.xor + i64.popcnt + i64.add', perIteration: 16, k: 0x5555n },
  { name: 'i8x16LoadAdd', what: 'v128.load (L1) + i8x16.add', perIteration: 12, k: 0 },
];

/** The probes, and the module's memory (i8x16LoadAdd reads its first 16 KiB; zeros unless written). */
export async function compileProbes(): Promise<{ probes: Record<string, Probe>; memory: WebAssembly.Memory }> {
  const source = readFileSync(join(import.meta.dirname, '..', 'assembly', 'roofline-probes.ts'), 'utf8');
  const out = await asc.compileString(source, { optimizeLevel: 0, runtime: 'stub', noAssert: true, enable: ['simd'] });
  if (out.error || !out.binary) throw new Error(`compiling assembly/roofline-probes.ts failed: ${out.error?.message}\n${out.stderr.toString()}`);
  const instance = await WebAssembly.instantiate(await WebAssembly.compile(new Uint8Array(out.binary)));
  // i8x16LoadAdd reads 16 KiB from address 0
  const memory = instance.exports.memory as WebAssembly.Memory;
  if (memory.buffer.byteLength < 1 << 16) memory.grow(1);
  const probes: Record<string, Probe> = {};
  for (const p of PROBES) {
    const f = instance.exports[p.name];
    if (typeof f !== 'function') throw new Error(`assembly/roofline-probes.ts does not export ${p.name}`);
    probes[p.name] = f as Probe;
  }
  return { probes, memory };
}
