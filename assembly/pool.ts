// placeholder: kernels land here
export const __placeholder_pool = 0;
