#!/usr/bin/env bash
# The fast CLI (issue 15, item 5): `quilt ps` and `quilt exec C true` through ./quilt with and without
# `quilt serve` for the root, median of N runs each (hyperfine when installed, else date +%s%N).
#   bench/fast-cli.sh [N]        (as root; a scratch root, --network none, everything removed after)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
N=${1:-50}
Q="$QUILT_HOME/quilt"
root=$(mktemp -d /tmp/quilt-bench-fast.XXXXXX)
log="$root.serve.log"
server=""
cleanup() {
    [ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
    QUILT_CLIENT=off "$Q" --root "$root" rm -f bench-fast >/dev/null 2>&1 || true
    quilt_drop_cgroup_parent "$root"
    rm -rf "$root" "$log"
}
trap cleanup EXIT

QUILT_CLIENT=off "$Q" --root "$root" run -d --network none --name bench-fast >/dev/null

measure() { # LABEL CMD...: prints LABEL and the median in ms
    local label=$1 f
    shift
    if command -v hyperfine >/dev/null; then
        f=$(mktemp)
        hyperfine -N -w 3 -r "$N" --export-json "$f" "$*" >/dev/null 2>&1
        printf '%-34s %8.2f ms\n' "$label" "$(awk -F: '/"median"/ { gsub(/[ ,]/, "", $2); print $2 * 1000; exit }' "$f")"
        rm -f "$f"
    else
        f=$(mktemp)
        for _ in $(seq "$N"); do time_ms "$@" >>"$f"; done
        printf '%-34s %8.2f ms\n' "$label" "$(median "$f")"
        rm -f "$f"
    fi
}

echo "median of $N, $(nproc) cores, $(uname -r)"
measure "ps, JVM (no server)" env QUILT_CLIENT=off "$Q" --root "$root" ps
measure "exec C true, JVM (no server)" env QUILT_CLIENT=off "$Q" --root "$root" exec bench-fast true
mkfifo "$log"
"$Q" --root "$root" serve --quiet 2>"$log" &
server=$!
# the server says when it listens: read up to that line (an event), then keep its stderr drained
exec 7<"$log"
while IFS= read -r -t 120 line <&7; do [[ $line == *"listening on"* ]] && break; done
cat <&7 >/dev/null &
measure "ps, through the server" "$Q" --root "$root" ps
measure "exec C true, through the server" "$Q" --root "$root" exec bench-fast true
