#!/bin/sh
# mpi-characterize.sh -- `mpirun -n N cospin characterize` and `cospin run`
# of a characterize experiment write the same bytes as one process (psw.csv,
# fit.csv, fit.xml, psw.svg, run.txt, the printed table) for N = 2 and 3, on
# the three engines; a rank that fails ends the job with an error naming the rank
# and the work item and leaves no fit files; an interrupted job keeps its
# finished points and resumes from them.
# SKIP without MPI.  By hand:
#   COSPIN_WITH_MPI=yes MPIRUN=mpirun COSPIN=./src/cospin sh tests/mpi-characterize.sh
set -u
LC_ALL=C
export LC_ALL
here=$(cd "$(dirname "$0")" && pwd)
. "$here/mpi-lib.sh"
: "${COSPIN:?set COSPIN to the cospin binary}"
. "$here/cli-lib.sh"
cli_tmp mpi-char

# run NAME RANKS ARGS...: cospin ARGS in $tmp/NAME (--out out there), with
# RANKS ranks (0: no launcher); stdout in NAME.out, stderr in NAME.err.
run() {
    name=$1 ranks=$2
    shift 2
    mkdir -p "$tmp/$name"
    if [ "$ranks" -eq 0 ]; then
        (cd "$tmp/$name" && "$COSPIN" "$@" >../"$name".out 2>../"$name".err)
    else
        # shellcheck disable=SC2086
        (cd "$tmp/$name" && $MPI -n "$ranks" "$COSPIN" "$@" >../"$name".out 2>../"$name".err)
    fi
}

# same REF NAME FILES...: the files of NAME equal REF's byte for byte.
same() {
    ref=$1 name=$2
    shift 2
    for f in "$@"; do
        if ! cmp -s "$tmp/$ref/out/$f" "$tmp/$name/out/$f"; then
            bad "$name: out/$f differs from the one-process run"
            return
        fi
    done
    say "ok: $name: $* identical to the one-process run"
}

files="psw.csv fit.csv fit.xml psw.svg run.txt"
grid="characterize --width 5n,10n --ku 1.1meg,1.25meg --current 4u:34u:5u --trials 60 --relax 2n --seed 7 --out out"

# ---- the fast engine, 2 and 3 ranks -----------------------------------------------
run one 0 $grid --threads 2 || bad "one process: exit $?: $(cat "$tmp/one.err")"
for n in 2 3; do
    if run "n$n" "$n" $grid; then
        same one "n$n" $files
        cmp -s "$tmp/one.out" "$tmp/n$n.out" || bad "n$n: the printed table differs"
        grep -q "^cospin: characterize: rank $((n - 1)): .* work items" "$tmp/n$n.err" ||
            bad "n$n: no per-rank busy time reported"
    else
        bad "n$n: exit status $?: $(cat "$tmp/n$n.err")"
    fi
done

# ---- the ngspice engine, 2 ranks -----------------------------------------------------
ng="characterize --width 10n --current 6u:30u:8u --trials 12 --relax 2n --engine ngspice --instances 6 --out out"
run ng1 0 $ng --workers 2 || bad "ngspice, one process: $(cat "$tmp/ng1.err")"
run ng2 2 $ng || bad "ngspice, 2 ranks: exit $?: $(cat "$tmp/ng2.err")"
same ng1 ng2 $files

# ---- the Fokker-Planck engine: rank 0 computes the grid, the files are the same ----------
fp="characterize --engine fokker-planck --width 10n,30n --current 10u:40u:5u --out out"
run fp1 0 $fp || bad "fokker-planck, one process: $(cat "$tmp/fp1.err")"
run fp2 2 $fp || bad "fokker-planck, 2 ranks: exit $?: $(cat "$tmp/fp2.err")"
same fp1 fp2 $files

# ---- an experiment file ----------------------------------------------------------------
run x1 0 run "$here/data/char_small.xml" --out out || bad "run, one process: $(cat "$tmp/x1.err")"
run x3 3 run "$here/data/char_small.xml" --out out || bad "run, 3 ranks: exit $?: $(cat "$tmp/x3.err")"
same x1 x3 $files
cmp -s "$tmp/x1.out" "$tmp/x3.out" || bad "run, 3 ranks: the printed table differs"

# ---- a failing rank: rank 1 loads ngspice's own analog.cm (no mtj_stt model), so
# its first netlist fails (SPICE_SCRIPTS, whose spinit would load cospin.cm too,
# is unset); the job stops with the rank and the item named, and
# only psw.csv (finished points) and run.txt are left. -------------------------------
wrong_cm=
for d in /usr/lib/x86_64-linux-gnu/ngspice /usr/lib64/ngspice /usr/lib/ngspice /usr/local/lib/ngspice; do
    [ -f "$d/analog.cm" ] && wrong_cm=$d/analog.cm && break
done
mkdir -p "$tmp/bad"
# shellcheck disable=SC2086
(cd "$tmp/bad" && $MPI -n 1 "$COSPIN" $ng : -n 1 env -u SPICE_SCRIPTS COSPIN_CM="${wrong_cm:-/nonexistent/cospin.cm}" \
    "$COSPIN" $ng >../bad.out 2>../bad.err)
rc=$?
msg=$(grep "^cospin characterize: error:" "$tmp/bad.err")
if [ "$rc" -eq 0 ]; then
    bad "a failing rank: the job exited 0"
elif ! printf '%s' "$msg" | grep -q "rank 1 failed"; then
    bad "a failing rank: no error naming rank 1: $(cat "$tmp/bad.err")"
elif [ -n "$wrong_cm" ] && ! printf '%s' "$msg" | grep -q "on work item [0-9]* (width .*current"; then
    bad "a failing rank: the work item is not named: $msg"
elif [ -e "$tmp/bad/out/fit.csv" ] || [ -e "$tmp/bad/out/fit.xml" ] || [ -e "$tmp/bad/out/psw.svg" ]; then
    bad "a failing rank: fit files were written: $(ls "$tmp/bad/out")"
elif awk -F, 'NR > 1 && NF != 6 { exit 1 }' "$tmp/bad/out/psw.csv"; then
    say "ok: a failing rank: exit $rc, $msg"
else
    bad "a failing rank: a torn row in psw.csv"
fi

# ---- interrupted and resumed: SIGTERM to every rank once two points are done (what
# a batch system does at the end of a job's time), then the same command with 3
# ranks finishes the grid; the files equal one process's. --------------------------
long="characterize --width 10n --current 4u:32u:4u --trials 3000 --relax 2n --out out"
run long1 0 $long --threads 2 || bad "long grid, one process: $(cat "$tmp/long1.err")"
mkdir -p "$tmp/long2"
# shellcheck disable=SC2086
(cd "$tmp/long2" && exec $MPI -n 2 "$COSPIN" $long >../long2.out 2>../long2.err) &
pid=$!
rows=0
while kill -0 "$pid" 2>/dev/null && [ "$rows" -lt 3 ]; do
    sleep 0.05
    rows=$(cat "$tmp/long2/out/psw.csv" 2>/dev/null | wc -l)
done
# The ranks are the launcher's children on one machine.
ranks=$(ps -o pid= --ppid "$pid" 2>/dev/null)
# shellcheck disable=SC2086
[ -n "$ranks" ] && kill -TERM $ranks 2>/dev/null
wait "$pid"
rc=$?
done_rows=$(($(wc -l <"$tmp/long2/out/psw.csv") - 1))
if [ -e "$tmp/long2/out/fit.csv" ]; then
    say "note: the grid finished before the interrupt (a fast machine): resume not exercised"
elif [ "$rc" -ne 6 ] || ! grep -q "interrupted: .*$done_rows of 8 points finished" "$tmp/long2.err"; then
    bad "interrupted: exit $rc (expected 6) and $done_rows points kept: $(cat "$tmp/long2.err")"
elif [ "$done_rows" -lt 1 ]; then
    bad "interrupted: no finished point kept in psw.csv"
else
    say "ok: interrupted with $done_rows of 8 points kept"
fi
if run long2 3 $long; then
    grep -q "resuming: $done_rows point" "$tmp/long2.err" || [ "$done_rows" -eq 8 ] ||
        bad "resumed: the $done_rows finished points were not reused: $(cat "$tmp/long2.err")"
    same long1 long2 $files
else
    bad "resumed with 3 ranks: exit $?: $(cat "$tmp/long2.err")"
fi

exit $fail
