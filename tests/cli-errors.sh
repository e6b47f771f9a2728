#!/bin/sh
# cli-errors.sh -- the CLI's error behaviour: bad input gives ONE line
# "cospin CMD: error: FILE:LINE: message" on stderr, the documented exit code,
# and leaves no output files behind; good input runs end to end.
# Run by `make check` (COSPIN = the built CLI); by hand:
#   COSPIN=./src/cospin srcdir=/path/to/cospin sh tests/cli-errors.sh
set -u
LC_ALL=C
export LC_ALL

: "${COSPIN:?set COSPIN to the cospin binary}"
here=$(cd "$(dirname "$0")" && pwd)
data="$here/data"
examples="$here/../examples"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cospin-cli-errors.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0

say() { printf '%s\n' "$*"; }
bad() { say "FAIL: $*"; fail=1; }

# expect_error NAME EXIT_CODE PATTERN CMD...
# The command must exit with EXIT_CODE, print exactly one line on stderr that
# matches PATTERN (grep -E), and leave $tmp/out absent or empty.
expect_error() {
    name=$1 code=$2 pattern=$3
    shift 3
    rm -rf "$tmp/out"
    "$@" >"$tmp/stdout" 2>"$tmp/stderr"
    rc=$?
    lines=$(wc -l <"$tmp/stderr")
    if [ "$rc" -ne "$code" ]; then
        bad "$name: exit code $rc, expected $code"
    elif [ "$lines" -ne 1 ]; then
        bad "$name: $lines lines on stderr, expected 1:"
        cat "$tmp/stderr"
    elif ! grep -Eq -- "$pattern" "$tmp/stderr"; then
        bad "$name: stderr does not match /$pattern/:"
        cat "$tmp/stderr"
    elif [ -e "$tmp/out" ] && [ -n "$(ls -A "$tmp/out")" ]; then
        bad "$name: left files behind: $(ls -A "$tmp/out")"
    else
        say "ok: $name: $(cat "$tmp/stderr")"
    fi
}

# ---- bad XML: exit 3, FILE:LINE and the element/attribute named --------------
expect_error "malformed XML" 3 \
    "^cospin run: error: .*/malformed\.xml:5: malformed XML: .*circuit" \
    "$COSPIN" run "$data/malformed.xml" --out "$tmp/out"
expect_error "unknown attribute" 3 \
    "^cospin run: error: .*/bad_attr\.xml:4: <resistor>: attribute 'rr' is not allowed" \
    "$COSPIN" run "$data/bad_attr.xml" --out "$tmp/out"
expect_error "unknown element" 3 \
    "^cospin run: error: .*/bad_element\.xml:5: <capacitr>: element not allowed inside <circuit>" \
    "$COSPIN" run "$data/bad_element.xml" --out "$tmp/out"
expect_error "missing attribute" 3 \
    "^cospin run: error: .*/missing_attr\.xml:4: <resistor>: missing required attribute 'r'" \
    "$COSPIN" run "$data/missing_attr.xml" --out "$tmp/out"
expect_error "not a number" 3 \
    "^cospin run: error: .*/bad_number\.xml:4: <resistor r=\"abc\">: 'abc' is not a number" \
    "$COSPIN" run "$data/bad_number.xml" --out "$tmp/out"
expect_error "bad suffix" 3 \
    "^cospin run: error: .*/bad_suffix\.xml:5: <capacitor c=\"1x\">: '1x' is not a number" \
    "$COSPIN" run "$data/bad_suffix.xml" --out "$tmp/out"
expect_error "unknown type" 3 \
    "^cospin run: error: .*/bad_type\.xml:3: .*unknown experiment type" \
    "$COSPIN" run "$data/bad_type.xml" --out "$tmp/out"
expect_error "negative resistance" 3 \
    "^cospin run: error: .*/negative_r\.xml:4: <resistor r=\"-1k\">: must be > 0" \
    "$COSPIN" run "$data/negative_r.xml" --out "$tmp/out"
expect_error "netlist: bad XML" 3 \
    "^cospin netlist: error: .*/bad_attr\.xml:4: <resistor>" \
    "$COSPIN" netlist "$data/bad_attr.xml" -o "$tmp/out/deck.cir"
expect_error "check only" 3 \
    "^cospin run: error: .*/negative_r\.xml:4:" \
    "$COSPIN" run --check "$data/negative_r.xml"

# ---- missing file: exit 4 -----------------------------------------------------
expect_error "missing file" 4 \
    "^cospin run: error: .*/no-such-file\.xml: cannot open: No such file" \
    "$COSPIN" run "$data/no-such-file.xml" --out "$tmp/out"

# ---- bad netlist (ngspice rejects it): exit 1, the analysis line and ngspice's words
expect_error "bad netlist" 1 \
    "^cospin run: error: .*/bad_netlist\.xml:9: <op>: .*nosuchmodel" \
    "$COSPIN" run "$data/bad_netlist.xml" --out "$tmp/out"

# ---- usage errors: exit 2, one line naming the problem and `cospin help CMD` -------
# expect_usage NAME CMD PATTERN CMD...: PATTERN is the message after "error: ".
expect_usage() {
    uname=$1 ucmd=$2 upat=$3
    shift 3
    expect_error "$uname" 2 "^cospin $ucmd: error: $upat.* \(try 'cospin help $ucmd'\)\$" "$@"
}
expect_usage "no file" run "missing EXPERIMENT\.xml" "$COSPIN" run
expect_usage "unknown option" run "unknown option '--bogus'" "$COSPIN" run --bogus "$data/good.xml"
expect_usage "missing value" train "option --out needs a value" "$COSPIN" train --out
expect_usage "bad number" train "--lr: 'abc' is not a number" "$COSPIN" train --lr abc --out "$tmp/out"
expect_usage "not an integer" characterize "--trials: '1\.5' is not an integer" \
    "$COSPIN" characterize --trials 1.5
expect_usage "out of range" characterize "--pulse-width: '-5n' is out of range: must be > 0 s" \
    "$COSPIN" characterize --width -5n --current 1u --out "$tmp/out"
expect_usage "missing required option" train "missing required option --out DIR" \
    "$COSPIN" train --lr 100m
expect_usage "unexpected argument" netlist "unexpected argument 'extra\.xml'" \
    "$COSPIN" netlist "$data/good.xml" extra.xml
expect_usage "unknown enum value" train "--mode: unknown value 'kk' \(expected baseline\|kc\|k\)" \
    "$COSPIN" train --mode kk --out "$tmp/out"
expect_usage "energy: two modes" energy "choose one of --resistance R, --waveform, --sot or --crossbar" \
    "$COSPIN" energy --sot --waveform
expect_usage "energy: out of range" energy "--pulse-width: '-1n' is out of range: must be >= 0 s" \
    "$COSPIN" energy --waveform --width -1n --out "$tmp/out"
expect_usage "demo: unexpected argument" demo "unexpected argument 'extra'" \
    "$COSPIN" demo --small extra
expect_usage "demo: missing value" demo "option -o needs a value" "$COSPIN" demo -s -o
expect_usage "dataset action" dataset "unknown action 'bogus'" "$COSPIN" dataset bogus
expect_usage "dataset info arguments" dataset "info expects one DIR, NAME or FILE" \
    "$COSPIN" dataset info
expect_error "unknown command" 2 "^cospin: error: unknown command 'bogus' \(try 'cospin help'\)\$" \
    "$COSPIN" bogus
expect_error "help of an unknown command" 2 "^cospin: error: unknown command 'bogus'" \
    "$COSPIN" help bogus
expect_error "no command" 2 "^cospin: error: missing COMMAND" "$COSPIN" -q
expect_error "bad log level" 2 "^cospin train: error: --log-level: unknown value 'loud'" \
    "$COSPIN" train --log-level loud --out "$tmp/out"

# ---- an existing output directory keeps only what was there before ---------------
mkdir -p "$tmp/keep" && echo old >"$tmp/keep/tran.csv"
"$COSPIN" run "$data/bad_netlist.xml" --out "$tmp/keep" 2>/dev/null
if [ "$(cat "$tmp/keep/tran.csv")" != old ] || [ "$(ls -A "$tmp/keep")" != tran.csv ]; then
    bad "failed run touched an existing directory: $(ls -A "$tmp/keep")"
else
    say "ok: failed run leaves an existing directory as it was"
fi

# ---- help: `cospin CMD --help`, `-h` and `cospin help CMD` print the same text --------
for cmd in run netlist demo ngspice dataset characterize train infer energy; do
    "$COSPIN" help "$cmd" >"$tmp/help1" 2>"$tmp/help1.err"
    rc1=$?
    "$COSPIN" "$cmd" --help >"$tmp/help2" 2>&1
    rc2=$?
    "$COSPIN" "$cmd" -h >"$tmp/help3" 2>&1
    if grep -q "^Examples:" "$tmp/help1"; then has_examples=yes; else has_examples=no; fi
    if [ "$rc1" -eq 0 ] && [ "$rc2" -eq 0 ] && [ ! -s "$tmp/help1.err" ] \
        && cmp -s "$tmp/help1" "$tmp/help2" && cmp -s "$tmp/help1" "$tmp/help3" \
        && grep -q "^Usage: cospin $cmd" "$tmp/help1" && [ "$has_examples" = yes ]; then
        say "ok: cospin help $cmd = cospin $cmd --help"
    else
        bad "cospin help $cmd (exit $rc1) differs from cospin $cmd --help (exit $rc2)"
    fi
done
"$COSPIN" help >"$tmp/help1" && "$COSPIN" --help >"$tmp/help2"
missing=
for cmd in run netlist demo ngspice dataset characterize train infer energy; do
    grep -q "^  $cmd " "$tmp/help1" || missing="$missing $cmd"
done
if cmp -s "$tmp/help1" "$tmp/help2" && [ -z "$missing" ]; then
    say "ok: cospin help lists the commands"
else
    bad "cospin help: missing:$missing"
fi
# the man pages (built when configure found help2man): one per command, with its summary
mandir=$(dirname "$COSPIN")/../man
if [ -f "$mandir/cospin.1" ]; then
    for cmd in run netlist demo ngspice dataset characterize train infer energy; do
        page="$mandir/cospin-$cmd.1"
        if [ -f "$page" ] && grep -A1 '^\.SH NAME' "$page" | grep -q "^cospin-$cmd"' \\- [a-zA-Z]' \
            && grep -q '^\.SH SYNOPSIS' "$page"; then
            say "ok: man page cospin-$cmd.1"
        else
            bad "man page cospin-$cmd.1 missing or without NAME/SYNOPSIS"
        fi
    done
else
    say "skip: no man pages (help2man not found by configure)"
fi

# ngspice's own options pass through (-v is ngspice's version, not cospin's verbosity)
if "$COSPIN" ngspice -v 2>&1 | grep -q "ngspice-"; then
    say "ok: cospin ngspice -v reaches ngspice"
else
    bad "cospin ngspice -v"
fi

# ---- good input end to end ------------------------------------------------------------
rm -rf "$tmp/out"
if "$COSPIN" -q run "$examples/rc_step.xml" --out "$tmp/out" && [ -s "$tmp/out/tran.csv" ] \
    && head -1 "$tmp/out/tran.csv" | grep -qx 'time,v(in),v(out)' \
    && [ -z "$(ls -A "$tmp/out" | grep -v '^tran\.csv$')" ]; then
    # v(out) at the last point (t = 5 us = 5 tau) is 1 - e^-5 = 0.99326 V
    last=$(tail -1 "$tmp/out/tran.csv" | cut -d, -f3)
    if awk -v v="$last" 'BEGIN { d = v - (1 - exp(-5)); exit !(d < 1e-3 && d > -1e-3) }'; then
        say "ok: run rc_step.xml, v(out)(5 us) = $last"
    else
        bad "rc_step v(out)(5 us) = $last, expected 0.99326"
    fi
else
    bad "run rc_step.xml did not write tran.csv alone"
fi
if "$COSPIN" netlist "$examples/rc_step.xml" -o "$tmp/rc.cir" && grep -q '^\.tran 10n 5u' "$tmp/rc.cir" \
    && grep -q '^\.end$' "$tmp/rc.cir"; then
    say "ok: netlist rc_step.xml"
else
    bad "netlist rc_step.xml"
fi

# numbers with SPICE suffixes and global options after the command name
rm -rf "$tmp/train"
if "$COSPIN" train --lr 100m --iters 5 --hidden 8 --train-limit 200 --test-limit 100 \
    --out "$tmp/train" -q >"$tmp/stdout" 2>"$tmp/stderr" \
    && [ "$(sed -n 2p "$tmp/train/summary.csv" | cut -d, -f2,3,4)" = "8,0.1,5" ]; then
    say "ok: train --lr 100m -q"
else
    bad "train --lr 100m -q: $(cat "$tmp/stderr")"
fi

# a characterize experiment prints the neuron table `cospin characterize` prints
# (which prints the device's figures before it)
if "$COSPIN" -q run "$data/char_small.xml" --out "$tmp/cs1" >"$tmp/run.out" \
    && "$COSPIN" characterize --width 30n --current 4u:32u:4u --trials 40 --seed 1 \
        --threads 1 --out "$tmp/cs2" -q >"$tmp/char.out" \
    && grep -q '^# neuron table' "$tmp/run.out" && [ "$(wc -l <"$tmp/run.out")" -eq 3 ] \
    && [ "$(tail -n +2 "$tmp/run.out")" = "$(sed '1,/^# neuron table/d' "$tmp/char.out")" ] \
    && grep -q '^  E_B/kBT  *26.12 at 300 K' "$tmp/char.out"; then
    say "ok: run prints the fit table of characterize"
else
    bad "run char_small.xml table:"
    cat "$tmp/run.out" "$tmp/char.out"
fi

# every shipped example file is valid (grammar and each type's own checks)
for f in "$examples"/*.xml; do
    [ -e "$f" ] || continue
    if "$COSPIN" run --check "$f" >"$tmp/stdout" 2>"$tmp/stderr"; then
        say "ok: valid: examples/$(basename "$f")"
    else
        bad "examples/$(basename "$f") does not validate: $(cat "$tmp/stderr")"
    fi
done

# every element kind and all three analyses: one CSV each, nothing else
rm -rf "$tmp/out"
if "$COSPIN" -q run "$data/good.xml" --out "$tmp/out" \
    && [ "$(ls -A "$tmp/out" | tr '\n' ' ')" = "dc.csv op.csv tran.csv " ] \
    && [ "$(wc -l <"$tmp/out/dc.csv")" -eq 6 ] && [ "$(wc -l <"$tmp/out/op.csv")" -eq 2 ]; then
    say "ok: run good.xml (op, dc, tran)"
else
    bad "run good.xml: $(ls -A "$tmp/out" 2>&1 | tr '\n' ' ')"
fi

# cospin ngspice: the system's code models and cospin's load together
# (ngspice -b exits 1 after a .control block even when all went well: status not checked)
"$COSPIN" ngspice -b "$data/mixed_models.cir" >"$tmp/stdout" 2>"$tmp/stderr"
if grep -q "v(mid) = 5.0000[0-9]*e-02" "$tmp/stdout" && ! grep -qi "error" "$tmp/stderr"; then
    say "ok: cospin ngspice loads analog.cm and cospin.cm"
else
    bad "cospin ngspice -b mixed_models.cir:"
    cat "$tmp/stdout" "$tmp/stderr"
fi

# the main job (small variant): the circuit check passes its three checks, each
# step writes its directory, and the summary names the accuracies and energies
rm -rf "$tmp/out"
if "$COSPIN" demo --small --out "$tmp/out" >"$tmp/stdout" 2>"$tmp/stderr" \
    && [ "$(grep -c PASS "$tmp/stdout")" -eq 3 ] \
    && [ "$(ls -A "$tmp/out" | tr '\n' ' ')" = "characterize circuit energy infer summary.txt train " ] \
    && [ "$(ls -A "$tmp/out/circuit" | tr '\n' ' ')" = "crossbar.csv demo.csv rc.csv " ] \
    && [ -s "$tmp/out/characterize/fit.csv" ] && [ -s "$tmp/out/train/model.xml" ] \
    && [ -s "$tmp/out/infer/summary.csv" ] && [ -s "$tmp/out/energy/energy_trials.csv" ] \
    && grep -q "circuit accuracy" "$tmp/out/summary.txt" \
    && grep -q "energy per inference" "$tmp/out/summary.txt"; then
    say "ok: demo --small"
else
    bad "demo --small:"
    cat "$tmp/stdout" "$tmp/stderr"
fi

exit $fail
