#!/usr/bin/env bash
# quilt serve through its socket (the Docker Engine API, as agent frameworks call it) against crun's and
# runc's CLI, in one run (issue 15's acceptance):
#  (a) create+start to ready, --network none and bridge, concurrency 1 and 8 (p50/p95), and Quilt's one call
#      (create?ready=1) at concurrency 1, against `run -d` + the first `exec true` of crun and runc
#  (b) exec round trip of `true` (exec create + start + inspect; p50/p99) against `crun exec` / `runc exec`,
#      in phases and alternated one by one with crun's
#  (c) 100 concurrent creates to all ready
#  (d) archive PUT + GET throughput: 1 MB, 100 MB, 1,000 files of 1 KiB
#  (e) the server's RSS idle and with 100 containers
# The API side is bench/ServeBench.java (one connection per request; the exec round trip also with create and
# inspect on one kept-alive connection, as docker-py's session keeps one); the server runs with the
# launcher's server flags (./quilt serve), warmed by 200 creates and 2,350 execs before anything is measured (the cold figure of execs 200-350 is printed apart). crun 1.8.1 needs the holder trick of docs/BENCHMARKS.md §4.
# Usage: sudo bench/serve-vs-crun.sh [ITERATIONS]   (default 50)
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
repo=$(dirname "$here")
source "$here/lib.sh"
n=${1:-50}

[ "$(id -u)" = 0 ] || { echo "bench: run as root" >&2; exit 1; }
for p in runc crun; do
    command -v "$p" >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null
done

work=$(mktemp -d /tmp/quilt-serve-bench.XXXXXX)
run_on=
holder=
server=
cleanup() {
    runc --root "$work/runc-state" list -q 2>/dev/null | xargs -r -n1 runc --root "$work/runc-state" delete -f
    if [ -n "$holder" ]; then
        nsenter --mount="/proc/$holder/ns/mnt" crun --root "$work/crun-state" list -q 2>/dev/null \
            | xargs -r -n1 nsenter --mount="/proc/$holder/ns/mnt" crun --root "$work/crun-state" delete -f
        kill "$holder" 2>/dev/null || true
    fi
    if [ -n "$server" ]; then kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    "${quilt[@]}" ps -aq 2>/dev/null | xargs -r "${quilt[@]}" rm -f >/dev/null 2>&1 || true
    "${quilt[@]}" network rm >/dev/null 2>&1 || true
    quilt_drop_cgroup_parent "$work/quilt"
    if [ "$run_on" = tmpfs ]; then umount "$work/quilt/run" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
quilt=("$repo/quilt" --root "$work/quilt")
mkdir -p "$work/quilt/data" "$work/quilt/run"
# Quilt's state dir is /run/quilt, a tmpfs on Debian and Ubuntu hosts (as /run/crun and /run/runc, the peers'
# defaults): the bench's run dir is one too, so its fsyncs cost what they cost there; images and layers stay on
# disk as /var/lib/quilt does. QUILT_BENCH_RUN_ON_DISK=1 keeps it on the disk (this VM's /run is on its ext4).
run_on=tmpfs
if [ "${QUILT_BENCH_RUN_ON_DISK:-0}" = 1 ]; then
    run_on=disk
else
    mount -t tmpfs -o mode=0711 quilt-bench-run "$work/quilt/run"
fi
printf '{"bridge":"qs%04x","subnet":"10.%d.%d.0/24"}\n' $((RANDOM)) $((216 + RANDOM % 16)) $((RANDOM % 256)) \
    >"$work/quilt/data/network.json"

# the default image, copied into a bundle for runc and crun
"${quilt[@]}" run --rm --network none -- true >/dev/null
rootfs=$(ls -d "$work"/quilt/data/images/*/rootfs | head -1)
mkdir -p "$work/bundle"
cp -a "$rootfs" "$work/bundle/rootfs"
(cd "$work/bundle" && runc spec)
sed -i -e 's/"terminal": true/"terminal": false/' -e 's/"sh"$/"sleep", "2147483647"/' \
    -e 's/"readonly": true/"readonly": false/' "$work/bundle/config.json"
mkfifo "$work/holder.fifo"
unshare --mount --propagation private sh -c \
    'umount /sys/fs/cgroup/unified 2>/dev/null; echo up >"$0"; exec sleep 2147483647' "$work/holder.fifo" &
holder=$!
read -r _ <"$work/holder.fifo"
crun_() { nsenter --mount="/proc/$holder/ns/mnt" crun --root "$work/crun-state" "$@"; }
runc_() { runc --root "$work/runc-state" "$@"; }
ready_runc() { runc_ run -d -b "$work/bundle" "$1" >/dev/null 2>&1 </dev/null && runc_ exec "$1" true; }
ready_crun() { crun_ run -d -b "$work/bundle" "$1" >/dev/null 2>&1 </dev/null && crun_ exec "$1" true; }
drop_peers() {
    runc_ list -q | xargs -r -n1 runc --root "$work/runc-state" delete -f
    crun_ list -q | xargs -r -n1 nsenter --mount="/proc/$holder/ns/mnt" crun --root "$work/crun-state" delete -f
}

# the server, with the launcher's flags for serve; up once it says it listens
mkfifo "$work/serve.fifo"
"${quilt[@]}" serve --quiet 2>"$work/serve.fifo" &
server=$!
exec 3<"$work/serve.fifo" # held open all along, so the server never writes to a fifo with no reader
while read -r line <&3; do case "$line" in *"listening on"*) break ;; esac; done
cat <&3 >"$work/serve.log" &
sock="$work/quilt/run/quilt.sock"
quilt_pick_jdk >/dev/null
# the client compiled once: run from its source, each of the ~12 client JVMs below compiled it first (javac in the
# client, ~2 s of CPU), and C2 went on compiling javac's code on this 2-core VM while the first calls were timed
"$JAVA_HOME/bin/javac" -cp "$QUILT_JAR" -d "$work/client" "$here/ServeBench.java"
api() { "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$QUILT_JAR:$work/client" ServeBench "$sock" "$@"; }

# (e, idle) before anything ran through the server
api rss 0 "$server" | head -1 >"$work/rss-idle"
# warm, as a resident server is once it has served a few thousand calls: C2 has compiled the request,
# create and exec paths. On this 2-core VM that takes ~2,000 execs: the exec round trip's p50 fell from
# 10.3 ms (execs 200-350 after the server's start) to 3.6 ms (2,200-2,700), docs/BENCHMARKS.md section 14;
# the first of those are printed below as the cold server's figure, not mixed into the warm one
api ready 200 none 1 >/dev/null
api exec 150 >"$work/exec-api-cold.ms"
api exec 2000 >/dev/null

for i in 1 2 3; do ready_runc "rw-$i"; ready_crun "cw-$i"; done
drop_peers
: >"$work/ready-runc.ms"
: >"$work/ready-crun.ms"
for i in $(seq "$n"); do
    time_ms ready_runc "r-$i" >>"$work/ready-runc.ms"
    time_ms ready_crun "c-$i" >>"$work/ready-crun.ms"
    drop_peers
done
api ready "$n" none 1 >"$work/ready-none-1.ms"
api ready "$n" bridge 1 >"$work/ready-bridge-1.ms"
api ready "$n" none 8 >"$work/ready-none-8.ms"
api ready "$n" bridge 8 >"$work/ready-bridge-8.ms"
api ready "$n" none 1 one >"$work/ready-none-1-one.ms"
api ready "$n" bridge 1 one >"$work/ready-bridge-1-one.ms"

runc_ run -d -b "$work/bundle" rtt-runc >/dev/null 2>&1 </dev/null
crun_ run -d -b "$work/bundle" rtt-crun >/dev/null 2>&1 </dev/null
: >"$work/exec-runc.ms"
: >"$work/exec-crun.ms"
for i in $(seq "$n"); do
    time_ms runc_ exec rtt-runc true >>"$work/exec-runc.ms"
    time_ms crun_ exec rtt-crun true >>"$work/exec-crun.ms"
done
# the same two alternated one by one (ServeBench execlines: one API round trip per line it reads), so both meet
# the same machine: this VM's speed moves by up to 2x within minutes, more than the phases above can tell apart
coproc ALT { api execlines 2000; }
read -r _ <&"${ALT[0]}" # "ready": warmed by 2,000 execs of its own container
: >"$work/alt-api.ms"
: >"$work/alt-crun.ms"
for i in $(seq "$n"); do
    time_ms crun_ exec rtt-crun true >>"$work/alt-crun.ms"
    echo >&"${ALT[1]}"
    read -r ms <&"${ALT[0]}"
    echo "$ms" >>"$work/alt-api.ms"
done
alt_pid=$ALT_PID
eval "exec ${ALT[1]}>&-"
wait "$alt_pid"
drop_peers
api exec "$n" >"$work/exec-api.ms"
api execkeep "$n" >"$work/exec-api-keep.ms"

api burst 100 >"$work/burst.ms"
for k in 1m 100m small; do api archive 5 "$k" >"$work/archive-$k"; done
api rss 100 "$server" | tail -1 >"$work/rss-100"

p99() { sort -n "$1" | awk '{ v[NR] = $1 } END { i = int(NR * 0.99 + 0.999); if (i < 1) i = 1; if (i > NR) i = NR; print v[i] }'; }
col() { awk -v c="$2" '{ print $c }' "$1" >"$1.$2"; median "$1.$2"; }
printf '%-58s %9s %9s %7s\n' "($n runs each)" "p50 ms" "p95 ms" "/crun"
echo "(a) to ready (quilt's run dir on $run_on)"
for f in none-1 bridge-1 none-8 bridge-8; do
    printf '%-58s %9s %9s %7s\n' "api create+start ($f: network-concurrency)" "$(median "$work/ready-$f.ms")" \
        "$(p95 "$work/ready-$f.ms")" "$(ratio "$(median "$work/ready-$f.ms")" "$(median "$work/ready-crun.ms")")"
done
for f in none-1 bridge-1; do
    printf '%-58s %9s %9s %7s\n' "api create?ready=1, one call ($f)" "$(median "$work/ready-$f-one.ms")" \
        "$(p95 "$work/ready-$f-one.ms")" "$(ratio "$(median "$work/ready-$f-one.ms")" "$(median "$work/ready-crun.ms")")"
done
printf '%-58s %9s %9s %7s\n' "crun run -d; crun exec true" "$(median "$work/ready-crun.ms")" "$(p95 "$work/ready-crun.ms")" 1.00
printf '%-58s %9s %9s %7s\n' "runc run -d; runc exec true" "$(median "$work/ready-runc.ms")" "$(p95 "$work/ready-runc.ms")" \
    "$(ratio "$(median "$work/ready-runc.ms")" "$(median "$work/ready-crun.ms")")"
printf '%-58s %9s %9s %7s\n' "(b) exec round trip" "p50 ms" "p99 ms" "/crun"
printf '%-58s %9s %9s %7s\n' "api exec create+start+inspect: true, fresh connections" "$(median "$work/exec-api.ms")" "$(p99 "$work/exec-api.ms")" \
    "$(ratio "$(median "$work/exec-api.ms")" "$(median "$work/exec-crun.ms")")"
printf '%-58s %9s %9s %7s\n' "  the same, create + inspect on one kept-alive connection" "$(median "$work/exec-api-keep.ms")" \
    "$(p99 "$work/exec-api-keep.ms")" "$(ratio "$(median "$work/exec-api-keep.ms")" "$(median "$work/exec-crun.ms")")"
printf '%-58s %9s %9s %7s\n' "  the same, a cold server's execs 200-350 (after 200 readies)" "$(median "$work/exec-api-cold.ms")" \
    "$(p99 "$work/exec-api-cold.ms")" "$(ratio "$(median "$work/exec-api-cold.ms")" "$(median "$work/exec-crun.ms")")"
printf '%-58s %9s %9s %7s\n' "crun exec true" "$(median "$work/exec-crun.ms")" "$(p99 "$work/exec-crun.ms")" 1.00
printf '%-58s %9s %9s %7s\n' "runc exec true" "$(median "$work/exec-runc.ms")" "$(p99 "$work/exec-runc.ms")" \
    "$(ratio "$(median "$work/exec-runc.ms")" "$(median "$work/exec-crun.ms")")"
printf '%-58s %9s %9s %7s\n' "api exec round trip alternated one by one with crun exec" "$(median "$work/alt-api.ms")" \
    "$(p99 "$work/alt-api.ms")" "$(ratio "$(median "$work/alt-api.ms")" "$(median "$work/alt-crun.ms")")"
printf '%-58s %9s %9s %7s\n' "crun exec true, alternated with it" "$(median "$work/alt-crun.ms")" \
    "$(p99 "$work/alt-crun.ms")" 1.00
echo "(c) 100 concurrent create+start, all ready: $(cat "$work/burst.ms") ms"
echo "(d) archive MB/s, median of 5 (put / get)"
for k in 1m 100m small; do echo "    $k: $(col "$work/archive-$k" 1) / $(col "$work/archive-$k" 2)"; done
echo "(e) server RSS: $(cat "$work/rss-idle"); $(cat "$work/rss-100") KiB"
