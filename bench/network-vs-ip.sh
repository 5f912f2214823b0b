#!/usr/bin/env bash
# Per-container network set-up: Quilt's two netlink batches (timed inside
# quilt-monitor, reported by inspect) against the same plumbing done with
# iproute2, nine separate commands and the best `ip -batch` recipe, on the same
# bridge, in one run. Also the whole `quilt run -d` with and without a network.
# Usage: sudo bench/network-vs-ip.sh [ITERATIONS]   (default 30)
# Traffic: none. Links live on the benchmark's own bridge and namespaces.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
repo=$(dirname "$here")
source "$here/lib.sh"
n=${1:-30}

[ "$(id -u)" = 0 ] || { echo "bench: run as root" >&2; exit 1; }

work=$(mktemp -d /tmp/quilt-bench.XXXXXX)
tag=$(printf '%04x' $((RANDOM % 65536)))
br=qb$tag
net="10.218.$((RANDOM % 256))"
quilt=("$repo/quilt" --root "$work/quilt")
cleanup() {
    for id in $("${quilt[@]}" ps -aq 2>/dev/null); do "${quilt[@]}" rm -f "$id" >/dev/null 2>&1 || true; done
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^qn$tag" || true); do ip netns del "$ns"; done
    "${quilt[@]}" network rm >/dev/null 2>&1 || true
    quilt_drop_cgroup_parent "$work/quilt"
    rm -rf "$work"
}
trap cleanup EXIT

"${quilt[@]}" network create --bridge "$br" --subnet "$net.0/24" >/dev/null
"${quilt[@]}" run --rm -- true >/dev/null # image, native library, bridge in place

# the nine commands of a script that moves a veth into place
nine() { # $1 netns, $2 host end, $3 peer
    ip link add "$2" type veth peer name "$3"
    ip link set "$3" netns "$1"
    ip link set "$2" master "$br"
    ip link set "$2" up
    ip -n "$1" link set lo up
    ip -n "$1" link set "$3" name eth0
    ip -n "$1" addr add "$net.250/24" dev eth0
    ip -n "$1" link set eth0 up
    ip -n "$1" route add default via "$net.1"
}
# the best iproute2 recipe: the peer born in the namespace, two batches
batch() { # $1 netns, $2 host end
    printf 'link add %s master %s up type veth peer name eth0 netns %s\n' "$2" "$br" "$1" | ip -batch -
    printf 'link set lo up\nlink set eth0 up\naddr add %s.251/24 dev eth0\nroute add default via %s.1\n' \
        "$net" "$net" | ip -n "$1" -batch -
}

: >"$work/quilt.ms"; : >"$work/nine.ms"; : >"$work/batch.ms"; : >"$work/run-bridge.ms"; : >"$work/run-none.ms"
for i in $(seq "$n"); do # interleaved, so noise hits all alike
    t0=$(now_ns)
    id=$("${quilt[@]}" run -d --init)
    t1=$(now_ns)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e6 }' >>"$work/run-bridge.ms"
    "${quilt[@]}" inspect "$id" | sed -n 's/.*"setupMillis" : \([0-9.E-]*\).*/\1/p' | awk '{ printf "%.3f\n", $1 }' >>"$work/quilt.ms"
    "${quilt[@]}" rm -f "$id" >/dev/null

    t0=$(now_ns)
    id=$("${quilt[@]}" run -d --init --network none)
    t1=$(now_ns)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e6 }' >>"$work/run-none.ms"
    "${quilt[@]}" rm -f "$id" >/dev/null

    ip netns add "qn$tag-a$i"
    time_ms nine "qn$tag-a$i" "qh$tag-a$i" "qp$tag-a$i" >>"$work/nine.ms"
    ip netns del "qn$tag-a$i"

    ip netns add "qn$tag-b$i"
    time_ms batch "qn$tag-b$i" "qh$tag-b$i" >>"$work/batch.ms"
    ip netns del "qn$tag-b$i"
done

q=$(median "$work/quilt.ms"); nn=$(median "$work/nine.ms"); b=$(median "$work/batch.ms")
rb=$(median "$work/run-bridge.ms"); rn=$(median "$work/run-none.ms")
printf '%-52s %10s %10s\n' "per-container network set-up ($n each)" "median ms" "p95 ms"
printf '%-52s %10s %10s\n' "quilt: two netlink batches (in quilt-monitor)" "$q" "$(p95 "$work/quilt.ms")"
printf '%-52s %10s %10s\n' "iproute2: nine commands, veth moved" "$nn" "$(p95 "$work/nine.ms")"
printf '%-52s %10s %10s\n' "iproute2: ip -batch x2, peer born in the namespace" "$b" "$(p95 "$work/batch.ms")"
printf '%-52s %10s %10s\n' "quilt run -d --init (bridge), whole command" "$rb" "$(p95 "$work/run-bridge.ms")"
printf '%-52s %10s %10s\n' "quilt run -d --init --network none, whole command" "$rn" "$(p95 "$work/run-none.ms")"
echo "ratio nine commands / quilt: $(ratio "$nn" "$q")"
echo "ratio ip -batch / quilt:     $(ratio "$b" "$q")"
