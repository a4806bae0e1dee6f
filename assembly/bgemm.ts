// placeholder: kernels land here
export const __placeholder_bgemm = 0;
