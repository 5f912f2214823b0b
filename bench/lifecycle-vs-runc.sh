#!/usr/bin/env bash
# The lifecycle of issue 3, through Quilt and through runc (and conmon), in one run:
#  1. resident memory of the process that stays with a container: quilt-monitor,
#     conmon (Debian's, driving runc, as podman does) and a foreground `runc run`;
#  2. a create -> start -> delete cycle of a `true` container, interleaved.
# Usage: sudo bench/lifecycle-vs-runc.sh [ITERATIONS]   (default 20)
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
repo=$(dirname "$here")
source "$here/lib.sh"
n=${1:-20}

[ "$(id -u)" = 0 ] || { echo "bench: run as root" >&2; exit 1; }
for p in runc conmon; do
    command -v "$p" >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null
done

work=$(mktemp -d /tmp/quilt-bench.XXXXXX)
runc_state="$work/runc-state"
cleanup() {
    runc --root "$runc_state" list -q 2>/dev/null | xargs -r -n1 runc --root "$runc_state" delete -f >/dev/null 2>&1 || true
    "$repo/quilt" --root "$work/quilt" ps -a -q 2>/dev/null | xargs -r "$repo/quilt" --root "$work/quilt" rm -f >/dev/null 2>&1 || true
    pkill -f "conmon.*$work" 2>/dev/null || true
    umount "$work/sleep/rootfs/ready" 2>/dev/null || true
    umount "$work/sleep/rootfs" 2>/dev/null || true
    quilt_drop_cgroup_parent "$work/quilt"
    rm -rf "$work"
}
trap cleanup EXIT
quilt=("$repo/quilt" --root "$work/quilt")

"${quilt[@]}" run --rm --network none -- true >/dev/null
rootfs=$(ls -d "$work"/quilt/data/images/*/rootfs | head -1)
mkdir -p "$work/bundle"
cp -a "$rootfs" "$work/bundle/rootfs"
(cd "$work/bundle" && runc spec)
sed -i -e 's/"terminal": true/"terminal": false/' -e 's/"readonly": true/"readonly": false/' "$work/bundle/config.json"
cp "$work/bundle/config.json" "$work/config.sleep.json"
sed -i -e 's/"sh"$/"sleep", "1000"/' "$work/config.sleep.json"
sed -i -e 's/"sh"$/"true"/' "$work/bundle/config.json"

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

# --- 1. resident memory -----------------------------------------------------
id=$("${quilt[@]}" run -d --network none -- sleep 1000)
mon=$(sed -n 's/.*"monitorPid":\([0-9]*\).*/\1/p' "$work/quilt/run/$id/pids.json")
quilt_rss=$(rss_kb "$mon")
"${quilt[@]}" rm -f "$id" >/dev/null

mkdir -p "$work/sleep/rootfs" && mount --bind "$work/bundle/rootfs" "$work/sleep/rootfs"
cp "$work/config.sleep.json" "$work/sleep/config.json"
mkdir -p "$work/conmon"
conmon --cid rss --cuuid rss --name rss --runtime /usr/sbin/runc --bundle "$work/sleep" \
    --container-pidfile "$work/conmon/pid" --conmon-pidfile "$work/conmon/conmon.pid" \
    --log-path "k8s-file:$work/conmon/log" --exit-dir "$work/conmon" --socket-dir-path "$work/conmon" \
    --runtime-arg --root="$runc_state" --sync >/dev/null 2>&1 &
conmon_pid=$!
# runc create writes the container's pid file: wait for that event (inotify), not a timer
while ! [ -s "$work/conmon/pid" ]; do
    inotifywait -qq -t 30 -e close_write -e moved_to -e create "$work/conmon" >/dev/null 2>&1 || break
done
runc --root "$runc_state" start rss
conmon_rss=$(rss_kb "$conmon_pid")
runc --root "$runc_state" kill rss KILL >/dev/null 2>&1 || true
wait "$conmon_pid" 2>/dev/null || true
runc --root "$runc_state" delete -f rss >/dev/null 2>&1 || true

mkfifo "$work/ready"
# the container tells us it runs by opening a fifo we read: no timer
sed -i -e 's/"sleep", "1000"/"sh", "-c", "echo > \/ready; exec sleep 1000"/' "$work/sleep/config.json"
mount --bind "$work/ready" "$work/sleep/rootfs/ready" 2>/dev/null || { touch "$work/sleep/rootfs/ready"; mount --bind "$work/ready" "$work/sleep/rootfs/ready"; }
runc --root "$runc_state" run -b "$work/sleep" rss-run >/dev/null 2>&1 &
runc_pid=$!
read -r _ <"$work/ready"
runc_rss=$(rss_kb "$runc_pid")
runc --root "$runc_state" kill rss-run KILL >/dev/null 2>&1 || true
wait "$runc_pid" 2>/dev/null || true
umount "$work/sleep/rootfs/ready"
umount "$work/sleep/rootfs"

printf '%-44s %8s\n' "resident memory of what stays with a container" "RSS KiB"
printf '%-44s %8s\n' "quilt-monitor" "$quilt_rss"
printf '%-44s %8s\n' "conmon $(conmon --version | head -1 | awk '{print $3}') (podman's monitor, over runc)" "$conmon_rss"
printf '%-44s %8s\n' "runc run (foreground parent)" "$runc_rss"
echo

# --- 2. create -> start -> delete ------------------------------------------
cycle_quilt() {
    local id
    id=$("${quilt[@]}" create --network none -- true)
    "${quilt[@]}" start "$id"
    "${quilt[@]}" rm -f "$id"
}
cycle_runc() {
    runc --root "$runc_state" create -b "$work/bundle" "$1" </dev/null
    runc --root "$runc_state" start "$1"
    runc --root "$runc_state" delete -f "$1"
}
for i in 1 2; do cycle_quilt >/dev/null; cycle_runc "warm-$i" >/dev/null; done
: >"$work/q.ms"; : >"$work/r.ms"
for i in $(seq "$n"); do
    time_ms cycle_quilt >>"$work/q.ms"
    time_ms cycle_runc "c-$i" >>"$work/r.ms"
done
q=$(median "$work/q.ms"); r=$(median "$work/r.ms")
printf '%-44s %10s %10s\n' "create+start+delete ($n cycles each)" "median ms" "p95 ms"
printf '%-44s %10s %10s\n' "quilt create; quilt start; quilt rm -f" "$q" "$(p95 "$work/q.ms")"
printf '%-44s %10s %10s\n' "runc create; runc start; runc delete -f" "$r" "$(p95 "$work/r.ms")"
echo "ratio quilt/runc: $(ratio "$q" "$r")"
echo "quilt per command (three JVM starts in each cycle): $(awk -v a="$q" 'BEGIN { printf "%.1f ms\n", a / 3 }')"
