/*
 * fuzz_model_xml.c -- the trained-model reader cospin_train_load_model
 * (learning/train.h), which takes a path: the input goes to a temporary
 * file first.
 */
#include <config.h>

#include <math.h>

#include "fuzz.h"
#include "nn.h"
#include "train.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512];
    if (fuzz_temp_file(data, size, path, sizeof path) != 0)
        return 0;
    struct cospin_nn *nn = NULL;
    enum cospin_nn_mode mode;
    struct cospin_error err = {0};
    int rc = cospin_train_load_model(path, &nn, &mode, &err);
    unlink(path);
    fuzz_expect(rc, &err, "cospin_train_load_model");
    if ((rc == 0) != (nn != NULL))
        abort();
    cospin_nn_free(nn);
    return 0;
}
