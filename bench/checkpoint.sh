#!/usr/bin/env bash
# Checkpoint, restore, fork and pause (issue 16's acceptance), in one run:
#  (a) pause + unpause of a running container: quilt's CLI, quilt serve's API (curl through the socket, curl's own
#      time_total), runc pause/resume and crun pause/resume
#  (b) checkpoint of a running shell loop (an open file, a few hundred KB of images): quilt's API (Exit, and
#      leave-running), quilt's CLI, runc checkpoint
#  (c) restore: raw `criu restore` of a quilt checkpoint's images by hand (as docs spike: fresh overlay, empty netns,
#      new pipes for the stdio; the criu command alone timed) against quilt's restore to ready (API and CLI: layer,
#      overlay, CRIU under a monitor, the exec probe) and runc restore
#  (d) fork: 10 copies of one checkpoint to all ready: API, CLI with --parallel 1 and 2
# Usage: sudo bench/checkpoint.sh [ITERATIONS]   (default 20; the forks run ITERATIONS/4 times, at least 3)
# CRIU: $QUILT_CRIU (scripts/setup.sh exports it), else criu on PATH; runc gets it on PATH as `criu`.
# crun 1.8.1 needs the holder trick of docs/BENCHMARKS.md §4.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
repo=$(dirname "$here")
source "$here/lib.sh"
n=${1:-20}

[ "$(id -u)" = 0 ] || { echo "bench: run as root" >&2; exit 1; }
criu=${QUILT_CRIU:-$(command -v criu || true)}
[ -n "$criu" ] || { echo "bench: no criu: run scripts/setup.sh (QUILT_CRIU) or install criu" >&2; exit 1; }
export QUILT_CRIU=$criu
for p in runc crun curl jq; do
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
    mountpoint -q "$work/raw/rootfs" 2>/dev/null && umount -l "$work/raw/rootfs"
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

# (b) checkpoint: a fresh container each time (a dump without leave-running ends it)
loop='i=0; exec 3>/tmp/log; while :; do i=$((i+1)); echo $i >&3; sleep 1; done'
mkdir -p "$work/bin" && ln -s "$criu" "$work/bin/criu" # runc runs `criu` from PATH
runc_ck() { PATH="$work/bin:$PATH" runc --root "$work/runc-state" "$@"; }
json_post() { # json_post PATH BODY: time in ms, fails on a non-2xx
    local out
    out=$(curl -sS --fail -o /dev/null -w '%{time_total}' --unix-socket "$sock" -H 'Content-Type: application/json' \
        -X POST -d "$2" "http://quilt/v1.41$1")
    awk -v s="$out" 'BEGIN { printf "%.3f\n", s * 1000 }'
}
up() { "${quilt[@]}" run -d --network none --name "$1" -- sh -c "$loop" >/dev/null; }
for f in api-exit api-leave cli runc; do : >"$work/ckpt-$f.ms"; done
for i in $(seq "$n"); do
    up "ca$i"; json_post "/containers/ca$i/checkpoints" "{\"CheckpointID\":\"c\",\"Exit\":true}" >>"$work/ckpt-api-exit.ms"
    up "cl$i"; json_post "/containers/cl$i/checkpoints" '{"CheckpointID":"c"}' >>"$work/ckpt-api-leave.ms"
    up "cc$i"; time_ms "${quilt[@]}" checkpoint --name c "cc$i" >>"$work/ckpt-cli.ms"
    runc_ run -d -b "$work/bundle" "ck$i" >/dev/null 2>&1 </dev/null
    time_ms runc_ck checkpoint --image-path "$work/runc-img-$i" "ck$i" >>"$work/ckpt-runc.ms"
    "${quilt[@]}" rm -f "cl$i" >/dev/null
done

# (c) restore: quilt's to ready (API, CLI), raw criu of the same kind of images, runc's
rootfs_img=$rootfs
raw_restore() { # raw_restore CHECKPOINT_DIR: prints the criu restore's ms; leaves nothing running or mounted
    local ck=$1 w=$work/raw h t0 t1 pid inherit=()
    rm -rf "$w" && mkdir -p "$w/upper" "$w/work" "$w/rootfs"
    tar -xpf "$ck/rootfs-diff.tar" --xattrs --xattrs-include='*' --numeric-owner -C "$w/upper"
    mount -t overlay overlay -o "lowerdir=$rootfs_img,upperdir=$w/upper,workdir=$w/work" "$w/rootfs"
    unshare --net sleep 2147483647 & h=$!
    for p in $(jq -r '.externals.stdioPipes[] | "\(.fd):\(.inode)"' "$ck/manifest.json"); do
        inherit+=(--inherit-fd "fd[${p%%:*}]:pipe:[${p#*:}]")
    done
    t0=$(now_ns)
    "$criu" restore --images-dir "$ck/criu" --work-dir "$w" --log-file restore.log --root "$w/rootfs" \
        --restore-detached --pidfile "$w/pid" --manage-cgroups=ignore \
        --inherit-fd "fd[7]:$(jq -r '.externals.netKey' "$ck/manifest.json")" "${inherit[@]}" \
        7<"/proc/$h/ns/net" > >(cat >/dev/null) 2> >(cat >/dev/null) || { echo "bench: raw criu restore failed:" \
        "$(grep 'Error (' "$w/restore.log" | grep -v RLIMIT | head -3)" >&2; kill "$h"; return 1; }
    t1=$(now_ns)
    pid=$(cat "$w/pid")
    kill -KILL "$pid"
    # its exit, as an event: a pidfd
    /usr/bin/python3 -c 'import os, select, sys; fd = os.pidfd_open(int(sys.argv[1])); select.select([fd], [], [], 10)' \
        "$pid" 2>/dev/null || true
    kill "$h"; wait "$h" 2>/dev/null || true
    umount "$w/rootfs"
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e6 }'
}
ckdir() { ls -d "$work"/quilt/data/checkpoints/"$("${quilt[@]}" inspect "$1" | jq -r 'if type == "array" then .[0].id else .id end')"/c; }
for f in raw api cli runc; do : >"$work/restore-$f.ms"; done
for i in $(seq "$n"); do
    raw_restore "$(ckdir "ca$i")" >>"$work/restore-raw.ms"
    json_post "/containers/ca$i/checkpoints/c/restore?name=ra$i" '{}' >>"$work/restore-api.ms"
    time_ms "${quilt[@]}" restore --name "rc$i" "cc$i/c" >>"$work/restore-cli.ms"
    runc_ delete -f "ck$i" >/dev/null 2>&1 || true
    time_ms runc_ck restore -d --image-path "$work/runc-img-$i" -b "$work/bundle" "ck$i" >>"$work/restore-runc.ms" </dev/null
    runc_ delete -f "ck$i" >/dev/null 2>&1
    "${quilt[@]}" rm -f "ra$i" "rc$i" >/dev/null
done

# (d) fork of 10, to all ready
nf=$(( n / 4 < 3 ? 3 : n / 4 ))
up fk; "${quilt[@]}" checkpoint --leave-running --name base fk >/dev/null
for f in api cli1 cli2; do : >"$work/fork-$f.ms"; done
for i in $(seq "$nf"); do
    json_post "/containers/fk/checkpoints/base/restore?copies=10&name=fa$i" '{}' >>"$work/fork-api.ms"
    time_ms "${quilt[@]}" restore --copies 10 --parallel 1 --name "fb$i" fk/base >>"$work/fork-cli1.ms"
    time_ms "${quilt[@]}" restore --copies 10 --parallel 2 --name "fc$i" fk/base >>"$work/fork-cli2.ms"
    for p in fa fb fc; do "${quilt[@]}" rm -f $(seq -f "$p$i-%g" 1 10) >/dev/null; done
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
echo "(b) checkpoint of a running shell loop (ref: runc checkpoint)"
row "quilt serve: POST …/checkpoints {Exit: true}" "$work/ckpt-api-exit.ms" "$work/ckpt-runc.ms"
row "quilt serve: POST …/checkpoints (leave running)" "$work/ckpt-api-leave.ms" "$work/ckpt-runc.ms"
row "quilt checkpoint (CLI)" "$work/ckpt-cli.ms" "$work/ckpt-runc.ms"
row "runc checkpoint" "$work/ckpt-runc.ms" "$work/ckpt-runc.ms"
echo "(c) restore (ref: raw criu restore of a quilt checkpoint's images)"
row "raw criu restore (the command alone)" "$work/restore-raw.ms" "$work/restore-raw.ms"
row "quilt serve: POST …/checkpoints/c/restore, to ready" "$work/restore-api.ms" "$work/restore-raw.ms"
row "quilt restore (CLI), to ready" "$work/restore-cli.ms" "$work/restore-raw.ms"
row "runc restore -d" "$work/restore-runc.ms" "$work/restore-raw.ms"
echo "(d) fork: 10 copies of one checkpoint, all ready ($nf runs; ref: 10 x the API's one restore)"
awk '{ print $1 * 10 }' "$work/restore-api.ms" >"$work/restore-api-x10.ms"
row "quilt serve: …/restore?copies=10 (parallel 2)" "$work/fork-api.ms" "$work/restore-api-x10.ms"
row "quilt restore --copies 10 --parallel 1 (CLI)" "$work/fork-cli1.ms" "$work/restore-api-x10.ms"
row "quilt restore --copies 10 --parallel 2 (CLI)" "$work/fork-cli2.ms" "$work/restore-api-x10.ms"
