/*
 * fuzz_device_xml.c -- the synapse-device reader (learning/device_xml.h):
 * parse and validate against device.rng from memory, then evaluate the
 * curves of a device that loaded, which must stay finite and in range.
 */
#include <config.h>

#include <math.h>
#include <string.h>

#include "device.h"
#include "device_xml.h"
#include "fuzz.h"

/* A loaded device's curves and conductances are finite, in [0, 1] and [g_min, g_max]. */
static void check_device(const struct cospin_device *d)
{
    if (!isfinite(d->g_min_s) || !isfinite(d->g_max_s) || !(d->g_max_s > d->g_min_s))
        abort();
    for (int ltd = 0; ltd < 2; ltd++)
        for (int i = 0; i <= 8; i++) {
            double g = cospin_device_g_after(d, ltd, d->states * i / 8);
            double s = cospin_device_siemens(d, g);
            if (!(g >= 0.0 && g <= 1.0) || !(s >= d->g_min_s && s <= d->g_max_s * (1 + 1e-12)))
                abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The memory reader takes a C string. */
    char *xml = malloc(size + 1);
    if (!xml)
        return 0;
    memcpy(xml, data, size);
    xml[size] = '\0';
    struct cospin_device d;
    struct cospin_error err = {0};
    int rc = cospin_device_load_xml_memory(xml, "fuzz.xml", &d, &err);
    fuzz_expect(rc, &err, "cospin_device_load_xml_memory");
    if (rc == 0)
        check_device(&d);
    free(xml);
    return 0;
}
