# tests/e2e/cases/ssh.sh - the dump goes over ssh to an sshd this test starts on the host's
# loopback (an unprivileged port, its own host key, authorized_keys and config in the run's private
# folder: the system's sshd configuration is never read). The guest reaches it through QEMU's
# user-mode network, where 10.0.2.2 is the host; the capture kernel gets 10.0.2.15/24 from ip= on
# its command line. Key authentication; the host key is checked against the known_hosts file the
# capture initramfs carries. The flattened vmcore.flat is reassembled on the host and checked.
# The guest crashes through `nkdump test --force` (its record on a state disk); a second boot
# (e2e_mode=report) runs `nkdump report` over the same ssh connection: its journal line must name the
# dump on the server with the signature triage gives on the host (from nkdump-triage.json, fetched
# without the dump), report_hook must get that JSON, and the test's record must say success.
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
  truncate -s 32M "$run/state.img"
  mkfs.ext4 -q -F -L nkdump-state "$run/state.img"
  e2e_disk "$run/state.img"   # vda
  e2e_guest 'crash=test'
  e2e_guest 'state_disk=/dev/vda'
  cat > "$stage/root/report-hook" <<'HOOK'
#!/bin/sh
cat > /var/lib/nkdump/hook-input.json
echo "E2E: report_hook NKDUMP_SIGNATURE=$NKDUMP_SIGNATURE NKDUMP_DUMP=$NKDUMP_DUMP"
HOOK
  chmod 0755 "$stage/root/report-hook"
  # The first kernel is on the network as the machine would be: `nkdump start` tests the target
  # over ssh (as kdumpctl does) and refuses to arm a capture that could not reach it.
  e2e_guest 'modules="virtio_pci virtio_net virtio_blk crc32c_generic ext4"'   # ext4: the state disk
  e2e_guest 'net="10.0.2.15/24 10.0.2.2"'
  QEMU_NIC=(-nic user,model=virtio-net-pci)
  # The capture computes nkdump-triage.json for the report (a child `nkdump triage`, about 85 MiB
  # at its peak): Debian's default reservation for a machine of 2 GiB or more (256M) has room for
  # it, the suite's minimal 160M does not (save then skips it with a warning and the report cannot
  # name the signature).
  MEM=768M
  CMDLINE=${CMDLINE/crashkernel=$CRASHKERNEL/crashkernel=256M}
  CRASHKERNEL=256M
}

case_config() {
  cat <<CONF
ssh root@10.0.2.2
sshkey /root/.ssh/kdump_id_ed25519
path $run/remote/crash
core_collector makedumpfile -F -l --message-level 7 -d 31
extra_modules virtio_pci virtio_net virtio_blk ext4
kdump_commandline_append $SSH_IP
failure_action poweroff
final_action poweroff
report_hook /root/report-hook
CONF
}

case_collect() {
  cp -a "$run/remote/crash" "$OUT/" 2>/dev/null || true
  # The boot after the crash: the report fetches the dump's small files from the server (still running).
  e2e_boot "$run/report-serial.log" "$CMDLINE e2e_mode=report"
  cp "$run/report-serial.log" "$OUT/report-serial.log"
  local f
  for f in test-status.json hook-input.json; do
    debugfs -R "dump /$f $OUT/$f" "$run/state.img" >/dev/null 2>&1 || true
  done
  debugfs -R "rdump /remote $OUT" "$run/state.img" >/dev/null 2>&1 || true
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
  check_report "$out" "$dir"
}

# check_report OUT DIR - the second boot's report of the dump in DIR (as the server holds it).
check_report() {
  local out=$1 dir=$2 sig id
  id=$(basename "$dir")
  mkdir -p "$out/checks"
  "$NKDUMP" triage "$dir/vmcore" > "$out/checks/nkdump-triage.txt" 2>&1 || true
  sig=$(awk '$1 == "signature:" {print $2; exit}' "$out/checks/nkdump-triage.txt")
  check "triage on the host gives a signature" test -n "$sig"
  sig=${sig:-none}
  check "the capture wrote nkdump-triage.json beside the dump with that signature" grep -qE "\"signature\": ?\"$sig\"" "$dir/nkdump-triage.json"
  check "nkdump test's record (test-status.json) was written before the crash and survived it" \
    grep -qE '"started": "[0-9]{4}-' "$out/test-status.json"
  check_serial "$out" "the second boot's report ran" "E2E: report rc=0" report-serial.log
  check_serial "$out" "the report's journal line names the dump on the server with triage's signature" \
    "<4>nkdump: kernel crash at .*\"sysrq triggered crash\", signature $sig, release .* saved in root@10\.0\.2\.2:/[^ ]*/crash/$id" report-serial.log
  check_serial "$out" "report_hook ran with the signature" "E2E: report_hook NKDUMP_SIGNATURE=$sig NKDUMP_DUMP=root@10\.0\.2\.2:/[^ ]*/crash/$id" report-serial.log
  check "report_hook's stdin was the triage JSON with that signature" grep -q "\"signature\":\"$sig\"" "$out/hook-input.json"
  check "the report fetched the small files, never the dump" sh -c "test -s '$out/remote/$id/nkdump-triage.json' && test -s '$out/remote/$id/vmcore-dmesg.txt' && test ! -e '$out/remote/$id/vmcore.flat'"
  check_serial "$out" "a second report finds nothing new" "no new crash dump in root@10\.0\.2\.2:/[^ ]*/crash \(1 saved before\)" report-serial.log
  check_serial "$out" "nkdump status: the last test succeeded" "last test: .*: success, dump root@10\.0\.2\.2:/[^ ]*/crash/$id" report-serial.log
  check "test-status.json says success" grep -q '"outcome": "success"' "$out/test-status.json"
  check_serial "$out" "nkdump list shows the dump on the server with the signature" "^$id .* $sig .* complete " report-serial.log
}
