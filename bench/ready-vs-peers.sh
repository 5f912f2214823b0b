#!/usr/bin/env bash
# Readiness and exec against runc and crun, in one run:
#  (a) ready: detached start of `sleep` to the first successful `exec true`
#      (quilt: `run -d`, which itself returns only once an exec has worked, then `exec true`)
#  (b) exec round trip: `exec ID true` into one running container
# Each through the CLI (quilt's includes a JVM start) and, for quilt, in one warm
# JVM too (bench/InProcess.java: the path the coming server takes).
# Usage: sudo bench/ready-vs-peers.sh [ITERATIONS]   (default 30)
#
# crun 1.8.1 refuses this host's hybrid cgroups (a controller-less cgroup2 at
# /sys/fs/cgroup/unified); crun alone runs in a private mount namespace with that
# mount taken away (a sleeping holder; each crun call enters it with nsenter, whose
# own cost, about a millisecond, is crun's).
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
repo=$(dirname "$here")
source "$here/lib.sh"
n=${1:-30}

[ "$(id -u)" = 0 ] || { echo "bench: run as root" >&2; exit 1; }
for p in runc crun; do
    command -v "$p" >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null
done

work=$(mktemp -d /tmp/quilt-bench.XXXXXX)
holder=
cleanup() {
    runc --root "$work/runc-state" list -q 2>/dev/null | xargs -r -n1 runc --root "$work/runc-state" delete -f
    if [ -n "$holder" ]; then
        nsenter --mount="/proc/$holder/ns/mnt" crun --root "$work/crun-state" list -q 2>/dev/null \
            | xargs -r -n1 nsenter --mount="/proc/$holder/ns/mnt" crun --root "$work/crun-state" delete -f
        kill "$holder" 2>/dev/null || true
    fi
    "${quilt[@]}" ps -aq 2>/dev/null | xargs -r "${quilt[@]}" rm -f >/dev/null 2>&1 || true
    "${quilt[@]}" network rm >/dev/null 2>&1 || true
    quilt_drop_cgroup_parent "$work/quilt"
    rm -rf "$work"
}
trap cleanup EXIT
quilt=("$repo/quilt" --root "$work/quilt")
# a bridge of the bench's own, for the one row that uses it (never the default root's)
mkdir -p "$work/quilt/data"
printf '{"bridge":"qb%04x","subnet":"10.%d.%d.0/24"}\n' $((RANDOM)) $((216 + RANDOM % 16)) $((RANDOM % 256)) \
    >"$work/quilt/data/network.json"

# one image for all: quilt's default busybox image, copied into a bundle
"${quilt[@]}" run --rm --network none -- true >/dev/null
rootfs=$(ls -d "$work"/quilt/data/images/*/rootfs | head -1)
mkdir -p "$work/bundle"
cp -a "$rootfs" "$work/bundle/rootfs"
(cd "$work/bundle" && runc spec)
sed -i -e 's/"terminal": true/"terminal": false/' -e 's/"sh"$/"sleep", "2147483647"/' \
    -e 's/"readonly": true/"readonly": false/' "$work/bundle/config.json"

# crun's mount namespace: private, without the cgroup2 mount it cannot handle
mkfifo "$work/holder.fifo"
unshare --mount --propagation private sh -c \
    'umount /sys/fs/cgroup/unified 2>/dev/null; echo up >"$0"; exec sleep 2147483647' "$work/holder.fifo" &
holder=$!
read -r _ <"$work/holder.fifo" # it says so once its namespace is ready
crun_() { nsenter --mount="/proc/$holder/ns/mnt" crun --root "$work/crun-state" "$@"; }
runc_() { runc --root "$work/runc-state" "$@"; }

ready_quilt() { local id; id=$("${quilt[@]}" run -d --network none -- sleep 2147483647) && "${quilt[@]}" exec "$id" true; }
ready_quilt_bridge() { local id; id=$("${quilt[@]}" run -d -- sleep 2147483647) && "${quilt[@]}" exec "$id" true; }
ready_runc() { runc_ run -d -b "$work/bundle" "$1" >/dev/null 2>&1 </dev/null && runc_ exec "$1" true; }
ready_crun() { crun_ run -d -b "$work/bundle" "$1" >/dev/null 2>&1 </dev/null && crun_ exec "$1" true; }
drop_all() {
    "${quilt[@]}" ps -aq | xargs -r "${quilt[@]}" rm -f >/dev/null
    runc_ list -q | xargs -r -n1 runc --root "$work/runc-state" delete -f
    crun_ list -q | xargs -r -n1 nsenter --mount="/proc/$holder/ns/mnt" crun --root "$work/crun-state" delete -f
}

for i in 1 2 3; do # warm all (page cache, CDS archive)
    ready_quilt >/dev/null; ready_quilt_bridge >/dev/null; ready_runc "rw-$i"; ready_crun "cw-$i"; drop_all
done

for f in quilt bridge runc crun; do : >"$work/ready-$f.ms"; done
for i in $(seq "$n"); do # interleaved, so noise hits all alike
    time_ms ready_quilt >>"$work/ready-quilt.ms"
    time_ms ready_quilt_bridge >>"$work/ready-bridge.ms"
    time_ms ready_runc "r-$i" >>"$work/ready-runc.ms"
    time_ms ready_crun "c-$i" >>"$work/ready-crun.ms"
    drop_all
done

# (b) one container each, then exec round trips
qid=$("${quilt[@]}" run -d --network none -- sleep 2147483647)
# (container names are cgroup names: runc's and crun's must differ)
runc_ run -d -b "$work/bundle" rtt-runc >/dev/null 2>&1 </dev/null
crun_ run -d -b "$work/bundle" rtt-crun >/dev/null 2>&1 </dev/null
for f in quilt runc crun; do : >"$work/exec-$f.ms"; done
for i in $(seq "$n"); do
    time_ms "${quilt[@]}" exec "$qid" true >>"$work/exec-quilt.ms"
    time_ms runc_ exec rtt-runc true >>"$work/exec-runc.ms"
    time_ms crun_ exec rtt-crun true >>"$work/exec-crun.ms"
done

# the warm path, in one JVM
quilt_pick_jdk >/dev/null
jar=$QUILT_JAR
java=$JAVA_HOME/bin/java
"$java" --enable-native-access=ALL-UNNAMED -cp "$jar" "$here/InProcess.java" "$work/quilt" exec "$n" "$qid" \
    >"$work/exec-warm.ms"
"$java" --enable-native-access=ALL-UNNAMED -cp "$jar" "$here/InProcess.java" "$work/quilt" ready "$n" \
    >"$work/ready-warm.ms"

row() { printf '%-52s %9s %9s %7s %7s\n' "$1" "$(median "$2")" "$(p95 "$2")" \
    "$(ratio "$(median "$2")" "$(median "$work/$3-runc.ms")")" "$(ratio "$(median "$2")" "$(median "$work/$3-crun.ms")")"; }
printf '%-52s %9s %9s %7s %7s\n' "($n runs each)" "median ms" "p95 ms" "/runc" "/crun"
echo "(a) detached start to the first successful exec true"
row "quilt run -d --network none; quilt exec true" "$work/ready-quilt.ms" ready
row "quilt run -d (own bridge); quilt exec true" "$work/ready-bridge.ms" ready
row "quilt, warm JVM: run -d --network none; exec true" "$work/ready-warm.ms" ready
row "runc run -d; runc exec true" "$work/ready-runc.ms" ready
row "crun run -d; crun exec true" "$work/ready-crun.ms" ready
echo "(b) exec round trip: exec ID true"
row "quilt exec" "$work/exec-quilt.ms" exec
row "quilt exec, warm JVM" "$work/exec-warm.ms" exec
row "runc exec" "$work/exec-runc.ms" exec
row "crun exec" "$work/exec-crun.ms" exec
