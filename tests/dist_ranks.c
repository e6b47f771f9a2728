/*
 * dist_ranks.c -- the MPI wrapper (dist.h) across ranks: gathers,
 * reductions, broadcasts, agreement on a failure (which rank, which
 * message), point to point, rank 0 acting alone (solo).
 * tests/mpi-dist.sh runs it under mpirun with 3 ranks; alone it checks the
 * one-rank case.  Exit status 0 when every check held on every rank.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "dist.h"
#include "error.h"

/* Count a failed check in the enclosing function's `bad`. */
#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "dist_ranks: rank %d: %s:%d: %s does not hold\n",         \
                    cospin_dist_rank(), __FILE__, __LINE__, #cond);                  \
            bad++;                                                                   \
        }                                                                            \
    } while (0)

static int check_collectives(int r, int n)
{
    int bad = 0;
    double mine[2] = {r, (double)r * r}, all[2 * 64];
    CHECK(n <= 64);
    CHECK(cospin_dist_gather_doubles(mine, 2, r == 0 ? all : NULL, 0) == 0);
    for (int i = 0; r == 0 && i < n; i++)
        CHECK(all[2 * i] == i && all[2 * i + 1] == (double)i * i);
    long sum = r, expect = (long)n * (n - 1) / 2;
    CHECK(cospin_dist_reduce_longs(&sum, &sum, 1, COSPIN_DIST_SUM, -1) == 0);
    CHECK(sum == expect);
    double mx = r + 0.5, got = -1;
    CHECK(cospin_dist_reduce_doubles(&mx, &got, 1, COSPIN_DIST_MAX, 0) == 0);
    if (r == 0)
        CHECK(got == n - 0.5);
    long from_last[2] = {r == n - 1 ? 42 : 0, r == n - 1 ? -1 : 0};
    CHECK(cospin_dist_bcast_longs(from_last, 2, n - 1) == 0);
    CHECK(from_last[0] == 42 && from_last[1] == -1);
    CHECK(cospin_dist_barrier() == 0);
    return bad;
}

static int check_agree(int r, int n)
{
    int bad = 0;
    struct cospin_error e = {0};
    CHECK(cospin_dist_agree(0, &e) == 0 && e.code == 0);
    /* The last rank fails: every rank learns its status and message. */
    memset(&e, 0, sizeof e);
    int st = 0;
    if (r == n - 1)
        st = cospin_error_set(&e, COSPIN_ERR_IO, NULL, 0, "disk full");
    CHECK(cospin_dist_agree(st, &e) == COSPIN_ERR_IO && e.code == COSPIN_ERR_IO);
    char want[64];
    snprintf(want, sizeof want, n > 1 ? "rank %d: disk full" : "disk full", n - 1);
    CHECK(strcmp(e.msg, want) == 0);
    /* Several fail: the lowest rank's error wins. */
    memset(&e, 0, sizeof e);
    st = r >= 1 ? cospin_error_set(&e, r == 1 ? COSPIN_ERR_SIM : COSPIN_ERR_DATA, NULL, 0,
                                   "fails on %d", r)
                : 0;
    int rc = cospin_dist_agree(st, &e);
    if (n > 1)
        CHECK(rc == COSPIN_ERR_SIM && strcmp(e.msg, "rank 1: fails on 1") == 0);
    else
        CHECK(rc == 0);
    return bad;
}

static int check_point_to_point(int r, int n)
{
    int bad = 0;
    if (n == 1)
        return 0;
    if (r > 0) {
        long v[2] = {r, 10L * r};
        CHECK(cospin_dist_send_longs(v, 2, 0, 7) == 0);
        char text[16];
        snprintf(text, sizeof text, "from %d", r);
        CHECK(cospin_dist_send_bytes(text, strlen(text) + 1, 0, 8) == 0);
        return bad;
    }
    for (int k = 1; k < n; k++) {
        int src = -1, tag = -1;
        size_t bytes = 0, got = 0;
        double nap_s = 0;
        while (!cospin_dist_probe(-1, 7, &src, &tag, &bytes))
            cospin_dist_nap(&nap_s);
        CHECK(tag == 7 && bytes == 2 * sizeof(long) && src >= 1 && src < n);
        long v[2] = {0, 0}, small[1];
        CHECK(cospin_dist_recv_longs(v, 2, src, 7, &got) == 0 && got == 2);
        CHECK(v[0] == src && v[1] == 10L * src);
        /* A message longer than the room is refused, not cut. */
        CHECK(cospin_dist_recv_bytes(small, 1, src, 8, &got) == COSPIN_ERR_INVALID);
        char text[16], want[16];
        CHECK(cospin_dist_recv_bytes(text, sizeof text, src, 8, &got) == 0);
        snprintf(want, sizeof want, "from %d", src);
        CHECK(got == strlen(want) + 1 && strcmp(text, want) == 0);
    }
    return bad;
}

/* Solo: rank 0 acts as the only rank while the others wait at a barrier. */
static int check_solo(int r, int n)
{
    int bad = 0;
    if (r == 0) {
        cospin_dist_solo(1);
        CHECK(cospin_dist_size() == 1 && cospin_dist_rank() == 0);
        /* A collective of one: no other rank takes part. */
        struct cospin_error e = {0};
        CHECK(cospin_dist_agree(COSPIN_ERR_IO, &e) == COSPIN_ERR_IO);
        long v = 5;
        CHECK(cospin_dist_reduce_longs(&v, &v, 1, COSPIN_DIST_SUM, -1) == 0 && v == 5);
        cospin_dist_solo(0);
    }
    CHECK(cospin_dist_barrier() == 0);
    CHECK(cospin_dist_size() == n && cospin_dist_rank() == r);
    return bad;
}

int main(int argc, char **argv)
{
    struct cospin_error e = {0};
    if (cospin_dist_init(&argc, &argv, &e) != 0) {
        fprintf(stderr, "dist_ranks: %s\n", e.msg);
        return 1;
    }
    int r = cospin_dist_rank(), n = cospin_dist_size();
    long bad = check_collectives(r, n);
    bad += check_agree(r, n);
    bad += check_point_to_point(r, n);
    bad += check_solo(r, n);
    cospin_dist_reduce_longs(&bad, &bad, 1, COSPIN_DIST_SUM, -1);
    if (r == 0)
        printf("dist_ranks: %d rank%s: %s\n", n, n == 1 ? "" : "s",
               bad ? "FAILED" : "every check held");
    cospin_dist_finalize();
    return bad ? 1 : 0;
}
