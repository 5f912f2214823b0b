#!/usr/bin/env bash
# `quilt run --rm -- true` against `runc run` of the same rootfs, in one run.
# Usage: sudo bench/run-vs-runc.sh [ITERATIONS]   (default 30)
# Prints medians, p95 and ratios; also the JVM's share (`quilt --version`).
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
repo=$(dirname "$here")
source "$here/lib.sh"
n=${1:-30}

[ "$(id -u)" = 0 ] || { echo "bench: run as root" >&2; exit 1; }
command -v runc >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq runc >/dev/null

work=$(mktemp -d /tmp/quilt-bench.XXXXXX)
trap 'runc --root "$work/runc-state" list -q 2>/dev/null | xargs -r -n1 runc --root "$work/runc-state" delete -f; quilt_drop_cgroup_parent "$work/quilt"; rm -rf "$work"' EXIT
quilt=("$repo/quilt" --root "$work/quilt") # runc's spec gives a namespace with only lo: --network none is the same

# one image for both: quilt's default busybox image, copied into a runc bundle
"${quilt[@]}" run --rm --network none -- true >/dev/null
rootfs=$(ls -d "$work"/quilt/data/images/*/rootfs | head -1)
mkdir -p "$work/bundle"
cp -a "$rootfs" "$work/bundle/rootfs"
(cd "$work/bundle" && runc spec)
sed -i -e 's/"terminal": true/"terminal": false/' -e 's/"sh"$/"true"/' -e 's/"readonly": true/"readonly": false/' \
    "$work/bundle/config.json"

for i in 1 2 3; do # warm both (page cache, CDS archive)
    "${quilt[@]}" run --rm --network none -- true >/dev/null
    runc --root "$work/runc-state" run -b "$work/bundle" "warm-$i" >/dev/null
done

: >"$work/quilt.ms"; : >"$work/runc.ms"; : >"$work/jvm.ms"
for i in $(seq "$n"); do # interleaved, so noise hits both alike
    time_ms "${quilt[@]}" run --rm --network none -- true >>"$work/quilt.ms"
    time_ms runc --root "$work/runc-state" run -b "$work/bundle" "b-$i" >>"$work/runc.ms"
    time_ms "$repo/quilt" --version >>"$work/jvm.ms"
done

q=$(median "$work/quilt.ms"); r=$(median "$work/runc.ms"); j=$(median "$work/jvm.ms")
printf '%-34s %10s %10s\n' "workload ($n runs each)" "median ms" "p95 ms"
printf '%-34s %10s %10s\n' "quilt run --rm -- true" "$q" "$(p95 "$work/quilt.ms")"
printf '%-34s %10s %10s\n' "runc run (same rootfs, true)" "$r" "$(p95 "$work/runc.ms")"
printf '%-34s %10s %10s\n' "quilt --version (JVM start-up)" "$j" "$(p95 "$work/jvm.ms")"
echo "ratio quilt/runc: $(ratio "$q" "$r")"
echo "JVM start-up share of quilt run: $(awk -v a="$j" -v b="$q" 'BEGIN { printf "%.0f%%\n", 100 * a / b }')"
echo "quilt beyond the JVM: $(awk -v a="$q" -v b="$j" 'BEGIN { printf "%.1f ms\n", a - b }')"
