// placeholder: kernels land here
export const __placeholder_batchnorm = 0;
