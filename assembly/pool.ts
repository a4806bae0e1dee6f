// Max pooling over NHWC images. Channels are independent, so four channels
// go through the window together in one f32x4 with their argmax in an i32x4.
//
// Tie rule: cells are visited in (kh, kw) order, i.e. by increasing flat index,
// and a cell replaces the running max only when strictly greater, so the first
// (lowest-index) maximum wins. The backward pass routes the gradient to exactly
// that cell. Padding cells are skipped, never compared as zeros or -inf; a
// window with no in-bounds cell (only when padding >= kernel size) yields
// Y = 0 and argmax = -1, which the backward pass ignores.

// Max over one window for the G*4 channels (G = 1, 2 or 4, a literal) from
// channel c. Tracks the winning cell as its element offset from the first
// in-bounds cell, splatted, and turns it into flat indices once at the end.
@inline function poolVectors(G: i32, X: usize, first: i32, c: i32, khN: i32, kwN: i32, rowStep: i32, C: i32,
  y: usize, am: usize): void {
  const p0 = X + (<usize>(first + c) << 2);
  let b0 = v128.load(p0), b1 = G > 1 ? v128.load(p0, 16) : b0;
  let b2 = G > 2 ? v128.load(p0, 32) : b0, b3 = G > 2 ? v128.load(p0, 48) : b0;
  let i0 = i32x4.splat(0), i1 = i0, i2 = i0, i3 = i0;
  for (let kh = 0; kh < khN; kh++) {
    let off = kh * rowStep;
    for (let kw = 0; kw < kwN; kw++) {
      const p = p0 + (<usize>off << 2);
      const cur = i32x4.splat(off);
      // pmax(b, v) = b < v ? v : b: the same strict comparison as the mask.
      const v0 = v128.load(p);
      i0 = v128.bitselect(cur, i0, f32x4.gt(v0, b0));
      b0 = f32x4.pmax(b0, v0);
      if (G > 1) {
        const v1 = v128.load(p, 16);
        i1 = v128.bitselect(cur, i1, f32x4.gt(v1, b1));
        b1 = f32x4.pmax(b1, v1);
      }
      if (G > 2) {
        const v2 = v128.load(p, 32);
        i2 = v128.bitselect(cur, i2, f32x4.gt(v2, b2));
        b2 = f32x4.pmax(b2, v2);
        const v3 = v128.load(p, 48);
        i3 = v128.bitselect(cur, i3, f32x4.gt(v3, b3));
        b3 = f32x4.pmax(b3, v3);
      }
      off += C;
    }
  }
  const base = i32x4.add(i32x4.splat(first + c), i32x4(0, 1, 2, 3));
  const o = <usize>c << 2;
  v128.store(y + o, b0);
  v128.store(am + o, i32x4.add(i0, base));
  if (G > 1) {
    v128.store(y + o, b1, 16);
    v128.store(am + o, i32x4.add(i1, i32x4.add(base, i32x4.splat(4))), 16);
  }
  if (G > 2) {
    v128.store(y + o, b2, 32);
    v128.store(am + o, i32x4.add(i2, i32x4.add(base, i32x4.splat(8))), 32);
    v128.store(y + o, b3, 48);
    v128.store(am + o, i32x4.add(i3, i32x4.add(base, i32x4.splat(12))), 48);
  }
}

export function maxPool2dForward(X: usize, N: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32,
  SH: i32, SW: i32, PT: i32, PL: i32, OH: i32, OW: i32, Y: usize, argmax: usize): void {
  const rowStep = W * C;
  const pixBytes = <usize>C << 2;
  let y = Y, am = argmax;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const ih0 = oh * SH - PT;
      const khLo = max(0, -ih0), khN = min(KH, H - ih0) - khLo;
      for (let ow = 0; ow < OW; ow++) {
        const iw0 = ow * SW - PL;
        const kwLo = max(0, -iw0), kwN = min(KW, W - iw0) - kwLo;
        if (khN <= 0 || kwN <= 0) {
          memory.fill(y, 0, pixBytes);
          memory.fill(am, 0xff, pixBytes);
        } else {
          // Flat X index of channel 0 of the first in-bounds cell.
          const first = ((n * H + ih0 + khLo) * W + iw0 + kwLo) * C;
          let c = 0;
          for (; c + 16 <= C; c += 16) poolVectors(4, X, first, c, khN, kwN, rowStep, C, y, am);
          for (; c + 8 <= C; c += 8) poolVectors(2, X, first, c, khN, kwN, rowStep, C, y, am);
          for (; c + 4 <= C; c += 4) poolVectors(1, X, first, c, khN, kwN, rowStep, C, y, am);
          for (; c < C; c++) {
            let best = load<f32>(X + (<usize>(first + c) << 2));
            let bestIdx = first + c;
            for (let kh = 0; kh < khN; kh++) {
              let idx = first + kh * rowStep + c;
              for (let kw = 0; kw < kwN; kw++) {
                const v = load<f32>(X + (<usize>idx << 2));
                if (v > best) {
                  best = v;
                  bestIdx = idx;
                }
                idx += C;
              }
            }
            store<f32>(y + (<usize>c << 2), best);
            store<i32>(am + (<usize>c << 2), bestIdx);
          }
        }
        y += pixBytes;
        am += pixBytes;
      }
    }
  }
}

export function maxPool2dBackward(dY: usize, argmax: usize, ySize: i32, dX: usize, xSize: i32): void {
  memory.fill(dX, 0, <usize>xSize << 2);
  const end = <usize>ySize << 2;
  for (let i: usize = 0; i < end; i += 4) {
    const a = load<i32>(argmax + i);
    if (a >= 0) {
      const p = dX + (<usize>a << 2);
      store<f32>(p, load<f32>(p) + load<f32>(dY + i));
    }
  }
}

/**
 * maxPool2dBackward for windows that never overlap (SH >= KH, SW >= KW): each
 * cell of dX belongs to at most one window, so every dX element is written
 * once — the window's gradient where the cell is its argmax, else 0 — with no
 * zero fill first and no scattered read-modify-write. Per window and four
 * channels the argmax and gradient are loaded once and each of the window's
 * cells is stored from them. Rows and columns outside every window (gaps of
 * a stride > pool, what 'valid' leaves over, empty padded windows) get 0.
 * The gradient is written as 0 + dY, the value the scatter's fill-and-add
 * leaves (−0 becomes +0), so both give the same bits.
 */
export function maxPool2dBackwardDisjoint(dY: usize, argmax: usize, N: i32, H: i32, W: i32, C: i32,
  KH: i32, KW: i32, SH: i32, SW: i32, PT: i32, PL: i32, OH: i32, OW: i32, dX: usize): void {
  const pixBytes = <usize>C << 2;
  const rowBytes = <usize>W * pixBytes;
  const zero = f32x4.splat(0);
  for (let n = 0; n < N; n++) {
    const img = dX + <usize>n * <usize>H * rowBytes;
    let rowsDone = 0; // rows [0, rowsDone) of this image are written
    for (let oh = 0; oh < OH; oh++) {
      const r0 = max(oh * SH - PT, 0), r1 = min(oh * SH - PT + KH, H);
      if (r0 >= r1) continue;
      if (r0 > rowsDone) memory.fill(img + <usize>rowsDone * rowBytes, 0, <usize>(r0 - rowsDone) * rowBytes);
      rowsDone = r1;
      let colsDone = 0; // columns [0, colsDone) of rows [r0, r1) are written
      for (let ow = 0; ow < OW; ow++) {
        const q0 = max(ow * SW - PL, 0), q1 = min(ow * SW - PL + KW, W);
        if (q0 >= q1) continue;
        if (q0 > colsDone) zeroColumns(img, r0, r1, colsDone, q0, rowBytes, pixBytes);
        colsDone = q1;
        const o = <usize>(((n * OH + oh) * OW + ow) * C) << 2; // byte offset of the window in dY and argmax
        const g = dY + o, a = argmax + o;
        // Flat index of the window's first cell, channel 0, as the forward counts.
        const first = ((n * H + r0) * W + q0) * C;
        const cell0 = img + (<usize>(r0 * W + q0) * pixBytes);
        let c = 0;
        if (r1 - r0 == 2 && q1 - q0 == 2) {
          // A whole 2x2 window, the usual pool, unrolled: cells at 0, C, W·C, W·C + C.
          const down = W * C;
          const down4 = <usize>down << 2;
          const iRight = i32x4.splat(C), iDown = i32x4.splat(down), iDiag = i32x4.splat(down + C);
          let idx = i32x4.add(i32x4.splat(first), i32x4(0, 1, 2, 3));
          for (; c + 4 <= C; c += 4) {
            const b = <usize>c << 2;
            const am = v128.load(a + b);
            const gv = f32x4.add(zero, v128.load(g + b));
            const p = cell0 + b;
            v128.store(p, v128.and(gv, i32x4.eq(am, idx)));
            v128.store(p + pixBytes, v128.and(gv, i32x4.eq(am, i32x4.add(idx, iRight))));
            v128.store(p + down4, v128.and(gv, i32x4.eq(am, i32x4.add(idx, iDown))));
            v128.store(p + down4 + pixBytes, v128.and(gv, i32x4.eq(am, i32x4.add(idx, iDiag))));
            idx = i32x4.add(idx, i32x4.splat(4));
          }
        }
        for (; c + 4 <= C; c += 4) {
          const b = <usize>c << 2;
          const am = v128.load(a + b);
          const gv = f32x4.add(zero, v128.load(g + b));
          const idx0 = i32x4.add(i32x4.splat(first + c), i32x4(0, 1, 2, 3));
          for (let r = 0; r < r1 - r0; r++) {
            for (let q = 0; q < q1 - q0; q++) {
              const off = (r * W + q) * C;
              const mine = i32x4.eq(am, i32x4.add(idx0, i32x4.splat(off)));
              v128.store(cell0 + (<usize>(off + c) << 2), v128.and(gv, mine));
            }
          }
        }
        for (; c < C; c++) {
          const b = <usize>c << 2;
          const am = load<i32>(a + b);
          const gv = <f32>0 + load<f32>(g + b);
          for (let r = 0; r < r1 - r0; r++) {
            for (let q = 0; q < q1 - q0; q++) {
              const off = (r * W + q) * C;
              store<f32>(cell0 + (<usize>(off + c) << 2), am == first + off + c ? gv : <f32>0);
            }
          }
        }
      }
      if (colsDone < W) zeroColumns(img, r0, r1, colsDone, W, rowBytes, pixBytes);
    }
    if (rowsDone < H) memory.fill(img + <usize>rowsDone * rowBytes, 0, <usize>(H - rowsDone) * rowBytes);
  }
}

// Zeroes columns [q0, q1) of rows [r0, r1) of one image.
@inline function zeroColumns(img: usize, r0: i32, r1: i32, q0: i32, q1: i32, rowBytes: usize, pixBytes: usize): void {
  for (let r = r0; r < r1; r++) memory.fill(img + <usize>r * rowBytes + <usize>q0 * pixBytes, 0, <usize>(q1 - q0) * pixBytes);
}
