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
# (makedumpfile can only write a file), so both pay the same write.
set -euo pipefail

NKDUMP=${NKDUMP:-/tmp/nk-kernel-pub/nkdump}
MAKEDUMPFILE=${MAKEDUMPFILE:-makedumpfile}
REPEATS=5
if [[ ${1:-} =~ ^[0-9]+$ ]]; then REPEATS=$1; shift; fi
[ $# -gt 0 ] || { echo "usage: $0 [REPEATS] DUMP..." >&2; exit 2; }
[ -x "$NKDUMP" ] || { echo "no nkdump binary at $NKDUMP" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# time_runs CMD...: runs CMD REPEATS times, prints "best median" in seconds.
time_runs() {
    local times=() start end
    for ((i = 0; i < REPEATS; i++)); do
        rm -f "$tmp/out"
        start=$(date +%s.%N)
        "$@" > /dev/null 2>&1 || true
        end=$(date +%s.%N)
        times+=("$(echo "$end - $start" | bc -l)")
    done
    printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {printf "%.3f %.3f\n", a[1], a[int((NR+1)/2)]}'
}

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

    read -r best median < <(time_runs sh -c "\"$NKDUMP\" dmesg \"$dump\" > \"$tmp/out\"")
    echo "| $name | $size | nkdump dmesg | $best | $median | $same |"
    read -r best median < <(time_runs "$MAKEDUMPFILE" --dump-dmesg "$dump" "$tmp/out")
    echo "| $name | $size | makedumpfile --dump-dmesg | $best | $median | $mkfailed |"
done
