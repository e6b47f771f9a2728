/*
 * device_xml.h -- user-defined synapse devices in XML (grammar
 * src/config/schema/device.rng; example in doc/sot.md):
 *
 *   <synapse name="my-rram" states="40" g-min="1u" g-max="100u">
 *     <ltp curve="exp-sat" nu="2"/>
 *     <ltd curve="table">
 *       <point pulse="0" value="100u"/> <point pulse="1" value="80u"/> ...
 *     </ltd>
 *   </synapse>
 *
 * Errors carry the file and the line of the offending element (grammar
 * violations, a non-monotone <point>, a missing nu, a bad range).
 */
#ifndef COSPIN_DEVICE_XML_H
#define COSPIN_DEVICE_XML_H

#include "xml.h"
#include "device.h"

/* The grammar file, looked up in the schema directory (xml.h). */
#define COSPIN_DEVICE_SCHEMA "device.rng"

/* Load and validate a device file into *d.  COSPIN_ERR_IO / _PARSE / _INVALID. */
int cospin_device_load_xml(const char *path, struct cospin_device *d, struct cospin_error *err);

/* The same for a document in memory; name is used in messages. */
int cospin_device_load_xml_memory(const char *xml, const char *name, struct cospin_device *d,
                                  struct cospin_error *err);

/* Read a <synapse> element of an already loaded document. */
int cospin_device_from_config(const struct cospin_xml_node *root, struct cospin_device *d,
                              struct cospin_error *err);

#endif
