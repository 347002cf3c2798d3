#!/usr/bin/env bash
# bench/crashkernel-min.sh - the smallest crashkernel= with which a real capture still succeeds
# (a vmcore that `nkdump info` reads, no vmcore-incomplete left) for a guest of --mem (512M).
#
#   bench/crashkernel-min.sh [--kernels "61 612"] [--flow nkdump|lab] [--step 8] [--max 160]
#                            [--start "61=100 612=80"] [--mem 512M] [--compress NAME] [--out DIR]
#
# Each probe is one bench/capture-phases.sh run (--runs 1) at one crashkernel= size, in MiB.
# The search starts at --start (default: the reference lab's makedumpfile results, 100M for 6.1
# and 80M for 6.12); while a probe succeeds it goes down by --step, and when the first probe
# fails it goes up by 2*step until one succeeds and then tries the size in between. The smallest
# success is the answer (each size is probed once: a boundary run can be flaky under load).
# For every probe it records why a failure failed, from the serial log: the capture kernel's
# memory ("Memory: A/B available"), its initramfs size ("Freeing initrd memory"), the first
# OOM/panic/error line, and whether the first kernel could load the capture kernel at all.
#
# --flow lab runs ../shared/lab's flow (kexec-tools + makedumpfile) through the same driver, to
# re-check the lab's numbers on this machine. Output: DIR/crashkernel-min.txt (and one
# capture-phases output folder per probe).
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"
ART="${NKDUMP_ARTIFACTS:-$REPO/artifacts}"

KERNELS="61 612"
FLOW=nkdump
STEP=8
MAX=160
START="61=100 612=80"
MEM=512M
COMPRESS=""
OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --kernels) KERNELS=$2; shift 2 ;;
    --flow) FLOW=$2; shift 2 ;;
    --step) STEP=$2; shift 2 ;;
    --max) MAX=$2; shift 2 ;;
    --start) START=$2; shift 2 ;;
    --mem) MEM=$2; shift 2 ;;
    --compress) COMPRESS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
OUT="${OUT:-$ART/bench-capture/ckmin-$FLOW-$(date -u +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"
RES="$OUT/crashkernel-min.txt"
export BENCH_TIMEOUT="${BENCH_TIMEOUT:-300}"   # a probe that hangs is a failure, not a wait

start_of() {
  local kv
  for kv in $START; do [ "${kv%%=*}" = "$1" ] && { echo "${kv#*=}"; return; }; done
  echo 128
}

# probe KERNEL SIZE_MIB -> prints one result line, returns 0 when the capture succeeded
probe() {
  local k=$1 mib=$2 dir="$OUT/$1-${2}M"
  rm -rf "$dir"
  "$BENCH_DIR/capture-phases.sh" --kernels "$k" --flows "$FLOW" --runs 1 --crashkernel "${mib}M" \
    --mem "$MEM" ${COMPRESS:+--compress "$COMPRESS"} --out "$dir" > "$dir.txt" 2>&1 || true
  local r="$dir/results.jsonl" serial="$dir/$k-$FLOW-1.log"
  [ -f "$r" ] && [ -f "$serial" ] || { echo "crashkernel=${mib}M no result (see $dir.txt)"; return 1; }
  /usr/bin/python3 - "$r" "$serial" "$mib" <<'PY'
import json, re, sys
r = json.loads(open(sys.argv[1]).readline())
text = open(sys.argv[2], "rb").read().decode("utf-8", "replace").splitlines()
body = [re.sub(r"^\[\s*[0-9.]+\] ", "", l) for l in text]
# the capture kernel's part of the log starts at its "Linux version" after the sysrq crash
crash = next((i for i, l in enumerate(body) if "sysrq: Trigger a crash" in l), None)
cap = next((i for i, l in enumerate(body) if crash is not None and i > crash and "Linux version" in l), None)
capture = body[cap:] if cap is not None else []
def first(lines, pattern):
    return next((l.strip() for l in lines if re.search(pattern, l)), "")
loaded = first(body, r"kexec_crash_loaded=[01]")
loaded = loaded[-1] if loaded else "?"
mem = first(capture, r"Memory: \d+K/\d+K available")
mem = re.search(r"Memory: (\d+K/\d+K)", mem).group(1) if mem else "n/a"
initrd = first(capture, r"Freeing initrd memory")
initrd = re.search(r"(\d+K)", initrd).group(1) if initrd else "n/a"
image = first(body, r"BENCH: capture initramfs")
m = re.search(r"(\d+) bytes, magic (\w+)", image)
magic = {"1f8b": "gzip", "28b5": "zstd", "fd37": "xz"}.get(m.group(2)[:4], m.group(2)) if m else "n/a"
err = first(capture, r"oom-killer|Out of memory|Kernel panic|nkdump: error|LAB: ERROR|Killed process|Unable to mount root|BENCH: start failed")
if not capture:
    err = err or first(body, r"BENCH: start failed|kexec.*failed|LAB: ERROR|Kernel panic") or "no capture kernel boot"
if not err and r.get("qemu_rc", r.get("script_rc")) in ("124", "137"):
    last = body[-1].strip() if body else ""
    err = "no progress until the timeout, QEMU killed; last line: " + last[-100:]
ok = r.get("vmcore_readable") == "1" and r.get("incomplete") == "0" and int(r.get("dump_bytes", 0)) > 0
print("crashkernel=%sM %s loaded=%s capture_mem=%s initrd=%s image=%s dump_bytes=%s capture_s=%s%s" % (
    sys.argv[3], "OK  " if ok else "FAIL", loaded, mem, initrd,
    (m.group(1) + " " + magic) if m else "n/a", r.get("dump_bytes"),
    r["phases"].get("total", "n/a"), (" first_error: " + err[:160]) if err and not ok else ""))
sys.exit(0 if ok else 1)
PY
}

{
  echo "# $FLOW, guest mem $MEM, step ${STEP}M, $(date -u '+%F %T UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# nkdump $ART/bin/nkdump, commit $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null)${COMPRESS:+, --compress $COMPRESS}"
} | tee "$RES"
for k in $KERNELS; do
  s=$(start_of "$k")
  best="" worst=""
  if probe "$k" "$s" | tee -a "$RES"; then
    best=$s
    while [ $((best - STEP)) -gt 0 ]; do
      if probe "$k" $((best - STEP)) | tee -a "$RES"; then best=$((best - STEP)); else worst=$((best - STEP)); break; fi
    done
  else
    worst=$s
    up=$((s + 2 * STEP))
    while [ "$up" -le "$MAX" ]; do
      if probe "$k" "$up" | tee -a "$RES"; then best=$up; break; fi
      worst=$up; up=$((up + 2 * STEP))
    done
    if [ -n "$best" ] && [ $((best - STEP)) -gt "$worst" ]; then
      if probe "$k" $((best - STEP)) | tee -a "$RES"; then best=$((best - STEP)); else worst=$((best - STEP)); fi
    fi
  fi
  echo "kernel $k: smallest working crashkernel=${best:-none up to ${MAX}}M (largest failing: ${worst:-none tried}${worst:+M})" | tee -a "$RES"
done
