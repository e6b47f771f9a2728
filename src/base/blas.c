/*
 * blas.c -- cospin_sgemm and cospin_dgemm through CBLAS, or plain-C GEMMs
 * (cache-blocked for single precision).
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "blas.h"

#ifdef HAVE_CBLAS
#include <cblas.h>
#endif

#ifndef HAVE_CBLAS
/* Block sizes of the fallback: a KB x NB panel of B (256 x 256 floats = 256 KiB) stays in L2. */
#define FB_KB 256
#define FB_NB 256

/* Element (i, j) of op(X) for a row-major X with leading dimension ld. */
static inline float op_at(const float *x, size_t ld, int trans, size_t i, size_t j)
{
    return trans ? x[j * ld + i] : x[i * ld + j];
}

/*
 * The fallback: scale C by beta, then accumulate alpha op(A) op(B) in
 * k/n blocks with an i-k-j inner order so the innermost loop is a
 * contiguous axpy over a row of C (vectorisable) whenever B is not
 * transposed; a transposed B is first copied into a contiguous panel.
 */
static void plain_sgemm(int ta, int tb, size_t m, size_t n, size_t k, float alpha,
                        const float *a, size_t lda, const float *b, size_t ldb, float beta,
                        float *c, size_t ldc)
{
    for (size_t i = 0; i < m; i++) {
        float *ci = c + i * ldc;
        if (beta == 0.0f)
            memset(ci, 0, n * sizeof *ci);
        else if (beta != 1.0f)
            for (size_t j = 0; j < n; j++)
                ci[j] *= beta;
    }
    if (k == 0 || alpha == 0.0f)
        return;
    float *panel = malloc((size_t)FB_KB * FB_NB * sizeof *panel);
    for (size_t k0 = 0; k0 < k; k0 += FB_KB) {
        size_t kb = k - k0 < FB_KB ? k - k0 : FB_KB;
        for (size_t j0 = 0; j0 < n; j0 += FB_NB) {
            size_t nb = n - j0 < FB_NB ? n - j0 : FB_NB;
            const float *bp;
            size_t ldp;
            if (panel) {
                for (size_t p = 0; p < kb; p++)
                    for (size_t j = 0; j < nb; j++)
                        panel[p * FB_NB + j] = op_at(b, ldb, tb, k0 + p, j0 + j);
                bp = panel;
                ldp = FB_NB;
            } else if (!tb) {
                bp = b + k0 * ldb + j0;
                ldp = ldb;
            } else {
                /* Out of memory for the panel and B transposed: the slow exact path. */
                for (size_t i = 0; i < m; i++)
                    for (size_t j = 0; j < nb; j++) {
                        float s = 0.0f;
                        for (size_t p = 0; p < kb; p++)
                            s += op_at(a, lda, ta, i, k0 + p) * op_at(b, ldb, tb, k0 + p, j0 + j);
                        c[i * ldc + j0 + j] += alpha * s;
                    }
                continue;
            }
            for (size_t i = 0; i < m; i++) {
                float *restrict ci = c + i * ldc + j0;
                for (size_t p = 0; p < kb; p++) {
                    float aip = alpha * op_at(a, lda, ta, i, k0 + p);
                    if (aip == 0.0f)
                        continue;
                    const float *restrict bpp = bp + p * ldp;
                    for (size_t j = 0; j < nb; j++)
                        ci[j] += aip * bpp[j];
                }
            }
        }
    }
    free(panel);
}
#endif

void cospin_sgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
                  const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c,
                  size_t ldc)
{
    if (m == 0 || n == 0)
        return;
#ifdef HAVE_CBLAS
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k, alpha, a, (int)lda, b,
                (int)ldb, beta, c, (int)ldc);
#else
    plain_sgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
#endif
}

#ifndef HAVE_CBLAS
/*
 * The double-precision fallback: an i-p-j loop whose inner loop is a
 * contiguous axpy over a row of C when B is not transposed.  Its users
 * multiply matrices of at most a few thousand rows once per weight set or
 * batch, so it is not blocked.
 */
static void plain_dgemm(int ta, int tb, size_t m, size_t n, size_t k, double alpha,
                        const double *a, size_t lda, const double *b, size_t ldb, double beta,
                        double *c, size_t ldc)
{
    for (size_t i = 0; i < m; i++) {
        double *ci = c + i * ldc;
        for (size_t j = 0; j < n; j++)
            ci[j] = beta == 0.0 ? 0.0 : beta * ci[j];
        for (size_t p = 0; p < k && alpha != 0.0; p++) {
            double aip = alpha * (ta ? a[p * lda + i] : a[i * lda + p]);
            if (aip == 0.0)
                continue;
            for (size_t j = 0; j < n; j++)
                ci[j] += aip * (tb ? b[j * ldb + p] : b[p * ldb + j]);
        }
    }
}
#endif

void cospin_dgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, double alpha,
                  const double *a, size_t lda, const double *b, size_t ldb, double beta,
                  double *c, size_t ldc)
{
    if (m == 0 || n == 0)
        return;
#ifdef HAVE_CBLAS
    cblas_dgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k, alpha, a, (int)lda, b,
                (int)ldb, beta, c, (int)ldc);
#else
    plain_dgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
#endif
}

const char *cospin_blas_name(void)
{
#ifdef HAVE_CBLAS
    return "openblas";
#else
    return "plain-C";
#endif
}

void cospin_blas_set_threads(int nthreads)
{
#ifdef HAVE_CBLAS
    if (nthreads > 0)
        openblas_set_num_threads(nthreads);
#else
    (void)nthreads;
#endif
}
