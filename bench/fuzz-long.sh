#!/usr/bin/env bash
# bench/fuzz-long.sh [HEAVY_MINUTES] [LIGHT_MINUTES] [JOBS] - the long fuzzing run whose numbers are in
# docs/FUZZING.md.
#
# Runs fuzz/run.sh (fuzz/README.md) on the heavy targets (the dump formats, ELF files, the kernel-memory
# readers and BTF: deep readers, slow executions) for HEAVY_MINUTES each (default 15), then on the light
# ones (text and page codecs: fast executions, small state) for LIGHT_MINUTES each (default 5), JOBS
# targets at a time (default 2, the machine's two cores). The corpus lives in artifacts/fuzz-long/
# (NKDUMP_FUZZ_OUT), not in git, and a later run resumes from it. Prints the table for docs/FUZZING.md:
# executions, executions per second, paths (afl-fuzz's corpus_count), crashes and hangs as afl-fuzz
# saved them and as many of them as reproduce alone, and the size of the kept corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
heavy_minutes=${1:-15}
light_minutes=${2:-5}
jobs=${3:-2}
export NKDUMP_FUZZ_OUT=${NKDUMP_FUZZ_OUT:-$PWD/artifacts/fuzz-long}

heavy=kdump,elf-core,flattened,elf-file,printk-prb,printk-logbuf,kallsyms,orc,btf
light=vmcoreinfo,kdump-conf,crashkernel,page-codecs

echo "fuzz-long: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), heavy ${heavy_minutes} min, light ${light_minutes} min, $jobs at a time"
set +e
fuzz/run.sh "$heavy" $((heavy_minutes * 60)) "$jobs"
heavy_status=$?
NKDUMP_FUZZ_SKIP_BUILD=1 fuzz/run.sh "$light" $((light_minutes * 60)) "$jobs"
light_status=$?
set -e

echo "fuzz-long: finished $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| target | seconds | executions | exec/s | paths | edges (map coverage) | crashes (reproduced) | hangs (reproduced) | corpus files | corpus size |"
echo "|---|---:|---:|---:|---:|---:|---|---|---:|---:|"
for target in ${heavy//,/ } ${light//,/ }; do
  dir=$NKDUMP_FUZZ_OUT/$target
  stats=$dir/afl/default/fuzzer_stats
  field() { sed -n "s/^$1 *: *//p" "$stats" 2>/dev/null | head -1; }
  seconds=$(field run_time)
  execs=$(field execs_done); speed=$(field execs_per_sec); paths=$(field corpus_count)
  edges=$(field edges_found); coverage=$(field bitmap_cvg)
  crashes=$(field saved_crashes); hangs=$(field saved_hangs)
  reproduced=$(sed -n 's/.*crashes (\([0-9]*\) reproduced), .* hangs (\([0-9]*\) reproduced).*/\1 \2/p' "$dir/result" 2>/dev/null)
  files=$(find "$dir/afl/default/queue" -maxdepth 1 -type f -name 'id:*' 2>/dev/null | wc -l)
  corpus=$(du -sh "$dir/afl/default/queue" 2>/dev/null | cut -f1)
  echo "| $target | ${seconds:-0} | ${execs:-0} | ${speed:-0} | ${paths:-0} | ${edges:-0} (${coverage:-0}) | ${crashes:-0} (${reproduced%% *}) | ${hangs:-0} (${reproduced##* }) | $files | ${corpus:-0} |"
done
[ "$heavy_status" -eq 0 ] && [ "$light_status" -eq 0 ]
