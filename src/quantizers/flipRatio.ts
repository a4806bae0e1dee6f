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
    if (!this.previous || this.previous.length !== values.length) this.previous = new Int8Array(values.length);
    const prev = this.previous;
    let unchanged = 0;
    for (let i = 0; i < values.length; i++) {
      const v = (values[i] << 24) >> 24;
      if (prev[i] === v) unchanged++;
      prev[i] = v;
    }
    const ratio = values.length === 0 ? 0 : 1 - unchanged / values.length;
    if (this.count > 0) this.total += ratio;
    this.count++;
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
}
