# bench/timing.sh - sourced by the benchmarks: interleaved timing of commands on a shared machine.
# The caller sets $work (a scratch folder) and $runs (rounds).

# One timed run: wall seconds (the shell's microsecond clock; time's %e has 10 ms steps, too coarse
# for 0.1 s runs) and max RSS (KiB), the output file removed first.
run_once() {
  local out=$1; shift
  rm -f "$out"
  local start=$EPOCHREALTIME
  /usr/bin/time -f "%M" -o "$work/t" "$@" >/dev/null 2>&1
  local end=$EPOCHREALTIME
  read -r m <"$work/t"
  echo "$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.4f", e - s }') $m"
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# Runs each of the given commands (separated by --) once per round, $runs rounds, interleaved so
# that a slow spell of the machine hits them alike. Prints per command the median wall time and max
# RSS, then the median over rounds of (last command's time / first command's time).
measure_interleaved() {
  local -a cmds=() times=() rss=() ratios=()
  local cmd="" n=0
  for arg in "$@"; do
    if [ "$arg" = -- ]; then cmds+=("$cmd"); cmd=""; else cmd+="$(printf '%q ' "$arg")"; fi
  done
  [ -n "$cmd" ] && cmds+=("$cmd")
  n=${#cmds[@]}
  for ((i = 0; i < n; i++)); do times[i]=""; rss[i]=0; done
  for _ in $(seq "$runs"); do
    local first="" last=""
    for ((i = 0; i < n; i++)); do
      read -r t m < <(eval "run_once ${cmds[i]}")
      times[i]+="$t "; [ "$m" -gt "${rss[i]}" ] && rss[i]=$m
      [ "$i" -eq 0 ] && first=$t
      last=$t
    done
    ratios+=("$(awk -v f="$first" -v l="$last" 'BEGIN { printf "%.4f", (f > 0 ? l / f : 0) }')")
  done
  for ((i = 0; i < n; i++)); do
    # shellcheck disable=SC2086
    echo -n "$(median ${times[i]}) ${rss[i]} "
  done
  median "${ratios[@]}"
}


# Sets inputs to NAME=ELF for each fixture's raw ELF vmcore (decompressed into $cache once) and for
# each extra ELF vmcore given (named after the lab folder it lies in, e.g. k61-4g).
vmcore_inputs() {
  inputs=()
  local dir name elf e
  for dir in ../shared/fixtures/*/; do
    name=$(basename "$dir")
    elf="$cache/$name.vmcore.elf"
    [ -f "$elf" ] || zstd -q -d --long=30 "$dir/vmcore.elf.zst" -o "$elf"
    inputs+=("$name=$elf")
  done
  for e in "$@"; do inputs+=("$(basename "$(dirname "$(dirname "$(dirname "$e")")")")=$e"); done
}
