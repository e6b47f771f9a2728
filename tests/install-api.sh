#!/bin/sh
# install-api.sh -- libcospin and the cospin command as a user gets them.
#
#   1. `make install DESTDIR=TMP/stage`: the whole installation, away from
#      the build tree and from the configured prefix;
#   2. every installed header compiles on its own (C11, -Wall -Wextra
#      -Wpedantic -Werror; with a C++ compiler also as C++);
#   3. tests/install-api.c, compiled and linked with nothing but
#      `pkg-config --cflags --libs cospin`, runs against the installed library
#      (units, LLGS trials, fits, characterisation, netlists, the engine with
#      the installed cospin.cm, training, the log handler);
#   4. the exported symbols are exactly the functions the installed headers
#      declare (GCC's -aux-info lists the declarations);
#   5. the installation is moved to another directory and still works: the
#      program finds the moved cospin.cm, `cospin` runs an experiment file
#      (the schema) and `cospin-ngspice -b` a netlist (exit status 0).
#
# With --installed ROOT (make installcheck) steps 2-4 run against an
# installation already in ROOT (= DESTDIR + prefix), without installing or
# moving anything.
#
# Environment (make check sets it): MAKE, CC, CXX, SAN_CFLAGS, SAN_LDFLAGS
# (a sanitizer build's programs need its runtime), prefix, libdir,
# includedir, bindir (the configured directories), abs_top_builddir, srcdir.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
srcdir=${srcdir:-$(dirname "$here")}
srcdir=$(cd "$srcdir" && pwd)
MAKE=${MAKE:-make}
CC=${CC:-cc}
SAN_CFLAGS=${SAN_CFLAGS:-}
SAN_LDFLAGS=${SAN_LDFLAGS:-}
fails=0
say() { printf '%s\n' "$*"; }
bad() {
    printf 'FAIL %s\n' "$*"
    fails=$((fails + 1))
}
# The tests must find everything through the installation, not through make check.
unset COSPIN_CM SPICE_SCRIPTS COSPIN_SPICE_SCRIPTS

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cospin-install-api.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

installed=
if [ "${1:-}" = --installed ]; then
    root=$2
    installed=yes
    pc_sysroot=${root%"$prefix"}
else
    : "${abs_top_builddir:?run through make check}"
    stage=$tmp/stage
    if ! (cd "$abs_top_builddir" && $MAKE install DESTDIR="$stage") >"$tmp/install.log" 2>&1; then
        tail -n 30 "$tmp/install.log"
        echo "install-api.sh: make install DESTDIR=$stage failed"
        exit 1
    fi
    root=$stage$prefix
    pc_sysroot=$stage
fi
say "installation in $root"

# pkg-config reads the installed cospin.pc; the sysroot maps its configured
# paths into the staging directory.
PKG_CONFIG_PATH=$pc_sysroot$libdir/pkgconfig
PKG_CONFIG_SYSROOT_DIR=$pc_sysroot
export PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
cflags=$(pkg-config --cflags cospin)
libs=$(pkg-config --libs cospin)
version=$(pkg-config --modversion cospin)
say "pkg-config: $cflags $libs (version $version)"

# ---- 2. each installed header on its own --------------------------------------
headers="cospin.h"
for h in "$pc_sysroot$includedir"/cospin/*.h; do
    headers="$headers cospin/$(basename "$h")"
done
for h in $headers; do
    printf '#include <%s>\n' "$h" >"$tmp/one.c"
    # shellcheck disable=SC2086
    if ! $CC -std=c11 -Wall -Wextra -Wpedantic -Werror $cflags -fsyntax-only "$tmp/one.c" \
        2>"$tmp/one.err"; then
        cat "$tmp/one.err"
        bad "<$h> does not compile on its own"
    fi
done
CXX=${CXX:-c++}
if command -v "$CXX" >/dev/null 2>&1; then
    for h in $headers; do printf '#include <%s>\n' "$h"; done >"$tmp/all.cc"
    echo 'int main() { return cospin_version() == nullptr; }' >>"$tmp/all.cc"
    # shellcheck disable=SC2086
    if ! $CXX -std=c++11 -Wall -Werror $cflags -o "$tmp/all-cxx" "$tmp/all.cc" $libs \
        $SAN_LDFLAGS 2>"$tmp/cxx.err"; then
        cat "$tmp/cxx.err"
        bad "the headers do not link from C++ (extern \"C\")"
    fi
fi
say "ok   $(echo "$headers" | wc -w) installed headers compile on their own"

# ---- 3. the program, with pkg-config's flags only --------------------------------
# shellcheck disable=SC2086
if ! $CC -std=c11 $SAN_CFLAGS $cflags -o "$tmp/install-api" "$srcdir/tests/install-api.c" \
    $libs $SAN_LDFLAGS -lm 2>"$tmp/cc.err"; then
    cat "$tmp/cc.err"
    echo "install-api.sh: tests/install-api.c does not build against the installation"
    exit 1
fi
run_program() { # $1: libdir of the installation; output in $tmp/program.out
    LD_LIBRARY_PATH=$1${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} "$tmp/install-api" "$version" \
        >"$tmp/program.out" 2>"$tmp/program.err"
}
if run_program "$pc_sysroot$libdir"; then
    say "ok   tests/install-api.c against the installed library"
else
    cat "$tmp/program.out" "$tmp/program.err"
    bad "tests/install-api.c against the installed library"
fi

# ---- 4. exported = declared -----------------------------------------------------
lib=$(ls "$pc_sysroot$libdir"/libcospin.so.* 2>/dev/null | head -n 1)
if $CC -v 2>&1 | grep -q '^gcc version' && [ -n "$lib" ]; then
    for h in $headers; do printf '#include <%s>\n' "$h"; done >"$tmp/decl.c"
    # shellcheck disable=SC2086
    (cd "$tmp" && $CC -std=c11 $cflags -fsyntax-only -aux-info decl.aux decl.c)
    grep "^/\* $pc_sysroot$includedir/" "$tmp/decl.aux" | grep ' extern ' |
        sed -e 's/ *(.*//' -e 's/.*[ *]//' | sort -u >"$tmp/declared"
    nm -D --defined-only "$lib" | awk '$2 == "T" { print $3 }' | sort -u >"$tmp/exported"
    if cmp -s "$tmp/declared" "$tmp/exported"; then
        say "ok   $(wc -l <"$tmp/exported") exported functions, each declared in an installed header"
    else
        diff "$tmp/declared" "$tmp/exported" | sed -n 's/^< /declared, not exported: /p; s/^> /exported, not declared: /p'
        bad "the exported functions differ from the declared ones"
    fi
else
    say "skip exported = declared (needs GCC's -aux-info and the shared library)"
fi

# ---- 5. a moved installation ------------------------------------------------------
if [ -z "$installed" ]; then
    for d in "$bindir" "$libdir" "$includedir"; do
        case $d in "$prefix"/*) ;; *) say "skip the move: $d is outside $prefix"; installed=skip ;; esac
    done
fi
if [ -z "$installed" ]; then
    moved=$tmp/moved
    mv "$root" "$moved"
    mlib=$moved${libdir#"$prefix"}
    mbin=$moved${bindir#"$prefix"}
    if run_program "$mlib" && grep -q "^code models: $moved/" "$tmp/program.out"; then
        say "ok   after a move the library loads $(sed -n 's/^code models: //p' "$tmp/program.out")"
    else
        cat "$tmp/program.out" "$tmp/program.err"
        bad "the library after a move"
    fi
    cm=$("$mbin/cospin" -v --version | sed -n 's/^code models: //p')
    case $cm in
    "$moved"/*) say "ok   after a move cospin uses $cm" ;;
    *) bad "after a move cospin uses '$cm', not the moved cospin.cm" ;;
    esac
    if (cd "$tmp" && "$mbin/cospin" run "$srcdir/examples/rc_step.xml" --out rc) \
        >"$tmp/run.log" 2>&1 && [ -s "$tmp/rc/tran.csv" ]; then
        say "ok   after a move cospin runs examples/rc_step.xml"
    else
        cat "$tmp/run.log"
        bad "after a move cospin run examples/rc_step.xml"
    fi
    if "$mbin/cospin-ngspice" -b "$srcdir/netlists/tmr_divider.cir" >"$tmp/ng.log" 2>&1 &&
        grep -q '^4[[:space:]]*1.000000e+00[[:space:]]*5.000000e-02' "$tmp/ng.log"; then
        say "ok   after a move cospin-ngspice -b netlists/tmr_divider.cir exits 0"
    else
        cat "$tmp/ng.log"
        bad "after a move cospin-ngspice -b netlists/tmr_divider.cir"
    fi
fi

echo "install-api.sh: $fails failed"
[ "$fails" -eq 0 ]
