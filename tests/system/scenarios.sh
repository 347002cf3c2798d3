# tests/system/scenarios.sh - the system test's scenarios and the steps they share (sourced by
# run.sh). Each scenario runs in a subshell with SCENARIO (SUITE-NAME), RUN (its folder),
# IMAGE_DIR (its image), DEB and NKDUMP (the package and its binary, for the host-side checks).
# It prints ok/FAIL/note lines and, when it got to its end, "scenario $SCENARIO done".

# The oracle helpers (osrelease_is, kdumpfile_release_is, check_tool) of the e2e suite, counted here.
source "$REPO/tests/e2e/checks.sh"
check() { sys_check "$@"; }

SYS_UNIT=${SYSTEM_UNIT:-nkdump.service}
SYS_PANIC='Kernel panic - not syncing: sysrq triggered crash'

scenario_nkdump() {
  trap vm_stop EXIT
  trap 'vm_kill; exit 143' TERM INT HUP
  first_boot || return 0
  install_package || return 0
  check "$SCENARIO: the package made /var/crash, mode 0700" vm_ssh 'test "$(stat -c %a /var/crash)" = 700'
  # Bad input: the running kernel has no crashkernel=, and status says exactly that.
  local rc=0
  vm_ssh nkdump status > "$RUN/status-unreserved.txt" 2>&1 || rc=$?
  check "$SCENARIO: without crashkernel= nkdump status fails (exit $rc)" test "$rc" -ne 0
  check_out "$SCENARIO: ... and says no memory is reserved (crashkernel=)" "$RUN/status-unreserved-says.txt" \
    sh -c "cat '$RUN/status-unreserved.txt'; grep -Eq 'no memory is reserved|no crashkernel= reservation' '$RUN/status-unreserved.txt'"
  reserve_and_reboot || return 0
  service_ready || return 0
  crash_and_capture || return 0
  check_saved_dump
  broken_config
  phase_start "power off"; vm_stop; phase_end
  echo "scenario $SCENARIO done"
}

scenario_kdump_tools() {
  trap vm_stop EXIT
  trap 'vm_kill; exit 143' TERM INT HUP
  first_boot || return 0
  check "$SCENARIO: kdump-tools is installed" vm_ssh 'dpkg-query -W -f "\${Status}" kdump-tools | grep -q "install ok installed"'
  check "$SCENARIO: kdump-tools' crashkernel= is on the command line" vm_ssh 'grep -q crashkernel= /proc/cmdline'
  vm_ssh 'cat /proc/cmdline; cat /etc/default/grub.d/kdump-tools.cfg' > "$RUN/kdump-tools-crashkernel.txt" 2>&1 || true
  # How far kdump-tools got on this boot (it builds its own initramfs first): recorded, not judged.
  vm_wait_unit kdump-tools.service 300 > /dev/null || true
  vm_ssh 'systemctl status --no-pager kdump-tools.service; kdump-config status' > "$RUN/kdump-tools-status.txt" 2>&1 || true
  echo "note $SCENARIO: before nkdump: $(grep -m1 -iE 'ready to kdump|not ready|no crashkernel' "$RUN/kdump-tools-status.txt" || echo 'kdump-config status said nothing known') (kdump-tools-status.txt)"
  install_package || return 0
  check "$SCENARIO: kdump-tools was removed by the package (Conflicts)" vm_ssh '! dpkg-query -W -f "\${Status}" kdump-tools 2>/dev/null | grep -q "install ok installed"'
  # dpkg keeps a removed package's conffiles: kdump-tools' GRUB drop-in stays, untouched by nkdump
  # (whose drop-in takes its crashkernel= off the command line: reserve_and_reboot counts them).
  check "$SCENARIO: kdump-tools' GRUB drop-in is left as dpkg keeps it" vm_ssh 'grep -q crashkernel= /etc/default/grub.d/kdump-tools.cfg'
  check_out "$SCENARIO: nkdump config import reads /etc/default/kdump-tools" "$RUN/config-import.txt" vm_ssh 'nkdump config import'
  vm_ssh 'cat /etc/kdump.conf' > "$RUN/kdump.conf" 2>&1 || true
  check_out "$SCENARIO: nkdump config check accepts the imported /etc/kdump.conf" "$RUN/config-check.txt" vm_ssh 'nkdump config check'
  reserve_and_reboot || return 0
  service_ready || return 0
  crash_and_capture || return 0
  check_saved_dump
  phase_start "power off"; vm_stop; phase_end
  echo "scenario $SCENARIO done"
}

# first_boot - a fresh overlay of the image, booted from its disk until ssh answers.
first_boot() {
  qemu-img create -q -f qcow2 -b "$IMAGE_DIR/disk.qcow2" -F qcow2 "$RUN/disk.qcow2"
  phase_start "first boot"
  vm_start "$RUN/disk.qcow2" "$RUN" "$IMAGE_DIR/id_ed25519"
  if ! vm_wait_boot "${SYSTEM_BOOT_TIMEOUT:-900}"; then
    phase_end; sys_fail "$SCENARIO: the image boots from its disk and ssh answers (console: $RUN/serial.log)"; return 1
  fi
  phase_end
  sys_ok "$SCENARIO: boots from its disk (SeaBIOS, GRUB, Debian's kernel) and ssh answers"
  check "$SCENARIO: / is the logical volume /dev/mapper/nkvg-root" vm_ssh 'test "$(findmnt -n -o SOURCE /)" = /dev/mapper/nkvg-root'
  vm_ssh 'uname -r' > "$RUN/release.txt"
  CHECK_RELEASE=$(cat "$RUN/release.txt")
}

# install_package - `apt install ./nkdump_*.deb`, offline: the image holds what it depends on.
install_package() {
  phase_start install
  vm_scp_to "$DEB" /root/ || true
  check_out "$SCENARIO: apt install ./$(basename "$DEB") (offline)" "$RUN/apt-install.txt" \
    vm_ssh "cd /root && DEBIAN_FRONTEND=noninteractive apt-get install -y ./$(basename "$DEB")"
  phase_end
  vm_ssh 'dpkg-query -W -f "\${Status}" nkdump' 2>/dev/null | grep -q 'install ok installed' \
    || { sys_fail "$SCENARIO: nkdump is installed"; return 1; }
  # The unit the package installed under that name (SYSTEM_UNIT), else its first one.
  if ! vm_ssh "systemctl cat $SYS_UNIT" > /dev/null 2>&1; then
    SYS_UNIT=$(vm_ssh 'dpkg -L nkdump | grep -E "/systemd/system/[^/@]+\.service$" | head -1 | xargs -r basename' 2>/dev/null || true)
    log "the package's unit: ${SYS_UNIT:-none}"
  fi
  check "$SCENARIO: the package installs a systemd unit ($SYS_UNIT) under /usr/lib/systemd/system" \
    vm_ssh "test -n '$SYS_UNIT' && dpkg -L nkdump | grep -qE '^(/usr)?/lib/systemd/system/$SYS_UNIT\$'"
}

# reserve_and_reboot - crashkernel= through GRUB (the package's drop-in, or kdumpctl
# reset-crashkernel when there is none), final_action reboot, update-grub, reboot.
reserve_and_reboot() {
  if vm_ssh 'grep -qs crashkernel= /etc/default/grub.d/nkdump.cfg'; then
    sys_ok "$SCENARIO: the package put crashkernel= in /etc/default/grub.d/nkdump.cfg"
  else
    sys_fail "$SCENARIO: the package put crashkernel= in /etc/default/grub.d/nkdump.cfg"
    check_out "$SCENARIO: kdumpctl reset-crashkernel" "$RUN/reset-crashkernel.txt" vm_ssh 'kdumpctl reset-crashkernel'
  fi
  # After the capture the machine reboots: the how-to's final_action, set when the file has none.
  vm_ssh 'grep -Eq "^[[:space:]]*final_action[[:space:]]" /etc/kdump.conf || echo "final_action reboot" >> /etc/kdump.conf'
  vm_ssh 'cat /etc/kdump.conf' > "$RUN/kdump.conf" 2>&1 || true
  vm_ssh 'cat /etc/default/grub.d/nkdump.cfg' > "$RUN/nkdump.cfg" 2>&1 || true
  check_out "$SCENARIO: update-grub" "$RUN/update-grub.txt" vm_ssh 'update-grub'
  check "$SCENARIO: grub.cfg boots the kernel with crashkernel=" vm_ssh 'grep -q "linux.*crashkernel=" /boot/grub/grub.cfg'
  phase_start reboot
  if ! vm_reboot "${SYSTEM_BOOT_TIMEOUT:-900}"; then
    phase_end; sys_fail "$SCENARIO: the reboot with crashkernel= comes back (console: $RUN/serial.log)"; return 1
  fi
  phase_end
  vm_ssh 'cat /proc/cmdline' > "$RUN/cmdline.txt"
  check "$SCENARIO: the kernel booted with crashkernel= ($(grep -o 'crashkernel=[^ ]*' "$RUN/cmdline.txt" | tail -1))" grep -q crashkernel= "$RUN/cmdline.txt"
  check "$SCENARIO: ... one crashkernel=, the package drop-in's ($(grep -c . <(grep -o 'crashkernel=[^ ]*' "$RUN/cmdline.txt")) on the command line)" cmdline_has_only_dropin_crashkernel
  check "$SCENARIO: memory is reserved (kexec_crash_size > 0)" vm_ssh 'test "$(cat /sys/kernel/kexec_crash_size)" -gt 0'
}

# cmdline_has_only_dropin_crashkernel - the booted command line has one crashkernel=, the one
# /etc/default/grub.d/nkdump.cfg adds (an earlier drop-in's, e.g. kdump-tools', taken off).
cmdline_has_only_dropin_crashkernel() {
  local want got
  want=$(grep -o 'crashkernel=[^ "]*' "$RUN/nkdump.cfg" | tail -1)
  got=$(grep -o 'crashkernel=[^ ]*' "$RUN/cmdline.txt")
  [ -n "$want" ] && [ "$got" = "$want" ]
}

# vm_wait_unit UNIT SECONDS - waits while UNIT is activating (or reloading); prints its state.
vm_wait_unit() {
  local unit=$1 t0=$SECONDS state
  while :; do
    state=$(vm_ssh "systemctl is-active $unit" 2>/dev/null || true)
    case "$state" in activating|reloading|"") [ $((SECONDS - t0)) -lt "$2" ] || break; sleep 3 ;; *) break ;; esac
  done
  echo "$state"
}

# service_ready - the kdump unit is active, nkdump status exits 0, the capture kernel is loaded.
service_ready() {
  local state rc=0
  state=$(vm_wait_unit "$SYS_UNIT" 600)
  vm_ssh "systemctl status --no-pager $SYS_UNIT" > "$RUN/systemctl-status.txt" 2>&1 || true
  check_out "$SCENARIO: systemctl is-active $SYS_UNIT: active (was $state)" "$RUN/unit-active.txt" \
    sh -c "cat '$RUN/systemctl-status.txt'; test '$state' = active"
  vm_ssh 'nkdump status' > "$RUN/status.txt" 2>&1 || rc=$?
  check_out "$SCENARIO: nkdump status exits 0" "$RUN/status-rc.txt" sh -c "cat '$RUN/status.txt'; test $rc -eq 0"
  check "$SCENARIO: the capture kernel is loaded (kexec_crash_loaded 1)" vm_ssh 'test "$(cat /sys/kernel/kexec_crash_loaded)" = 1'
  [ "$state" = active ] || return 1
}

# crash_and_capture - sysrq c; the capture kernel saves the dump and reboots (final_action); the
# machine comes back. Phases: from the crash until the next kernel starts, then until ssh answers.
crash_and_capture() {
  local mark old=$BOOT_ID t0 n
  mark=$(wc -l < "$RUN/serial.log")
  phase_start "crash+capture"
  vm_ssh 'sync; nohup setsid sh -c "sleep 2; echo c > /proc/sysrq-trigger" > /dev/null 2>&1 < /dev/null &' || true
  # The capture kernel prints "Linux version" once, the next boot's kernel once more.
  t0=$SECONDS
  while :; do
    n=$(tail -n +"$mark" "$RUN/serial.log" | grep -ac 'Linux version' || true)
    [ "$n" -lt 2 ] || break
    if ! vm_alive || [ $((SECONDS - t0)) -gt "${SYSTEM_CAPTURE_TIMEOUT:-1200}" ]; then
      phase_end; sys_fail "$SCENARIO: the capture kernel ran and the machine rebooted (console: $RUN/serial.log)"; return 1
    fi
    sleep 2
  done
  phase_end
  phase_start "reboot after capture"
  if ! vm_wait_boot "${SYSTEM_BOOT_TIMEOUT:-900}" "$old"; then
    phase_end; sys_fail "$SCENARIO: the machine is back after the capture (console: $RUN/serial.log)"; return 1
  fi
  phase_end
  tail -n +"$mark" "$RUN/serial.log" > "$RUN/capture-console.txt"
  sys_ok "$SCENARIO: crashed with sysrq, the capture kernel ran, the machine rebooted and is back"
}

# check_saved_dump - /var/crash on the LVM root holds the dump and its log; copied to the host,
# nkdump, crash (sid's) and libkdumpfile (sid's) read it.
check_saved_dump() {
  phase_start checks
  vm_ssh 'find /var/crash -type f -printf "%m %s %p\n"' > "$RUN/var-crash.txt" 2>&1 || true
  local dump dmesg out=$RUN/dump
  dump=$(awk '$3 ~ /\/(dump\.[0-9]+|vmcore)$/ {print $3; exit}' "$RUN/var-crash.txt")
  dmesg=$(awk '$3 ~ /\/(dmesg\.[0-9]+|vmcore-dmesg\.txt)$/ {print $3; exit}' "$RUN/var-crash.txt")
  check_out "$SCENARIO: a dump was saved under /var/crash (${dump:-none})" "$RUN/var-crash-check.txt" \
    sh -c "cat '$RUN/var-crash.txt'; test -n '$dump'"
  check "$SCENARIO: its dmesg was saved beside it (${dmesg:-none})" test -n "$dmesg"
  if [ -z "$dump" ]; then
    # Why: what the capture kernel's nkdump said on the console.
    grep -a '^nkdump' "$RUN/capture-console.txt" | head -20 | awk '{ print "       " $0 }'
    phase_end; return 0
  fi
  check "$SCENARIO: no incomplete dump left" sh -c "! grep -q incomplete '$RUN/var-crash.txt'"
  check "$SCENARIO: the dump is mode 0600" test "$(awk -v f="$dump" '$3 == f {print $1}' "$RUN/var-crash.txt")" = 600
  rm -rf "$out"; mkdir -m 0700 "$out"
  vm_scp_from "$dump" "$out/vmcore" || true
  [ -z "$dmesg" ] || vm_scp_from "$dmesg" "$out/dmesg.txt" || true
  [ -z "$dmesg" ] || check "$SCENARIO: the saved dmesg holds the panic" grep -q "$SYS_PANIC" "$out/dmesg.txt"
  check_out "$SCENARIO: nkdump info reads the dump" "$RUN/nkdump-info.txt" "$NKDUMP" info "$out/vmcore"
  check "$SCENARIO: nkdump info names the release $CHECK_RELEASE" grep -qF "$CHECK_RELEASE" "$RUN/nkdump-info.txt"
  check "$SCENARIO: nkdump dmesg shows the panic" sh -c "'$NKDUMP' dmesg '$out/vmcore' | grep -q '$SYS_PANIC'"
  VMCORE_UNDER_CHECK=$out/vmcore
  check_tool sid "$SCENARIO: sid's crash --osrelease prints $CHECK_RELEASE" osrelease_is "$ORACLE" crash
  check_tool sid "$SCENARIO: sid's libkdumpfile reads the release" kdumpfile_release_is "$ORACLE" python3
  phase_end
}

# broken_config - bad input: an unknown directive in /etc/kdump.conf. After a reboot the unit has
# failed and `systemctl status` names the file and line, and the boot went on (ssh answers, the
# system is up, only degraded by that unit).
broken_config() {
  local line state running
  line=$(vm_ssh 'echo "frobnicate yes" >> /etc/kdump.conf && wc -l < /etc/kdump.conf')
  phase_start "reboot with a broken kdump.conf"
  if ! vm_reboot "${SYSTEM_BOOT_TIMEOUT:-900}"; then
    phase_end; sys_fail "$SCENARIO: the boot goes on with a broken kdump.conf (console: $RUN/serial.log)"; return 0
  fi
  phase_end
  state=$(vm_wait_unit "$SYS_UNIT" 600)
  vm_ssh "systemctl status --no-pager $SYS_UNIT" > "$RUN/broken-status.txt" 2>&1 || true
  check_out "$SCENARIO: with a broken kdump.conf the unit failed (state $state)" "$RUN/broken-failed.txt" \
    sh -c "cat '$RUN/broken-status.txt'; test '$state' = failed"
  check_out "$SCENARIO: systemctl status names /etc/kdump.conf:$line" "$RUN/broken-names.txt" \
    sh -c "cat '$RUN/broken-status.txt'; grep -q '/etc/kdump.conf:$line' '$RUN/broken-status.txt'"
  running=$(vm_ssh 'systemctl is-system-running --wait' 2>/dev/null || true)
  check "$SCENARIO: the boot went on (is-system-running: $running, expected degraded)" test "$running" = degraded
}
