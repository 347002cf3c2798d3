#!/usr/bin/env bash
# bench/collector.sh - nkdump collect vs Debian's makedumpfile, side by side on the same input in
# the same run: wall time (median of N runs), output size and peak RSS, for each fixture vmcore,
# each compression and dump levels 31 and 1. Prints a Markdown table for docs/BENCHMARKS.md.
#
#   bench/collector.sh [RUNS] [EXTRA_VMCORE...]   (default 5 runs; needs ./build.sh first)
#   BENCH_COMPRESSIONS="-l" bench/collector.sh ...  (only some compressions; default "-l -c -p -z")
#
# EXTRA_VMCORE: more ELF vmcores to measure besides the fixtures (e.g. the 4 GiB guest's from
# bench/bigger-guest-dump.sh).
# makedumpfile 1.7.2 has no snappy or zstd: for -p and -z only nkdump is measured.
# Inputs sit in the page cache (read once before timing), as /proc/vmcore sits in RAM.
# nkdump fsyncs the dump before it exits; makedumpfile does not (kdump-utils runs sync after it),
# so makedumpfile is timed twice: alone, and followed by `sync FILE` (an fsync of the dump), which
# is the time until the dump is safe on disk in a kdump flow. The speed ratio is against the latter.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
shift || true
extra=("$@")
nkdump=artifacts/bin/nkdump
[ -x "$nkdump" ] || { echo "run ./build.sh first" >&2; exit 1; }
command -v makedumpfile >/dev/null || { echo "makedumpfile is not installed" >&2; exit 1; }
[ -x /usr/bin/time ] || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }

cache=artifacts/test-cache
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$cache"

# median wall seconds and max RSS (KiB) of a command run $runs times; output file removed between runs
measure() {
  local out=$1; shift
  local times=() rss=0
  for _ in $(seq "$runs"); do
    rm -f "$out"
    # Wall time from the shell's microsecond clock (time's %e has 10 ms steps, too coarse for 0.1 s runs).
    local start=$EPOCHREALTIME
    /usr/bin/time -f "%M" -o "$work/t" "$@" >/dev/null 2>&1
    local end=$EPOCHREALTIME
    read -r m <"$work/t"
    times+=("$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.4f", e - s }')"); [ "$m" -gt "$rss" ] && rss=$m
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "$median $rss"
}

inputs=()
for dir in ../shared/fixtures/*/; do
  name=$(basename "$dir")
  elf="$cache/$name.vmcore.elf"
  [ -f "$elf" ] || zstd -q -d --long=30 "$dir/vmcore.elf.zst" -o "$elf"
  inputs+=("$name=$elf")
done
for e in "${extra[@]}"; do inputs+=("$(basename "$(dirname "$(dirname "$(dirname "$e")")")")=$e"); done

echo "| vmcore | options | nkdump s | makedumpfile s | makedumpfile + sync s | speed ratio | nkdump MB | makedumpfile MB | size ratio | nkdump RSS MiB | makedumpfile RSS MiB |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for input in "${inputs[@]}"; do
  name=${input%%=*}
  elf=${input#*=}
  cat "$elf" >/dev/null
  for level in 31 1; do
    for comp in ${BENCH_COMPRESSIONS:--l -c -p -z}; do
      read -r nt nr < <(measure "$work/n" "$nkdump" collect "$comp" -d "$level" --message-level 0 "$elf" "$work/n")
      "$nkdump" collect "$comp" -d "$level" --message-level 0 -f "$elf" "$work/n"
      ns=$(stat -c %s "$work/n")
      if [ "$comp" = -l ] || [ "$comp" = -c ]; then
        read -r mt mr < <(measure "$work/m" makedumpfile "$comp" -d "$level" --message-level 0 "$elf" "$work/m")
        read -r mst _ < <(measure "$work/m" sh -c 'out=$1; shift; makedumpfile "$@" "$out" && sync "$out"' sh "$work/m" "$comp" -d "$level" --message-level 0 "$elf")
        rm -f "$work/m"; makedumpfile "$comp" -d "$level" --message-level 0 "$elf" "$work/m" >/dev/null 2>&1
        ms=$(stat -c %s "$work/m")
        awk -v n="$name" -v o="$comp -d $level" -v nt="$nt" -v mt="$mt" -v mst="$mst" -v ns="$ns" -v ms="$ms" -v nr="$nr" -v mr="$mr" 'BEGIN {
          printf "| %s | %s | %.3f | %.3f | %.3f | %.2fx | %.1f | %.1f | %.3f | %.1f | %.1f |\n", n, o, nt, mt, mst, (nt > 0 ? mst / nt : 0), ns / 1e6, ms / 1e6, ns / ms, nr / 1024, mr / 1024 }'
      else
        awk -v n="$name" -v o="$comp -d $level" -v nt="$nt" -v ns="$ns" -v nr="$nr" 'BEGIN {
          printf "| %s | %s | %.3f | (not built in) | - | - | %.1f | - | - | %.1f | - |\n", n, o, nt, ns / 1e6, nr / 1024 }'
      fi
      rm -f "$work/n" "$work/m"
    done
  done
done
