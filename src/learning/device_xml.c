/*
 * device_xml.c -- user-defined synapse devices from XML (schema device.rng),
 * read through xml.h.  Errors name the file, line and element.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xml.h"
#include "device.h"
#include "device_xml.h"
#include "error.h"

/* Read one <ltp>/<ltd> element into b. */
static int read_branch(const struct cospin_xml_node *n, int ltd,
                       struct cospin_device_branch *b, struct cospin_error *err)
{
    const char *curve;
    int rc = cospin_xml_req_str(n, "curve", &curve, err);
    if (rc)
        return rc;
    enum cospin_curve_family f;
    struct cospin_error sub = {0};
    if (cospin_curve_family_parse(curve, &f, &sub) != 0)
        return cospin_xml_error(n, "curve", COSPIN_ERR_INVALID, err, "%s", sub.msg);
    size_t np = cospin_xml_count(n, "point");
    if (f != COSPIN_CURVE_TABLE) {
        if (np > 0)
            return cospin_xml_error(n, NULL, COSPIN_ERR_INVALID, err,
                                       "<point> elements need curve=\"table\"");
        memset(b, 0, sizeof *b);
        b->family = f;
        rc = cospin_xml_attr_double(n, "nu", 0.0, &b->nu, err);
        if (rc)
            return rc;
        if (!(b->nu >= 0.0 && b->nu <= 50.0))
            return cospin_xml_error(n, "nu", COSPIN_ERR_INVALID, err,
                                       "the nonlinearity must be in [0, 50]");
        if (f != COSPIN_CURVE_LINEAR && !cospin_xml_has_attr(n, "nu"))
            return cospin_xml_error(n, NULL, COSPIN_ERR_INVALID, err,
                                       "curve \"%s\" needs a nonlinearity nu", curve);
        return COSPIN_OK;
    }
    if (np < 2 || np > COSPIN_DEVICE_TABLE_MAX)
        return cospin_xml_error(n, NULL, COSPIN_ERR_INVALID, err,
                                   "a measured curve needs 2..%d <point> elements (has %zu)",
                                   COSPIN_DEVICE_TABLE_MAX, np);
    double pulse[COSPIN_DEVICE_TABLE_MAX], value[COSPIN_DEVICE_TABLE_MAX];
    const struct cospin_xml_node *pts[COSPIN_DEVICE_TABLE_MAX];
    size_t i = 0;
    for (const struct cospin_xml_node *p = cospin_xml_child(n, "point"); p;
         p = cospin_xml_next(p, "point"), i++) {
        pts[i] = p;
        rc = cospin_xml_req_double(p, "pulse", &pulse[i], err);
        if (rc == 0)
            rc = cospin_xml_req_double(p, "value", &value[i], err);
        if (rc)
            return rc;
    }
    /* Check point by point here so that the error names the offending
       <point>'s line; cospin_device_branch_from_table repeats the checks. */
    if (pulse[0] != 0.0)
        return cospin_xml_error(pts[0], "pulse", COSPIN_ERR_INVALID, err,
                                   "the first point must be at pulse 0");
    double dir = value[np - 1] - value[0];
    if (dir == 0.0)
        return cospin_xml_error(pts[np - 1], "value", COSPIN_ERR_INVALID, err,
                                   "the last value equals the first: the curve spans nothing");
    for (i = 1; i < np; i++) {
        if (!(pulse[i] > pulse[i - 1]))
            return cospin_xml_error(pts[i], "pulse", COSPIN_ERR_INVALID, err,
                                       "pulse counts must increase (previous %g)", pulse[i - 1]);
        if (!((value[i] - value[i - 1]) * dir > 0.0))
            return cospin_xml_error(pts[i], "value", COSPIN_ERR_INVALID, err,
                                       "the curve must be strictly monotone (previous %g)",
                                       value[i - 1]);
    }
    rc = cospin_device_branch_from_table(b, ltd, pulse, value, np, &sub);
    if (rc)
        return cospin_xml_error(n, NULL, rc, err, "%s", sub.msg);
    return COSPIN_OK;
}

int cospin_device_from_config(const struct cospin_xml_node *root, struct cospin_device *d,
                              struct cospin_error *err)
{
    memset(d, 0, sizeof *d);
    if (strcmp(cospin_xml_name(root), "synapse") != 0)
        return cospin_xml_error(root, NULL, COSPIN_ERR_INVALID, err,
                                   "expected a <synapse> element");
    const char *name;
    int rc = cospin_xml_req_str(root, "name", &name, err);
    if (rc == 0)
        rc = cospin_xml_req_int(root, "states", &d->states, err);
    if (rc == 0)
        rc = cospin_xml_attr_double(root, "g-min", 1e-6, &d->g_min_s, err);
    if (rc == 0)
        rc = cospin_xml_attr_double(root, "g-max", 100e-6, &d->g_max_s, err);
    if (rc == 0)
        rc = cospin_xml_attr_double(root, "c2c", 0.0, &d->c2c_sigma, err);
    if (rc == 0)
        rc = cospin_xml_attr_double(root, "pulse-width", 0.0, &d->pulse_width_s, err);
    if (rc == 0)
        rc = cospin_xml_attr_double(root, "write-energy", 0.0, &d->write_energy_j, err);
    if (rc)
        return rc;
    snprintf(d->name, sizeof d->name, "%s", name);
    if (d->states < 0 || d->states > 1000000)
        return cospin_xml_error(root, "states", COSPIN_ERR_INVALID, err,
                                   "must be in [0, 1000000] (0 = analog)");
    if (!(d->g_min_s >= 0.0) || !(d->g_max_s > d->g_min_s))
        return cospin_xml_error(root, "g-max", COSPIN_ERR_INVALID, err,
                                   "need 0 <= g-min < g-max (g-min = %g S)", d->g_min_s);
    if (!(d->c2c_sigma >= 0.0))
        return cospin_xml_error(root, "c2c", COSPIN_ERR_INVALID, err, "must be >= 0");
    if (!(d->pulse_width_s >= 0.0) || !(d->write_energy_j >= 0.0))
        return cospin_xml_error(root, NULL, COSPIN_ERR_INVALID, err,
                                   "pulse-width and write-energy must be >= 0");
    const struct cospin_xml_node *ltp = cospin_xml_child(root, "ltp");
    const struct cospin_xml_node *ltd = cospin_xml_child(root, "ltd");
    if (!ltp || !ltd)
        return cospin_xml_error(root, NULL, COSPIN_ERR_INVALID, err,
                                   "needs both <ltp> and <ltd>");
    rc = read_branch(ltp, 0, &d->ltp, err);
    if (rc == 0)
        rc = read_branch(ltd, 1, &d->ltd, err);
    if (rc)
        return rc;
    struct cospin_error sub = {0};
    if (cospin_device_validate(d, &sub) != 0)
        return cospin_xml_error(root, NULL, COSPIN_ERR_INVALID, err, "%s", sub.msg);
    return COSPIN_OK;
}

int cospin_device_load_xml(const char *path, struct cospin_device *d, struct cospin_error *err)
{
    struct cospin_xml_doc *cfg = NULL;
    int rc = cospin_xml_load_with(path, COSPIN_DEVICE_SCHEMA, &cfg, err);
    if (rc == 0)
        rc = cospin_device_from_config(cospin_xml_root(cfg), d, err);
    cospin_xml_free(cfg);
    return rc;
}

int cospin_device_load_xml_memory(const char *xml, const char *name, struct cospin_device *d,
                                  struct cospin_error *err)
{
    struct cospin_xml_doc *cfg = NULL;
    int rc = cospin_xml_load_memory(xml, 0, name, COSPIN_DEVICE_SCHEMA, &cfg, err);
    if (rc == 0)
        rc = cospin_device_from_config(cospin_xml_root(cfg), d, err);
    cospin_xml_free(cfg);
    return rc;
}
