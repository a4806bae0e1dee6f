// A simulated chip: one seeded draw of every per-chip perturbation. A chip is
// fully described by its seed, so it serialises to a few numbers and any two
// models evaluated on "chip 7 of seed 1" see the same fabrication errors
// (common random numbers): every draw is keyed by (chip seed, perturbation,
// layer name, variable), never by the order in which a model asks for it.
import { Rng } from '../tensor/random.js';
import type { ChipContext } from '../nn/layer.js';

/** A 32-bit hash of a string mixed into a seed (FNV-1a, then an avalanche step). */
export function hashKey(seed: number, key: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  h = Math.imul(h ^ Math.floor(seed / 2 ** 32), 0x01000193);
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export interface ChipJSON {
  kind: 'xnorkit-chip';
  version: 1;
  seed: number;
  /** Position in the Monte-Carlo population it came from (informative only). */
  index?: number;
}

export class Chip implements ChipContext {
  readonly seed: number;
  readonly index: number | undefined;
  // Temporal noise keeps one stream per key across forward passes, so a
  // layer's noise does not depend on how much noise other layers drew.
  private readonly streams = new Map<string, Rng>();

  constructor(seed: number, index?: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER) {
      throw new Error(`Chip: seed must be a non-negative safe integer, got ${seed}`);
    }
    this.seed = seed;
    this.index = index;
  }

  /** Chip i of a population seeded by `populationSeed`: the same pair always gives the same chip. */
  static nth(populationSeed: number, i: number): Chip {
    return new Chip(hashKey(populationSeed, `chip:${i}`), i);
  }

  /** `count` chips of a population (chip i is the same whatever the count). */
  static population(populationSeed: number, count: number): Chip[] {
    if (!Number.isInteger(count) || count < 1) throw new Error(`Chip.population: count must be a positive integer, got ${count}`);
    return Array.from({ length: count }, (_, i) => Chip.nth(populationSeed, i));
  }

  /** A fresh generator for a fixed draw; calling it twice with the same key gives the same numbers. */
  rng(key: string): Rng {
    return new Rng(hashKey(this.seed, key));
  }

  /** A persistent generator for draws that continue across forward passes (temporal noise). */
  stream(key: string): Rng {
    let r = this.streams.get(key);
    if (!r) {
      r = new Rng(hashKey(this.seed, `stream:${key}`));
      this.streams.set(key, r);
    }
    return r;
  }

  /** Rewinds every stream, so a second evaluation of this chip repeats the first. */
  reset(): void {
    this.streams.clear();
  }

  toJSON(): ChipJSON {
    return { kind: 'xnorkit-chip', version: 1, seed: this.seed, ...(this.index !== undefined ? { index: this.index } : {}) };
  }

  static fromJSON(j: unknown): Chip {
    const o = j as Partial<ChipJSON>;
    if (o?.kind !== 'xnorkit-chip') throw new Error('Chip.fromJSON: not a serialised chip (kind must be "xnorkit-chip")');
    if (o.version !== 1) throw new Error(`Chip.fromJSON: unsupported version ${String(o.version)} (this xnorkit reads version 1)`);
    return new Chip(o.seed as number, o.index);
  }
}

/** Key of a per-chip draw: the same perturbation on same-named layers of two models draws the same numbers. */
export function drawKey(perturbation: string, layerName: string, variable: string): string {
  return `${perturbation}/${layerName}/${variable}`;
}
