/*
 * dist.h -- work across MPI ranks: `mpirun -n N cospin ...` (doc/cluster.md).
 *
 * dist.c is the only file that includes mpi.h.  Built without MPI
 * (configure --without-mpi) every function below is the one-process case:
 * rank 0 of 1, broadcasts and barriers do nothing, gathers and reductions
 * copy, and the point-to-point calls are never reached (they need a second
 * rank).
 *
 * MPI is process-wide by nature, like the logger: cospin_dist_init() starts
 * it when a launcher (mpirun, mpiexec, srun) started this process, and from
 * then on every function works on MPI_COMM_WORLD.  A program that merely
 * links libcospin, or initialises MPI itself, sees one rank: cospin spreads
 * work only when its own cospin_dist_init() started MPI.
 *
 * Every call must come from the thread that called cospin_dist_init()
 * (MPI_THREAD_FUNNELED); worker threads never call MPI.  Waiting is lazy:
 * the calls poll with short sleeps (at most COSPIN_DIST_NAP_MAX_S) instead
 * of MPI's busy-waiting, so a rank that waits leaves its core to the ranks
 * and threads that compute, which matters when ranks share cores.
 *
 * Errors: MPI's default handler ends the whole job on a communication
 * failure; the functions return 0, or COSPIN_ERR_INVALID for a count beyond
 * MPI's int range.
 */
#ifndef COSPIN_DIST_H
#define COSPIN_DIST_H

#include <stddef.h>

#include "cospin.h"

/* Longest sleep between two polls of a wait, s: the added latency of a
   message is at most this, small against any work item (milliseconds or
   more). */
#define COSPIN_DIST_NAP_MAX_S 1e-3

/*
 * Start MPI (thread level FUNNELED) if this process was started by an MPI
 * launcher (OpenMPI's mpirun sets OMPI_COMM_WORLD_SIZE, PMIx launchers
 * PMIX_RANK, MPICH's and Slurm's PMI launchers PMI_RANK) and cospin was
 * built with MPI; otherwise do nothing.  COSPIN_MPI=0 in the environment
 * keeps MPI off even then.  argc/argv are MPI_Init's.  Call once, first
 * thing in main().  Returns 0, or COSPIN_ERR_INTERNAL with err set when MPI
 * cannot give the thread level.  Built without MPI, a launch with more than
 * one process is COSPIN_ERR_INVALID (each would run the whole command and
 * write the same files), unless COSPIN_MPI=0.
 */
int cospin_dist_init(int *argc, char ***argv, struct cospin_error *err);

/* End MPI if cospin_dist_init() started it (after the last call below). */
void cospin_dist_finalize(void);

/* 1 when this build has MPI (configure found it), else 0. */
int cospin_dist_built(void);

/* This process's rank (0 without MPI) and the number of ranks (1 without). */
int cospin_dist_rank(void);
int cospin_dist_size(void);

/*
 * Solo (on nonzero): until it is turned off again, this process acts as the
 * only rank (rank 0 of 1), so that rank 0 can run a command or an
 * experiment alone while the other ranks wait, even when that work calls
 * functions that spread their work over the ranks (a characterisation
 * inside `cospin demo`).  Turn it on and off between collectives, in the
 * thread that called cospin_dist_init().
 */
void cospin_dist_solo(int on);

/* Ranks on this node (they share its cores; 1 without MPI). */
int cospin_dist_local_size(void);

/* End every rank of the job with this message (logged as an error first). */
void cospin_dist_abort(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * Sleep *nap_s seconds (start it at 0: the first nap is the shortest), then
 * double it up to COSPIN_DIST_NAP_MAX_S: for polling loops of the caller's
 * own (probe, check local work, nap).
 */
void cospin_dist_nap(double *nap_s);

/* ---- collectives: every rank calls them, in the same order ---------------------- */

int cospin_dist_barrier(void);

/* v[0..n) of rank root into v of every rank. */
int cospin_dist_bcast_doubles(double *v, size_t n, int root);
int cospin_dist_bcast_longs(long *v, size_t n, int root);
int cospin_dist_bcast_bytes(void *v, size_t n, int root);

/* Each rank's send[0..n) into recv[r*n .. r*n+n) at root (recv: n * size
   values, needed only at root; NULL elsewhere). */
int cospin_dist_gather_doubles(const double *send, size_t n, double *recv, int root);
int cospin_dist_gather_longs(const long *send, size_t n, long *recv, int root);

enum cospin_dist_op { COSPIN_DIST_SUM, COSPIN_DIST_MIN, COSPIN_DIST_MAX };

/* Element-wise op over the ranks' send[0..n) into recv at root (root < 0:
   at every rank).  recv may equal send. */
int cospin_dist_reduce_doubles(const double *send, double *recv, size_t n,
                               enum cospin_dist_op op, int root);
int cospin_dist_reduce_longs(const long *send, long *recv, size_t n, enum cospin_dist_op op,
                             int root);

/*
 * Agree on the outcome of a step that every rank ran: returns the status of
 * the lowest rank whose status is nonzero (0 when all are 0), and copies
 * that rank's error into *err on every rank (err may be NULL).  A message
 * from a rank other than 0 is prefixed with "rank R" so the user learns
 * which one failed.
 */
int cospin_dist_agree(int status, struct cospin_error *err);

/*
 * Name the rank in a failure of work it did for the others: rc nonzero
 * gives *e a message (the code's text when it has none) prefixed with
 * "rank R".  Returns rc.
 */
int cospin_dist_name_rank(struct cospin_error *e, int rc, int rank);

/* ---- point to point: tags are the caller's (0 .. 32767) -------------------------- */

/* Send v[0..n) to rank dest (returns when the buffer may be reused). */
int cospin_dist_send_longs(const long *v, size_t n, int dest, int tag);
int cospin_dist_send_bytes(const void *v, size_t n, int dest, int tag);

/*
 * Without waiting: 1 if a message from source (-1: any) with tag (-1: any)
 * has arrived, with its source, tag and size in bytes; else 0.
 */
int cospin_dist_probe(int source, int tag, int *src_out, int *tag_out, size_t *bytes_out);

/* Receive the next message from source with tag into v (room for cap
   values), waiting lazily; *n receives the count.  A longer message is
   COSPIN_ERR_INVALID. */
int cospin_dist_recv_longs(long *v, size_t cap, int source, int tag, size_t *n);
int cospin_dist_recv_bytes(void *v, size_t cap, int source, int tag, size_t *n);

/* ---- files (dist_dir.c) ------------------------------------------------------------ */

/*
 * Send every regular file under dir (recursively; none when dir does not
 * exist; names starting with '.' skipped) to rank dest with tag, for
 * cospin_dist_recv_dir at dest.  Returns 0, or the status of a file that
 * could not be read (the receiver gets the same status and error).
 */
int cospin_dist_send_dir(const char *dir, int dest, int tag, struct cospin_error *err);

/* The same for the files and directories names[0 .. n) of dir (relative
   paths; the absent ones are skipped). */
int cospin_dist_send_paths(const char *dir, const char *const *names, size_t n, int dest, int tag,
                           struct cospin_error *err);

/*
 * Receive what cospin_dist_send_dir sent from source with tag into dir
 * (created as needed), each file written to a temporary and renamed when
 * complete (output.h); dir NULL receives and drops everything.  Returns 0,
 * the sender's failure, or a write error.
 */
int cospin_dist_recv_dir(const char *dir, int source, int tag, struct cospin_error *err);

/* Create a private scratch directory "$TMPDIR/cospin-rank<R>-XXXXXX" (TMPDIR
   default /tmp) into buf of size n; remove it and its contents again with
   cospin_dist_scratch_remove (NULL or "" is a no-op). */
int cospin_dist_scratch(char *buf, size_t n, struct cospin_error *err);
void cospin_dist_scratch_remove(const char *dir);

#endif
