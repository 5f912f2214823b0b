# Helpers for the benchmarks (sourced): timing in ms and medians, no python needed.

# quilt_drop_cgroup_parent and the rest of what ./quilt and ./test share
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/setup.sh"

# Clocks read with bash's $EPOCHREALTIME (bash >= 5.0: seconds and microseconds, no fork): a `date` on each side
# forked and exec'd twice per measurement and added about 1 ms to every CLI figure (crun's, runc's, ours).
# Every non-digit is dropped: the decimal point is the locale's.
now_us() { echo "${EPOCHREALTIME//[!0-9]/}"; }
now_ns() { echo "${EPOCHREALTIME//[!0-9]/}000"; }

# time_ms CMD...: runs CMD with its output discarded, prints wall time in ms (3 decimals, microsecond clock)
time_ms() {
    local t0 t1
    t0=${EPOCHREALTIME//[!0-9]/}
    "$@" >/dev/null 2>&1 || { echo "bench: '$*' failed" >&2; return 1; }
    t1=${EPOCHREALTIME//[!0-9]/}
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e3 }'
}

# median FILE: the median of the numbers in FILE, one a line
median() {
    sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# p95 FILE
p95() {
    sort -n "$1" | awk '{ v[NR] = $1 } END { i = int(NR * 0.95 + 0.999); if (i < 1) i = 1; if (i > NR) i = NR; print v[i] }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", a / b }'; }

