// placeholder: kernels land here
export const __placeholder_elementwise = 0;
