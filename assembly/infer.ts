// Standalone inference module (build/xnorkit-infer.wasm): runs a packed
// model file (docs/model-format.md) with no imports at all -- its own
// memory, no abort, no JavaScript -- and no SIMD, so that wasm2c and
// runtimes without SIMD can take it. C-style ABI:
//
//   ptr = alloc(bytes)            memory for the model file (or 0 on failure)
//   status = load_model(ptr, len) parse + verify (CRC) + build; 0 or an error code
//   input_ptr()                   f32 [max_batch(), H, W, C] images to fill
//   status = predict(n)           n <= max_batch() images -> logits and classes
//   output_ptr()                  f32 [n, num_outputs()] logits
//   classes_ptr()                 i32 [n] argmax of each row (first maximum)
//
// Error codes: -1 truncated, -2 not a model file (magic), -3 newer format
// version, -4 checksum mismatch, -5 malformed record, -6 unsupported layer,
// -7 inconsistent shapes, -8 too large, -9 out of memory, -10 no model
// loaded / bad batch size. error_record() names the failing layer record.
// Memory is a bump heap (stub runtime): loading another model allocates anew.
import { planBytes, planBuild, planErrorRecord, P_H, P_W, P_C } from "./infer-plan";
import { planWorkspaceBytes, planRun, planOutputs, planInputs } from "./infer-exec";

const ERR_MEMORY: i32 = -9;
const ERR_STATE: i32 = -10;
/** Images per predict() call: the input and output buffers are sized for this many. */
const MAX_BATCH: i32 = 64;
// sub-batch the layers run on
const SUB_BATCH: i32 = 8;

let plan: usize = 0;
let input: usize = 0;
let output: usize = 0;
let classes: usize = 0;
let workspace: usize = 0;

// @ts-ignore: decorator
@inline function grab(bytes: i64): usize {
  if (bytes < 0 || bytes > 0x7fff0000) return 0;
  return (heap.alloc(<usize>bytes + 64) + 63) & ~63;
}

export function alloc(bytes: i32): usize {
  return bytes < 0 ? 0 : grab(bytes);
}

export function load_model(ptr: usize, len: i32): i32 {
  plan = 0;
  const need = planBytes(ptr, len, true);
  if (need < 0) return need;
  const p = grab(need);
  if (!p) return ERR_MEMORY;
  const st = planBuild(ptr, len, p);
  if (st < 0) return st;
  const ws = planWorkspaceBytes(p, SUB_BATCH);
  if (ws < 0) return ERR_MEMORY;
  input = grab(<i64>MAX_BATCH * planInputs(p) * 4);
  output = grab(<i64>MAX_BATCH * planOutputs(p) * 4);
  classes = grab(<i64>MAX_BATCH * 4);
  workspace = grab(ws);
  if (!input || !output || !classes || !workspace) return ERR_MEMORY;
  plan = p;
  return 0;
}

export function error_record(): i32 {
  return planErrorRecord();
}

export function max_batch(): i32 {
  return MAX_BATCH;
}

export function input_ptr(): usize {
  return input;
}

export function output_ptr(): usize {
  return output;
}

export function classes_ptr(): usize {
  return classes;
}

export function input_height(): i32 {
  return plan ? load<i32>(plan + (P_H << 2)) : 0;
}

export function input_width(): i32 {
  return plan ? load<i32>(plan + (P_W << 2)) : 0;
}

export function input_channels(): i32 {
  return plan ? load<i32>(plan + (P_C << 2)) : 0;
}

export function num_outputs(): i32 {
  return plan ? planOutputs(plan) : 0;
}

export function predict(n: i32): i32 {
  if (!plan || n < 1 || n > MAX_BATCH) return ERR_STATE;
  planRun(plan, input, n, output, workspace, SUB_BATCH);
  const k = planOutputs(plan);
  for (let i = 0; i < n; i++) {
    const row = output + (<usize>(i * k) << 2);
    let best = 0;
    for (let j = 1; j < k; j++) if (load<f32>(row + (<usize>j << 2)) > load<f32>(row + (<usize>best << 2))) best = j;
    store<i32>(classes + (<usize>i << 2), best);
  }
  return 0;
}
