/*
 * pool_wire.c -- encoding and transport of the pool's messages (pool_wire.h).
 */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "error.h"
#include "pool_wire.h"

void cospin_wb_put(struct wbuf *b, const void *d, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n > b->cap) {
        size_t nc = b->cap ? b->cap : 256;
        while (nc < b->len + n)
            nc *= 2;
        unsigned char *q = realloc(b->p, nc);
        if (!q) {
            b->oom = 1;
            return;
        }
        b->p = q;
        b->cap = nc;
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
}

void cospin_wb_u64(struct wbuf *b, uint64_t v)
{
    cospin_wb_put(b, &v, sizeof v);
}

void cospin_wb_i64(struct wbuf *b, int64_t v)
{
    cospin_wb_put(b, &v, sizeof v);
}

void cospin_wb_str(struct wbuf *b, const char *s)
{
    if (!s) {
        cospin_wb_u64(b, UINT64_MAX);
        return;
    }
    size_t n = strlen(s);
    cospin_wb_u64(b, n);
    cospin_wb_put(b, s, n);
}

void cospin_wb_doubles(struct wbuf *b, const double *d, size_t n)
{
    cospin_wb_u64(b, n);
    cospin_wb_put(b, d, n * sizeof *d);
}


int cospin_rb_get(struct rbuf *b, void *d, size_t n)
{
    if (b->bad || n > b->len - b->pos) {
        b->bad = 1;
        memset(d, 0, n);
        return -1;
    }
    memcpy(d, b->p + b->pos, n);
    b->pos += n;
    return 0;
}

uint64_t cospin_rb_u64(struct rbuf *b)
{
    uint64_t v = 0;
    cospin_rb_get(b, &v, sizeof v);
    return v;
}

int64_t cospin_rb_i64(struct rbuf *b)
{
    int64_t v = 0;
    cospin_rb_get(b, &v, sizeof v);
    return v;
}

/* A string inside the buffer, copied (NULL for a NULL string or on error). */
char *cospin_rb_str(struct rbuf *b)
{
    uint64_t n = cospin_rb_u64(b);
    if (n == UINT64_MAX || b->bad)
        return NULL;
    if (n > b->len - b->pos) {
        b->bad = 1;
        return NULL;
    }
    char *s = malloc((size_t)n + 1);
    if (!s) {
        b->bad = 1;
        return NULL;
    }
    memcpy(s, b->p + b->pos, (size_t)n);
    s[n] = '\0';
    b->pos += (size_t)n;
    return s;
}

/* Doubles inside the buffer, copied into a new array of *n. */
double *cospin_rb_doubles(struct rbuf *b, size_t *n)
{
    uint64_t cnt = cospin_rb_u64(b);
    *n = 0;
    if (b->bad || cnt > (b->len - b->pos) / sizeof(double)) {
        b->bad = 1;
        return NULL;
    }
    double *d = malloc(cnt ? (size_t)cnt * sizeof *d : 1);
    if (!d) {
        b->bad = 1;
        return NULL;
    }
    memcpy(d, b->p + b->pos, (size_t)cnt * sizeof *d);
    b->pos += (size_t)cnt * sizeof *d;
    *n = (size_t)cnt;
    return d;
}

/* Write all of d; 0 or -1 (errno set; EPIPE if the peer is gone, no SIGPIPE). */
int cospin_write_full(int fd, const void *d, size_t n)
{
    const unsigned char *p = d;
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Read exactly n bytes: 1 done, 0 EOF before any byte... or mid-message, -1 error. */
int cospin_read_full(int fd, void *d, size_t n)
{
    unsigned char *p = d;
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0)
            return 0;
        got += (size_t)r;
    }
    return 1;
}

int cospin_msg_send(int fd, uint32_t kind, const struct wbuf *b)
{
    struct msg_header h = {.magic = MSG_MAGIC, .kind = kind, .len = b->len};
    if (cospin_write_full(fd, &h, sizeof h) != 0)
        return -1;
    return cospin_write_full(fd, b->p, b->len);
}

/* Receive one message: 1 ok (*payload malloc'd), 0 EOF/peer gone, -1 protocol error. */
int cospin_msg_recv(int fd, uint32_t *kind, unsigned char **payload, size_t *len)
{
    struct msg_header h;
    *payload = NULL;
    int r = cospin_read_full(fd, &h, sizeof h);
    if (r <= 0)
        return r == 0 || errno == ECONNRESET ? 0 : -1;
    if (h.magic != MSG_MAGIC || h.len > MSG_MAX_BYTES)
        return -1;
    unsigned char *p = malloc(h.len ? (size_t)h.len : 1);
    if (!p)
        return -1;
    r = cospin_read_full(fd, p, (size_t)h.len);
    if (r <= 0) {
        free(p);
        return r == 0 || errno == ECONNRESET ? 0 : -1;
    }
    *kind = h.kind;
    *payload = p;
    *len = (size_t)h.len;
    return 1;
}

void cospin_wb_error(struct wbuf *b, int status, const struct cospin_error *e)
{
    cospin_wb_i64(b, status);
    cospin_wb_i64(b, e->code);
    cospin_wb_i64(b, e->line);
    cospin_wb_str(b, e->file);
    cospin_wb_str(b, e->msg);
}

void cospin_rb_error(struct rbuf *b, int *status, struct cospin_error *e)
{
    *status = (int)cospin_rb_i64(b);
    memset(e, 0, sizeof *e);
    e->code = (int)cospin_rb_i64(b);
    e->line = (int)cospin_rb_i64(b);
    char *f = cospin_rb_str(b), *m = cospin_rb_str(b);
    snprintf(e->file, sizeof e->file, "%s", f ? f : "");
    snprintf(e->msg, sizeof e->msg, "%s", m ? m : "");
    free(f);
    free(m);
}

void cospin_wb_list(struct wbuf *b, const char *const *list, size_t n)
{
    cospin_wb_u64(b, n);
    for (size_t i = 0; i < n; i++)
        cospin_wb_str(b, list[i]);
}

/* A NULL-terminated list of strings read from b (n entries). */
char **cospin_rb_list(struct rbuf *b, size_t *n_out)
{
    uint64_t n = cospin_rb_u64(b);
    *n_out = 0;
    if (b->bad || n > b->len - b->pos)
        return NULL;
    char **l = calloc((size_t)n + 1, sizeof *l);
    if (!l)
        return NULL;
    for (size_t i = 0; i < n; i++)
        l[i] = cospin_rb_str(b);
    *n_out = (size_t)n;
    return l;
}

void cospin_free_list(char **l, size_t n)
{
    if (!l)
        return;
    for (size_t i = 0; i < n; i++)
        free(l[i]);
    free(l);
}
