#!/usr/bin/env bash
# bench/collector-before-after.sh BEFORE [RUNS] - one nkdump build against another on the same
# input in the same run: `collect` of each fixture vmcore at the compressions and dump levels a
# capture uses, the two binaries alternating round after round (bench/timing.sh), pinned to one CPU
# as in a one-CPU capture kernel (taskset -c 0). BEFORE is the older nkdump binary; the newer one
# is artifacts/bin/nkdump (./build.sh first). Prints a Markdown table: median wall seconds (the dump
# fsynced: nkdump syncs before it exits), the ratio after/before (below 1: faster), peak RSS, and
# whether the two dumps are byte-identical. The machine's load is printed before and after.
set -euo pipefail
cd "$(dirname "$0")/.."
before=${1:?usage: bench/collector-before-after.sh BEFORE [RUNS]}
runs=${2:-5}
after=artifacts/bin/nkdump
[ -x "$after" ] || { echo "run ./build.sh first" >&2; exit 1; }
[ -x /usr/bin/time ] || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
cache=artifacts/test-cache
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$cache"
. bench/timing.sh

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); before=$before ($(stat -c %y "$before" | cut -c1-16)), after=$after"
echo
echo "| vmcore | options | before s | after s | after/before | before RSS MiB | after RSS MiB | same bytes |"
echo "|---|---|---|---|---|---|---|---|"
for dir in ../shared/fixtures/*/; do
  name=$(basename "$dir")
  elf="$cache/$name.vmcore.elf"
  [ -f "$elf" ] || zstd -q -d --long=30 "$dir/vmcore.elf.zst" -o "$elf"
  cat "$elf" >/dev/null
  for options in "-l -d 31" "-c -d 31" "-z -d 31" "-l -d 1"; do
    # shellcheck disable=SC2086
    read -r bt br at ar ratio < <(measure_interleaved \
      "$work/b" taskset -c 0 "$before" collect $options --message-level 0 "$elf" "$work/b" -- \
      "$work/a" taskset -c 0 "$after" collect $options --message-level 0 "$elf" "$work/a")
    # shellcheck disable=SC2086
    "$before" collect $options --message-level 0 -f "$elf" "$work/b" >/dev/null 2>&1
    # shellcheck disable=SC2086
    "$after" collect $options --message-level 0 -f "$elf" "$work/a" >/dev/null 2>&1
    same=$(cmp -s "$work/b" "$work/a" && echo yes || echo no)
    awk -v n="$name" -v o="$options" -v bt="$bt" -v at="$at" -v r="$ratio" -v br="$br" -v ar="$ar" -v s="$same" 'BEGIN {
      printf "| %s | %s | %.3f | %.3f | %.2f | %.1f | %.1f | %s |\n", n, o, bt, at, r, br / 1024, ar / 1024, s }'
    rm -f "$work/a" "$work/b"
  done
done
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
