#!/usr/bin/env bash
# tests/e2e/run.sh [KERNEL_PACKAGE...] - the end-to-end suite: for each Debian kernel package
# (default: bookworm's 6.1 and 6.12), crash a QEMU guest whose kdump nkdump set up, and check
# the saved dump on the host. Ends with "e2e: N passed, N failed". Needs ./build.sh first.
source "$(dirname "$0")/lib.sh"
kernels=("$@")
[ ${#kernels[@]} -gt 0 ] || kernels=(linux-image-6.1.0-56-amd64-unsigned linux-image-6.12.117+deb12-amd64-unsigned)
passed=0 failed=0
mkdir -p "$E2E_WORK/out"
for kernel in "${kernels[@]}"; do
  out="$E2E_WORK/out/$kernel-path"
  echo "== e2e: $kernel, path target on an ext4 virtio disk"
  if "$E2E_DIR/crash-capture.sh" --kernel "$kernel" --target path --out "$out" 2>"$E2E_WORK/$kernel.log"; then
    results=$("$E2E_DIR/check-dump.sh" "$out" || true)
  else
    results="FAIL the capture run ($(tail -3 "$E2E_WORK/$kernel.log" 2>/dev/null | tr '\n' ' '))"
  fi
  echo "$results" | sed 's/^/   /'
  passed=$((passed + $(grep -c '^ok ' <<<"$results" || true)))
  failed=$((failed + $(grep -c '^FAIL ' <<<"$results" || true)))
  if grep -q '^FAIL ' <<<"$results"; then
    echo "   serial log tail:"; grep -a "E2E:\|nkdump" "$out/serial.log" 2>/dev/null | tail -15 | sed 's/^/     /'
  fi
done
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
