#!/usr/bin/env bash
# bench/encrypt.sh [VMCORE] [RUNS] - the cost of --encrypt (#23): `nkdump collect -l -d LEVEL` with
# and without encryption to one age X25519 recipient, alternating in the same run, page cache warm,
# output to a temporary folder on the root disk. Prints the load average before and after, and a
# Markdown table of the best and median wall times and output sizes (for docs/BENCHMARKS.md).
# VMCORE defaults to the 6.1 fixture's ELF vmcore as the tests unpack it.
set -euo pipefail
cd "$(dirname "$0")/.."
nkdump=${NKDUMP:-${NKDUMP_ARTIFACTS:-$PWD/artifacts}/bin/nkdump}
vmcore=${1:-artifacts/test-cache/debian-6.1.0-56-amd64.vmcore.elf}
runs=${2:-7}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
age-keygen -o "$work/key.txt" 2>/dev/null
recipient=$(age-keygen -y "$work/key.txt")
cat "$vmcore" > /dev/null   # warm the page cache

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs; $(date -u '+%Y-%m-%d %H:%M UTC')"
declare -A times sizes
for level in 31 0; do
  for ((i = 0; i < runs; i++)); do
    for mode in plain encrypted; do
      extra=(); out="$work/out"
      [ "$mode" = plain ] || { extra=(--encrypt "$recipient"); out="$work/out.age"; }
      rm -f "$out"
      start=$(date +%s.%N)
      "$nkdump" collect -l -d "$level" --message-level 0 "${extra[@]}" "$vmcore" "$out"
      end=$(date +%s.%N)
      times[$level/$mode]+="$(echo "$end - $start" | bc) "
      sizes[$level/$mode]=$(stat -c %s "$out")
    done
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| dump level | output | best s | median s | output bytes |"
echo "|---:|---|---:|---:|---:|"
for level in 31 0; do
  for mode in plain encrypted; do
    sorted=$(tr ' ' '\n' <<<"${times[$level/$mode]}" | grep . | sort -n)
    best=$(head -1 <<<"$sorted"); median=$(sed -n "$(( (runs + 1) / 2 ))p" <<<"$sorted")
    printf '| %s | %s | %.3f | %.3f | %s |\n' "$level" "$mode" "$best" "$median" "${sizes[$level/$mode]}"
  done
done
