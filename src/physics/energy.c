/*
 * energy.c -- I^2 R t, integrated V I dt, crossbar read energy (see energy.h).
 */
#include <config.h>

#include <math.h>

#include "energy.h"
#include "error.h"

double cospin_energy_i2rt_j(double current_a, double r_ohm, double width_s)
{
    return current_a * current_a * r_ohm * width_s;
}

int cospin_energy_integrate_vi(const double *t_s, const double *v_v, const double *i_a, size_t n,
                               double *out_j, struct cospin_error *err)
{
    if (n < 2)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "energy integral needs at least 2 samples, got %zu", n);
    double sum = 0.0;
    for (size_t k = 1; k < n; k++) {
        double dt = t_s[k] - t_s[k - 1];
        if (!(dt >= 0.0))
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "waveform time decreases at sample %zu (%g s after %g s)", k,
                                    t_s[k], t_s[k - 1]);
        sum += 0.5 * dt * (v_v[k] * i_a[k] + v_v[k - 1] * i_a[k - 1]);
    }
    *out_j = sum;
    return COSPIN_OK;
}

double cospin_energy_crossbar_read_j(const double *g_s, size_t rows, size_t cols, const double *v_v,
                                     double t_read_s)
{
    double p_w = 0.0;
    for (size_t i = 0; i < rows; i++) {
        double gsum = 0.0;
        for (size_t j = 0; j < cols; j++)
            gsum += g_s[i * cols + j];
        p_w += gsum * v_v[i] * v_v[i];
    }
    return p_w * t_read_s;
}
