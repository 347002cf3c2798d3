#!/usr/bin/env bash
# tests/system/run.sh [SUITE:SCENARIO...] - the kdump how-to played on real Debian systems: disk
# images made with debootstrap (root on LVM, GRUB in the boot sector, systemd; see image.sh) are
# booted by QEMU from their disk, and over ssh the test does what an administrator does: installs
# nkdump's .deb, lets its crashkernel= drop-in into GRUB, reboots, checks the service, crashes the
# machine with sysrq, and after the capture kernel saved the dump and rebooted, finds the dump in
# /var/crash and reads it on the host with nkdump, crash and libkdumpfile.
# Ends with "system: N passed, N failed".
#
#   scenarios:  nkdump       a Debian system without kdump: install, reserve, reboot, crash; then a
#                            broken /etc/kdump.conf (the service fails naming file:line, the boot
#                            goes on)
#               kdump-tools  a Debian system whose kdump-tools is configured: install nkdump over
#                            it (it conflicts with and replaces kdump-tools), `nkdump config
#                            import`, reboot, crash
#   SYSTEM_PLAN (default "bookworm:nkdump trixie:nkdump trixie:kdump-tools"),
#   or the arguments, choose the runs. SYSTEM_DEB: the .deb under test (default: ./build.sh deb's
#   artifacts/nkdump_*_amd64.deb, built when missing). SYSTEM_WORK: images and runs (artifacts/system).
source "$(dirname "$0")/lib.sh"
source "$SYS_DIR/image.sh"
source "$SYS_DIR/scenarios.sh"

plan=("$@")
[ ${#plan[@]} -gt 0 ] || read -r -a plan <<<"${SYSTEM_PLAN:-bookworm:nkdump trixie:nkdump trixie:kdump-tools}"
mkdir -p "$SYS_WORK/runs"
SYS_TIMES="$SYS_WORK/runs/times-$(date +%Y%m%d%H%M%S).txt"; : > "$SYS_TIMES"
started_all=$SECONDS

for p in qemu-system-x86 qemu-utils debootstrap debian-archive-keyring busybox-static e2fsprogs cpio openssh-client xz-utils zstd; do
  dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ -n "${missing[*]:-}" ]; then
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The package under test, and its nkdump binary for the host-side checks (the one it installs).
DEB=${SYSTEM_DEB:-}
if [ -z "$DEB" ]; then
  DEB=$(ls -t "$REPO"/artifacts/nkdump_*_amd64.deb 2>/dev/null | head -1 || true)
  if [ -z "$DEB" ]; then log "building the package: ./build.sh deb"; (cd "$REPO" && ./build.sh deb) >&2; fi
  DEB=$(ls -t "$REPO"/artifacts/nkdump_*_amd64.deb 2>/dev/null | head -1 || true)
fi
if [ -z "$DEB" ] || [ ! -s "$DEB" ]; then
  sys_fail "the package to test exists (SYSTEM_DEB or ./build.sh deb)"
  echo "system: $SYS_PASSED passed, $SYS_FAILED failed"; exit 1
fi
DEB_ROOT="$SYS_WORK/runs/deb-root"
rm -rf "$DEB_ROOT"; mkdir -p "$DEB_ROOT"; dpkg-deb -x "$DEB" "$DEB_ROOT"
NKDUMP="$DEB_ROOT/usr/sbin/nkdump"
log "package under test: $DEB ($(dpkg-deb -f "$DEB" Version))"

# The sid chroot with crash and libkdumpfile (tests/oracles), made now when missing.
"$REPO/tests/oracles/oracle.sh" --path > /dev/null

for run in "${plan[@]}"; do
  suite=${run%%:*} scenario=${run#*:}
  echo "== system $suite $scenario"
  case "$scenario" in
    nkdump) variant=base ;;
    kdump-tools) variant=kdump-tools ;;
    *) sys_fail "$run: no such scenario"; continue ;;
  esac
  if ! sys_image "$suite" "$variant"; then sys_fail "$suite: the $variant image was built"; continue; fi
  sys_ok "$suite: the $variant disk image (LVM root, GRUB, systemd) is ready"
  SCENARIO="$suite-$scenario"
  RUN="$SYS_WORK/runs/$SCENARIO"
  rm -rf "$RUN"; mkdir -p "$RUN"
  ( "scenario_${scenario//-/_}" ) 2>&1 | tee "$RUN/checks.log"
  # The subshell's counts come back through its log.
  SYS_PASSED=$((SYS_PASSED + $(grep -c '^ok ' "$RUN/checks.log" || true)))
  SYS_FAILED=$((SYS_FAILED + $(grep -c '^FAIL ' "$RUN/checks.log" || true)))
  grep -q "^scenario $SCENARIO done" "$RUN/checks.log" || sys_fail "$SCENARIO ran to its end"
done

echo "== system phases (seconds)"
awk '{ s = $NF; $NF = ""; printf "  %-60s %5d\n", $0, s }' "$SYS_TIMES"
echo "== system total: $((SECONDS - started_all)) s"
echo "system: $SYS_PASSED passed, $SYS_FAILED failed"
[ "$SYS_FAILED" -eq 0 ]
