#!/usr/bin/env bash
# What podman and containerd users feel (issue 14), in one run:
#  1. `podman run --rm IMG true` (podman 4.3 + conmon) with runc, crun and quilt-runc;
#  2. `ctr run --rm IMG ID true` (containerd 1.6, runc shim v2, --runc-binary) with the same three;
#  3. each runc verb a client calls (create, start, state, kill, delete --force after the exit) timed alone,
#     runc vs quilt-runc.
# Usage: sudo bench/clients-vs-runc.sh [ITERATIONS]   (default 10)
#        QUILT_RUNC=/path/to/quilt-runc (default: the repo's ./quilt-runc)
# Everything is private to the run (a podman with its own root/runroot/tmpdir/config, a containerd with
# its own root/state/sockets and the CRI plugin off) and removed at the end. crun 1.8.1 refuses this
# host's hybrid cgroup layout, so its podman and its containerd run in a private mount namespace with
# /sys/fs/cgroup/unified unmounted; runc and quilt-runc run as they are. A runtime that fails a
# warm-up run is reported as failing, not timed.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
repo=$(dirname "$here")
source "$here/lib.sh"
n=${1:-10}

[ "$(id -u)" = 0 ] || { echo "bench: run as root" >&2; exit 1; }
for p in podman conmon containerd runc crun; do
    command -v "$p" >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >/dev/null
done
quilt_runc=${QUILT_RUNC:-$repo/quilt-runc}
runtimes=(runc crun quilt-runc)
declare -A bin=([runc]=$(command -v runc) [crun]=$(command -v crun) [quilt-runc]=$quilt_runc)

work=$(mktemp -d /tmp/quilt-bench-clients.XXXXXX)
ns=qbench
containerd_pids=()
had_run_containerd=$([ -e /run/containerd ] && echo 1 || true)
had_libpod=$(ls -d /sys/fs/cgroup/*/libpod_parent 2>/dev/null || true)
had_top=$(ls -d /sys/fs/cgroup/*)
had_var_containers=$([ -e /var/lib/containers ] && echo 1 || true)
# podman passes no --root: each runtime keeps its state under its default root
default_roots=(/run/runc /run/crun /run/quilt-runc)
had_roots=$(ls -d "${default_roots[@]}" 2>/dev/null || true)
cleanup() {
    set +e
    pm runc rm -a -f >/dev/null 2>&1
    for p in "${containerd_pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    for rt in runc quilt-runc; do "${bin[$rt]}" --root "$work/verbs-$rt" list -q 2>/dev/null |
        xargs -r -n1 "${bin[$rt]}" --root "$work/verbs-$rt" delete --force >/dev/null 2>&1; done
    grep -o " $work[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null
    rmdir /sys/fs/cgroup/*/$ns /sys/fs/cgroup/*/$ns/* 2>/dev/null
    # conmon's cgroupfs manager: libpod_parent in every hierarchy, and as plain dirs under the
    # controllers this host does not mount; remove what this run made
    for d in /sys/fs/cgroup/*/libpod_parent; do
        [ -d "$d" ] || continue
        grep -qx "$d" <<<"$had_libpod" && continue
        if mountpoint -q "$(dirname "$d")"; then rmdir "$d"/*/ "$d"
        else rm -rf "$d"; grep -qx "$(dirname "$d")" <<<"$had_top" || rmdir "$(dirname "$d")"; fi 2>/dev/null
    done
    [ -n "$had_var_containers" ] || rm -rf /var/lib/containers
    [ -n "$had_run_containerd" ] || rmdir /run/containerd/s /run/containerd/fifo /run/containerd 2>/dev/null
    # a default root this run made goes, unless something is still mounted in it
    for d in "${default_roots[@]}"; do
        [ -d "$d" ] && ! grep -qx "$d" <<<"$had_roots" && ! grep -q " $d/" /proc/self/mountinfo || continue
        [ "$d" = /run/quilt-runc ] && quilt_drop_cgroup_parent "$d"
        rm -rf "$d"
    done
    quilt_drop_cgroup_parent "$work/verbs-quilt-runc"
    rm -rf "$work"
}
trap cleanup EXIT

# --- the image: busybox-static, reproducible; podman imports the rootfs tarball, ctr its OCI archive
rootfs=$work/rootfs
mkdir -p "$rootfs"/{bin,etc,dev,proc,sys,tmp,root,run}
cp /bin/busybox "$rootfs/bin/busybox"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "$rootfs/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\n' >"$rootfs/etc/group"
tar -cf - --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$rootfs" . | gzip -n >"$work/rootfs.tar.gz"
img=localhost/busybox:latest

# --- a private podman; crun's runs in the legacy mount namespace
mkdir -p "$work/podman"
cat >"$work/podman/containers.conf" <<EOF
[containers]
netns = "none"
log_driver = "k8s-file"
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
[network]
network_config_dir = "$work/podman/networks"
EOF
cat >"$work/podman/storage.conf" <<EOF
[storage]
driver = "overlay"
runroot = "$work/podman/runroot"
graphroot = "$work/podman/root"
EOF
legacy_ns() { unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/unified && exec "$@"' legacy-ns "$@"; }
pm() { # pm RUNTIME ARGS...
    local rt=$1
    shift
    local cmd=(env CONTAINERS_CONF="$work/podman/containers.conf" CONTAINERS_STORAGE_CONF="$work/podman/storage.conf"
        podman --root "$work/podman/root" --runroot "$work/podman/runroot" --tmpdir "$work/podman/tmp"
        --cgroup-manager cgroupfs --events-backend file --runtime "${bin[$rt]}" "$@")
    if [ "$rt" = crun ]; then legacy_ns "${cmd[@]}"; else "${cmd[@]}"; fi
}
pm runc import --quiet "$work/rootfs.tar.gz" "$img" >/dev/null
pm runc save --quiet --format oci-archive -o "$work/busybox-oci.tar" "$img" >/dev/null

# --- a private containerd per mount namespace: the host's (runc, quilt-runc) and the legacy one (crun)
start_containerd() { # start_containerd NAME [legacy]
    local d=$work/containerd-$1
    mkdir -p "$d"
    cat >"$d/config.toml" <<EOF
version = 2
root = "$d/root"
state = "$d/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$d/sock"
[ttrpc]
  address = "$d/sock.ttrpc"
[debug]
  address = "$d/debug.sock"
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$d/opt"
EOF
    : >"$d/log"
    # in the background as containerd itself (unshare and sh exec), so $! is containerd's pid
    if [ "${2:-}" = legacy ]; then
        (exec unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/unified && exec "$@"' legacy-ns \
            containerd --config "$d/config.toml" >"$d/log" 2>&1) &
    else containerd --config "$d/config.toml" >"$d/log" 2>&1 & fi
    containerd_pids+=($!)
    # it says when it serves: wait for that line (tail -f follows the file as it grows)
    local follow booted=0
    exec {follow}< <(exec timeout 60 tail -n +1 -f "$d/log")
    local tail_pid=$!
    grep -q -m1 'containerd successfully booted' <&"$follow" && booted=1
    kill "$tail_pid" 2>/dev/null || true
    exec {follow}<&-
    [ "$booted" = 1 ] || { echo "bench: containerd $1 did not boot" >&2; cat "$d/log" >&2; exit 1; }
    ctr --address "$d/sock" -n $ns images import --base-name localhost/busybox "$work/busybox-oci.tar" >/dev/null
}
start_containerd host
start_containerd legacy legacy
ctr_run() { # ctr_run RUNTIME ID
    local where=host
    [ "$1" = crun ] && where=legacy
    ctr --address "$work/containerd-$where/sock" -n $ns run --rm --runc-binary "${bin[$1]}" \
        --runc-root "$work/runc-root-$1" "$img" "$2" true
}

# --- 1 and 2: warm each runtime once; one that fails is reported, not timed
declare -A ok # ok[CLIENT-RUNTIME]: 1, or why not
for rt in "${runtimes[@]}"; do
    for client in podman ctr; do
        ok[$client-$rt]=1
        if [ ! -x "${bin[$rt]}" ]; then ok[$client-$rt]="no ${bin[$rt]}"; continue; fi
        if [ "$client" = podman ]; then out=$(pm "$rt" run --rm "$img" true 2>&1) || ok[$client-$rt]="fails: $(tail -1 <<<"$out")"
        else out=$(ctr_run "$rt" "warm-$rt" 2>&1) || ok[$client-$rt]="fails: $(tail -1 <<<"$out")"; fi
    done
done
for rt in "${runtimes[@]}"; do : >"$work/podman-$rt.ms"; : >"$work/ctr-$rt.ms"; done
for i in $(seq "$n"); do # interleaved, so noise hits all alike
    for rt in "${runtimes[@]}"; do
        if [ "${ok[podman-$rt]}" = 1 ]; then time_ms pm "$rt" run --rm "$img" true >>"$work/podman-$rt.ms"; fi
        if [ "${ok[ctr-$rt]}" = 1 ]; then time_ms ctr_run "$rt" "b-$rt-$i" >>"$work/ctr-$rt.ms"; fi
    done
done

row() { # row LABEL FILE BASELINE
    local m
    m=$(median "$2")
    printf '%-44s %10s %10s %8s\n' "$1" "$m" "$(p95 "$2")" "$(ratio "$m" "$3")"
}
printf '%-44s %10s %10s %8s\n' "client run of \`true\` ($n runs each)" "median ms" "p95 ms" "/runc"
for client in podman ctr; do
    base=$(median "$work/$client-runc.ms")
    for rt in "${runtimes[@]}"; do
        label="$client run --rm ... true ($rt)"
        [ "$client" = ctr ] && label="ctr run --rm --runc-binary $rt"
        [ "$client" = podman ] && label="podman --runtime $rt run --rm"
        if [ "${ok[$client-$rt]}" = 1 ]; then row "$label" "$work/$client-$rt.ms" "$base"; else printf '%-44s %s\n' "$label" "${ok[$client-$rt]}"; fi
    done
done
echo

# --- 3. the verbs, each timed alone: create, start, state, kill, delete of a `sleep` container
mkdir -p "$work/bundle"
mount --bind "$rootfs" "$work/bundle/rootfs" 2>/dev/null || { mkdir "$work/bundle/rootfs"; mount --bind "$rootfs" "$work/bundle/rootfs"; }
(cd "$work/bundle" && runc spec)
sed -i -e 's/"terminal": true/"terminal": false/' -e 's/"sh"$/"sleep", "1000"/' "$work/bundle/config.json"
verbs=(create start state kill delete)
cycle() { # cycle RUNTIME ID: one timed line per verb into $work/verb-RUNTIME-VERB.ms
    local rt=$1 id=$2 r=("${bin[$1]}" --root "$work/verbs-$1") reader
    # the container's stdout is a fifo the bench reads: EOF is the event that it exited
    rm -f "$work/out" && mkfifo "$work/out"
    cat "$work/out" >/dev/null &
    reader=$!
    # create passes its stdio to the container (no terminal): its stdin, the fifo opened read-write,
    # is a writer only the container keeps, so the reader's EOF comes when the container exits
    local t0 t1
    t0=$(now_ns)
    "${r[@]}" create --bundle "$work/bundle" "$id" <>"$work/out" >/dev/null 2>&1 || { kill "$reader"; return 1; }
    t1=$(now_ns)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e6 }' >>"$work/verb-$rt-create.ms"
    time_ms "${r[@]}" start "$id" >>"$work/verb-$rt-start.ms"
    time_ms "${r[@]}" state "$id" >>"$work/verb-$rt-state.ms"
    time_ms "${r[@]}" kill "$id" KILL >>"$work/verb-$rt-kill.ms"
    wait "$reader" || true
    # the fifo's EOF comes as the init closes its files, a moment before it is a zombie: --force, so
    # that moment is not a failure (on a stopped container it is the plain delete)
    time_ms "${r[@]}" delete --force "$id" >>"$work/verb-$rt-delete.ms"
}
printf '%-44s' "verb, median ms ($n cycles each)"
for v in "${verbs[@]}"; do printf ' %8s' "${v/delete/delete -f}"; done
echo
for rt in runc quilt-runc; do
    for v in "${verbs[@]}"; do : >"$work/verb-$rt-$v.ms"; done
    if [ ! -x "${bin[$rt]}" ]; then printf '%-44s %s\n' "$rt" "no ${bin[$rt]}"; continue; fi
    if ! cycle "$rt" "warm-$rt" >/dev/null 2>&1; then
        printf '%-44s %s\n' "$rt" "fails: $("${bin[$rt]}" --root "$work/verbs-$rt" create --bundle "$work/bundle" probe-$rt 2>&1 </dev/null | tail -1)"
        continue
    fi
    for v in "${verbs[@]}"; do : >"$work/verb-$rt-$v.ms"; done
    for i in $(seq "$n"); do cycle "$rt" "v-$i"; done
    printf '%-44s' "$rt"
    for v in "${verbs[@]}"; do printf ' %8s' "$(median "$work/verb-$rt-$v.ms")"; done
    echo
done
