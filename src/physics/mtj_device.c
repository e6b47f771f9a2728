/*
 * mtj_device.c -- the MTJ device description: defaults, validation, derived
 * figures, the .model card, and the device file (see mtj_device.h).
 */
#include <config.h>

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#define LOG_PREFIX "device"
#include "log.h"
#include "mtj_device.h"
#include "output.h"
#include "xml.h"

/* Read-path defaults: the thesis's 5 kOhm neuron at TMR 100 % (the mtj_stt
   defaults r_p 5 kOhm, r_ap 10 kOhm), and mtj_sot's channel resistance. */
#define DEVICE_R_P_OHM 5e3
#define DEVICE_TMR 1.0
#define DEVICE_R_HM_OHM 1.67e3
/* Largest TMR ratio accepted (10 = 1000 %; the record is near 6). */
#define DEVICE_TMR_MAX 10.0
/* Room for one physics message. */
#define DEVICE_MSG_CHARS 512

void cospin_mtj_device_default(struct cospin_mtj_device *d)
{
    memset(d, 0, sizeof *d);
    cospin_mtj_params_default(&d->p);
    d->r_p_ohm = DEVICE_R_P_OHM;
    d->tmr = DEVICE_TMR;
    d->r_hm_ohm = DEVICE_R_HM_OHM;
}

double cospin_mtj_device_r_p_ohm(const struct cospin_mtj_device *d)
{
    if (d->ra_ohm_m2 > 0.0)
        return d->ra_ohm_m2 / (d->p.length_m * d->p.width_m);
    return d->r_p_ohm;
}

double cospin_mtj_device_r_ap_ohm(const struct cospin_mtj_device *d)
{
    if (d->r_ap_ohm > 0.0)
        return d->r_ap_ohm;
    return cospin_mtj_device_r_p_ohm(d) * (1.0 + d->tmr);
}

void cospin_mtj_device_tmr(const struct cospin_mtj_device *d, struct cospin_tmr *out)
{
    out->r_p_ohm = cospin_mtj_device_r_p_ohm(d);
    out->r_ap_ohm = cospin_mtj_device_r_ap_ohm(d);
    out->v_half_v = d->v_half_v;
}

/* The read path's own ranges (the physics has cospin_mtj_params_validate). */
static int validate_read_path(const struct cospin_mtj_device *d, struct cospin_error *err)
{
    if (!(d->r_p_ohm > 0.0) || !isfinite(d->r_p_ohm))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "r-p = %g ohm out of range (0, inf): parallel resistance",
                                d->r_p_ohm);
    if (!(d->ra_ohm_m2 >= 0.0) || !isfinite(d->ra_ohm_m2))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "ra = %g ohm m^2 out of range [0, inf): resistance-area product "
                                "(0: use r-p)",
                                d->ra_ohm_m2);
    if (!(d->tmr > 0.0 && d->tmr <= DEVICE_TMR_MAX))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "tmr = %g out of range (0, %g]: the ratio (R_AP - R_P)/R_P, "
                                "1.5 for 150 %%",
                                d->tmr, DEVICE_TMR_MAX);
    double r_p = cospin_mtj_device_r_p_ohm(d);
    if (d->r_ap_ohm != 0.0 && (!(d->r_ap_ohm > r_p) || !isfinite(d->r_ap_ohm)))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "r-ap = %g ohm out of range (R_P = %g ohm, inf): antiparallel "
                                "resistance (0: R_P (1 + tmr))",
                                d->r_ap_ohm, r_p);
    if (!(d->v_half_v >= 0.0) || !isfinite(d->v_half_v))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "v-half = %g V out of range [0, inf): bias where the TMR halves",
                                d->v_half_v);
    if (d->p.torque == COSPIN_TORQUE_SOT && (!(d->r_hm_ohm > 0.0) || !isfinite(d->r_hm_ohm)))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "r-hm = %g ohm out of range (0, inf): heavy-metal channel "
                                "resistance",
                                d->r_hm_ohm);
    return COSPIN_OK;
}

int cospin_mtj_device_validate(const struct cospin_mtj_device *d, struct cospin_error *err)
{
    char msg[DEVICE_MSG_CHARS];
    if (cospin_mtj_params_validate(&d->p, msg, sizeof msg) != 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "%s", msg);
    return validate_read_path(d, err);
}

/* The stability verdict of Delta = E_B / kBT (mtj_device.h). */
static const char *stability_of(double delta)
{
    if (!isfinite(delta))
        return "athermal (T = 0)";
    if (delta < 10.0)
        return "superparamagnetic";
    if (delta < 40.0)
        return "volatile";
    if (delta < 60.0)
        return "non-volatile";
    return "non-volatile (arrays)";
}

int cospin_mtj_figures_compute(const struct cospin_mtj_device *d, struct cospin_mtj_figures *f,
                               struct cospin_error *err)
{
    int rc = cospin_mtj_device_validate(d, err);
    if (rc)
        return rc;
    const struct cospin_mtj_params *p = &d->p;
    memset(f, 0, sizeof *f);
    f->ku_j_per_m3 = cospin_mtj_ku_j_per_m3(p);
    f->volume_m3 = p->length_m * p->width_m * p->thickness_m;
    cospin_mtj_demag_factors(p, f->n_demag);
    f->eb_j = cospin_mtj_energy_barrier_j(p);
    double kt = COSPIN_KB_J_PER_K * p->temperature_k;
    f->eb_kt = kt > 0.0 ? f->eb_j / kt : INFINITY;
    f->hk_t = cospin_mtj_hk_t(p);
    f->icrit_a = cospin_mtj_icrit_a(p);
    f->tau_damping_s = (1.0 + p->alpha * p->alpha) / (p->alpha * p->gamma_rad_per_s_t * f->hk_t);
    f->retention_s = isfinite(f->eb_kt) ? COSPIN_MTJ_ATTEMPT_TIME_S * exp(f->eb_kt) : INFINITY;
    f->stability = stability_of(f->eb_kt);
    f->r_p_ohm = cospin_mtj_device_r_p_ohm(d);
    f->r_ap_ohm = cospin_mtj_device_r_ap_ohm(d);
    return COSPIN_OK;
}

/* A time in the unit that reads best ("220 s", "1.8 us", "3.2e+05 years"). */
static void fmt_time(double t_s, char *buf, size_t n)
{
    static const double year_s = 3.15576e7; /* Julian year */
    if (!isfinite(t_s))
        snprintf(buf, n, "infinite");
    else if (t_s >= year_s)
        snprintf(buf, n, "%.3g years", t_s / year_s);
    else if (t_s >= 1.0)
        snprintf(buf, n, "%.3g s", t_s);
    else if (t_s >= 1e-3)
        snprintf(buf, n, "%.3g ms", t_s * 1e3);
    else if (t_s >= 1e-6)
        snprintf(buf, n, "%.3g us", t_s * 1e6);
    else
        snprintf(buf, n, "%.3g ns", t_s * 1e9);
}

char *cospin_mtj_figures_format(const struct cospin_mtj_device *d,
                                const struct cospin_mtj_figures *f, const char *prefix, char *buf,
                                size_t n)
{
    const struct cospin_mtj_params *p = &d->p;
    char ret[48], ic[160];
    fmt_time(f->retention_s, ret, sizeof ret);
    if (isnan(f->icrit_a))
        snprintf(ic, sizeof ic, "none (the in-plane field hx = %g T is not below mu0 Hk,eff)",
                 p->h_applied_t[0]);
    else if (p->torque == COSPIN_TORQUE_SOT)
        snprintf(ic, sizeof ic, "%.4g uA (channel current, slow ramp, zero temperature)",
                 f->icrit_a * 1e6);
    else
        snprintf(ic, sizeof ic, "%.4g uA (zero temperature, AP -> P, eta = %s)",
                 f->icrit_a * 1e6, cospin_mtj_stt_name(p->stt));
    const char *pre = prefix ? prefix : "";
    int len = snprintf(buf, n,
             "%sE_B/kBT          %.4g at %g K (E_B = %.4g J; Ku = %.6g J/m^3; demag %s: "
             "N = %.4g, %.4g, %.4g)\n"
             "%smu0 Hk,eff       %.4g T\n"
             "%sI_c0             %s\n"
             "%sdamping time     %.4g ns ((1 + alpha^2) / (alpha gamma mu0 Hk,eff))\n"
             "%sstability        %s (Delta = %.4g; retention 1 ns x e^Delta = %s)\n",
             pre, f->eb_kt, p->temperature_k, f->eb_j, f->ku_j_per_m3,
             cospin_mtj_demag_name(p->demag), f->n_demag[0], f->n_demag[1], f->n_demag[2], pre,
             f->hk_t, pre, ic, pre, f->tau_damping_s * 1e9, pre, f->stability, f->eb_kt, ret);
    if (f->r_p_ohm > 0.0 && len > 0 && (size_t)len < n)
        snprintf(buf + len, n - (size_t)len, "%sR_P, R_AP        %.6g ohm, %.6g ohm (TMR %.4g %%)\n",
                 pre, f->r_p_ohm, f->r_ap_ohm, 100.0 * (f->r_ap_ohm / f->r_p_ohm - 1.0));
    return buf;
}

/* ---- the .model card ---------------------------------------------------------------- */

/* v as the shortest of %.15g, %.16g, %.17g that reads back exactly. */
static const char *fmt_exact(double v, char *buf, size_t n)
{
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, n, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

/* Append " name=value" to buf (used bytes *len); nonzero when it does not fit. */
static int card_num(char *buf, size_t n, size_t *len, const char *name, double v)
{
    char num[40];
    int w = snprintf(buf + *len, n - *len, "%s%s=%s", *len ? " " : "", name,
                     fmt_exact(v, num, sizeof num));
    if (w < 0 || (size_t)w >= n - *len)
        return -1;
    *len += (size_t)w;
    return 0;
}

static int card_str(char *buf, size_t n, size_t *len, const char *name, const char *v)
{
    int w = snprintf(buf + *len, n - *len, "%s%s=\"%s\"", *len ? " " : "", name, v);
    if (w < 0 || (size_t)w >= n - *len)
        return -1;
    *len += (size_t)w;
    return 0;
}

const char *cospin_mtj_device_model(const struct cospin_mtj_device *d)
{
    return d->p.torque == COSPIN_TORQUE_SOT ? "mtj_sot" : "mtj_stt";
}

int cospin_mtj_device_card(const struct cospin_mtj_device *d, char *buf, size_t n,
                           struct cospin_error *err)
{
    const struct cospin_mtj_params *p = &d->p;
    size_t len = 0;
    int sot = p->torque == COSPIN_TORQUE_SOT, bad = 0;
    if (n > 0)
        buf[0] = '\0';
    bad |= n == 0;
    bad |= !bad && card_num(buf, n, &len, "r_p", cospin_mtj_device_r_p_ohm(d));
    bad |= !bad && card_num(buf, n, &len, "r_ap", cospin_mtj_device_r_ap_ohm(d));
    bad |= !bad && card_num(buf, n, &len, "v_half", d->v_half_v);
    bad |= !bad && card_num(buf, n, &len, "alpha", p->alpha);
    bad |= !bad && card_num(buf, n, &len, "gamma", p->gamma_rad_per_s_t);
    bad |= !bad && card_num(buf, n, &len, "ms", p->mu0_ms_t);
    bad |= !bad && card_num(buf, n, &len, "ku", p->ku_j_per_m3);
    bad |= !bad && card_num(buf, n, &len, "k_bulk", p->k_bulk_j_per_m3);
    bad |= !bad && card_num(buf, n, &len, "k_i", p->k_i_j_per_m2);
    bad |= !bad && card_num(buf, n, &len, "length", p->length_m);
    bad |= !bad && card_num(buf, n, &len, "width", p->width_m);
    bad |= !bad && card_num(buf, n, &len, "thickness", p->thickness_m);
    if (!sot)
        bad |= !bad && card_num(buf, n, &len, "pol", p->polarization);
    bad |= !bad && card_num(buf, n, &len, "temp", p->temperature_k);
    bad |= !bad && card_num(buf, n, &len, "thermal_scale", p->thermal_scale);
    bad |= !bad && card_num(buf, n, &len, "dt", p->dt_s);
    bad |= !bad && card_num(buf, n, &len, "hx", p->h_applied_t[0]);
    bad |= !bad && card_num(buf, n, &len, "hy", p->h_applied_t[1]);
    bad |= !bad && card_num(buf, n, &len, "hz", p->h_applied_t[2]);
    bad |= !bad && card_num(buf, n, &len, "ku_per_volt", p->ku_per_volt_j_per_m3_v);
    bad |= !bad && card_num(buf, n, &len, "init_tilt", p->init_tilt_rad);
    if (sot) {
        bad |= !bad && card_num(buf, n, &len, "r_hm", d->r_hm_ohm);
        bad |= !bad && card_num(buf, n, &len, "theta_sh", p->spin_hall_angle);
        bad |= !bad && card_num(buf, n, &len, "hm_width", p->hm_width_m);
        bad |= !bad && card_num(buf, n, &len, "hm_thickness", p->hm_thickness_m);
        bad |= !bad && card_num(buf, n, &len, "fl_ratio", p->field_like_ratio);
    } else {
        bad |= !bad && card_str(buf, n, &len, "stt", cospin_mtj_stt_name(p->stt));
    }
    bad |= !bad && card_str(buf, n, &len, "demag", cospin_mtj_demag_name(p->demag));
    bad |= !bad && card_str(buf, n, &len, "thermal", cospin_mtj_thermal_name(p->thermal));
    bad |= !bad && card_str(buf, n, &len, "init", cospin_mtj_init_name(p->init));
    bad |= !bad && card_str(buf, n, &len, "integrator", cospin_mtj_integrator_name(p->integrator));
    if (bad)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "the .model card does not fit into %zu bytes", n);
    return COSPIN_OK;
}

/* ---- the device file ---------------------------------------------------------------- */

/* One attribute of the device: a number at an offset of the struct, or a convention. */
struct device_attr {
    const char *word;            /* attribute and option name */
    size_t offset;               /* the double in struct cospin_mtj_device (numbers) */
    const char *convention;      /* the convention kind (llgs.h), NULL for numbers */
};

#define DEV_AT(member) offsetof(struct cospin_mtj_device, member)

static const struct device_attr device_attrs[] = {
    {"fl-length", DEV_AT(p.length_m), NULL},
    {"fl-width", DEV_AT(p.width_m), NULL},
    {"fl-thickness", DEV_AT(p.thickness_m), NULL},
    {"ms", DEV_AT(p.mu0_ms_t), NULL},
    {"ku", DEV_AT(p.ku_j_per_m3), NULL},
    {"k-bulk", DEV_AT(p.k_bulk_j_per_m3), NULL},
    {"k-i", DEV_AT(p.k_i_j_per_m2), NULL},
    {"ku-per-volt", DEV_AT(p.ku_per_volt_j_per_m3_v), NULL},
    {"alpha", DEV_AT(p.alpha), NULL},
    {"gamma", DEV_AT(p.gamma_rad_per_s_t), NULL},
    {"polarization", DEV_AT(p.polarization), NULL},
    {"temperature", DEV_AT(p.temperature_k), NULL},
    {"thermal-scale", DEV_AT(p.thermal_scale), NULL},
    {"dt", DEV_AT(p.dt_s), NULL},
    {"hx", DEV_AT(p.h_applied_t[0]), NULL},
    {"hy", DEV_AT(p.h_applied_t[1]), NULL},
    {"hz", DEV_AT(p.h_applied_t[2]), NULL},
    {"init-tilt", DEV_AT(p.init_tilt_rad), NULL},
    {"spin-hall-angle", DEV_AT(p.spin_hall_angle), NULL},
    {"hm-width", DEV_AT(p.hm_width_m), NULL},
    {"hm-thickness", DEV_AT(p.hm_thickness_m), NULL},
    {"field-like", DEV_AT(p.field_like_ratio), NULL},
    {"r-p", DEV_AT(r_p_ohm), NULL},
    {"ra", DEV_AT(ra_ohm_m2), NULL},
    {"tmr", DEV_AT(tmr), NULL},
    {"r-ap", DEV_AT(r_ap_ohm), NULL},
    {"v-half", DEV_AT(v_half_v), NULL},
    {"r-hm", DEV_AT(r_hm_ohm), NULL},
    {"demag", DEV_AT(p.demag), "demag"},
    {"stt", DEV_AT(p.stt), "stt"},
    {"thermal", DEV_AT(p.thermal), "thermal"},
    {"torque", DEV_AT(p.torque), "torque"},
    {"init", DEV_AT(p.init), "init"},
    {"integrator", DEV_AT(p.integrator), "integrator"},
};

#undef DEV_AT

/* One attribute of n onto d (absent: nothing). */
static int apply_attr(const struct cospin_xml_node *n, const struct device_attr *a,
                      struct cospin_mtj_device *d, struct cospin_error *err)
{
    const char *text = cospin_xml_attr(n, a->word);
    if (!text)
        return COSPIN_OK;
    char *at = (char *)d + a->offset;
    if (!a->convention) {
        double v;
        int rc = cospin_xml_attr_double(n, a->word, 0.0, &v, err);
        if (!rc)
            memcpy(at, &v, sizeof v);
        return rc;
    }
    int v = cospin_mtj_convention_value(a->convention, text);
    if (v < 0) {
        char list[128] = "";
        const char *const *w = cospin_mtj_convention_words(a->convention);
        for (size_t i = 0; w && w[i]; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                     w[i]);
        return cospin_xml_error(n, a->word, COSPIN_ERR_INVALID, err, "expected one of %s", list);
    }
    /* Every convention is an int-sized enum. */
    memcpy(at, &v, sizeof v);
    return COSPIN_OK;
}

/* The attribute a validation message is about: its leading word, if n has it. */
static const char *message_attr(const struct cospin_xml_node *n, const char *msg)
{
    for (size_t i = 0; i < sizeof device_attrs / sizeof device_attrs[0]; i++) {
        size_t len = strlen(device_attrs[i].word);
        if (strncmp(msg, device_attrs[i].word, len) == 0 && msg[len] == ' ' &&
            cospin_xml_has_attr(n, device_attrs[i].word))
            return device_attrs[i].word;
    }
    return NULL;
}

/* The device file named by n's attribute file_attr, resolved against n's file. */
static int read_referenced(const struct cospin_xml_node *n, const char *file_attr,
                           struct cospin_mtj_device *d, struct cospin_error *err)
{
    const char *ref = cospin_xml_attr(n, file_attr);
    char path[COSPIN_OUTPUT_PATH_MAX];
    const char *from = cospin_xml_file(n);
    const char *slash = strrchr(from, '/');
    if (ref[0] == '/' || !slash)
        snprintf(path, sizeof path, "%s", ref);
    else
        snprintf(path, sizeof path, "%.*s/%s", (int)(slash - from), from, ref);
    struct cospin_error sub = {0};
    int rc = cospin_mtj_device_read(path, d, &sub);
    if (rc && sub.line == 0) /* not inside the file: say where it was asked for */
        return cospin_xml_error(n, file_attr, rc, err, "%s", sub.msg);
    if (rc && err && !err->code)
        *err = sub;
    return rc;
}

int cospin_mtj_device_apply_xml(const struct cospin_xml_node *n, const char *file_attr,
                                struct cospin_mtj_device *d, struct cospin_error *err)
{
    struct cospin_mtj_device out = *d;
    int rc = COSPIN_OK;
    if (file_attr && cospin_xml_has_attr(n, file_attr))
        rc = read_referenced(n, file_attr, &out, err);
    if (!rc && cospin_xml_has_attr(n, "ku") && cospin_xml_has_attr(n, "k-i"))
        return cospin_xml_error(n, "k-i", COSPIN_ERR_INVALID, err,
                                "give either ku or k-bulk with k-i (Ku = k-bulk + k-i / "
                                "fl-thickness), not both");
    for (size_t i = 0; !rc && i < sizeof device_attrs / sizeof device_attrs[0]; i++)
        rc = apply_attr(n, &device_attrs[i], &out, err);
    if (rc)
        return rc;
    if (cospin_xml_has_attr(n, "ku"))
        out.p.k_i_j_per_m2 = 0.0;
    const char *name = cospin_xml_attr(n, "name");
    if (name && strcmp(cospin_xml_name(n), "mtj") == 0)
        snprintf(out.name, sizeof out.name, "%s", name);
    struct cospin_error sub = {0};
    rc = cospin_mtj_device_validate(&out, &sub);
    if (rc)
        return cospin_xml_error(n, message_attr(n, sub.msg), rc, err, "%s", sub.msg);
    *d = out;
    return COSPIN_OK;
}

int cospin_mtj_device_read(const char *path, struct cospin_mtj_device *d,
                           struct cospin_error *err)
{
    struct cospin_xml_doc *doc = NULL;
    int rc = cospin_xml_load_with(path, "mtj.rng", &doc, err);
    if (!rc)
        rc = cospin_mtj_device_apply_xml(cospin_xml_root(doc), NULL, d, err);
    cospin_xml_free(doc);
    return rc;
}

/* The value of attribute a in d as text (exact numbers, convention words). */
static const char *attr_text(const struct cospin_mtj_device *d, const struct device_attr *a,
                             char *buf, size_t n)
{
    const char *at = (const char *)d + a->offset;
    if (!a->convention) {
        double v;
        memcpy(&v, at, sizeof v);
        return fmt_exact(v, buf, n);
    }
    int v;
    memcpy(&v, at, sizeof v);
    /* The first word of the value (the canonical name, not an alias). */
    for (const char *const *w = cospin_mtj_convention_words(a->convention); w && *w; w++)
        if (cospin_mtj_convention_value(a->convention, *w) == v) {
            snprintf(buf, n, "%s", *w);
            break;
        }
    return buf;
}

int cospin_mtj_device_write_xml(const struct cospin_mtj_device *d, FILE *f,
                                struct cospin_error *err)
{
    struct cospin_mtj_figures fig;
    char text[2048];
    int rc = cospin_mtj_figures_compute(d, &fig, err);
    if (rc)
        return rc;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!--\n  Derived figures:\n%s-->\n",
            cospin_mtj_figures_format(d, &fig, "  ", text, sizeof text));
    fprintf(f, "<mtj");
    if (d->name[0])
        fprintf(f, " name=\"%s\"", d->name);
    for (size_t i = 0; i < sizeof device_attrs / sizeof device_attrs[0]; i++) {
        const struct device_attr *a = &device_attrs[i];
        char v[40];
        /* k-bulk and k-i only when they define Ku (k-i != 0), else ku. */
        if (d->p.k_i_j_per_m2 != 0.0 ? strcmp(a->word, "ku") == 0
                                     : (strcmp(a->word, "k-bulk") == 0 ||
                                        strcmp(a->word, "k-i") == 0))
            continue;
        fprintf(f, "\n     %s=\"%s\"", a->word, attr_text(d, a, v, sizeof v));
    }
    fprintf(f, "/>\n");
    if (ferror(f))
        return cospin_error_set(err, COSPIN_ERR_IO, NULL, 0, "cannot write the device file");
    return COSPIN_OK;
}

void cospin_mtj_device_log(const struct cospin_mtj_device *d, const char *label)
{
    struct cospin_mtj_figures f;
    char text[2048];
    if (cospin_mtj_figures_compute(d, &f, NULL) != 0)
        return;
    cospin_mtj_figures_format(d, &f, "  ", text, sizeof text);
    text[strlen(text) - 1] = '\0'; /* the logger ends the message */
    cospin_info("%s:\n%s", label ? label : (d->name[0] ? d->name : "thesis defaults"), text);
}

int cospin_mtj_device_save(const struct cospin_mtj_device *d, const char *dir,
                           struct cospin_error *err)
{
    struct cospin_output o;
    int rc = cospin_output_open(&o, dir, "device.xml", err);
    if (rc)
        return rc;
    rc = cospin_mtj_device_write_xml(d, o.fp, err);
    if (!rc)
        rc = cospin_output_commit(&o, err);
    cospin_output_abort(&o);
    return rc;
}
