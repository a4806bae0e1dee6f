// Bit-packed (XNOR-popcount) kernels as plain functions on packed operands.
export * from './pack.js';
export * from './output.js';
export * from './conv.js';
export * from './dense.js';
export { OUT_INT, OUT_FLOAT, OUT_BITS, ACC_SATURATE, ACC_WRAP } from '../../wasm/binaryKernels.js';
