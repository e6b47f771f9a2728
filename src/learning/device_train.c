/*
 * device_train.c -- the trainer's weight-update and effective-weight hooks
 * for synapse devices, PTQ at the end of training, and the SOT-N neuron.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device_train.h"
#include "device_xml.h"
#include "error.h"
#include "output.h"
#include "quant.h"
#include "sot_neuron.h"

#define LOG_PREFIX "device-train"
#include "log.h"

/* Default SOT-N drive: 1 mA of neuron current per unit of pre-activation, so
   the network's k equals the device's k in mA^-1 (thesis Fig. 4.8 units). */
#define DT_I_SCALE_DEFAULT_A 1e-3

struct cospin_device_train {
    struct cospin_device_train_opts o;
    struct cospin_device dev;
    int has_device;
    struct cospin_quantizer *q;          /* ptq/qat, or the 1-cell grid of mode none */
    long iters;                          /* of the current job */
    long calls[COSPIN_NN_MAX_LAYERS];    /* weight-update calls in the current run */
    uint64_t seed;
    struct cospin_rng rng;
    double *gp[COSPIN_NN_MAX_LAYERS], *gm[COSPIN_NN_MAX_LAYERS]; /* pair mode: device states */
    size_t n_alloc[COSPIN_NN_MAX_LAYERS];
    float *wq[COSPIN_NN_MAX_LAYERS];     /* qat: the effective weights per layer */
    size_t wq_alloc[COSPIN_NN_MAX_LAYERS];
    struct cospin_device_train_report rep;
    int neuron_thickness;                /* 0: no SOT-N */
};

void cospin_device_train_opts_init(struct cospin_device_train_opts *o)
{
    memset(o, 0, sizeof *o);
    o->quant = COSPIN_QUANT_NONE;
    o->cells = 1;
    o->w_max = 1.0;
    o->round = COSPIN_ROUND_NEAREST;
    o->i_scale_a = DT_I_SCALE_DEFAULT_A;
}

const char *const cospin_quant_mode_names[] = {"none", "ptq", "qat", NULL};
const char *const cospin_round_mode_names[] = {"nearest", "stochastic", "open",
                                               "open-stochastic", NULL};

/* Nonzero if name is a device file (ends in .xml) rather than a preset. */
static int is_xml(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    return n > 4 && strcmp(name + n - 4, ".xml") == 0;
}

int cospin_device_train_opts_validate(const struct cospin_device_train_opts *o,
                                      struct cospin_error *err)
{
    if (o->synapse && !o->device) {
        struct cospin_device d;
        int rc = is_xml(o->synapse) ? cospin_device_load_xml(o->synapse, &d, err)
                                    : cospin_device_preset(o->synapse, &d, err);
        if (rc)
            return rc;
    }
    if (o->neuron) {
        int ml;
        int rc = cospin_sot_parse_name(o->neuron, "sot-n", &ml, err);
        if (rc)
            return rc;
    }
    if (o->states < 0 || o->states > COSPIN_DEVICE_TRAIN_MAX_STATES)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "states = %d must be in [1, %d] (0: the device's own)", o->states,
                                COSPIN_DEVICE_TRAIN_MAX_STATES);
    if (o->cells < 1 || o->cells > COSPIN_DEVICE_TRAIN_MAX_CELLS)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "cells = %d must be in [1, %d]",
                                o->cells, COSPIN_DEVICE_TRAIN_MAX_CELLS);
    if (!(o->w_max > 0.0) || !isfinite(o->w_max))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "w-max = %g must be > 0",
                                o->w_max);
    if (!(o->c2c_sigma >= 0.0) || !isfinite(o->c2c_sigma))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "c2c = %g must be >= 0",
                                o->c2c_sigma);
    if (!(o->i_scale_a > 0.0) || !isfinite(o->i_scale_a))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "SOT-N input scale = %g A must be > 0", o->i_scale_a);
    if ((unsigned)o->quant > COSPIN_QUANT_QAT || (unsigned)o->round > COSPIN_ROUND_OPEN_STOCHASTIC)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "unknown quant or round mode");
    return COSPIN_OK;
}

int cospin_device_train_new(const struct cospin_device_train_opts *o,
                            struct cospin_device_train **out, struct cospin_error *err)
{
    *out = NULL;
    struct cospin_device_train *t = calloc(1, sizeof *t);
    if (!t)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    t->o = *o;
    int rc = cospin_device_train_opts_validate(o, err);
    if (rc) {
        free(t);
        return rc;
    }
    if (o->device) {
        t->dev = *o->device;
        t->has_device = 1;
    } else if (o->synapse) {
        rc = is_xml(o->synapse) ? cospin_device_load_xml(o->synapse, &t->dev, err)
                                : cospin_device_preset(o->synapse, &t->dev, err);
        t->has_device = (rc == 0);
    }
    if (rc == 0 && t->has_device) {
        if (o->states > 0)
            t->dev.states = o->states;
        t->dev.c2c_sigma = o->c2c_sigma;
        rc = cospin_device_validate(&t->dev, err);
    }
    if (rc == 0 && !t->has_device && (o->quant != COSPIN_QUANT_NONE || o->states > 0))
        rc = cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                              "--quant/--states need a --synapse device");
    if (rc == 0 && !(o->w_max > 0.0))
        rc = cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "w_max = %g must be > 0",
                              o->w_max);
    if (rc == 0 && t->has_device && o->quant != COSPIN_QUANT_NONE)
        rc = cospin_quantizer_new(&t->dev, o->cells, &t->q, err);
    if (rc == 0 && t->has_device && o->quant == COSPIN_QUANT_NONE && o->cells != 1)
        rc = cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                              "--cells needs --quant ptq or qat");
    if (rc == 0 && t->has_device && o->quant == COSPIN_QUANT_NONE && t->dev.states > 0)
        rc = cospin_quantizer_new(&t->dev, 1, &t->q, err);
    if (rc == 0 && o->neuron)
        rc = cospin_sot_parse_name(o->neuron, "sot-n", &t->neuron_thickness, err);
    if (rc == 0 && !(o->i_scale_a > 0.0))
        rc = cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                              "SOT-N input scale = %g A must be > 0", o->i_scale_a);
    if (rc != 0) {
        cospin_device_train_free(t);
        return rc;
    }
    *out = t;
    return COSPIN_OK;
}

void cospin_device_train_free(struct cospin_device_train *t)
{
    if (!t)
        return;
    cospin_quantizer_free(t->q);
    for (int l = 0; l < COSPIN_NN_MAX_LAYERS; l++) {
        free(t->gp[l]);
        free(t->gm[l]);
        free(t->wq[l]);
    }
    free(t);
}

int cospin_device_train_active(const struct cospin_device_train *t)
{
    return t && (t->has_device || t->neuron_thickness);
}

const struct cospin_device *cospin_device_train_device(const struct cospin_device_train *t)
{
    return t && t->has_device ? &t->dev : NULL;
}

/* Map w to the normalised conductance of one device (clamped). */
static double w_to_g(double w, double w_max)
{
    double g = 0.5 * (w / w_max + 1.0);
    return g < 0.0 ? 0.0 : (g > 1.0 ? 1.0 : g);
}

/* Start of a run: reseed, allocate pair storage, program the initial weights. */
static int run_start(struct cospin_device_train *t, int layer, float *w, size_t n,
                     struct cospin_error *err)
{
    if (layer == 0)
        cospin_rng_seed(&t->rng, t->seed, COSPIN_NN_STREAM_DEVICE + (uint64_t)t->rep.runs);
    if (t->o.quant != COSPIN_QUANT_NONE)
        return 0;
    double w_max = t->o.w_max;
    if (t->o.pair) {
        if (t->n_alloc[layer] < n) {
            double *a = realloc(t->gp[layer], n * sizeof *a);
            if (a)
                t->gp[layer] = a;
            double *b = a ? realloc(t->gm[layer], n * sizeof *b) : NULL;
            if (b)
                t->gm[layer] = b;
            if (!a || !b)
                return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
            t->n_alloc[layer] = n;
        }
        /* Program g+ or g- from reset so that g+ - g- is nearest w / w_max. */
        for (size_t i = 0; i < n; i++) {
            double v = w[i] / w_max;
            double gabs = fabs(v) > 1.0 ? 1.0 : fabs(v);
            if (t->q) {
                /* Nearest level of one cell to gabs. */
                double best = 0.0;
                for (size_t j = 0; j < t->q->n_levels; j++)
                    if (fabs(t->q->levels[j] - gabs) < fabs(best - gabs))
                        best = t->q->levels[j];
                gabs = best;
            }
            t->gp[layer][i] = v > 0 ? gabs : 0.0;
            t->gm[layer][i] = v > 0 ? 0.0 : gabs;
            w[i] = (float)(w_max * (t->gp[layer][i] - t->gm[layer][i]));
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            double g = w_to_g(w[i], w_max);
            if (t->q)
                w[i] = (float)cospin_quant_nearest(t->q, w_max, w[i], NULL);
            else
                w[i] = (float)(w_max * (2.0 * g - 1.0));
        }
    }
    t->rep.programmed += (long)n;
    return 0;
}

/* End of a run: PTQ / QAT snap of the float weights. */
static void run_end(struct cospin_device_train *t, int layer, float *w, size_t n)
{
    if (t->o.quant == COSPIN_QUANT_NONE || !t->q)
        return;
    double w_max = 0.0, s = 0.0;
    for (size_t i = 0; i < n; i++)
        w_max = fmax(w_max, fabs((double)w[i]));
    for (size_t i = 0; i < n && w_max > 0.0; i++) {
        double v = cospin_quant_nearest(t->q, w_max, w[i], NULL);
        s += (v - w[i]) * (v - w[i]);
        w[i] = (float)v;
    }
    t->rep.ptq_mse[layer] = n ? s / (double)n : 0.0;
    t->rep.w_max_final[layer] = w_max;
}

static int hook_update(void *ctx, int layer, float *w, const float *dw, size_t n,
                       struct cospin_error *err)
{
    struct cospin_device_train *t = ctx;
    if (layer < 0 || layer >= COSPIN_NN_MAX_LAYERS)
        return cospin_error_set(err, COSPIN_ERR_INTERNAL, NULL, 0, "layer %d", layer);
    if (layer + 1 > t->rep.n_layers)
        t->rep.n_layers = layer + 1;
    if (t->calls[layer] == 0) {
        int rc = run_start(t, layer, w, n, err);
        if (rc)
            return rc;
    }
    t->calls[layer]++;
    struct cospin_device_stats *st = &t->rep.layer[layer];
    if (t->o.quant != COSPIN_QUANT_NONE) {
        for (size_t i = 0; i < n; i++)
            w[i] += dw[i];
    } else if (t->o.pair) {
        double w_max = t->o.w_max;
        for (size_t i = 0; i < n; i++) {
            if (dw[i] == 0.0f)
                continue;
            double *gp = &t->gp[layer][i], *gm = &t->gm[layer][i];
            cospin_device_update_pair(&t->dev, gp, gm, dw[i] / w_max, t->o.round, &t->rng, st);
            w[i] = (float)(w_max * (*gp - *gm));
        }
    } else {
        double w_max = t->o.w_max;
        for (size_t i = 0; i < n; i++) {
            if (dw[i] == 0.0f)
                continue;
            double g = w_to_g(w[i], w_max);
            double g2 = cospin_device_update(&t->dev, g, dw[i] / (2.0 * w_max), t->o.round,
                                             &t->rng, NULL, st);
            w[i] = (float)(w_max * (2.0 * g2 - 1.0));
        }
    }
    if (t->calls[layer] >= t->iters) {
        run_end(t, layer, w, n);
        t->calls[layer] = 0;
        if (layer == 0)   /* the first layer of the run's last iteration */
            t->rep.runs++;
    }
    return 0;
}

static const float *hook_weights(void *ctx, int layer, const float *w, size_t n)
{
    struct cospin_device_train *t = ctx;
    if (layer < 0 || layer >= COSPIN_NN_MAX_LAYERS)
        return w;
    if (layer + 1 > t->rep.n_layers)
        t->rep.n_layers = layer + 1;
    if (t->wq_alloc[layer] < n) {
        float *a = realloc(t->wq[layer], n * sizeof *a);
        if (!a)
            return w; /* out of memory: fall back to the float weights */
        t->wq[layer] = a;
        t->wq_alloc[layer] = n;
    }
    double w_max = 0.0;
    for (size_t i = 0; i < n; i++)
        w_max = fmax(w_max, fabs((double)w[i]));
    for (size_t i = 0; i < n; i++)
        t->wq[layer][i] = w_max > 0 ? (float)cospin_quant_nearest(t->q, w_max, w[i], NULL) : 0.0f;
    return t->wq[layer];
}

int cospin_device_train_install(struct cospin_device_train *t, struct cospin_train_opts *topts,
                                struct cospin_error *err)
{
    if (!cospin_device_train_active(t))
        return COSPIN_OK;
    t->iters = topts->iters;
    t->seed = topts->seed;
    if (t->has_device) {
        if (topts->resume)
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "--resume is not supported with --synapse (the device "
                                    "state is not part of the checkpoint)");
        topts->weight_update.apply = hook_update;
        topts->weight_update.ctx = t;
        if (t->o.quant == COSPIN_QUANT_QAT) {
            topts->hooks.weights.effective_weights = hook_weights;
            topts->hooks.weights.ctx = t;
        }
    }
    if (t->neuron_thickness) {
        struct cospin_sot_neuron n;
        double k, c;
        int rc = cospin_sot_neuron_preset(t->neuron_thickness, &n, err);
        if (rc == 0)
            rc = cospin_sot_neuron_network_kc(&n, n.xc_a, t->o.i_scale_a, &k, &c, err);
        if (rc)
            return rc;
        double scale = t->o.i_scale_a * 1e3; /* k_network = k_device[1/mA] * mA per unit */
        if (topts->mode == COSPIN_NN_KC)
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "--neuron sot-n works with --mode baseline (fixed k of the "
                                    "thickness) or k (trainable k in [0.37, 1.28] 1/mA); the "
                                    "SOT-N is biased at x_c, so c is not trained");
        topts->baseline_k = (float)k;
        topts->c_min = topts->c_max = (float)c;
        if (topts->mode == COSPIN_NN_K) {
            topts->k_min = (float)(COSPIN_SOT_K_MIN_PER_MA * scale);
            topts->k_max = (float)(COSPIN_SOT_K_MAX_PER_MA * scale);
            topts->init.k_lo = topts->k_min;
            topts->init.k_hi = topts->k_max;
        }
    }
    return COSPIN_OK;
}

void cospin_device_train_get_report(const struct cospin_device_train *t,
                                    struct cospin_device_train_report *r)
{
    *r = t->rep;
    long pulses = 0;
    for (int l = 0; l < r->n_layers; l++)
        pulses += r->layer[l].pulses_ltp + r->layer[l].pulses_ltd;
    r->write_energy_j = t->has_device ? (double)pulses * t->dev.write_energy_j : 0.0;
}

char *cospin_device_train_format(const struct cospin_device_train *t, char *buf, size_t n)
{
    static const char *const qn[] = {"none", "ptq", "qat"};
    size_t len = 0;
    buf[0] = '\0';
#define APPEND(...)                                                                          \
    do {                                                                                     \
        if (len < n) {                                                                       \
            int w_ = snprintf(buf + len, n - len, __VA_ARGS__);                              \
            len += w_ > 0 ? (size_t)w_ : 0;                                                  \
        }                                                                                    \
    } while (0)
    if (t->has_device) {
        APPEND("synapse %s: LTP %s nu=%g, LTD %s nu=%g, states %d%s, quant %s, cells %d "
               "(%ld states per synapse)\n",
               t->dev.name, cospin_curve_family_name(t->dev.ltp.family), t->dev.ltp.nu,
               cospin_curve_family_name(t->dev.ltd.family), t->dev.ltd.nu, t->dev.states,
               t->dev.states ? "" : " (analog)", qn[t->o.quant], t->o.cells,
               cospin_quant_states(t->o.cells, t->dev.states));
        struct cospin_device_train_report r;
        cospin_device_train_get_report(t, &r);
        if (t->o.quant == COSPIN_QUANT_NONE) {
            static const char *const rn[] = {"nearest", "stochastic", "open", "open-stochastic"};
            APPEND("  updates through the device (%s, w_max %g, %s, c2c %g): %ld weights "
                   "programmed at run start\n",
                   t->o.pair ? "differential pair" : "one device per weight", t->o.w_max,
                   rn[t->o.round], t->o.c2c_sigma, r.programmed);
            for (int l = 0; l < r.n_layers; l++) {
                char s[512];
                cospin_device_stats_format(&r.layer[l], s, sizeof s);
                APPEND("  layer %d: %s\n", l + 1, s);
            }
            if (r.write_energy_j > 0)
                APPEND("  write energy of all pulses: %.4g J (%.4g J per pulse)\n",
                       r.write_energy_j, t->dev.write_energy_j);
        } else {
            for (int l = 0; l < r.n_layers; l++)
                APPEND("  layer %d: final quantisation w_max %.4g, mean squared change %.4g\n",
                       l + 1, r.w_max_final[l], r.ptq_mse[l]);
        }
    }
    if (t->neuron_thickness) {
        struct cospin_sot_neuron nn;
        cospin_sot_neuron_preset(t->neuron_thickness, &nn, NULL);
        APPEND("neuron sot-n:%d: k %.4g 1/mA, x_c %.4g mA, %.4g mA per network unit\n",
               t->neuron_thickness, nn.k_per_ma, nn.xc_a * 1e3, t->o.i_scale_a * 1e3);
    }
#undef APPEND
    return buf;
}

int cospin_device_train_write_report(const struct cospin_device_train *t, const char *dir,
                                     struct cospin_error *err)
{
    char buf[16384];
    cospin_device_train_format(t, buf, sizeof buf);
    struct cospin_output o;
    int rc = cospin_output_open(&o, dir, "synapse.txt", err);
    if (rc)
        return rc;
    fputs(buf, o.fp);
    return cospin_output_commit(&o, err);
}
