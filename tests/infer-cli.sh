#!/bin/sh
# infer-cli.sh -- `cospin infer` and <experiment type="infer"> on the small
# device-level test model (tests/data/model_784_4_10_device.xml, 784-4-10):
# files, circuit vs math agreement, the sparse engine against ngspice (--verify),
# seeded non-idealities, the documented exit codes with nothing left behind, the
# energy per inference that `cospin infer` and `cospin energy --crossbar` report
# for the same model (one function, the model's own pulse), and `cospin train
# --circuit-aware` from that model.
# Run by `make check` (COSPIN = the built CLI, COSPIN_CM = the build's cospin.cm);
# by hand: COSPIN=./src/cospin COSPIN_CM=models/.libs/cospin.cm sh tests/infer-cli.sh
set -u
LC_ALL=C
export LC_ALL

: "${COSPIN:?set COSPIN to the cospin binary}"
here=$(cd "$(dirname "$0")" && pwd)
model="$here/data/model_784_4_10_device.xml"
. "$here/cli-lib.sh"
cli_tmp infer-cli

# The circuit run on 20 images: every prediction agrees with the math level
# (ngspice solves the linear crossbars in double; the math level is float32,
# so a correct circuit differs by float rounding, far below a class margin).
expect "infer --circuit" 0 "agreement: +100\.00 %" \
    "$COSPIN" infer --circuit --model "$model" --limit 20 --workers 1 --out "$tmp/i"
cp "$tmp/log" "$tmp/infer.log"
if [ "$(ls "$tmp/i" | tr '\n' ' ')" = "network.cir samples.csv summary.csv " ] \
    && [ "$(wc -l <"$tmp/i/samples.csv")" -eq 21 ] \
    && grep -q "^20,.*,vccspair,1,ngspice,0,0,0,0,0,0,1,0,0,.*,0,1,0,$" "$tmp/i/summary.csv"; then
    say "ok: infer files"
else
    bad "infer files: $(ls "$tmp/i" | tr '\n' ' ')"; cat "$tmp/i/summary.csv"
fi
# The relative read-current deviation is float rounding (< 1e-5), not a wrong circuit.
rel=$(sed -n 2p "$tmp/i/summary.csv" | cut -d, -f6)
if awk -v r="$rel" 'BEGIN { exit !(r + 0 < 1e-5) }'; then
    say "ok: read-current deviation $rel"
else
    bad "read-current deviation $rel >= 1e-5"
fi

# One energy per inference: `cospin infer` and `cospin energy --crossbar` on the
# same model and images print the same section, with the model's own pulse
# (13.5 uA, the neurons' mean width), not the thesis's 15 uA, 15 ns.
expect "energy --crossbar" 0 "neuron writes: 14 neurons" \
    "$COSPIN" energy --crossbar --model "$model" --limit 20
grep -A3 "^energy per inference" "$tmp/log" >"$tmp/e_energy"
grep -A3 "^energy per inference" "$tmp/infer.log" >"$tmp/e_infer"
if [ -s "$tmp/e_infer" ] && cmp -s "$tmp/e_infer" "$tmp/e_energy"; then
    say "ok: infer and energy --crossbar report the same energy"
else
    bad "energy sections differ:"; cat "$tmp/e_infer" "$tmp/e_energy"
fi
if grep -q "I^2 R_P t: 13.5 uA" "$tmp/e_infer"; then
    say "ok: the model's own pulse"
else
    bad "not the model's pulse:"; cat "$tmp/e_infer"
fi

# The sparse engine with wires and tiles (the default once the circuit is not ideal),
# checked against ngspice on the netlist of the same devices: within 1e-9 of the
# column's current scale (both solve the same linear network in double).
expect "infer --r-wire --verify" 0 "verify: +2 images through ngspice" \
    "$COSPIN" infer --circuit --model "$model" --limit 6 --r-wire 2 --tile 100:3 --verify 2 \
    --workers 1 --out "$tmp/v"
vdev=$(sed -n 2p "$tmp/v/summary.csv" | cut -d, -f28)
if sed -n 2p "$tmp/v/summary.csv" | grep -q ",resistor,1,sparse,2,100,3," \
    && awk -v r="$vdev" 'BEGIN { exit !(r + 0 > 0 && r + 0 <= 1e-9) }'; then
    say "ok: sparse engine = ngspice to $vdev"
else
    bad "sparse vs ngspice: $(sed -n 2p "$tmp/v/summary.csv")"
fi
# Driver output resistance, with wires and tiles, the same through both engines.
expect "infer --r-driver --verify" 0 "drivers 150 Ohm" \
    "$COSPIN" infer --circuit --model "$model" --limit 4 --r-wire 1 --r-driver 150 --tile 64:3 \
    --verify 1 --workers 1 --out "$tmp/vd"
vdd=$(sed -n 's/^verify: .* within \([0-9.e+-]*\) of the column scale.*/\1/p' "$tmp/log")
if awk -v r="$vdd" 'BEGIN { exit !(r != "" && r + 0 <= 1e-9) }'; then
    say "ok: drivers: sparse engine = ngspice to $vdd"
else
    bad "drivers: sparse vs ngspice '$vdd'"
fi
# Non-idealities are seeded: the same options give the same result, another chip another.
for d in n1 n2; do
    "$COSPIN" -q infer --circuit --model "$model" --limit 50 --g-sigma 0.2 --stuck-off 0.05 \
        --read-noise 0.05 --adc-bits 6 --neuron-samples 8 --out "$tmp/$d" >/dev/null 2>&1
done
"$COSPIN" -q infer --circuit --model "$model" --limit 50 --g-sigma 0.2 --stuck-off 0.05 \
    --read-noise 0.05 --adc-bits 6 --neuron-samples 8 --chip-seed 9 --out "$tmp/n3" >/dev/null 2>&1
if [ -s "$tmp/n1/samples.csv" ] && cmp -s "$tmp/n1/samples.csv" "$tmp/n2/samples.csv" \
    && ! cmp -s "$tmp/n1/samples.csv" "$tmp/n3/samples.csv"; then
    say "ok: non-idealities seeded (chip and reads)"
else
    bad "non-idealities not reproducible or not seeded"
fi

# Bad input: exit codes, one message, and no output directory left behind.
expect "missing model" 4 "nonexistent\.xml: cannot open" \
    "$COSPIN" infer --model "$tmp/nonexistent.xml" --out "$tmp/bad1"
expect "missing dataset" 5 "dataset directory not found" \
    "$COSPIN" infer --model "$model" --dataset "$tmp/nodata" --out "$tmp/bad2"
expect "bad window" 3 "g_min" \
    "$COSPIN" infer --model "$model" --g-min 3e-4 --out "$tmp/bad3"
expect "no model" 2 "give the network as --model FILE or as --weights FILE.npz" "$COSPIN" infer --out "$tmp/bad4"
expect "fraction out of range" 2 "--stuck-on: '1\.5' is out of range: must be in \[0, 1\]" \
    "$COSPIN" infer --circuit --model "$model" --stuck-on 1.5 --out "$tmp/bad5"
expect "fractions over 1" 3 "stuck-on 0\.6 \+ stuck-off 0\.6: more than all devices" \
    "$COSPIN" infer --circuit --model "$model" --stuck-on 0.6 --stuck-off 0.6 --out "$tmp/bad6"
expect "negative wire" 2 "--r-wire: '-1' is out of range: must be >= 0 Ohm" \
    "$COSPIN" infer --circuit --model "$model" --r-wire -1 --out "$tmp/bad7"
expect "tile without C" 2 "--tile: '64': expected R:C" \
    "$COSPIN" infer --circuit --model "$model" --tile 64 --out "$tmp/bad8"
expect "fractional tile" 2 "--tile: '2\.5'" \
    "$COSPIN" infer --circuit --model "$model" --tile 2.5:3 --out "$tmp/bad9"
expect "non-ideality without circuit" 2 "need --circuit" \
    "$COSPIN" infer --model "$model" --g-sigma 0.1 --out "$tmp/bad10"
expect "noise through ngspice" 3 "need the sparse engine" \
    "$COSPIN" infer --circuit --model "$model" --engine ngspice --read-noise 0.1 --out "$tmp/bad11"
expect "singular network" 3 "layer 1: crossbar tile [0-9]+ .*numerically singular" \
    "$COSPIN" infer --circuit --model "$model" --r-wire 1 --g-sigma 30 --out "$tmp/bad12"
for d in bad1 bad2 bad3 bad4 bad5 bad6 bad7 bad8 bad9 bad10 bad11 bad12; do
    [ -e "$tmp/$d" ] && bad "$d: output directory left behind"
done

# Circuit-aware training from the model (a few batches on a slice of the data): the
# weights stay inside the recorded w_max, and the options are refused without it.
expect "train --circuit-aware" 0 "circuit-aware training: w_max" \
    "$COSPIN" train --init-model "$model" --circuit-aware --r-wire 1 --tile 64:4 --g-sigma 0.1 \
    --batch 50 --iters 3 --train-limit 200 --test-limit 50 --eval-every 0 --no-figures \
    --out "$tmp/ca"
if grep -q '<crossbar w_max="[0-9.e+-]*" circuit="r_wire 1 Ohm, tile 64:4, ' "$tmp/ca/model.xml" \
    && sed -n 2p "$tmp/ca/summary.csv" | grep -q ",1,[0-9.e+-]*,1,64,4,0.1,0,0,1,0,0,0,0,1$"; then
    say "ok: circuit-aware model.xml and summary.csv"
else
    bad "circuit-aware files"; grep crossbar "$tmp/ca/model.xml"; cat "$tmp/ca/summary.csv"
fi
expect "crossbar options without --circuit-aware" 2 "need --circuit-aware" \
    "$COSPIN" train --r-wire 1 --out "$tmp/bad13"
expect "both circuits in the loop" 2 "--circuit-aware and --circuit exclude each other" \
    "$COSPIN" train --circuit-aware --circuit --out "$tmp/bad14"
for d in bad13 bad14; do
    [ -e "$tmp/$d" ] && bad "$d: output directory left behind"
done

# <experiment type="infer">: math level and circuit on 10 images, a summary row each.
cat >"$tmp/e.xml" <<XML
<?xml version="1.0"?>
<experiment type="infer" name="t">
  <defaults model="$model" limit="10" workers="1"/>
  <infer name="math"/>
  <infer name="circuit" circuit="yes"/>
  <infer name="wires" circuit="yes" r-wire="2" tile="100:3" g-sigma="0.1" verify="1"/>
</experiment>
XML
expect "run infer.xml" 0 "circuit: math level .*predictions agree on 100\.00 %" \
    "$COSPIN" run "$tmp/e.xml" --out "$tmp/e"
if [ "$(wc -l <"$tmp/e/summary.csv")" -eq 4 ] && grep -q "^math,10,0," "$tmp/e/summary.csv" \
    && grep -q "^circuit,10,1,.*,1\.000000," "$tmp/e/summary.csv" \
    && sed -n 2p "$tmp/e/wires/summary.csv" | grep -q ",sparse,2,100,3,0.1,.*,1,[0-9.e+-]*$" \
    && [ -s "$tmp/e/circuit/network.cir" ] && [ -s "$tmp/e/math/samples.csv" ]; then
    say "ok: infer experiment files"
else
    bad "infer experiment files"; cat "$tmp/e/summary.csv"
fi
# A relative model path is taken from the experiment file's directory.
cp "$model" "$tmp/m.xml"
sed "s|model=\"$model\"|model=\"m.xml\"|" "$tmp/e.xml" >"$tmp/rel.xml"
expect "relative model path" 0 "math level" "$COSPIN" run "$tmp/rel.xml" --out "$tmp/rel"
# Errors name the file and line: a missing model, a bad attribute value.
sed "s|model=\"$model\"|model=\"none.xml\"|" "$tmp/e.xml" >"$tmp/nomodel.xml"
expect "missing model (xml)" 4 "none\.xml: .*cannot open" \
    "$COSPIN" run "$tmp/nomodel.xml" --out "$tmp/nomodel"
sed 's|<infer name="circuit"|<infer name="circuit" v-read="-1"|' "$tmp/e.xml" >"$tmp/badv.xml"
expect "bad v-read line" 3 "badv\.xml:5: <infer v-read=\"-1\">: must be" \
    "$COSPIN" run --check "$tmp/badv.xml"
sed 's|<infer name="circuit"|<infer name="circuit" stuck-on="0.7" stuck-off="0.7"|' "$tmp/e.xml" \
    >"$tmp/badf.xml"
expect "bad fractions line" 3 "badf\.xml:5: .*more than all devices" \
    "$COSPIN" run --check "$tmp/badf.xml"
exit $fail
