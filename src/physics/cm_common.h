/*
 * cm_common.h -- conventions shared by cospin's code models.
 *
 * ngspice 39 gives code models no way to abort a simulation.  A model that
 * finds a bad parameter prints one line through cm_message_printf whose text
 * starts with COSPIN_CM_ERROR_TAG, and then refuses to converge: the analysis
 * stops ("timestep too small" / "no convergence") and the cospin engine turns
 * the tagged line into an error carrying the model's message.  Under plain
 * `ngspice -b` the tagged line is printed as "Instance: a1 Message: ...".
 */
#ifndef COSPIN_CM_COMMON_H
#define COSPIN_CM_COMMON_H

#define COSPIN_CM_ERROR_TAG "cospin-error: "

#endif
