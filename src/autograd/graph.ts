// Reverse-mode autograd in the style of micrograd: every op output remembers
// its parents and a closure that turns the output's gradient into gradients of
// the parents. backward() sorts the graph topologically and runs the closures
// in reverse. Each op's gradient lives next to the op, in src/ops/.
import { Tensor, type GradNode } from '../tensor/tensor.js';
import { wasm } from '../wasm/module.js';

export type { GradNode };

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn without recording the graph (evaluation, optimizer updates). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** True when an op with these inputs must record its backward. */
export function needsGrad(...inputs: (Tensor | null | undefined)[]): boolean {
  if (!gradEnabled) return false;
  for (const t of inputs) if (t?.requiresGrad) return true;
  return false;
}

/** Attaches a backward closure to `out` if any parent requires a gradient. */
export function record(out: Tensor, op: string, parents: Tensor[], backward: (gradOut: Tensor) => void): Tensor {
  if (needsGrad(...parents)) {
    out.requiresGrad = true;
    out.node = { op, parents, backward };
  }
  return out;
}

const ownedGrads = new WeakSet<Tensor>();

/**
 * Adds g to t.grad. Takes ownership of g unless g already is some tensor's
 * gradient (then it is copied), so closures may pass the same g to several
 * parents.
 */
export function accumulateGrad(t: Tensor, g: Tensor): void {
  if (!t.requiresGrad) return;
  if (g.size !== t.size) {
    throw new Error(`autograd: gradient ${g.describe()} does not match ${t.describe()}`);
  }
  if (t.grad === null) {
    t.grad = ownedGrads.has(g) ? g.clone() : g;
    ownedGrads.add(t.grad);
  } else {
    wasm().add(t.grad.ptr, g.ptr, g.size, t.grad.ptr);
    if (!ownedGrads.has(g)) g.dispose();
  }
}

function topoSort(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  // Iterative DFS: deep nets must not overflow the JS stack.
  const stack: [Tensor, number][] = [[root, 0]];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const parents = t.node ? t.node.parents : [];
    if (i < parents.length) {
      top[1]++;
      const p = parents[i];
      if (p.isDisposed) {
        throw new Error(`backward: ${p.describe()}, an input of ${t.node!.op}, was disposed before backward() ` +
          '(call backward inside the tidy() that built the graph)');
      }
      if (p.requiresGrad && !visited.has(p)) {
        visited.add(p);
        stack.push([p, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order;
}

/**
 * Back-propagates from `loss` (a scalar unless `gradOut` is given). Leaves
 * (tensors with requiresGrad and no node) receive .grad; the gradients of
 * intermediate tensors are freed as soon as they have been used and the graph
 * is released, as in PyTorch without retain_graph.
 */
export function backward(loss: Tensor, gradOut?: Tensor): void {
  if (!loss.requiresGrad) throw new Error('backward: the loss does not depend on any tensor that requires a gradient');
  if (!gradOut && loss.size !== 1) {
    throw new Error(`backward: loss ${loss.describe()} is not a scalar; pass the output gradient`);
  }
  const order = topoSort(loss);
  accumulateGrad(loss, gradOut ? gradOut.clone() : Tensor.full(loss.shape, 1));
  noGrad(() => {
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const node = t.node;
      if (!node) continue;
      const g = t.grad;
      if (g) node.backward(g);
      t.node = null;
      if (g) {
        t.grad = null;
        g.dispose();
      }
    }
  });
}
