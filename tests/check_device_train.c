/* check_device_train.c -- the trainer hooks built from a device: option
 * parsing, pulse-realised updates, PTQ/QAT snapping, SOT-N settings, and an
 * end-to-end cospin_train_run on a tiny synthetic set. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_util.h"
#include "device_train.h"
#include "device_xml.h"
#include "experiment.h"
#include "quant.h"
#include "sot_neuron.h"
#include "train.h"

/* Nonzero if w is one of the weight levels of q for range w_max (1e-6
   relative: the hook stores floats). */
static int on_level(const struct cospin_quantizer *q, double w_max, float w)
{
    for (size_t j = 0; j < q->n_levels; j++)
        if (fabs(w - w_max * (2.0 * q->levels[j] - 1.0)) <= 1e-6 * w_max)
            return 1;
    return 0;
}

/* A context from o (validated first, as the front ends do), installed into to. */
static struct cospin_device_train *make(const struct cospin_device_train_opts *o,
                                        struct cospin_train_opts *to)
{
    ck_assert_int_eq(cospin_device_train_opts_validate(o, NULL), 0);
    struct cospin_device_train *t;
    ck_assert_int_eq(cospin_device_train_new(o, &t, NULL), 0);
    ck_assert_int_eq(cospin_device_train_install(t, to, NULL), 0);
    return t;
}

/* Options with the defaults and the given synapse and neuron names. */
static struct cospin_device_train_opts opts_of(const char *synapse, const char *neuron)
{
    struct cospin_device_train_opts o;
    cospin_device_train_opts_init(&o);
    o.synapse = synapse;
    o.neuron = neuron;
    return o;
}

START_TEST(test_update_hook)
{
    struct cospin_train_opts to;
    cospin_train_opts_init(&to);
    to.iters = 100;
    struct cospin_device_train_opts o = opts_of("sot-s:21", NULL);
    struct cospin_device_train *t = make(&o, &to);
    ck_assert_ptr_nonnull(to.weight_update.apply);
    ck_assert_ptr_null(to.hooks.weights.effective_weights);
    struct cospin_device d;
    cospin_device_preset("sot-s:21", &d, NULL);
    struct cospin_quantizer *q;
    cospin_quantizer_new(&d, 1, &q, NULL);
    /* First call programs the initial weights onto the 13 levels (w_max 1). */
    float w[4] = {0.3f, -0.2f, 0.0f, 0.95f};
    float dw[4] = {0, 0, 0, 0};
    ck_assert_int_eq(to.weight_update.apply(to.weight_update.ctx, 0, w, dw, 4, NULL), 0);
    for (int i = 0; i < 4; i++)
        ck_assert(on_level(q, 1.0, w[i]));
    /* A request of one step (in g units 1/12, i.e. about 2/12 in w) moves one
       pulse on the Eq. 4.4 curve: from the level j to j + 1. */
    size_t j0;
    cospin_quant_nearest(q, 1.0, w[2], &j0);
    float dw1[4] = {0, 0, (float)(2.0 * (q->levels[j0 + 1] - q->levels[j0])), 0};
    ck_assert_int_eq(to.weight_update.apply(to.weight_update.ctx, 0, w, dw1, 4, NULL), 0);
    ck_assert_close(w[2], 2.0 * q->levels[j0 + 1] - 1.0, 1e-6);
    /* A request far below half a step is lost (nearest rule). */
    float before = w[0];
    float dw2[4] = {1e-4f, 0, 0, 0};
    to.weight_update.apply(to.weight_update.ctx, 0, w, dw2, 4, NULL);
    ck_assert_close(w[0], before, 0.0);
    struct cospin_device_train_report r;
    cospin_device_train_get_report(t, &r);
    ck_assert_int_eq(r.programmed, 4);
    ck_assert_int_eq(r.layer[0].n_requested, 2);
    ck_assert_int_eq(r.layer[0].n_zero, 1);
    ck_assert_int_eq(r.layer[0].pulses_ltp, 1);
    /* One pulse costs the 21 ML write energy of Eq. 4.5. */
    ck_assert_close(r.write_energy_j, 0.201e-3, 1e-12);
    char buf[4096];
    cospin_device_train_format(t, buf, sizeof buf);
    ck_assert_ptr_nonnull(strstr(buf, "sot-s:21"));
    ck_assert_ptr_nonnull(strstr(buf, "lost (0 pulses) 50.00 %"));
    cospin_quantizer_free(q);
    cospin_device_train_free(t);
}
END_TEST

START_TEST(test_pair_hook)
{
    struct cospin_train_opts to;
    cospin_train_opts_init(&to);
    to.iters = 10;
    struct cospin_device_train_opts o = opts_of("ideal", NULL);
    o.states = 10;
    o.pair = 1;
    o.w_max = 2;
    struct cospin_device_train *t = make(&o, &to);
    /* Pair of linear 10-state devices, w = 2 (g+ - g-): levels every 0.2. */
    float w[3] = {0.56f, -0.31f, 0.0f};
    float dw[3] = {0.4f, -0.2f, 0.0f};
    ck_assert_int_eq(to.weight_update.apply(to.weight_update.ctx, 1, w, dw, 3, NULL), 0);
    /* Programmed: 0.56 -> g+ = 0.3 (nearest to 0.28), w = 0.6; -0.31 -> g- = 0.2
       (nearest to 0.155), w = -0.4.  Then +0.4 is two LTP steps on g+ and
       -0.2 one LTP step on g-. */
    ck_assert_close(w[0], 0.6 + 0.4, 1e-6);
    ck_assert_close(w[1], -0.4 - 0.2, 1e-6);
    ck_assert_close(w[2], 0.0, 0.0);
    cospin_device_train_free(t);
}
END_TEST

START_TEST(test_ptq_qat_hooks)
{
    struct cospin_train_opts to;
    cospin_train_opts_init(&to);
    to.iters = 2;
    struct cospin_device_train_opts o = opts_of("sot-s:5", NULL);
    o.quant = COSPIN_QUANT_PTQ;
    o.cells = 2;
    struct cospin_device_train *t = make(&o, &to);
    struct cospin_device d;
    cospin_device_preset("sot-s:5", &d, NULL);
    struct cospin_quantizer *q;
    cospin_quantizer_new(&d, 2, &q, NULL);
    ck_assert_uint_eq(q->n_levels, 37);
    float w[5] = {0.11f, -0.5f, 0.33f, 0.01f, 0.2f};
    float dw[5] = {0.01f, 0.0f, 0.0f, 0.0f, 0.0f};
    /* Iteration 1: float update, no quantisation yet. */
    to.weight_update.apply(to.weight_update.ctx, 0, w, dw, 5, NULL);
    ck_assert_close(w[0], 0.12, 1e-6);
    /* Iteration 2 (the last): float update then PTQ with w_max = 0.5. */
    to.weight_update.apply(to.weight_update.ctx, 0, w, dw, 5, NULL);
    for (int i = 0; i < 5; i++)
        ck_assert(on_level(q, 0.5, w[i]));
    ck_assert_close(w[1], -0.5, 1e-6);
    cospin_device_train_free(t);

    /* QAT: the effective weights are levels; the float weights are untouched. */
    cospin_train_opts_init(&to);
    to.iters = 5;
    o.quant = COSPIN_QUANT_QAT;
    t = make(&o, &to);
    ck_assert_ptr_nonnull(to.hooks.weights.effective_weights);
    float w2[5] = {0.11f, -0.5f, 0.33f, 0.01f, 0.2f};
    const float *wq = to.hooks.weights.effective_weights(to.hooks.weights.ctx, 1, w2, 5);
    ck_assert_ptr_ne(wq, w2);
    for (int i = 0; i < 5; i++)
        ck_assert(on_level(q, 0.5, wq[i]));
    ck_assert_close(w2[0], 0.11, 1e-7);
    cospin_quantizer_free(q);
    cospin_device_train_free(t);
}
END_TEST

START_TEST(test_neuron)
{
    struct cospin_train_opts to;
    cospin_train_opts_init(&to);
    to.mode = COSPIN_NN_BASELINE;
    struct cospin_device_train_opts o = opts_of(NULL, "sot-n:21");
    struct cospin_device_train *t = make(&o, &to);
    ck_assert_close(to.baseline_k, 0.89, 1e-6);
    ck_assert_close(to.c_min, 0.0, 0.0);
    ck_assert_close(to.c_max, 0.0, 0.0);
    ck_assert_ptr_null(to.weight_update.apply);
    cospin_device_train_free(t);
    /* Trainable k: clamped into the sweep range; 2 mA per unit doubles it. */
    cospin_train_opts_init(&to);
    to.mode = COSPIN_NN_K;
    o = opts_of(NULL, "sot-n:5");
    o.i_scale_a = 2e-3;
    t = make(&o, &to);
    ck_assert_close(to.k_min, 2 * 0.37, 1e-6);
    ck_assert_close(to.k_max, 2 * 1.28, 1e-6);
    ck_assert_close(to.init.k_lo, 2 * 0.37, 1e-6);
    cospin_device_train_free(t);
}
END_TEST

START_TEST(test_train_run_ptq)
{
    /* End to end: a 4-3-10 network on 20 synthetic samples, 3 iterations of
       full-batch descent with PTQ on the SOT-S 21 ML levels: the trained
       weights of both layers must lie on the levels. */
    float x[20 * 4];
    uint8_t y[20];
    for (int i = 0; i < 20; i++) {
        for (int k = 0; k < 4; k++)
            x[i * 4 + k] = (float)((i * 7 + k * 3) % 11) / 10.0f;
        y[i] = (uint8_t)(i % 10);
    }
    struct cospin_train_data data = {.n = 20, .n_in = 4, .x = x, .labels = y};
    struct cospin_train_opts to;
    cospin_train_opts_init(&to);
    to.hidden = 3;
    to.iters = 3;
    to.show_progress = 0;
    to.mode = COSPIN_NN_BASELINE;
    struct cospin_device_train_opts o = opts_of("sot-s:21", "sot-n:21");
    o.quant = COSPIN_QUANT_PTQ;
    struct cospin_device_train *t = make(&o, &to);
    struct cospin_nn *nn = NULL;
    struct cospin_train_result res;
    struct cospin_error err = {0};
    ck_assert_msg(cospin_train_run(&data, &data, &to, &nn, &res, &err) == 0, "%s", err.msg);
    struct cospin_device d;
    cospin_device_preset("sot-s:21", &d, NULL);
    struct cospin_quantizer *q;
    cospin_quantizer_new(&d, 1, &q, NULL);
    for (int l = 0; l < 2; l++) {
        size_t n = cospin_nn_weight_count(nn, l);
        double w_max = 0;
        for (size_t i = 0; i < n; i++)
            w_max = fmax(w_max, fabs(nn->w[l][i]));
        for (size_t i = 0; i < n; i++)
            ck_assert(on_level(q, w_max, nn->w[l][i]));
        ck_assert_close(nn->k[l][0], 0.89, 1e-6);
    }
    struct cospin_device_train_report r;
    cospin_device_train_get_report(t, &r);
    ck_assert_int_eq(r.runs, 1);
    cospin_quantizer_free(q);
    cospin_train_result_clear(&res);
    cospin_nn_free(nn);
    cospin_device_train_free(t);
}
END_TEST

/* ---- errors ---------------------------------------------------------------------- */

START_TEST(test_errors)
{
    struct cospin_device_train_opts o;
    struct cospin_error err = {0};
    cospin_device_train_opts_init(&o);
    /* Each value on its own: a field name (or the device's words) in the message. */
    static const struct {
        const char *synapse, *neuron;
        int states, cells;
        double w_max, c2c, i_scale_a;
        const char *want;
    } bad[] = {
        {"memristor", NULL, 0, 1, 1, 0, 1e-3, "memristor"},
        {NULL, NULL, -1, 1, 1, 0, 1e-3, "states"},
        {NULL, NULL, 1000001, 1, 1, 0, 1e-3, "states"},
        {NULL, NULL, 0, 0, 1, 0, 1e-3, "cells"},
        {NULL, NULL, 0, 4097, 1, 0, 1e-3, "cells"},
        {NULL, NULL, 0, 1, 0, 0, 1e-3, "w-max"},
        {NULL, NULL, 0, 1, NAN, 0, 1e-3, "w-max"},
        {NULL, NULL, 0, 1, 1, -0.1, 1e-3, "c2c"},
        {NULL, "sot-n:6", 0, 1, 1, 0, 1e-3, "6 ML"},
        {NULL, "mtj", 0, 1, 1, 0, 1e-3, "sot-n"},
        {NULL, NULL, 0, 1, 1, 0, 0, "scale"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o = opts_of(bad[i].synapse, bad[i].neuron);
        o.states = bad[i].states;
        o.cells = bad[i].cells;
        o.w_max = bad[i].w_max;
        o.c2c_sigma = bad[i].c2c;
        o.i_scale_a = bad[i].i_scale_a;
        memset(&err, 0, sizeof err);
        ck_assert_int_eq(cospin_device_train_opts_validate(&o, &err), COSPIN_ERR_INVALID);
        ck_assert_msg(strstr(err.msg, bad[i].want) != NULL, "%zu: %s", i, err.msg);
        struct cospin_device_train *t = (void *)1;
        ck_assert_int_eq(cospin_device_train_new(&o, &t, NULL), COSPIN_ERR_INVALID);
        ck_assert_ptr_null(t);
    }
    /* The defaults and the names the front ends accept are valid. */
    o = opts_of("rram", "sot-n:9");
    ck_assert_int_eq(cospin_device_train_opts_validate(&o, NULL), 0);
    ck_assert_str_eq(cospin_quant_mode_names[COSPIN_QUANT_QAT], "qat");
    ck_assert_str_eq(cospin_round_mode_names[COSPIN_ROUND_OPEN_STOCHASTIC], "open-stochastic");
    ck_assert_ptr_null(cospin_round_mode_names[COSPIN_ROUND_OPEN_STOCHASTIC + 1]);
    struct cospin_device_train *t = (void *)1;
    /* PTQ needs a device, and a quantisable (non-analog) one. */
    cospin_device_train_opts_init(&o);
    o.quant = COSPIN_QUANT_PTQ;
    ck_assert_int_eq(cospin_device_train_new(&o, &t, NULL), COSPIN_ERR_INVALID);
    ck_assert_ptr_null(t);
    o.synapse = "ideal";
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(cospin_device_train_new(&o, &t, &err), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "analog"));
    /* Cells only with ptq/qat. */
    cospin_device_train_opts_init(&o);
    o.synapse = "sot-s";
    o.cells = 4;
    ck_assert_int_eq(cospin_device_train_new(&o, &t, NULL), COSPIN_ERR_INVALID);
    /* Bad device passed directly. */
    struct cospin_device d;
    cospin_device_preset("rram", &d, NULL);
    d.ltp.nu = -3;
    cospin_device_train_opts_init(&o);
    o.device = &d;
    ck_assert_int_eq(cospin_device_train_new(&o, &t, NULL), COSPIN_ERR_INVALID);
    /* Resume is refused with a device; mode kc with the SOT-N too. */
    cospin_device_train_opts_init(&o);
    o.synapse = "sot-s";
    ck_assert_int_eq(cospin_device_train_new(&o, &t, NULL), 0);
    struct cospin_train_opts to;
    cospin_train_opts_init(&to);
    to.resume = 1;
    ck_assert_int_eq(cospin_device_train_install(t, &to, NULL), COSPIN_ERR_INVALID);
    cospin_device_train_free(t);
    cospin_device_train_opts_init(&o);
    o.neuron = "sot-n";
    ck_assert_int_eq(cospin_device_train_new(&o, &t, NULL), 0);
    cospin_train_opts_init(&to);
    to.mode = COSPIN_NN_KC;
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(cospin_device_train_install(t, &to, &err), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "mode"));
    cospin_device_train_free(t);
    /* An empty context is inactive and installs nothing. */
    cospin_device_train_opts_init(&o);
    ck_assert_int_eq(cospin_device_train_new(&o, &t, NULL), 0);
    ck_assert_int_eq(cospin_device_train_active(t), 0);
    ck_assert_ptr_null(cospin_device_train_device(t));
    cospin_train_opts_init(&to);
    ck_assert_int_eq(cospin_device_train_install(t, &to, NULL), 0);
    ck_assert_ptr_null(to.weight_update.apply);
    cospin_device_train_free(t);
    cospin_device_train_free(NULL);
    /* Writing the report into a missing directory fails cleanly. */
    cospin_device_train_opts_init(&o);
    o.synapse = "pcm";
    cospin_device_train_new(&o, &t, NULL);
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(cospin_device_train_write_report(t, "/nonexistent/dir", &err),
                     COSPIN_ERR_IO);
    cospin_device_train_free(t);
}
END_TEST


/* ---- user-defined devices in XML ------------------------------------------------- */

START_TEST(test_xml_device)
{
    const char *xml = "<?xml version=\"1.0\"?>\n"
                      "<synapse name=\"my-rram\" states=\"3\" g-min=\"1u\" g-max=\"50u\" "
                      "c2c=\"0.1\">\n"
                      "  <ltp curve=\"exp-sat\" nu=\"2\"/>\n"
                      "  <ltd curve=\"table\">\n"
                      "    <point pulse=\"0\" value=\"12\"/>\n"
                      "    <point pulse=\"1\" value=\"10\"/>\n"
                      "    <point pulse=\"2\" value=\"7\"/>\n"
                      "    <point pulse=\"3\" value=\"2\"/>\n"
                      "  </ltd>\n"
                      "</synapse>\n";
    struct cospin_device d;
    struct cospin_error err = {0};
    ck_assert_msg(cospin_device_load_xml_memory(xml, "dev.xml", &d, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(d.name, "my-rram");
    ck_assert_int_eq(d.states, 3);
    ck_assert_close(d.g_max_s, 50e-6, 1e-18);
    ck_assert_close(d.c2c_sigma, 0.1, 0.0);
    ck_assert_int_eq(d.ltp.family, COSPIN_CURVE_EXP_SAT);
    ck_assert_close(d.ltp.nu, 2.0, 0.0);
    /* Measured LTD 12, 10, 7, 2 normalised: one pulse from the top reaches 0.8. */
    ck_assert_int_eq(d.ltd.family, COSPIN_CURVE_TABLE);
    ck_assert_close(cospin_device_g_after(&d, 1, 1), 0.8, 1e-12);
    ck_assert_close(cospin_device_g_after(&d, 1, 2), 0.5, 1e-12);
}
END_TEST

/* Bad definitions: each names the line of the offending element. */
static const char *const bad_xml[][2] = {
    {"<synapse name=\"a\" states=\"3\">\n<ltp curve=\"exp-sat\"/>\n<ltd curve=\"linear\"/>\n"
     "</synapse>\n",
     "bad.xml:2: "},
    {"<synapse name=\"a\" states=\"3\">\n<ltp curve=\"linear\"/>\n<ltd curve=\"table\">\n"
     "<point pulse=\"0\" value=\"1\"/>\n<point pulse=\"1\" value=\"3\"/>\n"
     "<point pulse=\"2\" value=\"2\"/>\n</ltd>\n</synapse>\n",
     "bad.xml:6: "},
    {"<synapse name=\"a\" states=\"3\">\n<ltp curve=\"cubic\"/>\n<ltd curve=\"linear\"/>\n"
     "</synapse>\n",
     "bad.xml:2: "},
    {"<synapse name=\"a\" states=\"3\" g-min=\"5u\" g-max=\"1u\">\n<ltp curve=\"linear\"/>\n"
     "<ltd curve=\"linear\"/>\n</synapse>\n",
     "bad.xml:1: "},
    {"<synapse name=\"a\" states=\"3\">\n<ltp curve=\"linear\"/>\n</synapse>\n", "bad.xml:"},
    {"<synapse name=\"a\" states=\"3\">\n<ltp curve=\"linear\"/>\n<ltd curve=\"table\">\n"
     "<point pulse=\"1\" value=\"1\"/>\n<point pulse=\"2\" value=\"3\"/>\n</ltd>\n</synapse>\n",
     "bad.xml:4: "},
    {"<synapse name=\"a\" states=\"3\">\n<ltp curve=\"exp-rev\" nu=\"99\"/>\n"
     "<ltd curve=\"linear\"/>\n</synapse>\n",
     "bad.xml:2: "},
    {"<synapse name=\"a\" states=\"3\">\n<ltp curve=\"linear\">\n<point pulse=\"0\" value=\"1\"/>\n"
     "</ltp>\n<ltd curve=\"linear\"/>\n</synapse>\n",
     "bad.xml:2: "},
    {"<synapse name=\"a\" states=\"3\">\n<ltp curve=\"linear\"/>\n<ltd curve=\"table\">\n"
     "<point pulse=\"0\" value=\"1\"/>\n<point pulse=\"2\" value=\"3\"/>\n"
     "<point pulse=\"2\" value=\"4\"/>\n</ltd>\n</synapse>\n",
     "bad.xml:6: "},
    {"<synapse name=\"a\" states=\"3\">\n<ltp curve=\"linear\"/>\n<ltd curve=\"table\">\n"
     "<point pulse=\"0\" value=\"1\"/>\n<point pulse=\"2\" value=\"1\"/>\n</ltd>\n</synapse>\n",
     "bad.xml:5: "},
    {"<synapse name=\"a\" states=\"3\">\n<ltp curve=\"linear\"/>\n<ltd curve=\"table\">\n"
     "<point pulse=\"0\" value=\"1\"/>\n</ltd>\n</synapse>\n",
     "bad.xml:3: "},
    {"<synapse name=\"a\" states=\"3\" c2c=\"-1\">\n<ltp curve=\"linear\"/>\n<ltd curve=\"linear\"/>\n"
     "</synapse>\n",
     "bad.xml:1: "},
    {"<synapse name=\"a\" states=\"3\"\n", "bad.xml:"},
};

START_TEST(test_xml_bad)
{
    struct cospin_device d;
    struct cospin_error err = {0};
    int rc = cospin_device_load_xml_memory(bad_xml[_i][0], "bad.xml", &d, &err);
    ck_assert_int_lt(rc, 0);
    char buf[1200];
    cospin_error_format(&err, buf, sizeof buf);
    ck_assert_msg(strncmp(buf, bad_xml[_i][1], strlen(bad_xml[_i][1])) == 0,
                  "want prefix '%s', got '%s'", bad_xml[_i][1], buf);
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(cospin_device_load_xml("/nonexistent/dev.xml", &d, &err), COSPIN_ERR_IO);
    /* Through the training options: a bad file is reported with its name. */
    struct cospin_device_train_opts o;
    cospin_device_train_opts_init(&o);
    memset(&err, 0, sizeof err);
    o.synapse = "/nonexistent/dev.xml";
    ck_assert_int_lt(cospin_device_train_opts_validate(&o, &err), 0);
    ck_assert_ptr_nonnull(strstr(err.file, "dev.xml"));
}
END_TEST

/* ---- <experiment type="sot"> ------------------------------------------------------ */

static int run_exp(const char *xml, const char *dir, struct cospin_error *err)
{
    struct cospin_xml_doc *cfg = NULL;
    struct cospin_experiment_ctx ctx = {.out_dir = dir};
    int rc = cospin_xml_load_memory(xml, 0, "exp.xml", COSPIN_CONFIG_SCHEMA_EXPERIMENT, &cfg,
                                       err);
    if (rc == 0)
        rc = cospin_experiment_sot(cospin_xml_root(cfg), &ctx, err);
    cospin_xml_free(cfg);
    return rc;
}

START_TEST(test_experiment_curves)
{
    char dir[] = "/tmp/cospin-sot-exp-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    struct cospin_error err = {0};
    const char *xml = "<experiment type=\"sot\">\n"
                      "  <curves devices=\"rram,sot-s:5\" points=\"3\"/>\n"
                      "</experiment>\n";
    ck_assert_msg(run_exp(xml, dir, &err) == 0, "%s", err.msg);
    char path[256], line[256];
    snprintf(path, sizeof path, "%s/curves.csv", dir);
    FILE *fp = fopen(path, "r");
    ck_assert_ptr_nonnull(fp);
    int rows = 0, found = 0;
    while (fgets(line, sizeof line, fp)) {
        rows++;
        /* RRAM LTP at P = 0.5: (1 - e^-1)/(1 - e^-2) = 0.731059 (Eq. 4.1). */
        if (strncmp(line, "rram,ltp,0.500000,", 18) == 0) {
            ck_assert_close(atof(line + 18), 0.731059, 1e-6);
            found = 1;
        }
    }
    fclose(fp);
    ck_assert_int_eq(rows, 1 + 2 * 2 * 3); /* header + 2 devices x 2 branches x 3 points */
    ck_assert(found);
    remove(path);
    snprintf(path, sizeof path, "%s/levels.csv", dir);
    fp = fopen(path, "r");
    ck_assert_ptr_nonnull(fp);
    rows = 0;
    while (fgets(line, sizeof line, fp))
        rows++;
    fclose(fp);
    ck_assert_int_eq(rows, 1 + 65 + 19); /* header + RRAM 0..64 + SOT-S 5 ML 0..18 */
    remove(path);
    snprintf(path, sizeof path, "%s/curves.svg", dir);
    fp = fopen(path, "r");
    ck_assert_ptr_nonnull(fp);
    ck_assert_ptr_nonnull(fgets(line, sizeof line, fp));
    ck_assert_ptr_nonnull(strstr(line, "<"));
    fclose(fp);
    remove(path);
    /* A bad <train> is reported with its line, before anything runs. */
    const char *bad = "<experiment type=\"sot\">\n"
                      "  <train name=\"a\" synapse=\"sot-s\"/>\n"
                      "  <train name=\"b\" synapse=\"sot-s\" cells=\"4\"/>\n"
                      "</experiment>\n";
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(run_exp(bad, dir, &err), COSPIN_ERR_INVALID);
    ck_assert_int_eq(err.line, 3);
    ck_assert_ptr_nonnull(strstr(err.msg, "cells"));
    const char *badn = "<experiment type=\"sot\">\n"
                       "  <curves devices=\"rram,flash\"/>\n"
                       "</experiment>\n";
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(run_exp(badn, dir, &err), COSPIN_ERR_INVALID);
    ck_assert_int_eq(err.line, 2);
    ck_assert_ptr_nonnull(strstr(err.msg, "flash"));
    ck_assert_int_eq(rmdir(dir), 0); /* nothing left behind */
}
END_TEST

static Suite *suite_device_train(void)
{
    Suite *s = suite_create("device_train");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_update_hook);
    tcase_add_test(tc, test_pair_hook);
    tcase_add_test(tc, test_ptq_qat_hooks);
    tcase_add_test(tc, test_neuron);
    tcase_add_test(tc, test_train_run_ptq);
    tcase_add_test(tc, test_xml_device);
    tcase_add_test(tc, test_experiment_curves);
    suite_add_tcase(s, tc);
    TCase *te = tcase_create("errors");
    tcase_add_test(te, test_errors);
    tcase_add_loop_test(te, test_xml_bad, 0, (int)(sizeof bad_xml / sizeof bad_xml[0]));
    suite_add_tcase(s, te);
    return s;
}

COSPIN_CHECK_MAIN(suite_device_train)
