#!/usr/bin/env bash
# What issue 13's hardening costs, in one run, interleaved:
#   quilt run --rm -- true   with the defaults, with --security-opt seccomp=unconfined,
#                            with --privileged, and as built before the hardening (BASE);
#   quilt exec ID -- true    into a default container, and as built before the hardening.
# Usage: sudo bench/hardening-cost.sh [ITERATIONS] [BASE]   (default 30, 43e66be: main before issue 13)
# BASE is checked out into a temporary git worktree and built there on first use.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
repo=$(dirname "$here")
source "$here/lib.sh"
n=${1:-30}
base=${2:-43e66be}

[ "$(id -u)" = 0 ] || { echo "bench: run as root" >&2; exit 1; }
work=$(mktemp -d /tmp/quilt-bench.XXXXXX)
git -C "$repo" worktree add -q --detach "$work/src-base" "$base"
printf '#!/bin/sh\nexec %q --root %q "$@"\n' "$repo/quilt" "$work/now" >"$work/now-quilt"
printf '#!/bin/sh\nexec %q --root %q "$@"\n' "$work/src-base/quilt" "$work/base" >"$work/base-quilt"
chmod +x "$work/now-quilt" "$work/base-quilt"
now=("$work/now-quilt")
old=("$work/base-quilt")
cleanup() {
    for q in "${now[0]}" "${old[0]}"; do
        for id in $("$q" ps -a -q 2>/dev/null); do "$q" rm -f "$id" >/dev/null 2>&1 || true; done
    done
    quilt_drop_cgroup_parent "$work/now" || true
    quilt_drop_cgroup_parent "$work/base" || true
    git -C "$repo" worktree remove --force "$work/src-base" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

echo "bench: building $base (first use)..." >&2
for i in 1 2 3; do # warm: builds, page cache, AOT caches, the seccomp cache
    "${now[@]}" run --rm --network none -- true >/dev/null
    "${now[@]}" run --rm --network none --security-opt seccomp=unconfined -- true >/dev/null
    "${now[@]}" run --rm --network none --privileged -- true >/dev/null
    "${old[@]}" run --rm --network none -- true >/dev/null
done
cnow=$("${now[@]}" run -d --network none -- sleep 100000)
cold=$("${old[@]}" run -d --network none -- sleep 100000)

names=(default unconfined privileged base exec exec-base)
for k in "${names[@]}"; do : >"$work/$k.ms"; done
for i in $(seq "$n"); do # interleaved, so noise hits each alike
    time_ms "${now[@]}" run --rm --network none -- true >>"$work/default.ms"
    time_ms "${now[@]}" run --rm --network none --security-opt seccomp=unconfined -- true >>"$work/unconfined.ms"
    time_ms "${now[@]}" run --rm --network none --privileged -- true >>"$work/privileged.ms"
    time_ms "${old[@]}" run --rm --network none -- true >>"$work/base.ms"
    time_ms "${now[@]}" exec "$cnow" -- true >>"$work/exec.ms"
    time_ms "${old[@]}" exec "$cold" -- true >>"$work/exec-base.ms"
done

printf '%-58s %10s %10s\n' "workload ($n runs each, interleaved)" "median ms" "p95 ms"
label() {
    case $1 in
    default) echo "quilt run --rm --network none -- true (defaults)" ;;
    unconfined) echo "  ... --security-opt seccomp=unconfined" ;;
    privileged) echo "  ... --privileged" ;;
    base) echo "  ... as built at $base (before the hardening)" ;;
    exec) echo "quilt exec ID -- true (default container)" ;;
    exec-base) echo "  ... as built at $base" ;;
    esac
}
for k in "${names[@]}"; do
    printf '%-58s %10s %10s\n' "$(label "$k")" "$(median "$work/$k.ms")" "$(p95 "$work/$k.ms")"
done
d=$(median "$work/default.ms"); u=$(median "$work/unconfined.ms"); b=$(median "$work/base.ms")
e=$(median "$work/exec.ms"); eb=$(median "$work/exec-base.ms")
awk -v d="$d" -v u="$u" 'BEGIN { printf "seccomp (default - unconfined, medians): %+.1f ms\n", d - u }'
awk -v d="$d" -v b="$b" 'BEGIN { printf "the whole hardening on run --rm true (default - base): %+.1f ms (%.2fx)\n", d - b, d / b }'
awk -v e="$e" -v b="$eb" 'BEGIN { printf "the whole hardening on exec (now - base): %+.1f ms (%.2fx)\n", e - b, e / b }'
