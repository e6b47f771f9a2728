/*
 * blas.h -- the few dense kernels cospin needs: GEMM in single precision
 * (the trainer) and double precision (the sparse crossbar solver's effective
 * matrices) through CBLAS (OpenBLAS, when configure defined HAVE_CBLAS) or a
 * plain-C fallback.  All matrices are row-major.
 */
#ifndef COSPIN_BLAS_H
#define COSPIN_BLAS_H

#include <stddef.h>

/*
 * C = alpha * op(A) * op(B) + beta * C, row-major, float32.
 * op(A) is m x k (A is m x k with lda >= k when !trans_a, k x m with
 * lda >= m when trans_a); op(B) is k x n likewise; C is m x n with
 * ldc >= n.  beta == 0 overwrites C without reading it.
 */
void cospin_sgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
                  const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c,
                  size_t ldc);

/*
 * C = alpha * op(A) * op(B) + beta * C, row-major, float64; arguments as for
 * cospin_sgemm.
 */
void cospin_dgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, double alpha,
                  const double *a, size_t lda, const double *b, size_t ldb, double beta,
                  double *c, size_t ldc);

/* "openblas" or "plain-C", for provenance and benchmark reports. */
const char *cospin_blas_name(void);

/*
 * Limit the BLAS to nthreads threads (0 = leave its default).  No-op for
 * the plain-C fallback.
 */
void cospin_blas_set_threads(int nthreads);

#endif
