#!/usr/bin/env bash
# tests/e2e/crash-capture.sh [--kernel SPEC] [--target CASE] [--out DIR]
# Boots a Debian kernel in QEMU with crashkernel=, lets nkdump load the capture kernel, crashes the
# guest (sysrq c, or the case's CASE_CRASH) and lets the capture kernel run `nkdump save`. SPEC is
# SUITE:SERIES or SUITE:PACKAGE (default bookworm:6.1; see debian.sh). CASE (default path) is one
# of tests/e2e/cases/*.sh, which sets up the target (disks, a server on loopback, kdump.conf), the
# crash, and collects what the capture saved. Leaves the saved files in OUT (default
# $E2E_WORK/out/<release>-<case>), files mode 0600, with serial.log (the guest's console, both
# kernels) and kernel.txt (suite, package, version, release).
# Environment: E2E_MEM (guest RAM, 512M), E2E_CRASHKERNEL (160M), E2E_WORK, E2E_TIMEOUT (per boot),
# E2E_DBG=1 (fetch the kernel's -dbg vmlinux too, named in kernel.txt: drgn then lists the tasks).
source "$(dirname "$0")/lib.sh"

KSPEC=bookworm:6.1
TARGET=path
OUT=""
MEM=${E2E_MEM:-512M}
CRASHKERNEL=${E2E_CRASHKERNEL:-160M}
while [ $# -gt 0 ]; do
  case "$1" in
    --kernel) KSPEC=$2; shift 2 ;;
    --target) TARGET=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
case_file="$E2E_DIR/cases/$TARGET.sh"
[ -f "$case_file" ] || { echo "no case '$TARGET' (tests/e2e/cases/: $(cd "$E2E_DIR/cases" && ls *.sh | sed 's/\.sh$//' | tr '\n' ' '))" >&2; exit 2; }
[ -x "$NKDUMP" ] || { echo "run ./build.sh first (or set NKDUMP / NKDUMP_ARTIFACTS)" >&2; exit 1; }
e2e_install $(e2e_case_packages "$TARGET")
e2e_fetch_kernel "$KSPEC"
KVMLINUX=""
[ "${E2E_DBG:-0}" != 1 ] || e2e_fetch_vmlinux
OUT=${OUT:-$E2E_WORK/out/$KREL-$TARGET}
run="$E2E_WORK/run-$KREL-$TARGET"
rm -rf "$run"; mkdir -p "$run"; chmod 0700 "$run"
stage="$run/stage"
trap e2e_stop_servers EXIT

# What a case sets up (cases/CASE.sh defines case_setup, case_config and case_collect):
CMDLINE="console=ttyS0 crashkernel=$CRASHKERNEL panic=5"
QEMU_DISKS=()            # e2e_disk appends; the guest sees them as vda, vdb… in this order
QEMU_NIC=(-nic none)
source "$case_file"

e2e_stage_root "$stage"
if [ -n "${CASE_MODULE:-}" ]; then
  e2e_build_module "$CASE_MODULE"
  cp "$MODULE_KO" "$stage/root/"
fi
case_setup
case_config > "$stage/etc/kdump.conf"
echo "$CMDLINE" > "$run/cmdline"
e2e_build_initramfs "$stage" "$run"

rm -rf "$OUT"; mkdir -p "$OUT"; chmod 0700 "$OUT"
e2e_boot "$run/serial.log" "$CMDLINE"
cp "$run/serial.log" "$OUT/serial.log"
printf 'suite %s\npackage %s\nversion %s\nrelease %s\nspec %s\ncase %s\n' "$KSUITE" "$KPKG" "$KVERSION" "$KREL" "$KSPEC" "$TARGET" > "$OUT/kernel.txt"
[ -z "$KVMLINUX" ] || echo "vmlinux $KVMLINUX" >> "$OUT/kernel.txt"
case_collect
# The modes the files were saved with (the checks read them), before the copies here are made private
# whatever they were.
(cd "$OUT" && find . -type f ! -name modes.txt -printf '%m %P\n') > "$OUT/modes.txt"
find "$OUT" -type f -exec chmod 0600 {} +
find "$OUT" -maxdepth 4 -ls >&2
