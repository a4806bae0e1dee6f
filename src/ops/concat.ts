// Concatenation along the last (channel) axis, and its gradient (the slices).
import { Tensor } from '../tensor/tensor.js';
import { ShapeError, shapeStr } from '../tensor/shape.js';
import { record, accumulateGrad } from '../autograd/graph.js';

export function concatLastAxis(xs: Tensor[]): Tensor {
  if (xs.length === 0) throw new ShapeError('concat: no tensors');
  const lead = xs[0].shape.slice(0, -1);
  for (const x of xs) {
    if (x.rank !== xs[0].rank || x.shape.slice(0, -1).some((d, i) => d !== lead[i])) {
      throw new ShapeError(`concat: shapes ${xs.map((t) => shapeStr(t.shape)).join(', ')} differ outside the last axis`);
    }
  }
  const widths = xs.map((x) => x.shape[x.rank - 1]);
  const total = widths.reduce((a, b) => a + b, 0);
  const rows = lead.reduce((a, b) => a * b, 1);
  const out = new Tensor([...lead, total]);
  const od = out.data;
  let off = 0;
  xs.forEach((x, k) => {
    const w = widths[k], xd = x.data;
    for (let r = 0; r < rows; r++) od.set(xd.subarray(r * w, (r + 1) * w), r * total + off);
    off += w;
  });
  return record(out, 'concat', xs, (g) => {
    let o = 0;
    xs.forEach((x, k) => {
      const w = widths[k];
      const dx = new Tensor(x.shape);
      const dd = dx.data, gd = g.data;
      for (let r = 0; r < rows; r++) dd.set(gd.subarray(r * total + o, r * total + o + w), r * w);
      o += w;
      accumulateGrad(x, dx);
    });
  });
}
