// placeholder: kernels land here
export const __placeholder_im2col = 0;
