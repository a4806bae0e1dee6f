// Light data augmentation for training batches: random translations by a few
// pixels (edge pixels repeat into the vacated border, which on MNIST-like
// images is the background) and, for natural images, random horizontal
// flips. Applied in place to an NHWC batch with the epoch's augmentation Rng,
// so a run stays a function of its seed. Digits must not be flipped; the
// recipe decides which datasets get flips.
import type { Rng } from '../tensor/random.js';

export interface AugmentOptions {
  /** Largest shift in pixels along each axis (uniform in -shift..shift); 0 disables. */
  shift: number;
  /** Mirror half of the images left-right (natural images only). */
  flip: boolean;
}

export const NO_AUGMENT: AugmentOptions = { shift: 0, flip: false };

export function describeAugment(a: AugmentOptions): string {
  const parts = [a.shift > 0 ? `random shifts up to ±${a.shift} px` : '', a.flip ? 'horizontal flips' : ''].filter(Boolean);
  return parts.length > 0 ? parts.join(' + ') : 'none';
}

export function checkAugment(a: AugmentOptions): AugmentOptions {
  if (!Number.isInteger(a.shift) || a.shift < 0 || a.shift > 8) throw new RangeError(`augment: shift must be an integer in 0..8, got ${a.shift}`);
  return a;
}

/**
 * Augments `n` images of `h`×`w`×`c` in `data` (NHWC) in place. Each image
 * draws its shift (dy, dx) and flip from rng in that order; the draws do not
 * depend on the pixel values.
 */
export function augmentBatch(data: Float32Array, n: number, h: number, w: number, c: number, opts: AugmentOptions, rng: Rng): void {
  if (opts.shift === 0 && !opts.flip) return;
  const size = h * w * c;
  if (data.length < n * size) throw new RangeError(`augmentBatch: ${data.length} values cannot hold ${n} images of ${h}x${w}x${c}`);
  const tmp = new Float32Array(size);
  const s = opts.shift;
  for (let i = 0; i < n; i++) {
    const dy = s > 0 ? rng.int(2 * s + 1) - s : 0;
    const dx = s > 0 ? rng.int(2 * s + 1) - s : 0;
    const flip = opts.flip && rng.uniform() < 0.5;
    if (dy === 0 && dx === 0 && !flip) continue;
    const img = data.subarray(i * size, (i + 1) * size);
    tmp.set(img);
    for (let y = 0; y < h; y++) {
      // Output (y, x) reads input (y - dy, x' - dx) clamped to the image, x' mirrored when flipping.
      const sy = Math.min(h - 1, Math.max(0, y - dy));
      for (let x = 0; x < w; x++) {
        const fx = flip ? w - 1 - x : x;
        const sx = Math.min(w - 1, Math.max(0, fx - dx));
        const from = (sy * w + sx) * c;
        const to = (y * w + x) * c;
        for (let k = 0; k < c; k++) img[to + k] = tmp[from + k];
      }
    }
  }
}
