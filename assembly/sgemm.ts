// Placeholder: naive row-major GEMM. C = alpha * op(A) * op(B) + beta * C.
export function sgemm(transA: i32, transB: i32, M: i32, N: i32, K: i32, alpha: f32,
  A: usize, lda: i32, B: usize, ldb: i32, beta: f32, C: usize, ldc: i32, ws: usize): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let acc: f32 = 0;
      for (let k = 0; k < K; k++) {
        const a = load<f32>(A + (<usize>(transA ? k * lda + i : i * lda + k) << 2));
        const b = load<f32>(B + (<usize>(transB ? j * ldb + k : k * ldb + j) << 2));
        acc += a * b;
      }
      const p = C + (<usize>(i * ldc + j) << 2);
      store<f32>(p, beta == 0 ? alpha * acc : alpha * acc + beta * load<f32>(p));
    }
  }
}

export function sgemmWorkspaceBytes(M: i32, N: i32, K: i32): i32 {
  return 0;
}
