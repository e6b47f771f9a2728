/* check_dist.c -- the MPI wrapper in one process (no launcher): one rank,
 * collectives that copy, point to point refused, the launcher detection;
 * tests/mpi-dist.sh runs tests/dist_ranks under mpirun for several ranks. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "dist.h"
#include "error.h"
#include "log.h"

/* Without a launcher's variables cospin_dist_init leaves MPI off. */
static void init_alone(void)
{
    unsetenv("OMPI_COMM_WORLD_SIZE");
    unsetenv("PMIX_RANK");
    unsetenv("PMI_RANK");
    int argc = 1;
    char arg0[] = "check_dist", *args[] = {arg0, NULL}, **argv = args;
    struct cospin_error e = {0};
    ck_assert_int_eq(cospin_dist_init(&argc, &argv, &e), 0);
    ck_assert_int_eq(e.code, 0);
}

START_TEST(test_one_rank)
{
    init_alone();
    ck_assert_int_eq(cospin_dist_rank(), 0);
    ck_assert_int_eq(cospin_dist_size(), 1);
    ck_assert_int_eq(cospin_dist_local_size(), 1);
    ck_assert_int_eq(cospin_dist_barrier(), 0);
    cospin_dist_finalize();   /* nothing was started: a no-op */
    ck_assert_int_eq(cospin_dist_size(), 1);
}
END_TEST

START_TEST(test_collectives_copy)
{
    init_alone();
    double d[3] = {1.5, -2, 3e-9}, dr[3] = {0};
    long l[2] = {7, -8}, lr[2] = {0};
    ck_assert_int_eq(cospin_dist_bcast_doubles(d, 3, 0), 0);
    ck_assert(d[0] == 1.5 && d[1] == -2 && d[2] == 3e-9);
    ck_assert_int_eq(cospin_dist_gather_doubles(d, 3, dr, 0), 0);
    ck_assert(memcmp(d, dr, sizeof d) == 0);
    ck_assert_int_eq(cospin_dist_gather_longs(l, 2, lr, 0), 0);
    ck_assert(lr[0] == 7 && lr[1] == -8);
    memset(dr, 0, sizeof dr);
    ck_assert_int_eq(cospin_dist_reduce_doubles(d, dr, 3, COSPIN_DIST_SUM, 0), 0);
    ck_assert(memcmp(d, dr, sizeof d) == 0);
    memset(lr, 0, sizeof lr);
    ck_assert_int_eq(cospin_dist_reduce_longs(l, lr, 2, COSPIN_DIST_MAX, -1), 0);
    ck_assert(lr[0] == 7 && lr[1] == -8);
    /* In place. */
    ck_assert_int_eq(cospin_dist_reduce_longs(l, l, 2, COSPIN_DIST_MIN, -1), 0);
    ck_assert(l[0] == 7 && l[1] == -8);
    char bytes[5] = "abcd";
    ck_assert_int_eq(cospin_dist_bcast_bytes(bytes, 5, 0), 0);
    ck_assert_str_eq(bytes, "abcd");
}
END_TEST

START_TEST(test_agree_alone)
{
    init_alone();
    struct cospin_error e = {0};
    ck_assert_int_eq(cospin_dist_agree(0, &e), 0);
    ck_assert_int_eq(e.code, 0);
    /* One rank: its own status and message, without a rank prefix. */
    cospin_error_set(&e, COSPIN_ERR_IO, "out", 0, "cannot write");
    ck_assert_int_eq(cospin_dist_agree(COSPIN_ERR_IO, &e), COSPIN_ERR_IO);
    ck_assert_str_eq(e.msg, "cannot write");
    ck_assert_int_eq(cospin_dist_agree(COSPIN_ERR_SIM, NULL), COSPIN_ERR_SIM);
}
END_TEST

START_TEST(test_nap_grows)
{
    double nap_s = 0, t0 = cospin_now_s();
    cospin_dist_nap(&nap_s);
    ck_assert(nap_s > 0 && nap_s <= COSPIN_DIST_NAP_MAX_S);
    double prev = nap_s;
    for (int i = 0; i < 30; i++)
        cospin_dist_nap(&nap_s);
    ck_assert(nap_s >= prev);
    ck_assert(nap_s == COSPIN_DIST_NAP_MAX_S);
    /* 31 naps of at most the maximum each (plus scheduling slack). */
    ck_assert(cospin_now_s() - t0 < 31 * COSPIN_DIST_NAP_MAX_S + 1.0);
}
END_TEST

START_TEST(test_point_to_point_needs_two)
{
    init_alone();
    long v[2] = {1, 2};
    size_t n = 99;
    int src = -5, tag = -5;
    ck_assert_int_eq(cospin_dist_send_longs(v, 2, 0, 1), COSPIN_ERR_INTERNAL);
    ck_assert_int_eq(cospin_dist_send_bytes(v, 2, 0, 1), COSPIN_ERR_INTERNAL);
    ck_assert_int_eq(cospin_dist_recv_longs(v, 2, 0, 1, &n), COSPIN_ERR_INTERNAL);
    ck_assert_int_eq(cospin_dist_recv_bytes(v, 2, 0, 1, &n), COSPIN_ERR_INTERNAL);
    ck_assert_int_eq(cospin_dist_probe(-1, -1, &src, &tag, &n), 0);
    ck_assert_int_eq(src, -5);  /* nothing written without a message */
    ck_assert_uint_eq(n, 99);
}
END_TEST

START_TEST(test_mpi_off_by_environment)
{
    /* Looks like mpirun started us, but COSPIN_MPI=0 keeps MPI off. */
    setenv("OMPI_COMM_WORLD_SIZE", "1", 1);
    setenv("COSPIN_MPI", "0", 1);
    int argc = 1;
    char arg0[] = "check_dist", *args[] = {arg0, NULL}, **argv = args;
    ck_assert_int_eq(cospin_dist_init(&argc, &argv, NULL), 0);
    ck_assert_int_eq(cospin_dist_size(), 1);
    ck_assert_int_eq(cospin_dist_rank(), 0);
}
END_TEST

/* Built without MPI: a launch of several processes is refused (each would
   run the whole command), unless COSPIN_MPI=0 says that is meant. */
START_TEST(test_without_mpi_refuses_a_launch)
{
    unsetenv("COSPIN_MPI");
    setenv("OMPI_COMM_WORLD_SIZE", "3", 1);
    int argc = 1;
    char arg0[] = "check_dist", *args[] = {arg0, NULL}, **argv = args;
    struct cospin_error e = {0};
    ck_assert_int_eq(cospin_dist_init(&argc, &argv, &e), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(e.msg, "--with-mpi"));
    ck_assert_ptr_nonnull(strstr(e.msg, "3 processes"));
    setenv("COSPIN_MPI", "0", 1);
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(cospin_dist_init(&argc, &argv, &e), 0);
    /* One process under a launcher is fine. */
    unsetenv("COSPIN_MPI");
    setenv("OMPI_COMM_WORLD_SIZE", "1", 1);
    ck_assert_int_eq(cospin_dist_init(&argc, &argv, &e), 0);
    ck_assert_int_eq(cospin_dist_size(), 1);
}
END_TEST

static Suite *suite_dist(void)
{
    Suite *s = suite_create("dist");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_one_rank);
    tcase_add_test(tc, test_collectives_copy);
    tcase_add_test(tc, test_agree_alone);
    tcase_add_test(tc, test_nap_grows);
    suite_add_tcase(s, tc);
    TCase *te = tcase_create("errors");
    tcase_add_test(te, test_point_to_point_needs_two);
    tcase_add_test(te, test_mpi_off_by_environment);
    if (!cospin_dist_built())   /* with MPI such a launch starts MPI: tests/mpi-*.sh */
        tcase_add_test(te, test_without_mpi_refuses_a_launch);
    suite_add_tcase(s, te);
    return s;
}

COSPIN_CHECK_MAIN(suite_dist)
