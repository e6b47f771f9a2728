#!/bin/sh
# energy-cli.sh -- `cospin energy`: the thesis's worked number, the SOT table,
# the waveform files, --help, and the documented exit codes of bad input.
# Run by `make check` (COSPIN = the built CLI, COSPIN_CM = the build's cospin.cm);
# by hand: COSPIN=./src/cospin COSPIN_CM=models/.libs/cospin.cm sh tests/energy-cli.sh
set -u
LC_ALL=C
export LC_ALL

: "${COSPIN:?set COSPIN to the cospin binary}"
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cli-lib.sh"
cli_tmp energy-cli

# Thesis ch. 3.6.3: (15 uA)^2 x 5 kOhm x 15 ns = 16.875 fJ, printed as 16.9 fJ.
expect "worked number" 0 "= 16\.9 fJ \(1\.6875e-14 J\)" \
    "$COSPIN" energy --current 15u --width 15n --resistance 5k
# Thesis Eq. 4.5: 0.201 mJ at 21 ML, 0.098 mJ at 5 ML, -51.2 %.
expect "sot 21 ML" 0 "^21 .* 0\.201 " "$COSPIN" energy --sot
expect "sot 5 ML" 0 "^5 .* 0\.098 " "$COSPIN" energy --sot --thickness 5
expect "sot -51.2 %" 0 "-51\.2 %" "$COSPIN" energy --sot
expect "help" 0 "^Usage: cospin energy" "$COSPIN" energy --help

# The short options -i and -w, and a global option after the command.
expect "short options" 0 "= 16\.9 fJ" "$COSPIN" energy -i 15u -w 15n --resistance 5k -q

# Bad input: command-line mistakes (also a number that does not parse or is out
# of its range) exit 2 with one line; values the job refuses exit 3.
usage="\(try 'cospin help energy'\)\$"
expect "no mode" 2 "choose one of.*$usage" "$COSPIN" energy --current 15u --width 15n
expect "two modes" 2 "choose one of" "$COSPIN" energy --sot --waveform
expect "thickness without --sot" 2 "choose one of" "$COSPIN" energy --waveform --thickness 5
expect "lumped without width" 2 "--resistance needs --current and --pulse-width" \
    "$COSPIN" energy --resistance 5k --current 15u
expect "unknown thickness" 3 "no SOT preset .* 7 ML" "$COSPIN" energy --sot --thickness 7
expect "bad number" 2 "^cospin energy: error: --current: 'abc' is not a number.*$usage" \
    "$COSPIN" energy --current abc --width 15n --resistance 5k
expect "bad trials" 2 "--trials: '0' is out of range: must be in \[1, 100000000\]" \
    "$COSPIN" energy --waveform --trials 0
expect "fractional trials" 2 "--trials: '2\.5' is not an integer" \
    "$COSPIN" energy --waveform --trials 2.5
expect "negative width" 2 "--pulse-width: '-1n' is out of range: must be >= 0 s" \
    "$COSPIN" energy --waveform --width -1n
expect "zero-width pulse" 3 "pulse width \(s\) must be > 0" \
    "$COSPIN" energy --waveform --width 0
expect "unknown demag" 2 "--demag: unknown value 'cube' \(expected prism\|thin-film\)" \
    "$COSPIN" energy --waveform --demag cube
expect "crossbar without model" 2 "--crossbar needs --model" "$COSPIN" energy --crossbar
expect "missing model" 4 "nonexistent" \
    "$COSPIN" energy --crossbar --model "$tmp/nonexistent.xml"

# The resistor waveform integrates to I^2 R (t + (rise + fall)/3) =
# (15 uA)^2 x 5 kOhm x (15 + 2/3) ns = 17.625 fJ -> "17.6 fJ".
expect "resistor waveform" 0 "all trials +17\.6 fJ" \
    "$COSPIN" energy --resistor --current 15u --width 15n --rise 1n --fall 1n --r-p 5k
# The MTJ waveform writes its files.
expect "mtj waveform" 0 "wrote .*waveform\.csv" \
    "$COSPIN" energy --waveform --trials 3 --out "$tmp/wave"
for f in energy_trials.csv waveform.csv; do
    if [ -s "$tmp/wave/$f" ]; then say "ok: $f written"; else bad "$f missing"; fi
done
n=$(wc -l <"$tmp/wave/energy_trials.csv")
[ "$n" -eq 4 ] && say "ok: 3 trials in energy_trials.csv" || bad "energy_trials.csv has $n lines"
# <experiment type="energy">: a resistor pulse (closed form 17.625 fJ in energy.csv)
# and SOT table; a bad pulse is reported with its file and line.
cat >"$tmp/e.xml" <<'XML'
<?xml version="1.0"?>
<experiment type="energy" name="e">
  <pulse current="15u" width="15n" load="resistor" r-p="5k" rise="1n" fall="1n"/>
  <sot/>
</experiment>
XML
expect "run energy.xml" 0 "waveform 17\.6 fJ" "$COSPIN" run "$tmp/e.xml" --out "$tmp/e"
if grep -q "^1,resistor,.*,1\.76250[0-9]*e-14,0$" "$tmp/e/energy.csv" && [ -s "$tmp/e/sot.csv" ] \
    && [ -s "$tmp/e/waveform-1.svg" ]; then
    say "ok: energy.csv, sot.csv, waveform-1.svg"
else
    bad "energy experiment files"; cat "$tmp/e/energy.csv"
fi
sed 's/width="15n"/width="-15n"/' "$tmp/e.xml" >"$tmp/bad.xml"
expect "bad pulse line" 3 "bad\.xml:3: .*pulse width" "$COSPIN" run "$tmp/bad.xml" --out "$tmp/bad"
exit $fail
