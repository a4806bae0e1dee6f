// The typed surface of the bit-packed (XNOR-popcount) kernels in
// assembly/bitpack.ts, bgemm.ts and bconv.ts. Pointers are byte offsets.
export interface BinaryKernels {}
