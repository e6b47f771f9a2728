/*
 * check_mtj_device.c -- the MTJ device description (mtj_device.h): the
 * device file and its errors (file:line, attribute, allowed range), the
 * <device file="..."> reference with overrides, the derived figures against
 * their formulas and the thesis's numbers, the .model card, and writing a
 * device back as a file that reads to the same device.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check_util.h"
#include "mtj_device.h"
#include "xml.h"

#define DATA COSPIN_TEST_SRCDIR "/data/"

static double kt_j(double t_k)
{
    return COSPIN_KB_J_PER_K * t_k;
}

/* The designer's device of tests/data/mtj_designer.xml, field by field. */
START_TEST(test_read_designer)
{
    struct cospin_mtj_device d;
    cospin_mtj_device_default(&d);
    struct cospin_error err = {0};
    ck_assert_msg(cospin_mtj_device_read(DATA "mtj_designer.xml", &d, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(d.name, "designer");
    ck_assert_rel(d.p.length_m, 40e-9, 1e-15);
    ck_assert_rel(d.p.width_m, 40e-9, 1e-15);
    ck_assert_rel(d.p.thickness_m, 1.1e-9, 1e-15);
    ck_assert_rel(d.p.ku_j_per_m3, 0.9e6, 1e-15);
    ck_assert_rel(d.p.alpha, 0.01, 1e-15);
    ck_assert_rel(d.p.polarization, 0.6, 1e-15);
    ck_assert_rel(cospin_mtj_device_r_p_ohm(&d), 5e3, 1e-15);
    ck_assert_rel(cospin_mtj_device_r_ap_ohm(&d), 12.5e3, 1e-15);
    /* What the file leaves out keeps the defaults. */
    struct cospin_mtj_params def;
    cospin_mtj_params_default(&def);
    ck_assert_double_eq(d.p.mu0_ms_t, def.mu0_ms_t);
    ck_assert_double_eq(d.p.temperature_k, def.temperature_k);
    ck_assert_int_eq(d.p.demag, def.demag);
    ck_assert_int_eq(d.p.integrator, COSPIN_INTEGRATOR_ROTATING);
}
END_TEST

/*
 * The derived figures against their formulas: the thesis device in the
 * thin-film convention gives the thesis's own checks (E_B = 7.5 kBT, mu0Hk
 * = 0.169 T, I_c = 5.8 uA, to its rounding as in check_llgs); the damping
 * time is (1 + alpha^2)/(alpha gamma mu0Hk); the retention 1 ns e^Delta; the
 * verdict follows Delta (7.5: superparamagnetic; 26: volatile at the prism;
 * 45 and 70 by raising Ku; T = 0: athermal).
 */
START_TEST(test_figures)
{
    struct cospin_mtj_device d;
    cospin_mtj_device_default(&d);
    d.p.demag = COSPIN_DEMAG_THIN_FILM;
    struct cospin_mtj_figures f;
    ck_assert_int_eq(cospin_mtj_figures_compute(&d, &f, NULL), 0);
    ck_assert_close(f.eb_kt, 7.5, 0.05);
    ck_assert_close(f.hk_t, 0.169, 0.001);
    ck_assert_close(f.icrit_a, 5.8e-6, 0.05e-6);
    ck_assert_rel(f.tau_damping_s, (1.0 + 0.0122 * 0.0122) / (0.0122 * 1.76e11 * f.hk_t), 1e-12);
    ck_assert_rel(f.retention_s, 1e-9 * exp(f.eb_kt), 1e-12);
    ck_assert_str_eq(f.stability, "superparamagnetic");
    ck_assert_rel(f.volume_m3, 15e-9 * 15e-9 * 1.3e-9, 1e-12);
    ck_assert_double_eq(f.n_demag[2], 1.0);
    d.p.demag = COSPIN_DEMAG_PRISM;
    ck_assert_int_eq(cospin_mtj_figures_compute(&d, &f, NULL), 0);
    ck_assert_close(f.eb_kt, 26.12, 0.01);
    ck_assert_str_eq(f.stability, "volatile");
    /* Ku for a given Delta: Ku = Delta kT / V + mu0 Ms^2 (Nz - Nx)/2; the
       stiffer anisotropy needs a finer step (validation: gamma B dt <= 1). */
    d.p.dt_s = 2e-12;
    double ms = 1.58 / COSPIN_MU0_T_M_PER_A, v = f.volume_m3;
    double demag = 0.5 * COSPIN_MU0_T_M_PER_A * ms * ms * (f.n_demag[2] - f.n_demag[0]);
    d.p.ku_j_per_m3 = 45.0 * kt_j(300.0) / v + demag;
    ck_assert_int_eq(cospin_mtj_figures_compute(&d, &f, NULL), 0);
    ck_assert_str_eq(f.stability, "non-volatile");
    d.p.ku_j_per_m3 = 70.0 * kt_j(300.0) / v + demag;
    ck_assert_int_eq(cospin_mtj_figures_compute(&d, &f, NULL), 0);
    ck_assert_str_eq(f.stability, "non-volatile (arrays)");
    d.p.temperature_k = 0.0;
    ck_assert_int_eq(cospin_mtj_figures_compute(&d, &f, NULL), 0);
    ck_assert(isinf(f.eb_kt) && isinf(f.retention_s));
    ck_assert_str_eq(f.stability, "athermal (T = 0)");
    /* The text names every figure. */
    char buf[2048];
    cospin_mtj_figures_format(&d, &f, "# ", buf, sizeof buf);
    static const char *const want[] = {"# E_B/kBT", "# mu0 Hk,eff", "# I_c0", "# damping time",
                                       "# stability", "# R_P, R_AP"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_msg(strstr(buf, want[i]) != NULL, "'%s' lacks '%s'", buf, want[i]);
    /* SOT: the channel threshold (llgs.h), named as such. */
    d.p.torque = COSPIN_TORQUE_SOT;
    d.p.h_applied_t[0] = 0.05;
    ck_assert_int_eq(cospin_mtj_figures_compute(&d, &f, NULL), 0);
    ck_assert_double_eq(f.icrit_a, cospin_mtj_icrit_a(&d.p));
    cospin_mtj_figures_format(&d, &f, "", buf, sizeof buf);
    ck_assert_ptr_nonnull(strstr(buf, "channel current"));
}
END_TEST

/* The read path: R_P from RA over the free-layer area, R_AP from the TMR
 * ratio, or given; TMR follows an R_P override. */
START_TEST(test_read_path)
{
    struct cospin_mtj_device d;
    cospin_mtj_device_default(&d);
    ck_assert_double_eq(cospin_mtj_device_r_p_ohm(&d), 5e3);
    ck_assert_double_eq(cospin_mtj_device_r_ap_ohm(&d), 10e3);
    d.tmr = 1.5;
    d.r_p_ohm = 2e3;
    ck_assert_rel(cospin_mtj_device_r_ap_ohm(&d), 5e3, 1e-15);
    d.ra_ohm_m2 = 4.5e-12; /* 4.5 ohm um^2 over 15 x 15 nm: 20 kOhm */
    ck_assert_rel(cospin_mtj_device_r_p_ohm(&d), 20e3, 1e-12);
    ck_assert_rel(cospin_mtj_device_r_ap_ohm(&d), 50e3, 1e-12);
    d.r_ap_ohm = 70e3;
    struct cospin_tmr t;
    cospin_mtj_device_tmr(&d, &t);
    ck_assert_rel(t.r_p_ohm, 20e3, 1e-12);
    ck_assert_double_eq(t.r_ap_ohm, 70e3);
    ck_assert_int_eq(cospin_mtj_device_validate(&d, NULL), 0);
}
END_TEST

/* Number of "name=" occurrences of the card, and its value. */
static double card_value(const char *card, const char *name)
{
    char key[64];
    snprintf(key, sizeof key, " %s=", name);
    const char *at = strstr(card, key);
    if (!at && strncmp(card, key + 1, strlen(key) - 1) == 0)
        at = card - 1;
    ck_assert_msg(at != NULL, "card lacks %s: %s", name, card);
    return strtod(at + strlen(key), NULL);
}

/*
 * The .model card carries every physical parameter exactly (numbers read
 * back to the same double) and the conventions by name; an SOT device gets
 * mtj_sot's parameters; a buffer too small is an error.
 */
START_TEST(test_card)
{
    struct cospin_mtj_device d;
    cospin_mtj_device_default(&d);
    ck_assert_int_eq(cospin_mtj_device_read(DATA "mtj_designer.xml", &d, NULL), 0);
    d.p.stt = COSPIN_STT_SPIN_VALVE;
    d.p.init = COSPIN_INIT_MINUS_Z;
    d.p.thermal_scale = 0.7;
    char card[2048];
    ck_assert_int_eq(cospin_mtj_device_card(&d, card, sizeof card, NULL), 0);
    ck_assert_str_eq(cospin_mtj_device_model(&d), "mtj_stt");
    ck_assert_double_eq(card_value(card, "length"), d.p.length_m);
    ck_assert_double_eq(card_value(card, "thickness"), d.p.thickness_m);
    ck_assert_double_eq(card_value(card, "ku"), d.p.ku_j_per_m3);
    ck_assert_double_eq(card_value(card, "pol"), 0.6);
    ck_assert_double_eq(card_value(card, "r_ap"), 12.5e3);
    ck_assert_double_eq(card_value(card, "thermal_scale"), 0.7);
    ck_assert_ptr_nonnull(strstr(card, "stt=\"slonczewski1996\""));
    ck_assert_ptr_nonnull(strstr(card, "init=\"minus-z\""));
    ck_assert_ptr_nonnull(strstr(card, "integrator=\"rotating\""));
    ck_assert_ptr_null(strstr(card, "theta_sh"));
    d.p.torque = COSPIN_TORQUE_SOT;
    d.p.field_like_ratio = 0.25;
    ck_assert_int_eq(cospin_mtj_device_card(&d, card, sizeof card, NULL), 0);
    ck_assert_str_eq(cospin_mtj_device_model(&d), "mtj_sot");
    ck_assert_double_eq(card_value(card, "fl_ratio"), 0.25);
    ck_assert_double_eq(card_value(card, "r_hm"), 1.67e3);
    ck_assert_ptr_null(strstr(card, " pol="));
    ck_assert_ptr_null(strstr(card, " stt="));
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_mtj_device_card(&d, card, 40, &err), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "does not fit"));
}
END_TEST

/*
 * A device written as a file reads back to the same device (every number
 * exact, the conventions, the name), also with Ku given as K_bulk + K_i/t
 * (the file then has k-bulk and k-i instead of ku).  The file validates
 * against mtj.rng in well under the test's time limit: with every attribute
 * present it is the case a plain group of optional attributes makes
 * exponential in libxml2.
 */
START_TEST(test_write_read_back)
{
    char dir[] = "/tmp/check_mtj_device_XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    for (int k = 0; k < 2; k++) {
        struct cospin_mtj_device d, back;
        cospin_mtj_device_default(&d);
        ck_assert_int_eq(cospin_mtj_device_read(DATA "mtj_designer.xml", &d, NULL), 0);
        d.p.stt = COSPIN_STT_SLONCZEWSKI;
        d.p.integrator = COSPIN_INTEGRATOR_RK4;
        d.p.h_applied_t[2] = -0.01;
        d.ra_ohm_m2 = 1e-11;
        if (k) {
            d.p.k_i_j_per_m2 = 1.3e-3;
            d.p.k_bulk_j_per_m3 = -2e5;
        }
        struct cospin_error err = {0};
        ck_assert_msg(cospin_mtj_device_save(&d, dir, &err) == 0, "%s", err.msg);
        char path[256];
        snprintf(path, sizeof path, "%s/device.xml", dir);
        cospin_mtj_device_default(&back);
        ck_assert_msg(cospin_mtj_device_read(path, &back, &err) == 0, "%s", err.msg);
        ck_assert_str_eq(back.name, "designer");
        /* With K_i the file has k-bulk and k-i, not the unused ku. */
        ck_assert_double_eq(cospin_mtj_ku_j_per_m3(&back.p), cospin_mtj_ku_j_per_m3(&d.p));
        if (k)
            back.p.ku_j_per_m3 = d.p.ku_j_per_m3;
        ck_assert_msg(memcmp(&back.p, &d.p, sizeof d.p) == 0, "parameters differ (case %d)", k);
        ck_assert_double_eq(back.ra_ohm_m2, d.ra_ohm_m2);
        ck_assert_double_eq(back.tmr, d.tmr);
        ck_assert_double_eq(back.r_hm_ohm, d.r_hm_ohm);
        remove(path);
    }
    rmdir(dir);
}
END_TEST

/*
 * <device file="..."> in another document: the file is read relative to the
 * referencing file's directory, and the element's own attributes override
 * it; ku clears k_i.
 */
START_TEST(test_reference_and_override)
{
    static const char xml[] =
        "<experiment>\n"
        "  <device file=\"mtj_designer.xml\" alpha=\"0.02\" stt=\"spin-valve\"\n"
        "          init=\"minus-z\" thermal-scale=\"0.5\"/>\n"
        "  <device k-bulk=\"2e5\" k-i=\"1.2m\"/>\n"
        "  <device k-i=\"1.2m\" ku=\"1meg\"/>\n"
        "  <device file=\"no_such_file.xml\"/>\n"
        "</experiment>\n";
    struct cospin_xml_doc *doc = NULL;
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_xml_load_memory(xml, 0, DATA "inline.xml", NULL, &doc, &err), 0);
    const struct cospin_xml_node *n = cospin_xml_child(cospin_xml_root(doc), "device");
    struct cospin_mtj_device d;
    cospin_mtj_device_default(&d);
    ck_assert_msg(cospin_mtj_device_apply_xml(n, "file", &d, &err) == 0, "%s", err.msg);
    ck_assert_rel(d.p.length_m, 40e-9, 1e-15);   /* from the file */
    ck_assert_double_eq(d.p.alpha, 0.02);        /* overridden */
    ck_assert_int_eq(d.p.stt, COSPIN_STT_SPIN_VALVE);
    ck_assert_int_eq(d.p.init, COSPIN_INIT_MINUS_Z);
    ck_assert_double_eq(d.p.thermal_scale, 0.5);
    ck_assert_str_eq(d.name, "designer");
    /* K_bulk + K_i/t, then ku and k-i together: refused with the line. */
    n = cospin_xml_next(n, "device");
    cospin_mtj_device_default(&d);
    ck_assert_int_eq(cospin_mtj_device_apply_xml(n, "file", &d, NULL), 0);
    ck_assert_rel(cospin_mtj_ku_j_per_m3(&d.p), 2e5 + 1.2e-3 / 1.3e-9, 1e-12);
    n = cospin_xml_next(n, "device");
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(cospin_mtj_device_apply_xml(n, "file", &d, &err), COSPIN_ERR_INVALID);
    ck_assert_int_eq(err.line, 5);
    ck_assert_ptr_nonnull(strstr(err.msg, "either ku or k-bulk with k-i"));
    /* A missing file: reported at the referencing element. */
    n = cospin_xml_next(n, "device");
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(cospin_mtj_device_apply_xml(n, "file", &d, &err), COSPIN_ERR_IO);
    ck_assert_int_eq(err.line, 6);
    ck_assert_ptr_nonnull(strstr(err.msg, "no_such_file.xml"));
    cospin_xml_free(doc);
}
END_TEST

/*
 * Bad device files: the error has the file, the line of the element and
 * the attribute, and says the allowed range (P in (0, 1); Ku above the
 * demagnetising energy, which a thin film at mu0 Ms = 1.58 T puts at
 * mu0 Ms^2 / 2 = 9.93e5 J/m^3); a malformed number and an attribute the
 * grammar does not know (the XML <device> of old took `length`) are named
 * too; the device is unchanged after a failure.
 */
START_TEST(test_bad_files)
{
    static const struct {
        const char *file;
        int code, line;
        const char *want;
    } cases[] = {
        {"mtj_bad_pol.xml", COSPIN_ERR_INVALID, 4,
         "<mtj polarization=\"1\">: polarization = 1 out of range (0, 1)"},
        {"mtj_bad_barrier.xml", COSPIN_ERR_INVALID, 4,
         "<mtj ku=\"0.9meg\">: ku = 900000 J/m^3 is not above the demagnetising energy"},
        {"mtj_bad_number.xml", COSPIN_ERR_PARSE, 3, "<mtj fl-thickness=\"1.1x\">"},
        {"mtj_bad_attr.xml", COSPIN_ERR_INVALID, 3, "attribute 'length' is not allowed"},
        {"no_such_device.xml", COSPIN_ERR_IO, 0, "cannot open"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, DATA "%s", cases[i].file);
        struct cospin_mtj_device d, before;
        cospin_mtj_device_default(&d);
        before = d;
        struct cospin_error err = {0};
        ck_assert_int_eq(cospin_mtj_device_read(path, &d, &err), cases[i].code);
        ck_assert_int_eq(err.line, cases[i].line);
        ck_assert_msg(strstr(err.file, cases[i].file) != NULL, "file '%s'", err.file);
        ck_assert_msg(strstr(err.msg, cases[i].want) != NULL, "'%s' lacks '%s'", err.msg,
                      cases[i].want);
        ck_assert(memcmp(&d, &before, sizeof d) == 0);
    }
    /* The barrier message gives the threshold. */
    struct cospin_mtj_device d;
    cospin_mtj_device_default(&d);
    struct cospin_error err = {0};
    cospin_mtj_device_read(DATA "mtj_bad_barrier.xml", &d, &err);
    ck_assert_ptr_nonnull(strstr(err.msg, "above 9.933e+05 J/m^3"));
}
END_TEST

/* The read path's own checks name the word and the range. */
START_TEST(test_bad_read_path)
{
    static const struct {
        double r_p, ra, tmr, r_ap, v_half, r_hm;
        int sot;
        const char *want;
    } cases[] = {
        {-5e3, 0, 1, 0, 0, 1e3, 0, "r-p = -5000 ohm out of range (0, inf)"},
        {5e3, -1e-12, 1, 0, 0, 1e3, 0, "ra = -1e-12 ohm m^2 out of range [0, inf)"},
        {5e3, 0, 150, 0, 0, 1e3, 0, "tmr = 150 out of range (0, 10]"},
        {5e3, 0, 0, 0, 0, 1e3, 0, "tmr = 0 out of range (0, 10]"},
        {5e3, 0, 1, 4e3, 0, 1e3, 0, "r-ap = 4000 ohm out of range (R_P = 5000 ohm, inf)"},
        {5e3, 0, 1, 0, -1, 1e3, 0, "v-half = -1 V out of range [0, inf)"},
        {5e3, 0, 1, 0, 0, 0, 1, "r-hm = 0 ohm out of range (0, inf)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct cospin_mtj_device d;
        cospin_mtj_device_default(&d);
        d.r_p_ohm = cases[i].r_p;
        d.ra_ohm_m2 = cases[i].ra;
        d.tmr = cases[i].tmr;
        d.r_ap_ohm = cases[i].r_ap;
        d.v_half_v = cases[i].v_half;
        d.r_hm_ohm = cases[i].r_hm;
        d.p.torque = cases[i].sot ? COSPIN_TORQUE_SOT : COSPIN_TORQUE_STT;
        struct cospin_error err = {0};
        ck_assert_int_eq(cospin_mtj_device_validate(&d, &err), COSPIN_ERR_INVALID);
        ck_assert_msg(strstr(err.msg, cases[i].want) == err.msg, "case %zu: '%s' lacks '%s'", i,
                      err.msg, cases[i].want);
        struct cospin_mtj_figures f;
        ck_assert_int_eq(cospin_mtj_figures_compute(&d, &f, NULL), COSPIN_ERR_INVALID);
    }
}
END_TEST

static Suite *suite_mtj_device(void)
{
    Suite *s = suite_create("mtj_device");
    TCase *core = tcase_create("core");
    tcase_add_test(core, test_read_designer);
    tcase_add_test(core, test_figures);
    tcase_add_test(core, test_read_path);
    tcase_add_test(core, test_card);
    tcase_add_test(core, test_write_read_back);
    tcase_add_test(core, test_reference_and_override);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_test(errors, test_bad_files);
    tcase_add_test(errors, test_bad_read_path);
    suite_add_tcase(s, errors);
    return s;
}

COSPIN_CHECK_MAIN(suite_mtj_device)
