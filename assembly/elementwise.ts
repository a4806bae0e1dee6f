// Element-wise kernels over f32 arrays of n elements. Every loop runs f32x4
// over the bulk and a scalar tail, and reads element i before writing element
// i, which is what lets an output be the same array as an input. The scalar
// tails use the same operations (and the same NaN/-0 behaviour) as the vector
// bodies, so a result never depends on where an element falls.

// Bytes covered by whole f32x4 vectors out of n elements.
@inline function vecBytes(n: i32): usize {
  return <usize>(n & ~3) << 2;
}

export function fill(Y: usize, n: i32, value: f32): void {
  const v = f32x4.splat(value);
  const nv = vecBytes(n), nb = <usize>n << 2;
  let i: usize = 0;
  for (; i < nv; i += 16) v128.store(Y + i, v);
  for (; i < nb; i += 4) store<f32>(Y + i, value);
}

export function add(A: usize, B: usize, n: i32, Y: usize): void {
  const nv = vecBytes(n), nb = <usize>n << 2;
  let i: usize = 0;
  for (; i < nv; i += 16) v128.store(Y + i, f32x4.add(v128.load(A + i), v128.load(B + i)));
  for (; i < nb; i += 4) store<f32>(Y + i, load<f32>(A + i) + load<f32>(B + i));
}

export function sub(A: usize, B: usize, n: i32, Y: usize): void {
  const nv = vecBytes(n), nb = <usize>n << 2;
  let i: usize = 0;
  for (; i < nv; i += 16) v128.store(Y + i, f32x4.sub(v128.load(A + i), v128.load(B + i)));
  for (; i < nb; i += 4) store<f32>(Y + i, load<f32>(A + i) - load<f32>(B + i));
}

export function mul(A: usize, B: usize, n: i32, Y: usize): void {
  const nv = vecBytes(n), nb = <usize>n << 2;
  let i: usize = 0;
  for (; i < nv; i += 16) v128.store(Y + i, f32x4.mul(v128.load(A + i), v128.load(B + i)));
  for (; i < nb; i += 4) store<f32>(Y + i, load<f32>(A + i) * load<f32>(B + i));
}

// Multiply then add, rounded separately (no FMA), so results are reproducible
// in plain JavaScript with Math.fround.
export function affine(X: usize, n: i32, a: f32, b: f32, Y: usize): void {
  const va = f32x4.splat(a), vb = f32x4.splat(b);
  const nv = vecBytes(n), nb = <usize>n << 2;
  let i: usize = 0;
  for (; i < nv; i += 16) v128.store(Y + i, f32x4.add(f32x4.mul(v128.load(X + i), va), vb));
  for (; i < nb; i += 4) store<f32>(Y + i, load<f32>(X + i) * a + b);
}

export function axpy(n: i32, a: f32, X: usize, Y: usize): void {
  const va = f32x4.splat(a);
  const nv = vecBytes(n), nb = <usize>n << 2;
  let i: usize = 0;
  for (; i < nv; i += 16) v128.store(Y + i, f32x4.add(v128.load(Y + i), f32x4.mul(va, v128.load(X + i))));
  for (; i < nb; i += 4) store<f32>(Y + i, load<f32>(Y + i) + a * load<f32>(X + i));
}

export function biasAdd(X: usize, rows: i32, C: i32, b: usize, Y: usize): void {
  // One channel: the bias is a scalar, so run flat instead of one row at a time
  // (x*1 + b is exactly x + b).
  if (C == 1) {
    affine(X, rows, 1, load<f32>(b), Y);
    return;
  }
  const cv = vecBytes(C), cb = <usize>C << 2;
  for (let r = 0; r < rows; r++) {
    let c: usize = 0;
    for (; c < cv; c += 16) v128.store(Y + c, f32x4.add(v128.load(X + c), v128.load(b + c)));
    for (; c < cb; c += 4) store<f32>(Y + c, load<f32>(X + c) + load<f32>(b + c));
    X += cb;
    Y += cb;
  }
}

// x > 0 ? x : 0, as a mask: NaN and -0 both give +0, in both paths.
export function relu(X: usize, n: i32, Y: usize): void {
  const z = f32x4.splat(0);
  const nv = vecBytes(n), nb = <usize>n << 2;
  let i: usize = 0;
  for (; i < nv; i += 16) {
    const x = v128.load(X + i);
    v128.store(Y + i, v128.and(x, f32x4.gt(x, z)));
  }
  for (; i < nb; i += 4) {
    const x = load<f32>(X + i);
    store<f32>(Y + i, x > 0 ? x : 0);
  }
}

export function reluBackward(X: usize, dY: usize, n: i32, dX: usize): void {
  const z = f32x4.splat(0);
  const nv = vecBytes(n), nb = <usize>n << 2;
  let i: usize = 0;
  for (; i < nv; i += 16) v128.store(dX + i, v128.and(v128.load(dY + i), f32x4.gt(v128.load(X + i), z)));
  for (; i < nb; i += 4) store<f32>(dX + i, load<f32>(X + i) > 0 ? load<f32>(dY + i) : 0);
}

// pmax/pmin are single x86 instructions (max/min are not, because of their
// NaN and -0 rules). With the bound as first operand a NaN input yields -1.
export function hardTanh(X: usize, n: i32, Y: usize): void {
  const lo = f32x4.splat(-1), hi = f32x4.splat(1);
  const nv = vecBytes(n), nb = <usize>n << 2;
  let i: usize = 0;
  for (; i < nv; i += 16) v128.store(Y + i, f32x4.pmin(hi, f32x4.pmax(lo, v128.load(X + i))));
  for (; i < nb; i += 4) {
    const x = load<f32>(X + i);
    const t: f32 = <f32>-1 < x ? x : -1;
    store<f32>(Y + i, t < 1 ? t : 1);
  }
}

export function hardTanhBackward(X: usize, dY: usize, n: i32, dX: usize): void {
  const one = f32x4.splat(1);
  const nv = vecBytes(n), nb = <usize>n << 2;
  let i: usize = 0;
  for (; i < nv; i += 16) {
    const inside = f32x4.le(f32x4.abs(v128.load(X + i)), one);
    v128.store(dX + i, v128.and(v128.load(dY + i), inside));
  }
  for (; i < nb; i += 4) store<f32>(dX + i, abs<f32>(load<f32>(X + i)) <= 1 ? load<f32>(dY + i) : 0);
}

// Upper two f32 lanes of v, widened to f64.
@inline function promoteHigh(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
}

// Losses and norms are sums over up to millions of elements: f64 all the way.
export function sum(X: usize, n: i32): f64 {
  let a = f64x2.splat(0), b = f64x2.splat(0);
  const nv = vecBytes(n), nb = <usize>n << 2;
  let i: usize = 0;
  for (; i < nv; i += 16) {
    const v = v128.load(X + i);
    a = f64x2.add(a, f64x2.promote_low_f32x4(v));
    b = f64x2.add(b, promoteHigh(v));
  }
  let s = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1) + f64x2.extract_lane(b, 0) + f64x2.extract_lane(b, 1);
  for (; i < nb; i += 4) s += <f64>load<f32>(X + i);
  return s;
}

// Squares of f32 values are exact in f64 (48 significant bits), so only the
// additions round.
export function sumSquares(X: usize, n: i32): f64 {
  let a = f64x2.splat(0), b = f64x2.splat(0);
  const nv = vecBytes(n), nb = <usize>n << 2;
  let i: usize = 0;
  for (; i < nv; i += 16) {
    const v = v128.load(X + i);
    const lo = f64x2.promote_low_f32x4(v), hi = promoteHigh(v);
    a = f64x2.add(a, f64x2.mul(lo, lo));
    b = f64x2.add(b, f64x2.mul(hi, hi));
  }
  let s = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1) + f64x2.extract_lane(b, 0) + f64x2.extract_lane(b, 1);
  for (; i < nb; i += 4) {
    const x = <f64>load<f32>(X + i);
    s += x * x;
  }
  return s;
}

// Keras Adam with the bias correction folded into lrT by the caller:
// m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g*g; p -= lrT*m / (sqrt(v) + eps).
export function adamUpdate(P: usize, G: usize, M: usize, V: usize, n: i32,
  lrT: f32, beta1: f32, beta2: f32, eps: f32): void {
  const c1: f32 = 1 - beta1, c2: f32 = 1 - beta2;
  const vb1 = f32x4.splat(beta1), vc1 = f32x4.splat(c1);
  const vb2 = f32x4.splat(beta2), vc2 = f32x4.splat(c2);
  const vlr = f32x4.splat(lrT), veps = f32x4.splat(eps);
  const nv = vecBytes(n), nb = <usize>n << 2;
  let i: usize = 0;
  for (; i < nv; i += 16) {
    const g = v128.load(G + i);
    const m = f32x4.add(f32x4.mul(vb1, v128.load(M + i)), f32x4.mul(vc1, g));
    const v = f32x4.add(f32x4.mul(vb2, v128.load(V + i)), f32x4.mul(vc2, f32x4.mul(g, g)));
    v128.store(M + i, m);
    v128.store(V + i, v);
    const step = f32x4.div(f32x4.mul(vlr, m), f32x4.add(f32x4.sqrt(v), veps));
    v128.store(P + i, f32x4.sub(v128.load(P + i), step));
  }
  for (; i < nb; i += 4) {
    const g = load<f32>(G + i);
    const m = beta1 * load<f32>(M + i) + c1 * g;
    const v = beta2 * load<f32>(V + i) + c2 * (g * g);
    store<f32>(M + i, m);
    store<f32>(V + i, v);
    store<f32>(P + i, load<f32>(P + i) - (lrT * m) / (sqrt<f32>(v) + eps));
  }
}

// Keras SGD: v = momentum*v - lr*g; p += v, or p += momentum*v - lr*g with
// Nesterov. momentum == 0 is plain SGD and never touches V (it may be 0).
export function sgdUpdate(P: usize, G: usize, V: usize, n: i32, lr: f32, momentum: f32, nesterov: i32): void {
  if (momentum == 0) {
    axpy(n, -lr, G, P);
    return;
  }
  const vmom = f32x4.splat(momentum), vlr = f32x4.splat(lr);
  const nv = vecBytes(n), nb = <usize>n << 2;
  let i: usize = 0;
  if (nesterov) {
    for (; i < nv; i += 16) {
      const lg = f32x4.mul(vlr, v128.load(G + i));
      const v = f32x4.sub(f32x4.mul(vmom, v128.load(V + i)), lg);
      v128.store(V + i, v);
      v128.store(P + i, f32x4.add(v128.load(P + i), f32x4.sub(f32x4.mul(vmom, v), lg)));
    }
    for (; i < nb; i += 4) {
      const lg = lr * load<f32>(G + i);
      const v = momentum * load<f32>(V + i) - lg;
      store<f32>(V + i, v);
      store<f32>(P + i, load<f32>(P + i) + (momentum * v - lg));
    }
  } else {
    for (; i < nv; i += 16) {
      const v = f32x4.sub(f32x4.mul(vmom, v128.load(V + i)), f32x4.mul(vlr, v128.load(G + i)));
      v128.store(V + i, v);
      v128.store(P + i, f32x4.add(v128.load(P + i), v));
    }
    for (; i < nb; i += 4) {
      const v = momentum * load<f32>(V + i) - lr * load<f32>(G + i);
      store<f32>(V + i, v);
      store<f32>(P + i, load<f32>(P + i) + v);
    }
  }
}
