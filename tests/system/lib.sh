# tests/system/lib.sh - shared pieces of the system test (sourced): logging, checks with counters,
# phase timing, and one QEMU guest booted from its disk and driven over ssh.
set -euo pipefail

SYS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SYS_DIR/../.." && pwd)"
SYS_WORK="${SYSTEM_WORK:-$REPO/artifacts/system}"
# 2048 MiB: a guest of that size has a little less than 2 GiB of RAM, so the package's Debian
# default crashkernel= (512M-2G:160M,2G-64G:256M,64G-:512M) reserves its small-machine 160M: the
# capture from the LVM root is proven with the least memory the package reserves.
SYS_MEM=${SYSTEM_MEM:-2048}
SYS_SMP=${SYSTEM_SMP:-2}

log() { printf '[system %s] %s\n' "$(date +%T)" "$*" >&2; }

# Checks: one "ok"/"FAIL" line each (a FAIL also prints, indented, why), counted for the summary.
SYS_PASSED=0 SYS_FAILED=0
sys_ok() { echo "ok   $*"; SYS_PASSED=$((SYS_PASSED + 1)); }
sys_fail() { echo "FAIL $*"; SYS_FAILED=$((SYS_FAILED + 1)); }
# sys_check WHAT COMMAND... - the same contract as tests/e2e/checks.sh's check (whose oracle
# helpers call it: scenarios.sh points check at this one), counted here.
sys_check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then sys_ok "$what"; else sys_fail "$what"; fi; }
check() { sys_check "$@"; }
# check_out WHAT FILE COMMAND... - like check, keeping COMMAND's output in FILE; on failure its
# first lines follow the FAIL line.
check_out() {
  local what=$1 file=$2; shift 2
  if "$@" > "$file" 2>&1; then sys_ok "$what"; else
    sys_fail "$what (details: $file)"; sed -n '1,30p' "$file" | awk '{ print "       " $0 }'
  fi
}

# Phases: "SCENARIO PHASE SECONDS" lines in $SYS_TIMES, printed as a table at the end.
SYS_TIMES=${SYS_TIMES:-$SYS_WORK/times.txt}
phase_start() { PHASE_NAME=$1; PHASE_T0=$SECONDS; log "phase: $1"; }
phase_end() { echo "${SCENARIO:-image} $PHASE_NAME $((SECONDS - PHASE_T0))" >> "$SYS_TIMES"; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# vm_start DISK RUN_DIR KEY - boots DISK (qcow2) from its boot sector: SeaBIOS, GRUB, Debian's
# kernel and initramfs, systemd. The console (GRUB, both kernels, systemd) goes to RUN_DIR/serial.log;
# ssh reaches the guest through QEMU's user-mode network (restrict=on: the guest reaches nothing
# outside, so every package it installs must already be on its disk). Reboots stay in this QEMU.
# A hard cap (SYSTEM_VM_MAX, 3600 s) ends a QEMU that nobody stopped; --foreground keeps QEMU in
# run.sh's process group, so a timeout around run.sh (test.sh's) ends it too.
VM_PID="" VM_RUN="" VM_KEY="" SSH_PORT=""
vm_start() {
  local disk=$1
  VM_RUN=$2 VM_KEY=$3
  SSH_PORT=$(free_port)
  log "booting $disk (mem ${SYS_MEM}M, ssh on 127.0.0.1:$SSH_PORT, console $VM_RUN/serial.log)"
  nice -n 10 timeout --foreground -k 10 "${SYSTEM_VM_MAX:-3600}" qemu-system-x86_64 \
    -machine q35 -accel tcg -smp "$SYS_SMP" -m "$SYS_MEM" \
    -drive "file=$disk,format=qcow2,if=virtio,cache=unsafe" \
    -nic "user,model=virtio-net-pci,restrict=on,hostfwd=tcp:127.0.0.1:$SSH_PORT-:22" \
    -display none -monitor none -serial "file:$VM_RUN/serial.log" < /dev/null > "$VM_RUN/qemu.log" 2>&1 &
  VM_PID=$!
}

vm_alive() { [ -n "$VM_PID" ] && kill -0 "$VM_PID" 2>/dev/null; }

# vm_stop - powers the guest off (a clean shutdown when ssh answers), or kills its QEMU: SIGTERM,
# then SIGKILL, so that no QEMU outlives the test.
vm_stop() {
  [ -n "$VM_PID" ] || return 0
  local i
  if vm_alive; then
    timeout 30 ssh "${SSH_OPTS[@]}" -i "$VM_KEY" -p "$SSH_PORT" root@127.0.0.1 'systemctl poweroff' < /dev/null >/dev/null 2>&1 || true
    for i in $(seq 1 60); do vm_alive || break; sleep 1; done
  fi
  vm_kill
}
# vm_kill - ends QEMU now (on a signal, and after a shutdown that did not finish).
vm_kill() {
  [ -n "$VM_PID" ] || return 0
  local i
  kill "$VM_PID" 2>/dev/null || true
  for i in $(seq 1 10); do vm_alive || break; sleep 1; done
  vm_alive && { log "QEMU ($VM_PID) ignored SIGTERM: SIGKILL"; kill -9 "$VM_PID" 2>/dev/null; pkill -9 -P "$VM_PID" 2>/dev/null; } || true
  wait "$VM_PID" 2>/dev/null || true
  VM_PID=""
}
trap 'vm_stop' EXIT
trap 'log "interrupted: stopping QEMU"; vm_kill; exit 143' TERM INT HUP

SSH_OPTS=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR
          -o ConnectTimeout=10 -o ServerAliveInterval=10 -o ServerAliveCountMax=6)
vm_ssh() { ssh "${SSH_OPTS[@]}" -i "$VM_KEY" -p "$SSH_PORT" root@127.0.0.1 "$@" < /dev/null; }
vm_scp_to() { scp -q "${SSH_OPTS[@]}" -i "$VM_KEY" -P "$SSH_PORT" "$1" "root@127.0.0.1:$2"; }
vm_scp_from() { scp -q "${SSH_OPTS[@]}" -i "$VM_KEY" -P "$SSH_PORT" "root@127.0.0.1:$1" "$2"; }
vm_boot_id() { vm_ssh cat /proc/sys/kernel/random/boot_id 2>/dev/null; }

# vm_wait_boot TIMEOUT [OLD_BOOT_ID] - waits until ssh answers with a boot id other than OLD
# (a reboot happened); sets BOOT_ID. Fails when QEMU exits, when a kernel panics on the console
# meanwhile (no crash is expected while waiting), or when TIMEOUT seconds pass.
vm_wait_boot() {
  local timeout=$1 old=${2:-} t0=$SECONDS id from
  from=$(( $(stat -c %s "$VM_RUN/serial.log" 2>/dev/null || echo 0) + 1 ))
  while [ $((SECONDS - t0)) -lt "$timeout" ]; do
    vm_alive || { log "QEMU exited while waiting for the guest"; return 1; }
    if tail -c +"$from" "$VM_RUN/serial.log" 2>/dev/null | grep -aq 'Kernel panic - not syncing'; then
      log "a kernel panicked while booting: $(tail -c +"$from" "$VM_RUN/serial.log" | grep -a -m1 'Kernel panic - not syncing')"; return 1
    fi
    id=$(vm_boot_id || true)
    if [ -n "$id" ] && [ "$id" != "$old" ]; then BOOT_ID=$id; log "guest up (boot $id) after $((SECONDS - t0)) s"; return 0; fi
    sleep 3
  done
  log "the guest did not come up within $timeout s (SYSTEM_BOOT_TIMEOUT); the console's last lines:"
  # awk ends every line with a newline: a console whose last line has none must not swallow the
  # FAIL line printed next (run.sh counts "^FAIL ").
  tail -n 15 "$VM_RUN/serial.log" 2>/dev/null | awk '{ print "       " $0 }' >&2
  return 1
}

# vm_reboot TIMEOUT - reboots the guest over ssh and waits for the next boot.
vm_reboot() {
  local old=$BOOT_ID
  vm_ssh 'systemctl reboot' >/dev/null 2>&1 || true
  vm_wait_boot "$1" "$old"
}
