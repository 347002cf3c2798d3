#!/bin/bash
# bench/dmesg.sh - whole-process time of `nkdump dmesg` against `makedumpfile --dump-dmesg`
# on the same dumps, and a byte comparison of their outputs.
#
# Usage: bench/dmesg.sh [REPEATS] DUMP...
#   NKDUMP=path/to/nkdump (default: /tmp/nk-kernel-pub/nkdump, a Release NativeAOT publish:
#     NKDUMP_ARTIFACTS=/tmp/nk-kernel dotnet publish src/Nkdump.Cli -c Release -r linux-x64 -o /tmp/nk-kernel-pub)
#   MAKEDUMPFILE=path (default: makedumpfile from PATH)
# Prints one Markdown table row per dump and tool: best and median wall time of REPEATS runs,
# page cache warm (each dump is read once first). Output goes to a temporary file for both tools
# (makedumpfile can only write a file), so both pay the same write. The two tools alternate run
# after run, and a third row gives the median of the runs' ratios nkdump/makedumpfile (issue 18:
# on a shared machine, timing one tool's runs before the other's skews the ratio). The load
# average is printed before and after.
set -euo pipefail

NKDUMP=${NKDUMP:-/tmp/nk-kernel-pub/nkdump}
[ -x "$NKDUMP" ] || [ ! -x "$(dirname "$0")/../artifacts/bin/nkdump" ] || NKDUMP=$(dirname "$0")/../artifacts/bin/nkdump
MAKEDUMPFILE=${MAKEDUMPFILE:-makedumpfile}
REPEATS=5
if [[ ${1:-} =~ ^[0-9]+$ ]]; then REPEATS=$1; shift; fi
[ $# -gt 0 ] || { echo "usage: $0 [REPEATS] DUMP..." >&2; exit 2; }
[ -x "$NKDUMP" ] || { echo "no nkdump binary at $NKDUMP" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# alternate_runs DUMP: nkdump dmesg and makedumpfile --dump-dmesg in turn, REPEATS rounds; prints
# "nk_best nk_median mk_best mk_median median_ratio" (whole-process wall seconds).
alternate_runs() {
    local dump=$1 nk=() mk=() ratios=() start mid end
    for ((i = 0; i < REPEATS; i++)); do
        rm -f "$tmp/out"
        start=$EPOCHREALTIME
        "$NKDUMP" dmesg "$dump" > "$tmp/out" 2> /dev/null || true
        mid=$EPOCHREALTIME
        rm -f "$tmp/out"
        "$MAKEDUMPFILE" --dump-dmesg "$dump" "$tmp/out" > /dev/null 2>&1 || true
        end=$EPOCHREALTIME
        nk+=("$(awk -v a="$start" -v b="$mid" 'BEGIN { printf "%.6f", b - a }')")
        mk+=("$(awk -v a="$mid" -v b="$end" 'BEGIN { printf "%.6f", b - a }')")
        ratios+=("$(awk -v a="$start" -v b="$mid" -v c="$end" 'BEGIN { printf "%.4f", (b - a) / (c - b) }')")
    done
    local stats
    stats() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {printf "%s %s", a[1], a[int((NR+1)/2)]}'; }
    echo "$(stats "${nk[@]}") $(stats "${mk[@]}") $(printf '%s\n' "${ratios[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); nkdump: $NKDUMP"
echo
echo "| dump | size MB | tool | best s | median s | output |"
echo "|---|---:|---|---:|---:|---|"
for dump in "$@"; do
    cat "$dump" > /dev/null
    size=$(( $(stat -c %s "$dump") / 1000000 ))
    name=$(basename "$dump")

    "$NKDUMP" dmesg "$dump" > "$tmp/nk.txt" 2> /dev/null || true
    rm -f "$tmp/mk.txt"
    "$MAKEDUMPFILE" --dump-dmesg "$dump" "$tmp/mk.txt" > "$tmp/mk.err" 2>&1 || true
    mkfailed=""
    if [ ! -s "$tmp/mk.txt" ]; then
        mkfailed="fails: $(grep -v '^$' "$tmp/mk.err" | head -1 | tr '|' '/')"
        same="(no makedumpfile output to compare)"
    elif cmp -s "$tmp/nk.txt" "$tmp/mk.txt"; then
        same="identical ($(wc -l < "$tmp/nk.txt") lines)"
    else
        same="DIFFERENT"
    fi

    read -r nb nm mb mm ratio < <(alternate_runs "$dump")
    printf '| %s | %s | nkdump dmesg | %.4f | %.4f | %s |\n' "$name" "$size" "$nb" "$nm" "$same"
    printf '| %s | %s | makedumpfile --dump-dmesg | %.4f | %.4f | %s |\n' "$name" "$size" "$mb" "$mm" "$mkfailed"
    printf '| %s | %s | ratio nkdump/makedumpfile (median of %d alternated rounds) | | %.2fx | |\n' "$name" "$size" "$REPEATS" "$ratio"
done
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
