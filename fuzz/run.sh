#!/usr/bin/env bash
# fuzz/run.sh TARGET[,TARGET...]|all SECONDS [JOBS] - coverage-guided fuzzing of nkdump's readers (fuzz/README.md).
#
# Publishes fuzz/Nkdump.Fuzz, instruments the Nkdump.Formats, Nkdump.Kernel and Nkdump.Config
# assemblies with SharpFuzz (the dotnet tool of .config/dotnet-tools.json), writes each target's seeds
# (from ../shared/fixtures where they are), runs afl-fuzz for SECONDS per target (JOBS targets at a
# time, default 1), then replays what afl-fuzz saved as crashes and hangs outside the fuzzer: only a
# finding that reproduces counts. Prints one line per target and a summary line
# "fuzz: N passed, N failed"; exits 1 when any target has a finding.
#
# Environment: NKDUMP_FUZZ_OUT (default artifacts/fuzz) holds the instrumented build and, per target,
# seeds/ and afl/ (afl-fuzz's output: queue/ is the corpus, crashes/, hangs/, fuzzer_stats). An afl/ left
# by an earlier run is resumed (its queue is kept and grows) unless NKDUMP_FUZZ_FRESH=1.
# NKDUMP_FUZZ_TIMEOUT_MS (default 5000) is afl-fuzz's per-input time limit; NKDUMP_FUZZ_HEAP (default
# 0x30000000, 768 MiB) caps the .NET heap of the target so a huge allocation fails as OutOfMemory.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if [ $# -lt 2 ]; then
  echo "usage: fuzz/run.sh TARGET[,TARGET...]|all SECONDS [JOBS]" >&2
  exit 2
fi
what=$1
seconds=$2
jobs=${3:-1}
out=${NKDUMP_FUZZ_OUT:-$root/artifacts/fuzz}
bin=$out/bin
fixtures=$root/../shared/fixtures
timeout_ms=${NKDUMP_FUZZ_TIMEOUT_MS:-5000}

command -v afl-fuzz >/dev/null || { echo "fuzz/run.sh: afl-fuzz is missing (apt-get install afl++, or scripts/install-test-deps.sh)" >&2; exit 1; }

# The instrumented build: a fresh publish each time (instrumenting works in place and once only).
if [ "${NKDUMP_FUZZ_SKIP_BUILD:-0}" != 1 ]; then
  rm -rf "$bin"
  dotnet tool restore >/dev/null
  dotnet publish fuzz/Nkdump.Fuzz/Nkdump.Fuzz.csproj -c Release -warnaserror -o "$bin" --nologo -v quiet >/dev/null
  for assembly in Nkdump.Formats Nkdump.Kernel Nkdump.Config; do
    dotnet sharpfuzz "$bin/$assembly.dll" >/dev/null
  done
fi
dotnet=$(command -v dotnet)
harness=("$dotnet" "$bin/Nkdump.Fuzz.dll")

if [ "$what" = all ]; then
  targets=$("${harness[@]}" list | cut -f1)
else
  targets=${what//,/ }
fi

# One target: seeds, afl-fuzz, then the replay of its crashes and hangs. Writes $out/$target/result.
fuzz_one() {
  local target=$1 dir=$out/$1
  mkdir -p "$dir"
  if [ "${NKDUMP_FUZZ_FRESH:-0}" = 1 ]; then
    rm -rf "$dir/afl"
  fi

  rm -rf "$dir/seeds"
  "${harness[@]}" seeds "$target" "$dir/seeds" "$fixtures" >/dev/null

  # Its own TMPDIR (the harness's input file, the flattened reader's reassembled copies), in memory.
  local tmp
  tmp=$(mktemp -d /dev/shm/nkdump-fuzz-"$target".XXXXXX)
  local started=$SECONDS
  set +e
  AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_AUTORESUME=1 \
  AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_FAST_CAL=1 \
  TMPDIR=$tmp DOTNET_GCHeapHardLimit=${NKDUMP_FUZZ_HEAP:-0x30000000} DOTNET_CLI_TELEMETRY_OPTOUT=1 NKDUMP_FUZZ_LOG=$dir/exceptions.log \
    timeout --kill-after=30 $((seconds + 120)) \
    afl-fuzz -i "$dir/seeds" -o "$dir/afl" -t "$timeout_ms" -m none -V "$seconds" -- "${harness[@]}" fuzz "$target" \
    >"$dir/afl-fuzz.log" 2>&1
  local status=$?
  set -e
  local elapsed=$((SECONDS - started))

  local stats=$dir/afl/default/fuzzer_stats
  field() { sed -n "s/^$1 *: *//p" "$stats" 2>/dev/null | head -1; }
  local execs paths crashes hangs
  execs=$(field execs_done); paths=$(field corpus_count); crashes=$(field saved_crashes); hangs=$(field saved_hangs)
  [ -n "$paths" ] || paths=$(field paths_total)
  [ -n "$crashes" ] || crashes=$(field unique_crashes)
  [ -n "$hangs" ] || hangs=$(field unique_hangs)

  # Only what reproduces outside the fuzzer counts: a crash whose replay finds an unexpected exception
  # or an allocation over the limit, a hang whose replay takes more than 10 s on its own.
  local confirmed_crashes=0 confirmed_hangs=0 file
  : >"$dir/findings.txt"
  for file in "$dir"/afl/default/crashes/id:*; do
    [ -e "$file" ] || continue
    if ! TMPDIR=$tmp DOTNET_GCHeapHardLimit=${NKDUMP_FUZZ_HEAP:-0x30000000} timeout 60 "${harness[@]}" replay "$target" "$file" >>"$dir/findings.txt" 2>&1; then
      confirmed_crashes=$((confirmed_crashes + 1))
    fi
  done
  for file in "$dir"/afl/default/hangs/id:*; do
    [ -e "$file" ] || continue
    if ! TMPDIR=$tmp timeout 10 "${harness[@]}" replay "$target" "$file" >>"$dir/findings.txt" 2>&1; then
      confirmed_hangs=$((confirmed_hangs + 1))
      echo "$file: HANG (no answer within 10 s)" >>"$dir/findings.txt"
    fi
  done
  rm -rf "$tmp"

  local verdict=passed
  if [ -z "$execs" ] || [ "$execs" = 0 ]; then
    verdict=failed
    echo "fuzz $target: afl-fuzz did not run (exit $status); see $dir/afl-fuzz.log:" >&2
    tail -5 "$dir/afl-fuzz.log" >&2
  elif [ $((confirmed_crashes + confirmed_hangs)) -gt 0 ]; then
    verdict=failed
  fi

  printf 'fuzz %s: %s executions, %s paths, %s crashes (%d reproduced), %s hangs (%d reproduced), %d s: %s\n' \
    "$target" "${execs:-0}" "${paths:-0}" "${crashes:-0}" "$confirmed_crashes" "${hangs:-0}" "$confirmed_hangs" "$elapsed" "$verdict" \
    | tee "$dir/result"
  if [ "$verdict" = failed ] && [ -s "$dir/findings.txt" ]; then
    grep -E "FINDING|HANG" "$dir/findings.txt" | cut -c1-400 >&2 || true
  fi
}

export -f fuzz_one
export out seconds fixtures timeout_ms
export harness_dll=$bin/Nkdump.Fuzz.dll dotnet
# shellcheck disable=SC2016
printf '%s\n' $targets | xargs -P "$jobs" -I{} bash -c 'harness=("$dotnet" "$harness_dll"); fuzz_one "$1"' _ {}

passed=0 failed=0
for target in $targets; do
  if grep -q ': passed$' "$out/$target/result" 2>/dev/null; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
