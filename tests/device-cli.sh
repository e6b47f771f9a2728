#!/bin/sh
# device-cli.sh -- one MTJ device description for every command: a device file
# and the device options give the same characterisation; the derived figures
# are printed and recorded (run.txt, device.xml); device.xml reads back to the
# same run; the file drives energy, netlist (the .model card, which runs in
# ngspice), device-level training and experiment files; unphysical values are
# refused naming the field, its range and (files) the line.
# Run by `make check`; by hand:
#   COSPIN=./src/cospin COSPIN_CM=models/.libs/cospin.cm \
#   SPICE_SCRIPTS=models/build-scripts sh tests/device-cli.sh
set -u
LC_ALL=C
export LC_ALL

: "${COSPIN:?set COSPIN to the cospin binary}"
here=$(cd "$(dirname "$0")" && pwd)
data=$here/data
dev=$data/mtj_designer.xml
. "$here/cli-lib.sh"
cli_tmp device-cli

grid="--pulse-width 30n --current 1u:9u:2u --trials 40 --relax 60n --threads 1 -q"

# The designer's device from the file and from the options: the same run.
# shellcheck disable=SC2086
"$COSPIN" characterize --device "$dev" $grid --out "$tmp/file" >"$tmp/file.out" 2>&1 \
    || bad "characterize --device: $(cat "$tmp/file.out")"
# shellcheck disable=SC2086
"$COSPIN" characterize --fl-length 40n --fl-width 40n --fl-thickness 1.1n --ku 0.9meg \
    --alpha 0.01 --polarization 0.6 --tmr 1.5 $grid --out "$tmp/opts" >"$tmp/opts.out" 2>&1 \
    || bad "characterize with options: $(cat "$tmp/opts.out")"
if cmp -s "$tmp/file/fit.csv" "$tmp/opts/fit.csv" && cmp -s "$tmp/file/psw.csv" "$tmp/opts/psw.csv"
then say "ok: device file = device options"
else bad "device file and options differ"; diff "$tmp/file/psw.csv" "$tmp/opts/psw.csv"
fi

# The figures: E_B/kBT 8.34 (Delta of the 40 x 40 x 1.1 nm prism, Ku 0.9e6),
# printed and in run.txt; the critical current and the verdict.
for f in "$tmp/file.out" "$tmp/file/run.txt"; do
    if grep -Eq 'E_B/kBT +8\.339 at 300 K' "$f" && grep -Eq 'mu0 Hk,eff +0\.03122 T' "$f" \
        && grep -Eq 'I_c0 +3\.498 uA' "$f" && grep -Eq 'damping time +18\.2 ns' "$f" \
        && grep -Eq 'stability +superparamagnetic' "$f"; then
        say "ok: figures in $(basename "$f")"
    else
        bad "figures missing in $f:"; cat "$f"
    fi
done
grep -q '^integrator=rotating$' "$tmp/file/run.txt" || bad "run.txt lacks integrator=rotating"

# device.xml is the run's device: --device on it gives the same points.
# shellcheck disable=SC2086
"$COSPIN" characterize --device "$tmp/file/device.xml" $grid --out "$tmp/again" >/dev/null 2>&1 \
    && cmp -s "$tmp/file/psw.csv" "$tmp/again/psw.csv" \
    && say "ok: device.xml reads back to the same run" || bad "device.xml does not read back"

# An option overrides the file (alpha), whatever its place on the line.
# shellcheck disable=SC2086
"$COSPIN" characterize --alpha 0.02 --device "$dev" $grid --out "$tmp/ovr" >/dev/null 2>&1 \
    && grep -q '^alpha=0.02$' "$tmp/ovr/run.txt" && grep -q '^length_m=4e-08$' "$tmp/ovr/run.txt" \
    && say "ok: an option overrides the file" || bad "option does not override the file"

# The lab-frame RK4 (as before) records no integrator line: directories made
# before the rotating integrator resume with --integrator rk4.
# shellcheck disable=SC2086
"$COSPIN" characterize --integrator rk4 $grid --out "$tmp/rk4" >/dev/null 2>&1 \
    && ! grep -q '^integrator' "$tmp/rk4/run.txt" \
    && say "ok: rk4 manifest as before" || bad "rk4 manifest"

# Bad values: the option and its range (usage, 2); the file's line and
# attribute (3); no barrier with the Ku the geometry needs (3).
expect "P >= 1" 2 "--polarization: '1' is out of range: must be in \(0, 1\)" \
    "$COSPIN" characterize --polarization 1 $grid --out "$tmp/x"
expect "negative size" 2 "--fl-length: '-40n' is out of range" \
    "$COSPIN" characterize --fl-length -40n $grid --out "$tmp/x"
expect "alpha <= 0" 2 "--alpha: '0' is out of range: must be in \(0, 10\]" \
    "$COSPIN" energy --waveform --alpha 0
expect "T < 0" 2 "--temperature: '-5' is out of range" \
    "$COSPIN" netlist --temperature -5
expect "file: P >= 1" 3 "mtj_bad_pol\.xml:4: <mtj polarization=\"1\">: polarization = 1 out of range \(0, 1\)" \
    "$COSPIN" characterize --device "$data/mtj_bad_pol.xml" $grid --out "$tmp/x"
expect "file: no barrier" 3 "mtj_bad_barrier\.xml:4: .*ku = 900000 J/m\^3 is not above the demagnetising energy .* above 9\.933e\+05 J/m\^3" \
    "$COSPIN" netlist --device "$data/mtj_bad_barrier.xml"
expect "file: unknown attribute" 3 "mtj_bad_attr\.xml:3: .*'length' is not allowed" \
    "$COSPIN" energy --waveform --device "$data/mtj_bad_attr.xml"
expect "options: no barrier" 3 "ku = 900000 J/m\^3 is not above the demagnetising energy" \
    "$COSPIN" characterize --demag thin-film --ku 0.9meg $grid --out "$tmp/x"
expect "missing file" 4 "no_such\.xml" \
    "$COSPIN" characterize --device "$tmp/no_such.xml" $grid --out "$tmp/x"

# energy: the figures and the device's R_AP (12.5 kOhm at TMR 150 %).
expect "energy --device" 0 "R_AP = 1\.25e\+04 ohm" \
    "$COSPIN" energy --waveform --device "$dev" --current 8u --pulse-width 30n --relax 20n
grep -Eq 'E_B/kBT +8\.339' "$tmp/log" && say "ok: energy prints the figures" \
    || bad "energy prints no figures"

# netlist: the .model card of the file, with an option on top; it runs.
expect "netlist --device" 0 "^\.model des mtj_stt\(r_p=5000 r_ap=12500 " \
    "$COSPIN" netlist --device "$dev" --model-name des --alpha 0.02
grep -q 'alpha=0.02 ' "$tmp/log" && grep -q 'integrator="rotating")' "$tmp/log" \
    && say "ok: card carries the override and the conventions" || bad "card: $(cat "$tmp/log")"
"$COSPIN" netlist --device "$dev" --model-name des -o "$tmp/des.lib" 2>/dev/null
cat >"$tmp/des.cir" <<EOF
* the designer's MTJ, a 20 ns write pulse
.include $tmp/des.lib
iw 0 n pulse(0 8u 0 10p 10p 20n 1)
a1 %gd(0 n) ctrl mx my mz des
vc ctrl 0 0
.tran 0.1n 20n
.control
run
print v(mz)[length(v(mz))-1]
quit \$sim_status
.endc
.end
EOF
if [ -n "${COSPIN_CM:-}" ]; then
    expect "the card runs in ngspice" 0 "v\(mz\)\[length\(v\(mz\)\)-1\] = " \
        "$COSPIN" ngspice -b "$tmp/des.cir"
fi
expect "netlist: EXPERIMENT and --device" 2 "without EXPERIMENT\.xml" \
    "$COSPIN" netlist --device "$dev" "$data/good.xml"

# An experiment file: <device file="..."> relative to it, an attribute on top.
cp "$dev" "$tmp/mine.xml"
cat >"$tmp/char.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<experiment type="characterize">
  <device file="mine.xml" alpha="0.02"/>
  <sweep widths="30n" currents="1u:9u:2u" trials="20" threads="1" relax="60n"/>
</experiment>
EOF
"$COSPIN" -q run "$tmp/char.xml" --out "$tmp/xrun" >/dev/null 2>&1 \
    && grep -q '^alpha=0.02$' "$tmp/xrun/run.txt" && grep -q 'fl-length="4e-08"' "$tmp/xrun/device.xml" \
    && say "ok: <device file=...> in an experiment" || bad "<device file=...> in an experiment"
sed 's/alpha="0.02"/polarization="1.5"/' "$tmp/char.xml" >"$tmp/badchar.xml"
expect "experiment: bad attribute line" 3 "badchar\.xml:3: <device polarization=\"1\.5\">: polarization = 1\.5 out of range" \
    "$COSPIN" run "$tmp/badchar.xml" --out "$tmp/badrun"

# Device-level training: the table's device.xml is taken, logged and kept.
if "$COSPIN" characterize --device "$dev" --pulse-width 30n,200n --current 0.5u:9u:1u \
        --trials 40 --relax 60n --threads 1 -q --out "$tmp/table" >/dev/null 2>&1 \
    && "$COSPIN" train --level device --device-mode width --neuron-table "$tmp/table/fit.csv" \
        --iters 2 --train-limit 100 --test-limit 100 --hidden 4 --no-figures \
        --out "$tmp/train" >"$tmp/train.out" 2>&1 \
    && grep -Eq 'device of the neuron table .*device\.xml' "$tmp/train.out" \
    && grep -q 'fl-length="4e-08"' "$tmp/train/device.xml"; then
    say "ok: train takes the table's device"
else
    bad "train with the table's device: $(cat "$tmp/train.out" 2>/dev/null)"
fi
expect "train --device needs the device level" 2 "--device needs --level device" \
    "$COSPIN" train --device "$dev" --out "$tmp/t2"

# The shipped device files read; the thesis's is the defaults.
for f in "$here/../examples/devices/"*.xml; do
    [ -e "$f" ] || continue
    expect "examples/devices/$(basename "$f")" 0 "^\.model mtj mtj_stt\(" \
        "$COSPIN" netlist --device "$f"
done
"$COSPIN" netlist --device "$here/../examples/devices/thesis.xml" | grep -v '^\*' >"$tmp/thesis.card"
"$COSPIN" netlist --demag prism | grep -v '^\*' >"$tmp/default.card"
cmp -s "$tmp/thesis.card" "$tmp/default.card" && say "ok: thesis.xml is the defaults" \
    || bad "thesis.xml differs from the defaults: $(diff "$tmp/thesis.card" "$tmp/default.card")"

exit $fail
