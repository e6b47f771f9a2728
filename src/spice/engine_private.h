/*
 * engine_private.h -- what the worker pool (pool.c) needs of engine.c
 * beyond the public engine API.  Internal to the spice layer.
 */
#ifndef COSPIN_ENGINE_PRIVATE_H
#define COSPIN_ENGINE_PRIVATE_H

#include <stddef.h>

#include "engine.h"

/*
 * In a freshly forked worker: forget the engine inherited from the parent
 * (it belongs to the parent), so the worker can create its own.  If the
 * parent had initialised ngspice, the worker reuses that copied instance.
 */
void cospin_engine_forget_parent(void);

/* Nonzero once ngSpice_Init has run in this process. */
int cospin_engine_ngspice_initialised(void);

/* Entries of a NULL-terminated list (0 for NULL). */
size_t cospin_engine_count_list(const char *const *list);

/* Check a stream job's arguments (NULLs, sizes, names): 0 or COSPIN_ERR_INVALID. */
int cospin_engine_stream_check(const struct cospin_stream_job *job, const double *results,
                               struct cospin_error *err);

#endif
