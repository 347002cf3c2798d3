# tests/e2e/cases/bond.sh - the dump server is reached through an active-backup bond of two NICs
# (issue 20 item 1). Each NIC is on its own QEMU user-mode network (both lead to the host's sshd as
# 10.0.2.2, both serve DHCP). The first kernel bonds eth0 and eth1 (bonding's sysfs, as ifenslave
# does) and takes its address by DHCP on bond0; `nkdump start` derives "bond (active-backup) of the
# two NICs by permanent MAC, DHCPv4". After start a watcher on the host sets the first NIC's link
# down (QEMU monitor set_link), so the capture kernel's bond, built by nkdump over the NICs found by
# MAC, must send the dump through the second one.
source "$E2E_DIR/cases/dhcp.sh"
CASE_TITLE="ssh target through an active-backup bond, one link down"

case_setup() {
  ssh_case_setup
  e2e_guest 'modules="virtio_pci virtio_net bonding"'
  e2e_guest 'bond="eth0 eth1"'
  e2e_guest 'net=dhcp'
  e2e_guest 'after_start_wait=6'
  local monitor=$run/monitor.sock log=$run/serial.log
  QEMU_NIC=(-netdev user,id=n0 -device virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56
            -netdev user,id=n1 -device virtio-net-pci,netdev=n1,mac=52:54:00:12:34:57
            -monitor "unix:$monitor,server=on,wait=off")
  ( until grep -aq "E2E: start ok" "$log" 2>/dev/null; do sleep 0.2; done
    python3 -c 'import socket,sys,time
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); time.sleep(0.5); s.sendall(b"set_link n0 off\n"); time.sleep(0.5); s.close()' "$monitor" \
      && echo "watcher: set_link n0 off" > "$run/link.log" ) &
  E2E_SERVER_PIDS+=("$!")
}

case_config() {
  network_case_config | sed 's/^extra_modules .*/extra_modules virtio_pci virtio_net bonding/'
}

case_collect() {
  cp -a "$run/remote/crash" "$OUT/" 2>/dev/null || true
  cp "$run/sshd/sshd.log" "$OUT/sshd.log"
  cp "$run/link.log" "$OUT/link.log" 2>/dev/null || true
}

case_check() {
  local out=$1
  check_serial "$out" "the first kernel bonded eth0 and eth1" "E2E: bond0 over eth0 eth1, mode active-backup"
  check_derived_start "$out" "the bond's slaves by MAC, DHCPv4" "10\.0\.2\.2 via bond0 \(bond \(active-backup\) of 52:54:00:12:34:56,52:54:00:12:34:57\), DHCPv4"
  check "the first NIC's link was set down after start" grep -q "set_link n0 off" "$out/link.log"
  check_serial "$out" "the capture kernel built the bond over both NICs" "nkdump: created [a-z0-9]+ \(bond\) over eth0, eth1"
  check_serial "$out" "the capture kernel leased its address by DHCP on the bond" "nkdump: configuring [a-z0-9]+ by DHCP: 10\.0\.2\.15 "
  # In the first kernel eth0 was the active slave; only the capture kernel's bond finds its link down.
  check_serial "$out" "the capture kernel's bond found the first NIC's link down" "\(slave eth0\): Enslaving as a backup interface with a down link"
  check_serial "$out" "the capture kernel's bond sends through the second NIC" "\(slave eth1\): Enslaving as an active interface with an up link"
  check_ssh_arrival "$out" '10\.0\.2\.15'
}
