// Larq's FlipRatio metric: the mean, over updates, of the share of elements
// whose (int8-cast) value changed since the previous update. A reset (each
// epoch) zeroes the running mean but keeps the previous values, so the first
// update after a reset compares against them yet is not counted — exactly as
// Larq does, so the numbers are comparable.
export class FlipRatio {
  private previous: Int8Array | null = null;
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

  private previousOf(n: number): Int8Array {
    if (!this.previous || this.previous.length !== n) this.previous = new Int8Array(n);
    return this.previous;
  }

  private count_(unchanged: number, n: number): void {
    const ratio = n === 0 ? 0 : 1 - unchanged / n;
    if (this.count > 0) this.total += ratio;
    this.count++;
  }
}
