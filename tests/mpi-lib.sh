# mpi-lib.sh -- sourced by tests/mpi-*.sh.  Exits 77 (SKIP) when cospin was
# built without MPI or no launcher is installed; else sets $MPI to the
# launcher with the options a small test machine needs, so that
# `$MPI -n 3 PROGRAM ...` runs 3 ranks.
if [ "${COSPIN_WITH_MPI:-no}" != yes ]; then
    echo "SKIP: cospin was built without MPI (configure --with-mpi needs libopenmpi-dev)"
    exit 77
fi
if [ -z "${MPIRUN:-}" ] || ! command -v "$MPIRUN" >/dev/null 2>&1; then
    echo "SKIP: no MPI launcher (mpirun) found: apt-get install openmpi-bin"
    exit 77
fi
MPI=$MPIRUN
if "$MPIRUN" --version 2>/dev/null | grep -q "Open MPI"; then
    # More ranks than cores: the tests run 3 ranks on 2-core machines; no
    # binding, which would pin each rank's threads to one core.
    MPI="$MPI --oversubscribe --bind-to none"
    # Sanitizer builds: OpenMPI keeps allocations of its run-time plugins
    # until exit and unloads the plugins first, so LeakSanitizer reports them
    # without a module to suppress.  Leaks stay checked in every one-process
    # run of these scripts and of the other tests; ASan's other checks stay
    # on in the ranks.
    MPI="$MPI -x LSAN_OPTIONS=${LSAN_OPTIONS:+$LSAN_OPTIONS:}detect_leaks=0"
    # CI containers run as root; OpenMPI refuses that unless told twice.
    if [ "$(id -u)" -eq 0 ]; then
        OMPI_ALLOW_RUN_AS_ROOT=1
        OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
        export OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM
    fi
fi

# untimed FILE: a CSV without its time columns (cpu_s, wall_s, program_s: they
# differ between any two runs).
untimed() {
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++)
                         drop[i] = ($i == "cpu_s" || $i == "wall_s" || $i == "program_s") }
             { out = ""; for (i = 1; i <= NF; i++) if (!drop[i]) out = out (out == "" ? "" : ",") $i
               print out }' "$1"
}

# same_tree REF NAME: $tmp/NAME holds the same files as $tmp/REF with equal bytes
# (summaries without their time columns; checkpoints, which record the time
# spent, only by presence).  Needs $tmp and cli-lib.sh's say and bad.
same_tree() {
    (cd "$tmp/$1" && find . -type f | sort) >"$tmp/$1.files"
    (cd "$tmp/$2" && find . -type f | sort) >"$tmp/$2.files"
    if ! cmp -s "$tmp/$1.files" "$tmp/$2.files"; then
        bad "$2: other files than one process: $(diff "$tmp/$1.files" "$tmp/$2.files" | tr '\n' ' ')"
        return
    fi
    count=0
    while read -r f; do
        count=$((count + 1))
        case "$f" in
        */summary.csv) untimed "$tmp/$1/$f" >"$tmp/a.csv" && untimed "$tmp/$2/$f" >"$tmp/b.csv" &&
            cmp -s "$tmp/a.csv" "$tmp/b.csv" ;;
        */checkpoint-*.bin) true ;;
        *) cmp -s "$tmp/$1/$f" "$tmp/$2/$f" ;;
        esac || { bad "$2: $f differs from the one-process run"; return; }
    done <"$tmp/$1.files"
    say "ok: $2: the $count files equal the one-process run's"
}
