// placeholder: kernels land here
export const __placeholder_bconv = 0;
