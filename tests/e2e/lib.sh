# tests/e2e/lib.sh - shared pieces of the end-to-end suite (sourced).
# Real Debian kernels booted under QEMU (TCG); nkdump sets up kdump in the guest with its own
# initramfs builder and kexec_file_load, the guest crashes through sysrq, and the capture kernel
# runs `nkdump save`. No kexec-tools and no makedumpfile inside the guest.
set -euo pipefail

E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$E2E_DIR/../.." && pwd)"
E2E_WORK="${E2E_WORK:-$REPO/artifacts/e2e}"
NKDUMP="$REPO/artifacts/bin/nkdump"

log() { printf '[e2e %s] %s\n' "$(date +%T)" "$*" >&2; }

e2e_install() {
  local need=()
  for p in qemu-system-x86 busybox-static e2fsprogs kmod cpio; do
    dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
  done
  if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
}

# e2e_fetch_kernel PACKAGE -> sets KROOT (unpacked package) and KREL
e2e_fetch_kernel() {
  local pkg=$1
  local debs="$E2E_WORK/debs"
  mkdir -p "$debs"
  local deb
  deb=$(ls "$debs/${pkg}"_*.deb 2>/dev/null | head -1 || true)
  if [ -z "$deb" ]; then
    log "apt-get download $pkg"
    (cd "$debs" && apt-get download "$pkg" >/dev/null 2>&1) || { apt-get update -qq; (cd "$debs" && apt-get download "$pkg" >/dev/null); }
    deb=$(ls "$debs/${pkg}"_*.deb | head -1)
  fi
  KROOT="$E2E_WORK/kernels/$pkg"
  if [ ! -d "$KROOT/boot" ]; then
    rm -rf "$KROOT"; mkdir -p "$KROOT"
    dpkg-deb -x "$deb" "$KROOT"
  fi
  KREL=$(ls "$KROOT/lib/modules" | head -1)
  depmod -b "$KROOT" "$KREL"
}
