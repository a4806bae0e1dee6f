// placeholder: kernels land here
export const __placeholder_bitpack = 0;
