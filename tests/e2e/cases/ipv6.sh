# tests/e2e/cases/ipv6.sh - the dump goes over ssh on IPv6: QEMU user-mode network advertises the
# unique local prefix fd00:e2e::/64 (its default, fec0::/64, is site-local, which no network uses
# any more) and forwards connections to fd00:e2e::2 to the host's ::1, where the test's sshd listens. The
# first kernel takes its address by SLAAC; `nkdump start` derives "IPv6 SLAAC on the NIC with this
# MAC"; the capture kernel brings that NIC up and waits for the kernel's own SLAAC address and the
# router's default route (issue 20 item 1).
SSHD_LISTEN="127.0.0.1 ::1"
SSH_SERVER=fd00:e2e::2
source "$E2E_DIR/cases/dhcp.sh"
CASE_TITLE="ssh target over IPv6, capture network by SLAAC derived from the host"

case_setup() {
  ssh_case_setup
  e2e_guest 'net=slaac'
  QEMU_NIC=(-nic user,model=virtio-net-pci,ipv6-net=fd00:e2e::/64,ipv6-host=fd00:e2e::2)
}

case_check() {
  local out=$1
  check_serial "$out" "the first kernel got a global IPv6 address by SLAAC" "E2E: eth0 .*inet6 fd00:e2e:"
  check_derived_start "$out" "eth0 by MAC, IPv6 SLAAC" "fd00:e2e::2 via eth0 \(the NIC 52:54:00:12:34:56\), IPv6 SLAAC"
  check_serial "$out" "the capture kernel waited for SLAAC" "nkdump: eth0 has fd00:e2e::[0-9a-f:]+ and a default route"
  check_ssh_arrival "$out" 'fd00:e2e::[0-9a-f:]+'
}
