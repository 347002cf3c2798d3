# tests/e2e/cases/nfs.sh - the dump goes to an NFSv4 export of NFS-Ganesha (Debian's nfs-ganesha with
# its VFS back end), a user-space server this test starts on the host's loopback, port 2049 (the
# kernel's NFSv4 client has no port option in nkdump's mount; v4 needs no rpcbind). The guest reaches
# it through QEMU's user-mode network as 10.0.2.2; the capture kernel's own NFS client mounts it
# with mount(2) (no mount.nfs in the initramfs). This host's kernel has no NFS client: only the
# guest mounts it.
CASE_TITLE="NFS target (NFS-Ganesha NFSv4 on host loopback, QEMU user-mode network)"
CASE_PACKAGES="nfs-ganesha nfs-ganesha-vfs"
NFS_IP=ip=10.0.2.15::10.0.2.2:255.255.255.0::eth0:none

case_setup() {
  local g="$run/ganesha" pid
  mkdir -m 0700 "$g" "$g/recovery" "$run/export"
  if (exec 3<>/dev/tcp/127.0.0.1/2049) 2>/dev/null; then
    log "something already listens on 127.0.0.1:2049: the NFS case needs that port"; exit 1
  fi
  cat > "$g/ganesha.conf" <<CONF
NFS_CORE_PARAM {
  Protocols = 4;
  NFS_Port = 2049;
  Bind_addr = 127.0.0.1;
  Enable_NLM = false;
  Enable_RQUOTA = false;
}
NFSv4 {
  Graceless = true;              # no 90 s grace period before the first open
  RecoveryBackend = fs;
  RecoveryRoot = "$g/recovery";
}
EXPORT {
  Export_Id = 1;
  Path = "$run/export";
  Pseudo = /export;
  Access_Type = RW;
  Squash = No_Root_Squash;       # the capture kernel writes as root
  SecType = sys;
  Protocols = 4;
  Transports = TCP;
  FSAL { Name = VFS; }
}
CONF
  ganesha.nfsd -F -f "$g/ganesha.conf" -L "$g/ganesha.log" -p "$g/ganesha.pid" -N NIV_EVENT &
  pid=$!
  E2E_SERVER_PIDS+=("$pid")
  e2e_wait_port 2049 "$pid" || { cat "$g/ganesha.log" >&2; exit 1; }
  log "nfs-ganesha on 127.0.0.1:2049 (pid $pid)"
  e2e_guest 'modules="virtio_pci"'
  QEMU_NIC=(-nic user,model=virtio-net-pci)
}

case_config() {
  cat <<CONF
nfs 10.0.2.2:/export
path /crash
core_collector makedumpfile -l --message-level 7 -d 31
extra_modules virtio_pci virtio_net
kdump_commandline_append $NFS_IP
failure_action poweroff
final_action poweroff
CONF
}

case_collect() {
  cp -a "$run/export/crash" "$OUT/" 2>/dev/null || true
  cp "$run/ganesha/ganesha.log" "$OUT/ganesha.log"
}

case_check() {
  local out=$1
  check_serial "$out" "the capture kernel mounted the export over NFSv4" "nkdump: mounting 10\.0\.2\.2:/export on /kdumproot \(-t nfs4"
  check "the dump directory is named after the guest's address" sh -c "find '$out/crash' -maxdepth 1 -name '10.0.2.15-*' | grep -q ."
  check_vmcore "$out"
}
