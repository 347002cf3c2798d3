#!/usr/bin/env bash
# bench/collector-cpu.sh - nkdump collect against makedumpfile (+ sync of its output) in CPU time,
# the measure that counts in a capture kernel booted with nr_cpus=1 (issue 18). For each vmcore,
# compression (-l, -c, -z) and dump level (31, 1), the runs alternate round after round:
#   nkdump --num-threads 1 pinned to CPU 0, makedumpfile + sync pinned to CPU 0,
#   nkdump with its default threads (one per CPU), makedumpfile + sync unpinned.
# Prints a Markdown table: median CPU time (user + sys of every thread, perf's task-clock) of the
# one-thread runs and the median of the rounds' ratios, median wall times of the one-CPU and
# the unpinned runs, peak RSS. makedumpfile 1.7.2 has no zstd: the -z rows have only nkdump.
#
#   bench/collector-cpu.sh [RUNS] [EXTRA_VMCORE...]   (default 7 rounds; needs ./build.sh and perf)
#   BENCH_COMPRESSIONS="-l" BENCH_LEVELS="31" bench/collector-cpu.sh ...  (a subset)
#   NKDUMP=path/to/nkdump (default artifacts/bin/nkdump)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-7}
shift || true
extra=("$@")
nkdump=${NKDUMP:-artifacts/bin/nkdump}
[ -x "$nkdump" ] || { echo "run ./build.sh first" >&2; exit 1; }
command -v makedumpfile >/dev/null || { echo "makedumpfile is not installed" >&2; exit 1; }
command -v perf >/dev/null || { echo "perf is not installed (Debian: linux-perf)" >&2; exit 1; }
[ -x /usr/bin/time ] || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
cache=artifacts/test-cache
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$cache"

# median, vmcore_inputs
. bench/timing.sh
vmcore_inputs "${extra[@]}"

# One run: prints "wall_s cpu_ms rss_kib" (the output file removed first).
run_cpu() {
  local out=$1; shift
  rm -f "$out"
  local start=$EPOCHREALTIME
  perf stat -x, -e task-clock -o "$work/p" -- /usr/bin/time -f "%M" -o "$work/t" "$@" >/dev/null 2>&1
  local end=$EPOCHREALTIME
  local cpu rss
  cpu=$(awk -F, '$3 == "task-clock" { print $1 }' "$work/p")
  read -r rss <"$work/t"
  awk -v s="$start" -v e="$end" -v c="$cpu" -v m="$rss" 'BEGIN { printf "%.4f %.2f %d\n", e - s, c, m }'
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); nkdump=$nkdump; $runs rounds"
echo
echo "| vmcore | options | nkdump 1 thread CPU ms | makedumpfile + sync CPU ms | CPU ratio nkdump/makedumpfile | nkdump 1 CPU wall s | makedumpfile + sync 1 CPU wall s | nkdump 2 threads wall s | makedumpfile + sync unpinned wall s | nkdump RSS MiB | makedumpfile RSS MiB |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for input in "${inputs[@]}"; do
  name=${input%%=*}
  elf=${input#*=}
  cat "$elf" >/dev/null
  for level in ${BENCH_LEVELS:-31 1}; do
    for comp in ${BENCH_COMPRESSIONS:--l -c -z}; do
      nk1=(collect "$comp" -d "$level" --message-level 0 --num-threads 1 "$elf" "$work/n")
      nk2=(collect "$comp" -d "$level" --message-level 0 "$elf" "$work/n")
      mk=(sh -c 'out=$1; shift; makedumpfile "$@" "$out" && sync "$out"' sh "$work/m" "$comp" -d "$level" --message-level 0 "$elf")
      partner=yes
      [ "$comp" = -z ] && partner=no
      ncpu=() nw1=() nw2=() mcpu=() mw1=() mw2=() ratios=() nrss=0 mrss=0
      for _ in $(seq "$runs"); do
        read -r w c m < <(run_cpu "$work/n" taskset -c 0 "$nkdump" "${nk1[@]}")
        ncpu+=("$c") nw1+=("$w"); [ "$m" -gt "$nrss" ] && nrss=$m
        read -r w _ m < <(run_cpu "$work/n" "$nkdump" "${nk2[@]}")
        nw2+=("$w"); [ "$m" -gt "$nrss" ] && nrss=$m
        if [ "$partner" = yes ]; then
          read -r w c2 m < <(run_cpu "$work/m" taskset -c 0 "${mk[@]}")
          mcpu+=("$c2") mw1+=("$w"); [ "$m" -gt "$mrss" ] && mrss=$m
          ratios+=("$(awk -v a="$c" -v b="$c2" 'BEGIN { printf "%.4f", (b > 0 ? a / b : 0) }')")
          read -r w _ _ < <(run_cpu "$work/m" "${mk[@]}")
          mw2+=("$w")
        fi
      done
      if [ "$partner" = yes ]; then
        awk -v n="$name" -v o="$comp -d $level" -v nc="$(median "${ncpu[@]}")" -v mc="$(median "${mcpu[@]}")" -v r="$(median "${ratios[@]}")" \
          -v nw1="$(median "${nw1[@]}")" -v mw1="$(median "${mw1[@]}")" -v nw2="$(median "${nw2[@]}")" -v mw2="$(median "${mw2[@]}")" -v nr="$nrss" -v mr="$mrss" 'BEGIN {
          printf "| %s | %s | %.1f | %.1f | %.2fx | %.3f | %.3f | %.3f | %.3f | %.1f | %.1f |\n", n, o, nc, mc, r, nw1, mw1, nw2, mw2, nr / 1024, mr / 1024 }'
      else
        awk -v n="$name" -v o="$comp -d $level" -v nc="$(median "${ncpu[@]}")" -v nw1="$(median "${nw1[@]}")" -v nw2="$(median "${nw2[@]}")" -v nr="$nrss" 'BEGIN {
          printf "| %s | %s | %.1f | (no zstd) | - | %.3f | - | %.3f | - | %.1f | - |\n", n, o, nc, nw1, nw2, nr / 1024 }'
      fi
      rm -f "$work/n" "$work/m"
    done
  done
done
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
