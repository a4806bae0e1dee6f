// Entry of the kernel module (build/xnorkit.wasm). Every kernel family lives in
// its own file; this file only re-exports them. Kernels take raw byte offsets
// into linear memory (owned and allocated by the JS side, see src/wasm/) and
// never allocate themselves, so the module needs no GC and can share its memory
// with worker threads.
export { heapBase } from "./memory";
export * from "./sgemm";
export * from "./sgemmSparse";
export * from "./im2col";
export * from "./pool";
export * from "./batchnorm";
export * from "./elementwise";
export * from "./bitpack";
export * from "./bgemm";
export * from "./bconv";
export * from "./quantize";
export * from "./gaussian";
export * from "./infer-simd";
