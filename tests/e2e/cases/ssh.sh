# tests/e2e/cases/ssh.sh - the dump goes over ssh to an sshd this test starts on the host's
# loopback (an unprivileged port, its own host key, authorized_keys and config in the run's private
# folder: the system's sshd configuration is never read). The guest reaches it through QEMU's
# user-mode network, where 10.0.2.2 is the host; the capture kernel gets 10.0.2.15/24 from ip= on
# its command line. Key authentication; the host key is checked against the known_hosts file the
# capture initramfs carries. The flattened vmcore.flat is reassembled on the host and checked.
CASE_TITLE="ssh target (sshd on host loopback, QEMU user-mode network)"
CASE_PACKAGES="openssh-client openssh-server"
SSH_IP=ip=10.0.2.15::10.0.2.2:255.255.255.0::eth0:none
# The cases that reuse this setup (dhcp, ipv6, unreachable) change where sshd listens and the name
# the guest uses for the host (QEMU's user network: 10.0.2.2, or fec0::2 over IPv6).
SSHD_LISTEN=${SSHD_LISTEN:-127.0.0.1}
SSH_SERVER=${SSH_SERVER:-10.0.2.2}

case_setup() {
  local sshd="$run/sshd" port pid
  mkdir -m 0700 "$sshd" "$run/remote"
  ssh-keygen -q -t ed25519 -N "" -C "e2e host key" -f "$sshd/host_key"
  mkdir -p -m 0700 "$stage/root/.ssh"
  ssh-keygen -q -t ed25519 -N "" -C "e2e kdump key" -f "$stage/root/.ssh/kdump_id_ed25519"
  cp "$stage/root/.ssh/kdump_id_ed25519.pub" "$sshd/authorized_keys"
  port=$(e2e_free_port)
  { for listen in $SSHD_LISTEN; do echo "ListenAddress $listen"; done
    cat <<CONF
Port $port
HostKey $sshd/host_key
AuthorizedKeysFile $sshd/authorized_keys
PidFile $sshd/sshd.pid
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
CONF
  } > "$sshd/sshd_config"
  mkdir -p /run/sshd   # sshd's privilege separation directory (Debian's service makes it at start)
  /usr/sbin/sshd -D -e -f "$sshd/sshd_config" 2> "$sshd/sshd.log" &
  pid=$!
  E2E_SERVER_PIDS+=("$pid")
  e2e_wait_port "$port" "$pid"
  log "sshd on 127.0.0.1:$port (pid $pid)"

  echo "[$SSH_SERVER]:$port $(cat "$sshd/host_key.pub")" > "$stage/root/.ssh/known_hosts"
  printf 'Host %s\n  Port %s\n' "$SSH_SERVER" "$port" > "$stage/root/.ssh/config"
  SSHD_PORT=$port
  e2e_copy_program /usr/bin/ssh "$stage"
  # The first kernel is on the network as the machine would be: `nkdump start` tests the target
  # over ssh (as kdumpctl does) and refuses to arm a capture that could not reach it.
  e2e_guest 'modules="virtio_pci virtio_net"'
  e2e_guest 'net="10.0.2.15/24 10.0.2.2"'
  QEMU_NIC=(-nic user,model=virtio-net-pci)
}

case_config() {
  cat <<CONF
ssh root@10.0.2.2
sshkey /root/.ssh/kdump_id_ed25519
path $run/remote/crash
core_collector makedumpfile -F -l --message-level 7 -d 31
extra_modules virtio_pci virtio_net
kdump_commandline_append $SSH_IP
failure_action poweroff
final_action poweroff
CONF
}

case_collect() {
  cp -a "$run/remote/crash" "$OUT/" 2>/dev/null || true
  cp "$run/sshd/sshd.log" "$OUT/sshd.log"
}

case_check() {
  local out=$1 flat dir
  flat=$(find "$out" -name vmcore.flat -type f | head -1)
  dir=$(dirname "${flat:-$out/none}")
  check_serial "$out" "the capture kernel configured eth0 from ip=" "nkdump: configuring eth0: 10\.0\.2\.15 netmask 255\.255\.255\.0 gateway 10\.0\.2\.2"
  check "sshd accepted the kdump key" grep -q "Accepted publickey for root from 127.0.0.1" "$out/sshd.log"
  check "vmcore.flat arrived in a directory named after the guest's address" sh -c "test -n '$flat' && basename '$dir' | grep -q '^10\.0\.2\.15-'"
  [ -n "$flat" ] || return 0
  check "vmcore.flat was saved mode 0600" test "$(saved_mode "$out" "$flat")" = 600
  check "no vmcore-incomplete left on the server" test ! -e "$dir/vmcore-incomplete"
  check "the capture kernel's log arrived too" test -s "$dir/kexec-dmesg.log"
  rm -f "$dir/vmcore" "$dir/vmcore.makedumpfile-R"
  umask 077   # what is rebuilt here is a dump too: private
  check "nkdump reassemble rebuilds the vmcore" "$NKDUMP" reassemble "$flat" "$dir/vmcore"
  check "makedumpfile -R rebuilds the same bytes" sh -c "makedumpfile -R '$dir/vmcore.makedumpfile-R' < '$flat' && cmp '$dir/vmcore' '$dir/vmcore.makedumpfile-R'"
  rm -f "$dir/vmcore.makedumpfile-R"
  check_vmcore "$out"
}
