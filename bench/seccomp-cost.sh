#!/usr/bin/env bash
# What the default seccomp profile costs a container start (issue 13: at most 1 ms).
#   bench/seccomp-cost.sh [N]     (default 20; needs app-cli/target/quilt.jar and
#                                  native/target/cmake/test-helpers: mvn package)
# - cold:   a fresh JVM, empty cache: parse the profile, compile with libseccomp, write data/seccomp/<sha>.bpf
# - cached: a fresh JVM, the file there: what each later start pays (CRC-32s, read ~28 KB, compare the key),
#           including loading Quilt's seccomp classes
# - reread: the same once those classes are loaded (a second instance in that JVM): what is left when the
#           AOT cache, trained on `quilt run`, has them

# - warm:   one JVM compiling again and again (JIT-ed), what compiling on every start would cost at best
# - load:   seccomp_run PROGRAM true vs seccomp_run unconfined true (the kernel's seccomp(2) and the
#           filter on every syscall of `true`), fresh processes, interleaved
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
N=${1:-20}
cd "$QUILT_HOME"
quilt_pick_jdk
JAR=app-cli/target/quilt.jar
HELPERS=native/target/cmake/test-helpers
[ -f "$JAR" ] && [ -x "$HELPERS/seccomp_run" ] || quilt_die "build first: mvn -q package -DskipTests"
WORK=$(mktemp -d /tmp/quilt-seccomp-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
JAVA=("$JAVA_HOME/bin/java" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED -cp "$JAR")
# compile the single-file program once, so each timed JVM only runs it
mkdir -p "$WORK/classes"
"$JAVA_HOME/bin/javac" -d "$WORK/classes" -cp "$JAR" bench/SeccompCost.java
JAVA+=(-cp "$JAR:$WORK/classes")
for i in $(seq "$N"); do
    "${JAVA[@]}" SeccompCost "$WORK/seccomp" cold >>"$WORK/cold"
    "${JAVA[@]}" SeccompCost "$WORK/seccomp" cached >>"$WORK/cached"
    "${JAVA[@]}" SeccompCost "$WORK/seccomp" reread >>"$WORK/reread"
done
"${JAVA[@]}" SeccompCost "$WORK/seccomp" warm "$N" >"$WORK/warm"
PROGRAM=$WORK/program.bpf
"${JAVA[@]}" SeccompCost "$WORK/seccomp" cached "$PROGRAM" >/dev/null
for i in $(seq "$N"); do
    time_ms "$HELPERS/seccomp_run" "$PROGRAM" /bin/true >>"$WORK/load"
    time_ms "$HELPERS/seccomp_run" unconfined /bin/true >>"$WORK/noload"
done
printf '%-58s %10s %10s\n' "default profile, default capabilities ($N runs)" "median ms" "p95 ms"
for k in cold cached reread warm load noload; do
    case $k in
        cold) what="first use: parse + compile + write (fresh JVM)" ;;
        cached) what="cached: read + check a $(stat -c %s "$PROGRAM")-byte program (fresh JVM)" ;;
        reread) what="cached, classes already loaded (fresh JVM, 2nd instance)" ;;
        warm) what="compile in a warm JVM (every start, at best)" ;;
        load) what="seccomp_run PROGRAM true (process)" ;;
        noload) what="seccomp_run unconfined true (process)" ;;
    esac
    printf '%-58s %10s %10s\n' "$what" "$(median "$WORK/$k")" "$(p95 "$WORK/$k")"
done
