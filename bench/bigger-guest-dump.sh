#!/usr/bin/env bash
# bench/bigger-guest-dump.sh - capture the /proc/vmcore of a bigger guest (default 4 GiB) with
# the reference lab in ../shared/lab, for the collector's "second machine size" checks
# (classification and the memory bound on a dump 8x the fixtures' size).
#
#   GUEST_MEM=4G CRASHKERNEL=256M bench/bigger-guest-dump.sh [61|612]
#
# The capture kernel saves only the raw ELF vmcore (the lab's other makedumpfile runs are skipped);
# it lands in $LABDATA/kNN-<mem>/out/crash/vmcore.raw.elf. Takes several minutes under TCG.
set -euo pipefail
lab=$(cd "$(dirname "$0")/../../shared/lab" && pwd)
export LAB_KERNEL=${1:-61}
export GUEST_MEM=${GUEST_MEM:-4G}
export CRASHKERNEL=${CRASHKERNEL:-256M}
export LAB_TAG=${LAB_TAG:-${GUEST_MEM,,}}
export WITH_DBG=0
export DISK_SIZE=${DISK_SIZE:-8G}
export TIMEOUT=${TIMEOUT:-3000}
init=$(mktemp)
trap 'rm -f "$init"' EXIT
# The lab's /init with the capture step reduced to one dd of /proc/vmcore.
sed '/^  cap=\$(arg labcap)/,/^  fi$/c\  timed raw-dd dd if=/proc/vmcore of=vmcore.raw.elf bs=1M' "$lab/guest-init.sh" > "$init"
grep -q 'timed raw-dd dd' "$init" || { echo "could not derive the capture init from $lab/guest-init.sh" >&2; exit 1; }
export LAB_INIT=$init
"$lab/00-install.sh" >/dev/null
"$lab/10-fetch-kernel.sh"
"$lab/20-build-initramfs.sh"
"$lab/30-boot-crash.sh"
