/*
 * pool_wire.h -- the messages between the pool and its worker processes
 * (pool.c).  Internal to the spice layer.
 *
 * A message is a struct msg_header (magic, kind, payload length) followed by
 * the payload: a sequence of little fields written with the cospin_wb_*
 * functions into a growing struct wbuf and read back in the same order with
 * cospin_rb_* from a struct rbuf.  Writers never fail midway: an allocation
 * failure sets wbuf.oom and later writes do nothing.  Readers never read
 * past the payload: a short payload sets rbuf.bad and later reads return
 * zeros/NULL.  Strings and arrays returned by readers are new copies the
 * caller frees.
 */
#ifndef COSPIN_POOL_WIRE_H
#define COSPIN_POOL_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "cospin.h"

/* Upper bound on a message (bytes): catches corrupt length prefixes. */
#define MSG_MAX_BYTES ((uint64_t)1 << 34)

enum msg_kind { MSG_SIM_JOB = 1, MSG_STREAM_JOB = 2, MSG_SIM_RESULT = 3, MSG_STREAM_RESULT = 4 };

#define MSG_MAGIC 0x4e505343u   /* "CSPN" */

struct msg_header {
    uint32_t magic;
    uint32_t kind;
    uint64_t len;   /* payload bytes that follow */
};

struct wbuf {
    unsigned char *p;
    size_t len, cap;
    int oom;
};

struct rbuf {
    const unsigned char *p;
    size_t len, pos;
    int bad;
};

void cospin_wb_put(struct wbuf *b, const void *d, size_t n);
void cospin_wb_u64(struct wbuf *b, uint64_t v);
void cospin_wb_i64(struct wbuf *b, int64_t v);
void cospin_wb_str(struct wbuf *b, const char *s);          /* NULL-safe */
void cospin_wb_doubles(struct wbuf *b, const double *d, size_t n);
void cospin_wb_list(struct wbuf *b, const char *const *list, size_t n);
void cospin_wb_error(struct wbuf *b, int status, const struct cospin_error *e);

int cospin_rb_get(struct rbuf *b, void *d, size_t n);       /* 0 ok, -1 short (b->bad) */
uint64_t cospin_rb_u64(struct rbuf *b);
int64_t cospin_rb_i64(struct rbuf *b);
char *cospin_rb_str(struct rbuf *b);                         /* new copy, or NULL */
double *cospin_rb_doubles(struct rbuf *b, size_t *n);        /* new array of *n */
char **cospin_rb_list(struct rbuf *b, size_t *n_out);        /* free with cospin_free_list */
void cospin_rb_error(struct rbuf *b, int *status, struct cospin_error *e);
void cospin_free_list(char **l, size_t n);

/* Write all of d: 0, or -1 (errno set; EPIPE if the peer is gone, no SIGPIPE). */
int cospin_write_full(int fd, const void *d, size_t n);
/* Read exactly n bytes: 1 done, 0 EOF (before any byte or mid-message), -1 error. */
int cospin_read_full(int fd, void *d, size_t n);
/* Send one message of kind with b's payload: 0 or -1. */
int cospin_msg_send(int fd, uint32_t kind, const struct wbuf *b);
/* Receive one message: 1 ok (*payload malloc'd, caller frees), 0 EOF/peer gone,
   -1 protocol error. */
int cospin_msg_recv(int fd, uint32_t *kind, unsigned char **payload, size_t *len);

#endif
