#!/usr/bin/env bash
# tests/e2e/run.sh [KERNEL_PACKAGE...] - the end-to-end suite: for each Debian kernel package
# (default: bookworm's 6.1 and 6.12) and each case of tests/e2e/cases (E2E_CASES, default all:
# path raw ssh nfs missing full), crash a QEMU guest whose kdump nkdump set up, and check on the
# host what the capture kernel saved. Ends with "e2e: N passed, N failed". Needs ./build.sh first.
source "$(dirname "$0")/lib.sh"
kernels=("$@")
[ ${#kernels[@]} -gt 0 ] || kernels=(linux-image-6.1.0-56-amd64-unsigned linux-image-6.12.117+deb12-amd64-unsigned)
read -r -a cases <<<"${E2E_CASES:-path raw ssh nfs missing full}"
passed=0 failed=0
mkdir -p "$E2E_WORK/out"
e2e_install $(e2e_case_packages "${cases[@]}")
for kernel in "${kernels[@]}"; do
  for case in "${cases[@]}"; do
    out="$E2E_WORK/out/$kernel-$case"
    echo "== e2e: $kernel, $(source "$E2E_DIR/cases/$case.sh"; echo "$CASE_TITLE")"
    started=$SECONDS
    for attempt in 1 2; do
      if "$E2E_DIR/crash-capture.sh" --kernel "$kernel" --target "$case" --out "$out" 2>"$E2E_WORK/$kernel-$case.log"; then
        results=$("$E2E_DIR/check-case.sh" "$case" "$out" || true)
      else
        results="FAIL the capture run ($(tail -3 "$E2E_WORK/$kernel-$case.log" 2>/dev/null | tr '\n' ' '))"
      fi
      # Under TCG a guest kernel very rarely oopses while it boots, before its /init (and so any
      # nkdump code) runs (seen once in about 400 boots: "Oops: int3" in sched_clock_cpu during
      # text patching). Such a run tests nothing of ours: run it once more, and say so.
      if [ "$attempt" = 1 ] && grep -q '^FAIL ' <<<"$results" && ls "$out"/*serial.log >/dev/null 2>&1 && ! grep -aqs "E2E: first kernel up" "$out"/*serial.log; then
        echo "   (the first kernel died before its /init ran: $(grep -ahm1 'Oops\|Kernel panic' "$out"/*serial.log 2>/dev/null | cut -c1-100); running the case again)"
        continue
      fi
      break
    done
    echo "$results" | sed 's/^/   /'
    echo "   ($((SECONDS - started)) s)"
    passed=$((passed + $(grep -c '^ok ' <<<"$results" || true)))
    failed=$((failed + $(grep -c '^FAIL ' <<<"$results" || true)))
    if grep -q '^FAIL ' <<<"$results"; then
      echo "   serial log tail:"; grep -ah "E2E:\|nkdump" "$out"/*serial.log 2>/dev/null | tail -15 | sed 's/^/     /' || true
    fi
  done
done
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
