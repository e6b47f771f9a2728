/*
 * fuzz_csv_tables.c -- the CSV tables cospin reads back (base/csv.h under
 * them): the input is written to a temporary file and read as psw.csv (the
 * table reader and the resume reader), as fit.csv (the characterisation's
 * neuron-table reader) and as a training neuron table.  Promises on success:
 * every point has width and Ku > 0 and 0 <= switched <= trials; every fit a
 * width and Ku > 0; every training row a slope > 0 and a finite midpoint.
 */
#include <config.h>

#include <math.h>

#include "char_internal.h"
#include "characterize.h"
#include "fuzz.h"
#include "neuron_map.h"

static void check_points(const struct cospin_char_table *t)
{
    for (size_t i = 0; i < t->npoints; i++) {
        const struct cospin_char_point *p = &t->points[i];
        if (!(p->width_s > 0) || !(p->ku_j_per_m3 > 0) || p->trials < 0 || p->switched < 0 ||
            p->switched > p->trials)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512];
    if (fuzz_temp_file(data, size, path, sizeof path) != 0)
        return 0;
    struct cospin_error err = {0};
    struct cospin_char_table *t = NULL;
    int rc = cospin_char_read_psw_csv(path, 1.1e6, &t, &err);
    fuzz_expect(rc, &err, "cospin_char_read_psw_csv");
    if ((rc == 0) != (t != NULL))
        abort();
    if (t) {
        check_points(t);
        cospin_char_table_free(t);
    }

    struct cospin_error rerr = {0};
    struct cospin_char_resume_rules rules = {.trials = 100, .default_ku = 1.1e6};
    size_t dropped = 0;
    t = NULL;
    rc = cospin_char_read_psw_resume(path, &rules, &t, &dropped, &rerr);
    fuzz_expect(rc, &rerr, "cospin_char_read_psw_resume");
    if (rc == 0) {
        if (!t)
            abort();
        check_points(t);
        for (size_t i = 0; i < t->npoints; i++)
            if (t->points[i].trials != rules.trials)
                abort();
    }
    cospin_char_table_free(t);

    struct cospin_error ferr = {0};
    t = NULL;
    rc = cospin_char_read_fit_csv(path, &t, &ferr);
    fuzz_expect(rc, &ferr, "cospin_char_read_fit_csv");
    if ((rc == 0) != (t != NULL))
        abort();
    for (size_t i = 0; t && i < t->nfits; i++)
        if (!(t->fits[i].width_s > 0) || !(t->fits[i].ku_j_per_m3 > 0))
            abort();
    cospin_char_table_free(t);

    struct cospin_error nerr = {0};
    struct cospin_neuron_fit *rows = NULL;
    size_t n = 0;
    rc = cospin_neuron_table_read(path, &rows, &n, &nerr);
    fuzz_expect(rc, &nerr, "cospin_neuron_table_read");
    if (rc == 0 && (!rows || n == 0))
        abort();
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (!(rows[i].k_per_ua > 0) || !isfinite(rows[i].c_ua))
            abort();
    free(rows);
    unlink(path);
    return 0;
}
