// Larq's FlipRatio metric: the mean, over updates, of the share of elements
// whose (int8-cast) value changed since the previous update. A reset (each
// epoch) zeroes the running mean but keeps the previous values, so the first
// update after a reset compares against them yet is not counted — exactly as
// Larq does, so the numbers are comparable. The previous values live in
// linear memory so that the signs of weights (which live there too) are
// compared by a SIMD kernel, not element by element in JavaScript.
import { wasm } from '../wasm/module.js';
import { allocZeroed, free, heap } from '../wasm/memory.js';

// Frees the block of a FlipRatio that was never disposed once it is collected.
const unreleased = new FinalizationRegistry<number>((ptr) => free(ptr));

export class FlipRatio {
  private previousPtr = 0;
  private previousLength = -1;
  private total = 0;
  private count = 0;

  /** Feeds the current values (cast to int8 by truncation, as Larq's values_dtype="int8"). */
  update(values: ArrayLike<number>): void {
    const prev = this.previousOf(values.length);
    let unchanged = 0;
    for (let i = 0; i < values.length; i++) {
      const v = (values[i] << 24) >> 24;
      if (prev[i] === v) unchanged++;
      prev[i] = v;
    }
    this.count_(unchanged, values.length);
  }

  /**
   * Feeds Larq's sign (+1 for x >= 0, −1 below) of several arrays taken as one
   * vector — the binary weights of a model — without concatenating them.
   */
  updateSigns(chunks: readonly ArrayLike<number>[]): void {
    const n = chunks.reduce((a, c) => a + c.length, 0);
    const prev = this.previousOf(n);
    let unchanged = 0;
    let o = 0;
    const buffer = heap();
    if (chunks.every((c) => c instanceof Float32Array && c.buffer === buffer)) {
      for (const c of chunks as readonly Float32Array[]) {
        unchanged += wasm().signFlipsUnchanged(c.byteOffset, c.length, this.previousPtr + o);
        o += c.length;
      }
      this.count_(unchanged, n);
      return;
    }
    for (const c of chunks) {
      for (let i = 0; i < c.length; i++, o++) {
        const v = c[i] >= 0 ? 1 : -1;
        if (prev[o] === v) unchanged++;
        prev[o] = v;
      }
    }
    this.count_(unchanged, n);
  }

  result(): number {
    return this.count > 1 ? this.total / (this.count - 1) : 0;
  }

  /** Number of updates counted since the last reset (the first one is not). */
  get steps(): number {
    return Math.max(0, this.count - 1);
  }

  reset(): void {
    this.total = 0;
    this.count = 0;
  }

  /** Frees the previous values (an optimizer's dispose() calls this); the next update starts afresh. */
  dispose(): void {
    if (this.previousPtr) {
      unreleased.unregister(this);
      free(this.previousPtr);
    }
    this.previousPtr = 0;
    this.previousLength = -1;
  }

  // The previous values (zeros when n changed), as a view made now: linear memory may have grown since.
  private previousOf(n: number): Int8Array {
    if (this.previousLength !== n) {
      this.dispose();
      this.previousPtr = allocZeroed(Math.max(n, 1));
      this.previousLength = n;
      unreleased.register(this, this.previousPtr, this);
    }
    return new Int8Array(heap(), this.previousPtr, n);
  }

  private count_(unchanged: number, n: number): void {
    const ratio = n === 0 ? 0 : 1 - unchanged / n;
    if (this.count > 0) this.total += ratio;
    this.count++;
  }
}
