// Max pooling over NHWC images. Channels are independent, so four channels
// go through the window together in one f32x4 with their argmax in an i32x4.
//
// Tie rule: cells are visited in (kh, kw) order, i.e. by increasing flat index,
// and a cell replaces the running max only when strictly greater, so the first
// (lowest-index) maximum wins. The backward pass routes the gradient to exactly
// that cell. Padding cells are skipped, never compared as zeros or -inf; a
// window with no in-bounds cell (only when padding >= kernel size) yields
// Y = 0 and argmax = -1, which the backward pass ignores.

export function maxPool2dForward(X: usize, N: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32,
  SH: i32, SW: i32, PT: i32, PL: i32, OH: i32, OW: i32, Y: usize, argmax: usize): void {
  const C4 = C & ~3;
  const lanes = i32x4(0, 1, 2, 3);
  let y = Y, am = argmax;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const ih0 = oh * SH - PT;
      const khLo = max(0, -ih0), khHi = min(KH, H - ih0);
      for (let ow = 0; ow < OW; ow++) {
        const iw0 = ow * SW - PL;
        const kwLo = max(0, -iw0), kwHi = min(KW, W - iw0);
        if (khHi <= khLo || kwHi <= kwLo) {
          memory.fill(y, 0, <usize>C << 2);
          memory.fill(am, 0xff, <usize>C << 2);
          y += <usize>C << 2;
          am += <usize>C << 2;
          continue;
        }
        // Flat X index of channel 0 of the first in-bounds cell.
        const first = ((n * H + ih0 + khLo) * W + iw0 + kwLo) * C;
        const rowStep = W * C;
        let c = 0;
        for (; c < C4; c += 4) {
          let best = v128.load(X + (<usize>(first + c) << 2));
          let bestIdx = i32x4.add(i32x4.splat(first + c), lanes);
          for (let kh = khLo; kh < khHi; kh++) {
            let idx = first + (kh - khLo) * rowStep + c;
            for (let kw = kwLo; kw < kwHi; kw++) {
              const v = v128.load(X + (<usize>idx << 2));
              const gt = f32x4.gt(v, best);
              best = v128.bitselect(v, best, gt);
              bestIdx = v128.bitselect(i32x4.add(i32x4.splat(idx), lanes), bestIdx, gt);
              idx += C;
            }
          }
          v128.store(y + (<usize>c << 2), best);
          v128.store(am + (<usize>c << 2), bestIdx);
        }
        for (; c < C; c++) {
          let best = load<f32>(X + (<usize>(first + c) << 2));
          let bestIdx = first + c;
          for (let kh = khLo; kh < khHi; kh++) {
            let idx = first + (kh - khLo) * rowStep + c;
            for (let kw = kwLo; kw < kwHi; kw++) {
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
        y += <usize>C << 2;
        am += <usize>C << 2;
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
