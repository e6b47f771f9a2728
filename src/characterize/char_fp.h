/*
 * char_fp.h -- the Fokker-Planck engine of the characterisation: the points
 * of a grid computed from the Fokker-Planck equation of m_z
 * (fokker_planck.h) instead of by trials.  Internal to the characterize
 * layer (char_run.c dispatches to it); the on-demand evaluation of one
 * setting is public (cospin_char_fp_setting in characterize.h).
 */
#ifndef COSPIN_CHAR_FP_H
#define COSPIN_CHAR_FP_H

#include <stddef.h>

#include "characterize.h"

/* Called (in the calling thread) as the points [first, first + n) are finished
   (a curve's points together). */
typedef void (*cospin_char_fp_done_fn)(void *ctx, size_t first, size_t n);
/* Polled between curves; nonzero stops the run. */
typedef int (*cospin_char_fp_stop_fn)(void *ctx);

/*
 * Refuse, before any work, a device the engine cannot represent: builds and
 * frees a workspace at each of the nkus anisotropies kus (J/m^3) with o's
 * device and discretisation.  Returns 0, or COSPIN_ERR_INVALID with a
 * message that names the engine, the reason and the Monte Carlo engines
 * to use instead; COSPIN_ERR_NOMEM.
 */
int cospin_char_fp_check(const struct cospin_char_opts *o, const double *kus, size_t nkus,
                         struct cospin_error *err);

/*
 * Compute the n points pts (in/out: width, Ku and current in; trials and
 * switched set to 0 and p_sw to the probability) with o's device,
 * relaxation and discretisation.  Consecutive points with the same (Ku,
 * width) form one curve (one cospin_fp_curve call); one workspace per run
 * of equal Ku.  done() is called for each finished curve, stop(ctx)
 * (may be NULL) is polled between curves.  Returns 0,
 * COSPIN_ERR_INTERRUPTED when stop() said so (the points reported done
 * are complete), COSPIN_ERR_INVALID / COSPIN_ERR_NOMEM from the engine.
 */
int cospin_char_fp_run(const struct cospin_char_opts *o, struct cospin_char_point *pts, size_t n,
                       cospin_char_fp_done_fn done, cospin_char_fp_stop_fn stop, void *ctx,
                       struct cospin_error *err);

#endif
