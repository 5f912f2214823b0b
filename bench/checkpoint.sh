#!/usr/bin/env bash
# Checkpoint, restore, fork and pause (issue 16's acceptance), in one run:
#  (a) pause + unpause of a running container: quilt's CLI, quilt serve's API (curl through the socket, curl's own
#      time_total), runc pause/resume and crun pause/resume
# Usage: sudo bench/checkpoint.sh [ITERATIONS]   (default 20)
# crun 1.8.1 needs the holder trick of docs/BENCHMARKS.md §4.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
repo=$(dirname "$here")
source "$here/lib.sh"
n=${1:-20}

[ "$(id -u)" = 0 ] || { echo "bench: run as root" >&2; exit 1; }
for p in runc crun curl; do
    command -v "$p" >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null
done

work=$(mktemp -d /tmp/quilt-ckpt-bench.XXXXXX)
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
    quilt_drop_cgroup_parent "$work/quilt"
    rm -rf "$work"
}
trap cleanup EXIT
quilt=("$repo/quilt" --root "$work/quilt")

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

# the server; up once it says it listens
mkfifo "$work/serve.fifo"
"${quilt[@]}" serve --quiet 2>"$work/serve.fifo" &
server=$!
exec 3<"$work/serve.fifo"
while read -r line <&3; do case "$line" in *"listening on"*) break ;; esac; done
cat <&3 >"$work/serve.log" &
sock="$work/quilt/run/quilt.sock"
# post PATH: one API call, its time in ms (curl's time_total: connect to the last byte), fails on a non-2xx
post() {
    local out
    out=$(curl -sS --fail -o /dev/null -w '%{time_total}' --unix-socket "$sock" -X POST "http://quilt/v1.41$1")
    awk -v s="$out" 'BEGIN { printf "%.3f\n", s * 1000 }'
}

# (a) pause + unpause
"${quilt[@]}" run -d --network none --name pz -- sleep 2147483647 >/dev/null
runc_ run -d -b "$work/bundle" pz-runc >/dev/null 2>&1 </dev/null
crun_ run -d -b "$work/bundle" pz-crun >/dev/null 2>&1 </dev/null
for f in cli api runc crun; do : >"$work/pause-$f.ms"; : >"$work/unpause-$f.ms"; done
for i in 1 2 3; do post /containers/pz/pause >/dev/null; post /containers/pz/unpause >/dev/null; done # warm
for i in $(seq "$n"); do
    time_ms "${quilt[@]}" pause pz >>"$work/pause-cli.ms"
    time_ms "${quilt[@]}" unpause pz >>"$work/unpause-cli.ms"
    post /containers/pz/pause >>"$work/pause-api.ms"
    post /containers/pz/unpause >>"$work/unpause-api.ms"
    time_ms runc_ pause pz-runc >>"$work/pause-runc.ms"
    time_ms runc_ resume pz-runc >>"$work/unpause-runc.ms"
    time_ms crun_ pause pz-crun >>"$work/pause-crun.ms"
    time_ms crun_ resume pz-crun >>"$work/unpause-crun.ms"
done

row() { printf '%-56s %9s %9s %7s\n' "$1" "$(median "$2")" "$(p95 "$2")" "$(ratio "$(median "$2")" "$(median "$3")")"; }
printf '%-56s %9s %9s %7s\n' "($n runs each)" "median ms" "p95 ms" "/ref"
echo "(a) pause, unpause (ref: runc)"
row "quilt pause (CLI)" "$work/pause-cli.ms" "$work/pause-runc.ms"
row "quilt serve: POST /containers/{id}/pause" "$work/pause-api.ms" "$work/pause-runc.ms"
row "runc pause" "$work/pause-runc.ms" "$work/pause-runc.ms"
row "crun pause" "$work/pause-crun.ms" "$work/pause-runc.ms"
row "quilt unpause (CLI)" "$work/unpause-cli.ms" "$work/unpause-runc.ms"
row "quilt serve: POST /containers/{id}/unpause" "$work/unpause-api.ms" "$work/unpause-runc.ms"
row "runc resume" "$work/unpause-runc.ms" "$work/unpause-runc.ms"
row "crun resume" "$work/unpause-crun.ms" "$work/unpause-runc.ms"
