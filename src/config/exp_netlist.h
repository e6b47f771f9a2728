/*
 * exp_netlist.h -- <experiment type="netlist">: a circuit described in XML
 * (inline netlist text and/or elements such as <resistor>, <tmr_res>), its
 * analyses (<op>, <dc>, <tran>) and the vectors each one saves as CSV.
 * Grammar: src/config/schema/netlist.rng; reference: doc/user-guide.md.
 *
 * SPICE names: an element's SPICE name is its type letter (V, I, R, C, L,
 * A) followed by its name, unless the name already starts with that letter
 * (case-insensitive): <vsource name="in"> is "Vin", <vsource name="vdd"> is
 * "vdd".  Vectors are ngspice's names: v(out), i(vin), vin#branch.
 */
#ifndef COSPIN_EXP_NETLIST_H
#define COSPIN_EXP_NETLIST_H

#include <signal.h>

#include "xml.h"
#include "cospin.h"
#include "engine.h"

/* One analysis of the experiment, in document order. */
struct cospin_exp_analysis {
    char command[512];      /* ngspice command, e.g. "tran 10n 5u" */
    char dot_card[513];     /* the same as a netlist card, e.g. ".tran 10n 5u" */
    char scale[32];         /* scale vector ("time", "v-sweep", "i-sweep"), "" for op */
    char file[256];         /* CSV file name, e.g. "tran.csv" */
    char **vectors;         /* NULL-terminated list of vector names to save */
    size_t nvectors;
    int line;               /* line of the analysis element */
    double tran_points;     /* <tran>: the time points ngspice computes at least (stop over
                               its largest internal step); 0 for the others */
};

/* More transient time points than this are refused without --force: at a few
   microseconds each they take hours, and every saved vector needs 8 bytes
   per point. */
#define COSPIN_EXP_NETLIST_MAX_POINTS 1e9

/* A netlist experiment read from its XML root. */
struct cospin_exp_netlist {
    char *circuit;                          /* netlist text: title, elements, models; no
                                               analyses, no .end */
    struct cospin_exp_analysis *analyses;
    size_t nanalyses;
};

/* Flags of cospin_exp_netlist_read. */
enum {
    /* Netlists are code: ngspice runs the commands of .control and .exec
       blocks (shell among them) and reads every file .include and .lib
       name.  Inline <netlist> text with any of these (or a line starting
       with "shell") is refused unless this flag is given
       (--allow-netlist-code on the command line). */
    COSPIN_EXP_NETLIST_ALLOW_CODE = 1u
};

/*
 * Read a netlist experiment from root (<experiment type="netlist">) into a
 * new *out (free with cospin_exp_netlist_free).  Checks what the grammar
 * cannot (positive R/C/L, duplicate element names, even pwl lists,
 * duplicate output files, known dc source, netlist code without
 * COSPIN_EXP_NETLIST_ALLOW_CODE in flags); errors name file:line and the
 * element/attribute: COSPIN_ERR_PARSE (bad number), COSPIN_ERR_INVALID.
 */
int cospin_exp_netlist_read(const struct cospin_xml_node *root, unsigned flags,
                            struct cospin_exp_netlist **out, struct cospin_error *err);

/* Free; NULL-safe. */
void cospin_exp_netlist_free(struct cospin_exp_netlist *x);

/*
 * The complete deck for `ngspice -b`: the circuit, the analyses as dot cards
 * with .print lines for the saved vectors, and .end.  New string in *text
 * (free with free()).  COSPIN_ERR_NOMEM on failure.
 */
int cospin_exp_netlist_deck(const struct cospin_exp_netlist *x, char **text,
                            struct cospin_error *err);

/*
 * Run every analysis of x in a worker process (cospin_pool with one worker,
 * so that a crash inside ngspice is an error, not the end of the program),
 * each job limited to job_timeout_s (0: no limit) and stopped by *stop (may
 * be NULL).  res must have x->nanalyses entries; res[i] receives analysis
 * i's vectors: the scale vector first (if the analysis has one), then
 * x->analyses[i].vectors.  Clear each with cospin_sim_result_clear.  Returns
 * 0 or the first error (COSPIN_ERR_SIM with ngspice's message, prefixed with
 * the analysis line; COSPIN_ERR_INTERRUPTED).
 */
int cospin_exp_netlist_simulate(const struct cospin_exp_netlist *x, const char *file,
                                double job_timeout_s, volatile sig_atomic_t *stop,
                                struct cospin_sim_result *res, struct cospin_error *err);

/*
 * Write one CSV per analysis into out_dir (header: scale and vector names;
 * one row per point, %.10g); analyses whose result has a nonzero status
 * (not run: an interrupt) are skipped.  All files are written to
 * temporaries first and renamed only when every one was written, so a
 * failure leaves none behind.
 */
int cospin_exp_netlist_write(const struct cospin_exp_netlist *x,
                             const struct cospin_sim_result *res, const char *out_dir,
                             struct cospin_error *err);

#endif
