/*
 * install-api.c -- a program that embeds cospin the way a user does: only the
 * installed headers, compiled and linked with `pkg-config --cflags --libs
 * cospin` (tests/install-api.sh).  One call or more per public module; each
 * check prints "ok ..." or "FAIL ..." and the exit status counts failures.
 *
 * Usage: install-api VERSION   (the version pkg-config reports)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cospin.h>
#include <cospin/characterize.h>
#include <cospin/dataset.h>
#include <cospin/engine.h>
#include <cospin/fit.h>
#include <cospin/llgs.h>
#include <cospin/netlist.h>
#include <cospin/neuron_map.h>
#include <cospin/nn.h>
#include <cospin/train.h>
#include <cospin/train_job.h>
#include <cospin/units.h>

static int failures;

static void check(int ok, const char *what, const char *detail)
{
    printf("%s %s%s%s\n", ok ? "ok  " : "FAIL", what, detail[0] ? ": " : "", detail);
    if (!ok)
        failures++;
}

/* Messages the log handler received. */
struct log_count {
    int messages;
    int progress;
};

static void count_messages(enum cospin_log_level level, const char *prefix, const char *message,
                           void *user_data)
{
    struct log_count *c = user_data;
    (void)level;
    (void)message;
    c->messages++;
    if (strcmp(prefix, "progress") == 0)
        c->progress++;
}

static void check_base(const char *version)
{
    char buf[128];
    check(strcmp(cospin_version(), version) == 0, "cospin_version matches pkg-config",
          cospin_version());
    check(strcmp(cospin_strerror(COSPIN_ERR_PARSE), "parse error") == 0, "cospin_strerror", "");
    double v = 0;
    struct cospin_error err = {0};
    check(cospin_units_parse("10n", &v, &err) == 0 && fabs(v - 10e-9) < 1e-24, "units: 10n", "");
    check(strcmp(cospin_units_format(2.5e6, 6, buf, sizeof buf), "2.5meg") == 0,
          "units: 2.5e6 formats as 2.5meg", buf);
    check(cospin_units_parse("1x", &v, &err) == COSPIN_ERR_PARSE, "units: '1x' is an error",
          cospin_error_format(&err, buf, sizeof buf));
}

/* The LLGS device: far above the critical current every trial switches, at
   zero current none does within 20 ns (the barrier is tens of kBT), and the
   same seed gives the same trials. */
static void check_llgs(void)
{
    struct cospin_mtj_params p;
    struct cospin_mtj_derived d;
    char msg[256] = "";
    cospin_mtj_params_default(&p);
    int rc = cospin_mtj_derive(&p, &d, msg, sizeof msg);
    check(rc == 0, "llgs: derive the default device", msg);
    if (rc != 0)
        return;
    unsigned char a[16], b[16];
    long hi = cospin_mtj_trials(&d, 200e-6, 10e-9, 10e-9, 7, 0, 16, a);
    long again = cospin_mtj_trials(&d, 200e-6, 10e-9, 10e-9, 7, 0, 16, b);
    long zero = cospin_mtj_trials(&d, 0.0, 10e-9, 10e-9, 7, 0, 16, NULL);
    snprintf(msg, sizeof msg, "%ld/16 at 200 uA, %ld/16 at 0", hi, zero);
    check(hi == 16 && zero == 0 && memcmp(a, b, sizeof a) == 0, "llgs: trials", msg);
}

/* Characterisation in memory, with the progress reports going to the handler. */
static void check_characterize(void)
{
    struct log_count seen = {0};
    cospin_log_set_handler(count_messages, &seen);
    struct cospin_char_opts o;
    cospin_char_opts_default(&o);
    o.trials = 20;
    o.threads = 1;
    const double widths_s[] = {10e-9};
    const double currents_a[] = {5e-6, 20e-6, 60e-6};
    struct cospin_char_grid g = {widths_s, 1, NULL, 0, currents_a, 3};
    struct cospin_char_table *t = NULL;
    struct cospin_error err = {0};
    char buf[1024] = "";
    int rc = cospin_char_run(&o, &g, &t, &err);
    if (rc)
        cospin_error_format(&err, buf, sizeof buf);
    check(rc == 0 && t && t->npoints == 3 && t->nfits == 1, "characterize: 3 points, 1 fit", buf);
    check(seen.progress >= 1, "log handler: progress reports arrive", "");
    cospin_log_set_handler(NULL, NULL);
    cospin_char_table_free(t);
}

/* A fit of exact probabilities from k = 0.5, c = 10 recovers them. */
static void check_fit(void)
{
    double x[7];
    long n[7], s[7];
    for (int i = 0; i < 7; i++) {
        x[i] = 4.0 + 2.0 * i;
        n[i] = 100000;
        s[i] = lround(n[i] * cospin_fit_sigmoid(x[i], 0.5, 10.0));
    }
    struct cospin_fit_result r;
    struct cospin_error err = {0};
    int rc = cospin_fit_logistic(x, n, s, 7, &r, &err);
    char msg[128];
    snprintf(msg, sizeof msg, "k = %g, c = %g", r.k, r.c);
    /* The rounding of s moves the estimate by far less than 1e-3. */
    check(rc == 0 && fabs(r.k - 0.5) < 1e-3 && fabs(r.c - 10.0) < 1e-3, "fit: logistic", msg);
}

/* A 1 x 2 crossbar as text, then a tmr_res divider through the engine with
   the cospin.cm the library finds by itself. */
static void check_netlist_and_engine(void)
{
    struct cospin_xbar_opts xo;
    cospin_xbar_opts_default(&xo);
    struct cospin_netlist *nl = cospin_netlist_new();
    const double w[2] = {0.5, -0.25};
    const char *in[2] = {"x0", "x1"};
    struct cospin_error err = {0};
    int rc = cospin_netlist_crossbar(nl, "l1", &xo, w, 1, 2, in, NULL, &err);
    check(rc == 0 && strstr(cospin_netlist_text(nl), "vl1s0") != NULL, "netlist: crossbar", "");
    cospin_netlist_free(nl);

    printf("code models: %s\n", cospin_path_cm());
    struct cospin_engine *eng = NULL;
    char buf[1024] = "";
    rc = cospin_engine_new(NULL, &eng, &err);
    if (rc == 0)
        rc = cospin_engine_load(eng,
                                "* divider\nvdd top 0 dc 0.1\nrload top mid 5k\nvstate st 0 dc 1\n"
                                "amtj mid 0 st mtj1\n.model mtj1 tmr_res(r_p=5k r_ap=10k)\n",
                                &err);
    if (rc == 0)
        rc = cospin_engine_command(eng, "op", &err);
    double *v = NULL;
    size_t nv = 0;
    if (rc == 0)
        rc = cospin_engine_vector(eng, "v(mid)", &v, &nv, &err);
    if (rc)
        cospin_error_format(&err, buf, sizeof buf);
    else
        snprintf(buf, sizeof buf, "v(mid) = %.9g V", v[0]);
    /* m = +1: R = R_P = 5k, v(mid) = 0.1 V / 2; a linear circuit at fixed m,
       solved to ngspice's reltol 1e-3 of the node voltage at most. */
    check(rc == 0 && nv == 1 && fabs(v[0] - 0.05) < 5e-5, "engine: tmr_res divider", buf);
    free(v);
    cospin_engine_free(eng);
}

/* A tiny training run on a synthetic dataset: 2 classes told apart by one pixel. */
static void check_training(void)
{
    struct cospin_dataset *ds = cospin_dataset_new(40, 2, 2);
    for (size_t i = 0; i < ds->n; i++) {
        ds->labels[i] = (uint8_t)(i % 2);
        ds->pixels[i * 4 + ds->labels[i]] = 255;
    }
    ds->n_classes = 2;
    struct cospin_train_data td = {0};
    struct cospin_error err = {0};
    int rc = cospin_train_data_from(ds, 0, &td, &err);
    struct cospin_train_opts o;
    cospin_train_opts_init(&o);
    o.hidden = 4;
    o.iters = 3;
    o.show_progress = 0;
    o.eval_every = 0;
    struct cospin_nn *nn = NULL;
    struct cospin_train_result res = {0};
    if (rc == 0)
        rc = cospin_train_run(&td, NULL, &o, &nn, &res, &err);
    char buf[1024] = "";
    if (rc)
        cospin_error_format(&err, buf, sizeof buf);
    check(rc == 0 && nn && res.iters_done == 3 && nn->n_units[1] == 4, "train: 3 iterations", buf);
    check(rc == 0 && nn && nn->n_layers == 2 && cospin_nn_outputs(nn) == 2,
          "train: one output per class", "");
    cospin_nn_free(nn);
    cospin_train_result_clear(&res);
    /* Any depth: the sizes from the inputs to the classes. */
    nn = NULL;
    if (rc == 0)
        rc = cospin_nn_parse_layers("4,3,3,2", o.layers, &o.n_layers, &err);
    if (rc == 0)
        rc = cospin_train_run(&td, NULL, &o, &nn, &res, &err);
    buf[0] = '\0';
    if (rc)
        cospin_error_format(&err, buf, sizeof buf);
    check(rc == 0 && nn && nn->n_layers == 3 && nn->n_units[2] == 3, "train: 4-3-3-2", buf);
    cospin_nn_free(nn);
    cospin_train_result_clear(&res);
    cospin_train_data_clear(&td);
    cospin_dataset_free(ds);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: install-api VERSION\n");
        return 2;
    }
    check_base(argv[1]);
    check_llgs();
    check_fit();
    check_characterize();
    check_netlist_and_engine();
    check_training();
    printf("%d failed\n", failures);
    return failures ? 1 : 0;
}
