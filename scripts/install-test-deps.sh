#!/usr/bin/env bash
# install-test-deps.sh - the Debian packages the tests use: the real tools that are our oracles
# (makedumpfile, crash, drgn, libkdumpfile), zstd for the fixtures, cpio for initramfs checks,
# the C toolchain NativeAOT links with, QEMU for the tests that boot real Debian kernels, and what
# the capture tests use (ext4 tools, OpenSSH client and server on loopback, busybox for guests).
# apt-get runs only when something is missing.
set -euo pipefail

packages=(
  build-essential zlib1g-dev   # NativeAOT: the native link
  zstd cpio kmod file binutils # fixtures, initramfs checks
  xz-utils lz4 bzip2 lzop      # the capture initramfs' other compressions, and their checks
  makedumpfile crash           # format oracles
  age                          # the age tool reads encrypted dumps and writes what --identity reads (#23)
  python3 python3-drgn python3-libkdumpfile
  liblzo2-2 libdeflate0 libzstd1 libsnappy1v5
  qemu-system-x86 busybox-static # real kernels under TCG (tests/e2e, QEMU dump tests)
  qemu-utils                     # the system test's disk images (tests/system: qemu-img)
  debootstrap debian-archive-keyring # the sid oracle chroot and the module-build chroots (tests/oracles)
  e2fsprogs util-linux patch time
  openssh-client openssh-server  # ssh target tests: sshd on loopback only
  lintian groff-base             # the Debian package's checks (tests/package)
  afl++                          # coverage-guided fuzzing of the readers (fuzz/run.sh, with SharpFuzz)
  swift-proxy swift-account swift-container swift-object s3cmd # the s3 target's object store (tests/s3/swift.sh) and an independent client (#24)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
