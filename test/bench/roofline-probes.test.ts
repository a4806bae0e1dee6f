// The roofline probes (assembly/roofline-probes.ts) must do the work that
// bench/roofline.ts counts: each probe's result is compared with a JavaScript
// model of the same chains (count of chains x statements per iteration equal
// to the spec's perIteration), for a few iterations and awkward operands. A
// probe that lost a chain, ran fewer statements or folded its loop away would
// return something else.
import { describe, it, expect, beforeAll } from 'vitest';
import { compileProbes, PROBES, type Probe } from '../../bench/rooflineProbes.js';

const MASK = (1n << 64n) - 1n;
const u64 = (x: bigint) => x & MASK;
const popcnt64 = (x: bigint) => { let c = 0n; for (let v = u64(x); v; v >>= 1n) c += v & 1n; return c; };
const f32 = Math.fround;
const f32Bits = (x: number) => { const b = new DataView(new ArrayBuffer(4)); b.setFloat32(0, x, true); return b.getUint32(0, true); };
/** i64 lane 0 of a vector whose four f32 lanes all hold the same bits. */
const splatF32Lane0 = (bits: number) => u64((BigInt(bits) << 32n) | BigInt(bits));
/** Bytes of i64x2.splat(v). */
const splatBytes = (v: bigint) => { const b = new Uint8Array(16); const d = new DataView(b.buffer); d.setBigUint64(0, u64(v), true); d.setBigUint64(8, u64(v), true); return b; };
const lane0 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getBigUint64(0, true);
const popcnt8 = (x: number) => { let c = 0; for (let v = x; v; v >>= 1) c += v & 1; return c; };

function spec(name: string) {
  const s = PROBES.find((p) => p.name === name);
  if (!s) throw new Error(`no probe ${name}`);
  return s;
}

describe('roofline probes compute what the bench counts', () => {
  let probes: Record<string, Probe>;
  let memory: WebAssembly.Memory;
  beforeAll(async () => ({ probes, memory } = await compileProbes()));

  it('addChain: 16 dependent adds per iteration', () => {
    expect(spec('addChain').perIteration).toBe(16);
    for (const [n, k] of [[1, 3n], [7, -5n], [5, 1n << 62n]] as const) {
      expect(u64(probes.addChain(n, k))).toBe(u64(k + 16n * BigInt(n) * k));
    }
  });

  it('f32x4Mul and f32x4Add: 12 chains x 2, each product and sum rounded to f32', () => {
    for (const [name, op] of [['f32x4Mul', (a: number, b: number) => f32(a * b)], ['f32x4Add', (a: number, b: number) => f32(a + b)]] as const) {
      expect(spec(name).perIteration).toBe(12 * 2);
      for (const [n, k] of [[1, 1.5], [3, 0.7], [4, -1.25]]) {
        const kf = f32(k);
        let bits = 0;
        for (let i = 0; i < 12; i++) {
          let c = f32(kf + i);
          for (let s = 0; s < 2 * n; s++) c = op(c, kf);
          bits ^= f32Bits(c);
        }
        expect(u64(probes[name](n, k)), `${name}(${n}, ${k})`).toBe(splatF32Lane0(bits >>> 0));
      }
    }
  });

  it('v128Xor and i64Xor: every chain ends where it started after an even number of XORs', () => {
    expect(spec('v128Xor').perIteration).toBe(12 * 2);
    expect(spec('i64Xor').perIteration).toBe(8 * 2);
    const k = 0x0123456789abcdefn;
    let v = 0n, s = 0n;
    for (let i = 0n; i < 12n; i++) v ^= u64(k + i);
    for (let i = 0n; i < 8n; i++) s ^= u64(k + i);
    expect(u64(probes.v128Xor(5, k))).toBe(v);
    expect(u64(probes.i64Xor(5, k))).toBe(s);
  });

  it('i64XorPopcnt: 8 chains x 2 of c += popcnt(c ^ k)', () => {
    expect(spec('i64XorPopcnt').perIteration).toBe(8 * 2);
    for (const [n, k] of [[1, 0x5555n], [6, -1n], [3, 0x0f0f0f0f0f0f0f0fn]] as const) {
      let out = 0n;
      for (let i = 0n; i < 8n; i++) {
        let c = u64(k + i);
        for (let s = 0; s < 2 * n; s++) c = u64(c + popcnt64(c ^ k));
        out ^= c;
      }
      expect(u64(probes.i64XorPopcnt(n, k))).toBe(out);
    }
  });

  it('i8x16XorPopcnt: 8 chains x 2 of c += popcnt8(c ^ k) in byte lanes', () => {
    expect(spec('i8x16XorPopcnt').perIteration).toBe(8 * 2);
    for (const [n, k] of [[1, 0x5555n], [4, 0x7f80ff00123456a5n]] as const) {
      const kb = splatBytes(k);
      const out = new Uint8Array(16);
      for (let i = 0n; i < 8n; i++) {
        const c = splatBytes(k + i);
        for (let s = 0; s < 2 * n; s++) for (let j = 0; j < 16; j++) c[j] = (c[j] + popcnt8(c[j] ^ kb[j])) & 255;
        for (let j = 0; j < 16; j++) out[j] ^= c[j];
      }
      expect(u64(probes.i8x16XorPopcnt(n, k))).toBe(lane0(out));
    }
  });

  it('i8x16LoadAdd: 6 chains x 2 loads per iteration from a 16 KiB window', () => {
    expect(spec('i8x16LoadAdd').perIteration).toBe(6 * 2);
    const mem = new Uint8Array(memory.buffer, 0, 16384 + 256);
    for (let i = 0; i < mem.length; i++) mem[i] = (i * 37 + (i >> 8)) & 255;
    for (const n of [1, 65, 130]) {
      const out = new Uint8Array(16);
      for (let ch = 0; ch < 6; ch++) {
        const c = splatBytes(BigInt(ch));
        for (let it = 0; it < n; it++) {
          const q = (it & 63) << 7;
          for (const off of [16 * ch, 8192 + 16 * ch]) for (let j = 0; j < 16; j++) c[j] = (c[j] + mem[q + off + j]) & 255;
        }
        for (let j = 0; j < 16; j++) out[j] ^= c[j];
      }
      expect(u64(probes.i8x16LoadAdd(n, 0)), `n = ${n}`).toBe(lane0(out));
    }
  });
});
