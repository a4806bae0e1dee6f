// tidy(): the lifetime rule for tensors in WASM memory. Every tensor created
// inside tidy(fn) is disposed when fn returns, except the tensors fn returns
// (they move to the enclosing scope) and tensors passed to keep(). A training
// step runs inside one tidy, so activations, gradients and temporaries of a
// step are all freed together; parameters and optimizer state are created
// outside any scope or kept.

/** What a scope tracks: a tensor, seen only through what the scope needs (no import of tensor.ts, which imports this file). */
interface Tracked {
  readonly isTensor: true;
  dispose(): void;
}

const scopes: Set<Tracked>[] = [];

/** Called by the Tensor constructor. */
export function track(t: Tracked): void {
  if (scopes.length > 0) scopes[scopes.length - 1].add(t);
}

/** Called when a tensor is disposed explicitly. */
export function untrack(t: Tracked): void {
  for (let i = scopes.length - 1; i >= 0; i--) if (scopes[i].delete(t)) return;
}

/** Removes t from every scope: it lives until t.dispose(). */
export function keep<T extends Tracked>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

function collect(value: unknown, out: Set<Tracked>, seen: Set<unknown>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if ((value as { isTensor?: boolean }).isTensor === true) {
    out.add(value as Tracked);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collect(v, out, seen);
  } else if (value instanceof Map) {
    for (const v of value.values()) collect(v, out, seen);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value as object)) collect(v, out, seen);
  }
}

export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tracked>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  scopes.pop();
  const returned = new Set<Tracked>();
  collect(result, returned, new Set());
  for (const t of scope) {
    if (returned.has(t)) track(t);
    else t.dispose();
  }
  return result;
}
