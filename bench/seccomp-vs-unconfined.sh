#!/usr/bin/env bash
# The issue-13 criterion: `quilt run --rm -- true` with the default seccomp profile against
# the same run with --security-opt seccomp=unconfined, interleaved, in one run.
# Usage: sudo bench/seccomp-vs-unconfined.sh [ITERATIONS]   (default 300: the difference is
# about a millisecond in runs of ~220 ms whose noise is several, so it needs many)
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
repo=$(dirname "$here")
source "$here/lib.sh"
n=${1:-300}
[ "$(id -u)" = 0 ] || { echo "bench: run as root" >&2; exit 1; }
work=$(mktemp -d /tmp/quilt-bench.XXXXXX)
trap 'quilt_drop_cgroup_parent "$work/root" || true; rm -rf "$work"' EXIT
q=("$repo/quilt" --root "$work/root")
for i in 1 2 3; do # warm: build, AOT cache, the seccomp program's cache file
    "${q[@]}" run --rm --network none -- true >/dev/null
    "${q[@]}" run --rm --network none --security-opt seccomp=unconfined -- true >/dev/null
done
: >"$work/default.ms"; : >"$work/unconfined.ms"
for i in $(seq "$n"); do
    time_ms "${q[@]}" run --rm --network none -- true >>"$work/default.ms"
    time_ms "${q[@]}" run --rm --network none --security-opt seccomp=unconfined -- true >>"$work/unconfined.ms"
done
d=$(median "$work/default.ms"); u=$(median "$work/unconfined.ms")
printf '%-52s %10s %10s\n' "quilt run --rm --network none -- true ($n runs each)" "median ms" "p95 ms"
printf '%-52s %10s %10s\n' "  default seccomp profile" "$d" "$(p95 "$work/default.ms")"
printf '%-52s %10s %10s\n' "  --security-opt seccomp=unconfined" "$u" "$(p95 "$work/unconfined.ms")"
awk -v d="$d" -v u="$u" 'BEGIN { printf "seccomp costs %+.1f ms a start (medians)\n", d - u }'
