/*
 * paths.c -- locate cospin.cm, the datasets and shipped data files.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "paths.h"

static int readable(const char *p)
{
    return access(p, R_OK) == 0;
}

const char *cospin_path_cm(void)
{
    const char *env = getenv("COSPIN_CM");
    if (env && *env)
        return env;
    if (readable(COSPIN_BUILDDIR "/models/.libs/cospin.cm"))
        return COSPIN_BUILDDIR "/models/.libs/cospin.cm";
    return COSPIN_PKGLIBDIR "/cospin.cm";
}

const char *cospin_path_data_dir(void)
{
    const char *env = getenv("COSPIN_DATA");
    return env && *env ? env : COSPIN_DATA_DIR;
}

const char *cospin_path_fashion_dir(void)
{
    const char *env = getenv("COSPIN_FASHION");
    return env && *env ? env : COSPIN_FASHION_DIR;
}

char *cospin_path_data_file(const char *name, char *buf, unsigned long n)
{
    snprintf(buf, n, "%s/src/config/%s", COSPIN_SRCDIR, name);
    if (!readable(buf))
        snprintf(buf, n, "%s/%s", COSPIN_PKGDATADIR, name);
    return buf;
}
