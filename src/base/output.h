/*
 * output.h -- output files written atomically: the one way cospin writes a
 * whole file.
 *
 * An output file being written goes to a temporary "<dir>/.<name>.XXXXXX"
 * in the same directory and is renamed to "<dir>/<name>" by
 * cospin_output_commit; an abort (or a failed commit) removes the
 * temporary.  So a failed or interrupted run never leaves a half-written
 * output file, and a reader never sees one.
 *
 * Permissions: every output file is created with mode 0666 & ~umask, as
 * any ordinary file a program creates (0644 under the usual umask 022).
 * The temporary is created with that mode by open(2) itself, so the
 * process umask is never changed (changing it would race with other
 * threads creating files).
 *
 * Files that grow while a run is going on (psw.csv of `cospin
 * characterize`, appended and fsync'ed point by point) are not written
 * through this module while they grow; their final rewrite is.
 */
#ifndef COSPIN_OUTPUT_H
#define COSPIN_OUTPUT_H

#include <stdio.h>

#include "cospin.h"

/* Longest path of an output file (bytes, with the terminating NUL). */
#define COSPIN_OUTPUT_PATH_MAX 4096

/* Flags of cospin_output_open_flags / cospin_output_open_path. */
enum {
    /* fsync the file before it is renamed into place, so that after a
       crash the name holds either the old or the complete new contents
       (results that a rerun resumes from, checkpoints). */
    COSPIN_OUTPUT_FSYNC = 1u
};

struct cospin_output {
    FILE *fp;             /* write here (NULL when not open) */
    unsigned flags;       /* COSPIN_OUTPUT_* */
    char tmp_path[COSPIN_OUTPUT_PATH_MAX];   /* "" when there is no temporary */
    char final_path[COSPIN_OUTPUT_PATH_MAX];
};

/*
 * Open dir/name for writing through a temporary (flags 0).  dir NULL or ""
 * is the current directory; name must not contain '/'.  Returns 0,
 * COSPIN_ERR_INVALID (bad name, path too long) or COSPIN_ERR_IO (the
 * temporary cannot be created; message names the file).  On failure o is
 * left closed (cospin_output_abort is still safe).
 */
int cospin_output_open(struct cospin_output *o, const char *dir, const char *name,
                       struct cospin_error *err);

/* cospin_output_open with COSPIN_OUTPUT_* flags. */
int cospin_output_open_flags(struct cospin_output *o, const char *dir, const char *name,
                             unsigned flags, struct cospin_error *err);

/* The same for a whole path "dir/name" (a path without '/' is in the current directory). */
int cospin_output_open_path(struct cospin_output *o, const char *path, unsigned flags,
                            struct cospin_error *err);

/*
 * Close and rename into place (after an fsync with COSPIN_OUTPUT_FSYNC).
 * A write error on the stream, a failed close, fsync or rename is
 * COSPIN_ERR_IO naming the final path; the temporary is then removed and
 * the final path keeps its old contents (or stays absent).
 */
int cospin_output_commit(struct cospin_output *o, struct cospin_error *err);

/* Close and remove the temporary.  Safe on NULL, an unopened, aborted or committed output. */
void cospin_output_abort(struct cospin_output *o);

/*
 * An output directory held by one run.  Two runs writing into one
 * directory mix their results (run.txt of one, fit.csv of the other), so
 * every command that writes a directory holds it for the whole run:
 * cospin_output_dir_lock creates it if missing and takes an exclusive
 * fcntl(2) lock on the file COSPIN_OUTPUT_LOCK_NAME in it, which holds the
 * holder's pid as text.  The lock belongs to the process: it goes away when
 * the process ends, however it ends (kill -9 included), and forked workers
 * neither hold nor release it.  cospin_output_dir_unlock removes the file,
 * so a finished run leaves nothing behind; a killed run leaves the file
 * unlocked, and the next run takes it over.
 *
 * fcntl locks are per process: a process must hold a directory once (the
 * command line takes the lock once per command, around the whole run), as
 * closing a second descriptor of the file would drop the first one's lock.
 */
struct cospin_output_dir {
    int fd;               /* the open lock file, -1 when not held */
    int created;          /* the directory did not exist before the lock */
    char dir[COSPIN_OUTPUT_PATH_MAX];
    char lock_path[COSPIN_OUTPUT_PATH_MAX];
};

/* The lock file in a held output directory. */
#define COSPIN_OUTPUT_LOCK_NAME ".cospin.lock"

/*
 * Create dir (and its missing parents) if needed and lock it for this
 * process.  Returns 0 with d held; COSPIN_ERR_IO when another process
 * holds it ("DIR: in use by another cospin run (pid N): ...", at once,
 * without waiting) or the directory or lock file cannot be created;
 * COSPIN_ERR_INVALID for an empty or too long name.  On a file system
 * without fcntl locks the run goes on unlocked, with a warning.  On failure
 * d is not held and a directory the call created is removed again.
 */
int cospin_output_dir_lock(struct cospin_output_dir *d, const char *dir,
                           struct cospin_error *err);

/*
 * Release d: remove the lock file and unlock.  With failed nonzero, a
 * directory that the lock created is removed if the run left it empty.
 * Safe on a released or never-held d (fd -1).
 */
void cospin_output_dir_unlock(struct cospin_output_dir *d, int failed);

/*
 * Create directory `dir` and its missing parents (mode 0777 & ~umask).
 * Sets *created to 1 if dir itself did not exist before (so a failed run can
 * rmdir it), else 0; created may be NULL.  COSPIN_ERR_IO on failure.
 */
int cospin_output_mkdir(const char *dir, int *created, struct cospin_error *err);

#endif
