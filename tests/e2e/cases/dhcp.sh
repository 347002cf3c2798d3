# tests/e2e/cases/dhcp.sh - the ssh case without a hand-written ip=: the first kernel gets its address
# from QEMU user-mode network's DHCP server (busybox udhcpc, the lease's lifetimes on the address as
# dhclient or networkd leave them), `nkdump start` derives the capture network from the route to the
# server (eth0 by MAC, a dynamic address: DHCPv4) and rebuilds the capture initramfs with
# /etc/nkdump/network; the capture kernel finds the NIC by MAC, runs nkdump's own DHCP client and
# sends the dump over ssh (issue 20 item 1).
source "$E2E_DIR/cases/ssh.sh"
CASE_TITLE="ssh target, capture network by DHCP derived from the host"
eval "ssh_case_setup() $(declare -f case_setup | tail -n +2)"

case_setup() {
  ssh_case_setup
  e2e_guest 'net=dhcp'
}

# The network part of the ssh case's configuration: no ip= (nkdump derives it); extra_modules keeps
# virtio_net in the image the host builds, which the guest's own rebuild at start starts from.
network_case_config() {
  cat <<CONF
ssh root@$SSH_SERVER
sshkey /root/.ssh/kdump_id_ed25519
path $run/remote/crash
core_collector makedumpfile -F -l --message-level 7 -d 31
extra_modules virtio_pci virtio_net
failure_action poweroff
final_action poweroff
CONF
}

case_config() { network_case_config; }

# check_derived_start OUT WHAT PATTERN - start derived the network (PATTERN: its description) and rebuilt the image with it.
check_derived_start() {
  local out=$1
  check_serial "$out" "start derived the capture network: $2" "^capture network: $3"
  check_serial "$out" "start rebuilt the capture initramfs with it" "capture initramfs built"
  check_serial "$out" "start loaded the capture kernel" "E2E: start ok, kexec_crash_loaded=1"
  check "the capture kernel's command line has no ip=" sh -c "grep -a 'Command line:' '$out/serial.log' | tail -1 | grep -qv ' ip='"
}

# check_ssh_arrival OUT ADDRESS_RE - the dump arrived over ssh in a directory named after the guest's address.
check_ssh_arrival() {
  local out=$1 flat dir
  flat=$(find "$out" -name vmcore.flat -type f | head -1)
  dir=$(dirname "${flat:-$out/none}")
  check "sshd accepted the kdump key" grep -q "Accepted publickey for root" "$out/sshd.log"
  check "vmcore.flat arrived in a directory named after the guest's address" sh -c "test -n '$flat' && basename '$dir' | grep -qE '^$2-'"
  [ -n "$flat" ] || return 0
  check "vmcore.flat was saved mode 0600" test "$(saved_mode "$out" "$flat")" = 600
  rm -f "$dir/vmcore"
  umask 077
  check "nkdump reassemble rebuilds the vmcore" "$NKDUMP" reassemble "$flat" "$dir/vmcore"
  check_vmcore "$out"
}

case_check() {
  local out=$1
  check_serial "$out" "the first kernel got its address by DHCP" "E2E: eth0 .*inet 10\.0\.2\.15/24"
  check_derived_start "$out" "eth0 by MAC, DHCPv4" "10\.0\.2\.2 via eth0 \(the NIC 52:54:00:12:34:56\), DHCPv4"
  check_serial "$out" "the capture kernel found the NIC by MAC" "nkdump: capture network: .*the NIC 52:54:00:12:34:56 is eth0 here"
  check_serial "$out" "the capture kernel leased its address by DHCP" "nkdump: configuring eth0 by DHCP: 10\.0\.2\.15 netmask 255\.255\.255\.0 gateway 10\.0\.2\.2 from 10\.0\.2\.2"
  check_ssh_arrival "$out" '10\.0\.2\.15'
}
