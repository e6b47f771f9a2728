/*
 * cli_xbar.c -- the --tile value of the shared crossbar options (cli_xbar.h).
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_xbar.h"
#include "error.h"

int cospin_cli_parse_tile(void *opts, const struct cospin_opt *opt, const char *arg,
                          struct cospin_error *err)
{
    struct cospin_xbar_opts *xo = (struct cospin_xbar_opts *)((char *)opts + opt->offset);
    const char *colon = strchr(arg, ':');
    if (!colon || strchr(colon + 1, ':'))
        return cospin_error_set(err, COSPIN_ERR_PARSE, NULL, 0,
                                "'%s': expected R:C, inputs x outputs per tile (0: untiled)", arg);
    char rows[64];
    size_t nr = (size_t)(colon - arg);
    if (nr >= sizeof rows)
        return cospin_error_set(err, COSPIN_ERR_PARSE, NULL, 0, "'%s': too long", arg);
    memcpy(rows, arg, nr);
    rows[nr] = '\0';
    double r, c;
    int rc = cospin_opts_value(opt, rows, 1, &r, err);
    if (!rc)
        rc = cospin_opts_value(opt, colon + 1, 1, &c, err);
    if (rc)
        return rc;
    xo->tile_rows = (int)r;
    xo->tile_cols = (int)c;
    return 0;
}

const char *cospin_cli_tile_text(const struct cospin_xbar_opts *xo, char *buf, size_t n)
{
    if (xo->tile_rows == 0 && xo->tile_cols == 0)
        snprintf(buf, n, "untiled");
    else
        snprintf(buf, n, "%d:%d", xo->tile_rows, xo->tile_cols);
    return buf;
}
