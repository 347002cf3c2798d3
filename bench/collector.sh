#!/usr/bin/env bash
# bench/collector.sh - nkdump collect vs Debian's makedumpfile, side by side on the same input in
# the same run: wall time (median of N interleaved runs), output size and peak RSS, for each fixture vmcore,
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
# The three runs alternate, round after round, and the speed ratio is the median of each round's
# ratio: on a shared 2-CPU machine the speed drifts by 10-20 % over minutes, which timing all of
# nkdump's runs before all of makedumpfile's turned into ratio swings of as much.
# CPU time (one thread, as in a capture kernel with nr_cpus=1) and 1- and 2-thread wall times:
# bench/collector-cpu.sh.
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

# run_once, median, measure_interleaved, vmcore_inputs
. bench/timing.sh

vmcore_inputs "${extra[@]}"

echo "| vmcore | options | nkdump s | makedumpfile s | makedumpfile + sync s | speed ratio | nkdump MB | makedumpfile MB | size ratio | nkdump RSS MiB | makedumpfile RSS MiB |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for input in "${inputs[@]}"; do
  name=${input%%=*}
  elf=${input#*=}
  cat "$elf" >/dev/null
  for level in 31 1; do
    for comp in ${BENCH_COMPRESSIONS:--l -c -p -z}; do
      if [ "$comp" = -l ] || [ "$comp" = -c ]; then
        read -r nt nr mt mr mst _ ratio < <(measure_interleaved \
          "$work/n" "$nkdump" collect "$comp" -d "$level" --message-level 0 "$elf" "$work/n" -- \
          "$work/m" makedumpfile "$comp" -d "$level" --message-level 0 "$elf" "$work/m" -- \
          "$work/m" sh -c 'out=$1; shift; makedumpfile "$@" "$out" && sync "$out"' sh "$work/m" "$comp" -d "$level" --message-level 0 "$elf")
        "$nkdump" collect "$comp" -d "$level" --message-level 0 -f "$elf" "$work/n"
        ns=$(stat -c %s "$work/n")
        rm -f "$work/m"; makedumpfile "$comp" -d "$level" --message-level 0 "$elf" "$work/m" >/dev/null 2>&1
        ms=$(stat -c %s "$work/m")
        awk -v n="$name" -v o="$comp -d $level" -v nt="$nt" -v mt="$mt" -v mst="$mst" -v r="$ratio" -v ns="$ns" -v ms="$ms" -v nr="$nr" -v mr="$mr" 'BEGIN {
          printf "| %s | %s | %.3f | %.3f | %.3f | %.2fx | %.1f | %.1f | %.3f | %.1f | %.1f |\n", n, o, nt, mt, mst, r, ns / 1e6, ms / 1e6, ns / ms, nr / 1024, mr / 1024 }'
      else
        read -r nt nr _ < <(measure_interleaved "$work/n" "$nkdump" collect "$comp" -d "$level" --message-level 0 "$elf" "$work/n")
        "$nkdump" collect "$comp" -d "$level" --message-level 0 -f "$elf" "$work/n"
        ns=$(stat -c %s "$work/n")
        awk -v n="$name" -v o="$comp -d $level" -v nt="$nt" -v ns="$ns" -v nr="$nr" 'BEGIN {
          printf "| %s | %s | %.3f | (not built in) | - | - | %.1f | - | - | %.1f | - |\n", n, o, nt, ns / 1e6, nr / 1024 }'
      fi
      rm -f "$work/n" "$work/m"
    done
  done
done
