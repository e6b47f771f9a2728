/*
 * fuzz_mtj_xml.c -- the MTJ device-file reader (physics/mtj_device.h):
 * parse and validate against mtj.rng from memory and apply the attributes;
 * a device that loaded must give finite derived figures (a positive barrier
 * and anisotropy field, the critical current finite or NaN only for an SOT
 * device without a threshold) and a .model card that fits its buffer.
 */
#include <config.h>

#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "mtj_device.h"
#include "xml.h"

static void check_device(const struct cospin_mtj_device *d)
{
    struct cospin_mtj_figures f;
    struct cospin_error err = {0};
    if (cospin_mtj_figures_compute(d, &f, &err) != 0)
        abort();
    if (!(f.eb_j > 0.0) || !(f.hk_t > 0.0) || !(f.tau_damping_s > 0.0) ||
        !(f.r_ap_ohm > f.r_p_ohm) || !(f.r_p_ohm > 0.0))
        abort();
    if (isnan(f.icrit_a) && d->p.torque != COSPIN_TORQUE_SOT)
        abort();
    char card[2048], text[2048];
    if (cospin_mtj_device_card(d, card, sizeof card, &err) != 0)
        abort();
    cospin_mtj_figures_format(d, &f, "# ", text, sizeof text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The memory reader takes len 0 as "a C string": give it one. */
    char *xml = malloc(size + 1);
    if (!xml)
        return 0;
    memcpy(xml, data, size);
    xml[size] = '\0';
    struct cospin_xml_doc *doc = NULL;
    struct cospin_error err = {0};
    struct cospin_mtj_device d;
    cospin_mtj_device_default(&d);
    int rc = cospin_xml_load_memory(xml, size, "fuzz.xml", "mtj.rng", &doc, &err);
    if (rc == 0)
        rc = cospin_mtj_device_apply_xml(cospin_xml_root(doc), NULL, &d, &err);
    fuzz_expect(rc, &err, "the device-file reader");
    if (rc == 0)
        check_device(&d);
    cospin_xml_free(doc);
    free(xml);
    return 0;
}
