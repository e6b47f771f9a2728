/*
 * output.h -- output files written atomically.
 *
 * An output file being written goes to a temporary "<dir>/.<name>.XXXXXX"
 * and is renamed to "<dir>/<name>" by cospin_output_commit; an abort (or a
 * failed commit) removes the temporary.  So a failed or interrupted run
 * never leaves a half-written output file.
 */
#ifndef COSPIN_OUTPUT_H
#define COSPIN_OUTPUT_H

#include <stdio.h>

#include "cospin.h"

struct cospin_output {
    FILE *fp;             /* write here */
    char tmp_path[1024];
    char final_path[1024];
};

/* Open dir/name for writing (through a temporary).  COSPIN_ERR_IO on failure. */
int cospin_output_open(struct cospin_output *o, const char *dir, const char *name,
                       struct cospin_error *err);

/* Close and rename into place.  COSPIN_ERR_IO (and the temporary removed) on failure. */
int cospin_output_commit(struct cospin_output *o, struct cospin_error *err);

/* Close and remove the temporary.  Safe on an unopened or committed output. */
void cospin_output_abort(struct cospin_output *o);

/*
 * Create directory `dir` and its missing parents (mode 0777 & ~umask).
 * Sets *created to 1 if dir itself did not exist before (so a failed run can
 * rmdir it), else 0; created may be NULL.  COSPIN_ERR_IO on failure.
 */
int cospin_output_mkdir(const char *dir, int *created, struct cospin_error *err);

#endif
