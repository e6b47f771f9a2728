/*
 * cli_device.c -- the MTJ device on the command line (see cli_device.h).
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_device.h"
#include "error.h"

/* In enum order (llgs.h); stt's last name is an alias of the spin valve. */
const char *const cospin_cli_demag_names[] = {"prism", "thin-film", NULL};
const char *const cospin_cli_stt_names[] = {"constant", "slonczewski", "slonczewski1996",
                                            "spin-valve", NULL};
const int cospin_cli_stt_values[] = {COSPIN_STT_CONSTANT, COSPIN_STT_SLONCZEWSKI,
                                     COSPIN_STT_SPIN_VALVE, COSPIN_STT_SPIN_VALVE};
const char *const cospin_cli_thermal_names[] = {"brown", "thesis", NULL};
const char *const cospin_cli_init_names[] = {"thermal", "tilt", "minus-z", NULL};
const char *const cospin_cli_integrator_names[] = {"rotating", "rk4", NULL};

int cospin_cli_device_finish(const struct cospin_opts_result *res, void *opts, size_t dev_offset,
                             const char *file)
{
    const char *cmd = res->cmd->name;
    struct cospin_mtj_device *dev = (struct cospin_mtj_device *)((char *)opts + dev_offset);
    struct cospin_error err = {0};
    if (file) {
        struct cospin_mtj_device merged;
        cospin_mtj_device_default(&merged);
        int rc = cospin_mtj_device_read(file, &merged, &err);
        if (rc)
            return cospin_cli_report(cmd, &err);
        /* The options given, whatever their place on the line, go on top. */
        size_t ku_at = offsetof(struct cospin_mtj_device, p.ku_j_per_m3);
        for (size_t i = 0; i < res->cmd->nopts; i++) {
            const struct cospin_opt *o = &res->cmd->opts[i];
            if (!res->given[i] || o->size == 0 || o->offset < dev_offset ||
                o->offset + o->size > dev_offset + sizeof *dev)
                continue;
            size_t at = o->offset - dev_offset;
            memcpy((char *)&merged + at, (const char *)dev + at, o->size);
            if (at == ku_at)
                merged.p.k_i_j_per_m2 = 0.0;
        }
        *dev = merged;
    }
    int rc = cospin_mtj_device_validate(dev, &err);
    return rc ? cospin_cli_report(cmd, &err) : COSPIN_OK;
}

void cospin_cli_device_print(FILE *f, const struct cospin_mtj_device *d, const char *label)
{
    struct cospin_mtj_figures fig;
    char buf[2048];
    if (cospin_mtj_figures_compute(d, &fig, NULL) != 0)
        return;
    fprintf(f, "device %s: %g x %g x %g nm, Ku %g J/m^3, alpha %g, P %g, %s torque\n",
            label ? label : (d->name[0] ? d->name : "(thesis defaults)"), d->p.length_m * 1e9,
            d->p.width_m * 1e9, d->p.thickness_m * 1e9, fig.ku_j_per_m3, d->p.alpha,
            d->p.polarization, d->p.torque == COSPIN_TORQUE_SOT ? "SOT" : "STT");
    fputs(cospin_mtj_figures_format(d, &fig, "  ", buf, sizeof buf), f);
}
