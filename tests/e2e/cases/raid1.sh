# tests/e2e/cases/raid1.sh - the dump goes to an ext4 file system on an md RAID1 array (issue 20
# item 4). The host has no md driver, so the first kernel builds the array itself with Debian's
# mdadm (unpacked from the host suite's packages, e2e_debian_tools): vda and vdb, whole disks,
# metadata 1.2 (which the kernel's own autodetection cannot assemble), /dev/md/nkraid. No udev
# runs: /init makes the by-uuid link udev would. `nkdump start` finds the array under the target
# in sysfs (mdN with md/level raid1), rebuilds the capture initramfs with md_mod, raid1, the
# members' drivers and mdadm, and the capture kernel assembles the array before it looks for the
# target. Two boots: kdump.conf names /dev/md/nkraid; then (e2e_conf=rootfs) a target that is gone
# with failure_action dump_to_rootfs, the root file system being the array's (root=UUID=).
# On the host both members' copies of the file system are read (data offset from mdadm --examine):
# RAID1 means the same dumps on each.
CASE_TITLE="local target and dump_to_rootfs on an md RAID1 array (metadata 1.2, mdadm)"
RAID_UUID=3f0c2a1e-8d4b-4c6a-9e1f-5a7b9c0d2e4f

case_setup() {
  e2e_debian_tools $E2E_STORAGE_PACKAGES
  e2e_copy_tool /sbin/mdadm "$stage" /usr/sbin/mdadm
  e2e_copy_program /sbin/mke2fs "$stage" /usr/sbin/mke2fs.e2fsprogs   # busybox has a mke2fs applet too
  cp /etc/mke2fs.conf "$stage/etc/"
  truncate -s 700M "$run/vda.img" "$run/vdb.img"
  e2e_disk "$run/vda.img"
  e2e_disk "$run/vdb.img"
  E2E_GUEST_MODULES="virtio_pci virtio_blk crc32c_generic ext4 md_mod raid1"
  e2e_guest "modules=\"$E2E_GUEST_MODULES\""
  mkdir -p "$stage/etc/mdadm"
  printf 'DEVICE partitions\nHOMEHOST <ignore>\n' > "$stage/etc/mdadm/mdadm.conf"
  cat > "$stage/etc/e2e-storage.sh" <<SH
# The RAID1 of vda and vdb (made on the first boot, assembled again on the second), without udev.
for d in /dev/vda /dev/vdb; do i=0; while [ ! -b \$d ] && [ \$i -lt 50 ]; do sleep 0.2; i=\$((i+1)); done; done
if mdadm --examine /dev/vda >/dev/null 2>&1; then
  mdadm --assemble --scan --run && echo "E2E: raid1: assembled"
else
  mdadm --create /dev/md/nkraid --run --assume-clean --level=1 --raid-devices=2 --metadata=1.2 --homehost=e2e /dev/vda /dev/vdb \\
    && mke2fs.e2fsprogs -q -t ext4 -L nkdump-raid -U $RAID_UUID /dev/md/nkraid && echo "E2E: raid1: nkraid made"
fi
md=\$(readlink -f /dev/md/nkraid)
echo "E2E: raid1: /dev/md/nkraid -> \$md, level \$(cat /sys/class/block/\${md#/dev/}/md/level), metadata \$(cat /sys/class/block/\${md#/dev/}/md/metadata_version), slaves \$(ls /sys/class/block/\${md#/dev/}/slaves | tr '\n' ' ')"
echo "E2E: raid1: data offset \$(mdadm --examine /dev/vda | sed -n 's/.*Data Offset : \([0-9]*\) sectors.*/\1/p') sectors"
mkdir -p /dev/disk/by-uuid /dev/disk/by-label
ln -sf "\$md" /dev/disk/by-uuid/$RAID_UUID
# The rootfs boot's target: a stale link, as udev's would outlive a pulled disk (see missing.sh).
ln -sf /dev/vda /dev/disk/by-label/nkdump-gone
SH
  cat > "$stage/etc/kdump.conf.rootfs" <<CONF
ext4 LABEL=nkdump-gone
path /var/crash
core_collector makedumpfile -l --message-level 7 -d 31
failure_action dump_to_rootfs
final_action poweroff
CONF
}

case_config() {
  cat <<CONF
ext4 /dev/md/nkraid
path /var/crash
core_collector makedumpfile -l --message-level 7 -d 31
failure_action poweroff
final_action poweroff
CONF
}

case_collect() {
  e2e_boot "$run/rootfs-serial.log" "$CMDLINE e2e_conf=rootfs root=UUID=$RAID_UUID"
  cp "$run/rootfs-serial.log" "$OUT/rootfs-serial.log"
  local sectors disk dirs sub i
  sectors=$(grep -ao 'E2E: raid1: data offset [0-9]*' "$run/serial.log" | awk '{print $NF}' | tail -1)
  [ -n "$sectors" ] || { log "the guest did not say where the array's data start"; return 0; }
  for disk in vda vdb; do mkdir -p "$run/$disk"; e2e_rdump "$run/$disk.img?offset=$((sectors * 512))" /var/crash "$run/$disk"; done
  mapfile -t dirs < <(ls "$run/vda/crash" 2>/dev/null | LC_ALL=C sort)
  i=0
  for sub in target rootfs; do
    mkdir -p "$OUT/$sub"
    [ -z "${dirs[$i]:-}" ] || mv "$run/vda/crash/${dirs[$i]}" "$OUT/$sub/"
    i=$((i + 1))
  done
  cp "$run/serial.log" "$OUT/target/serial.log"
  cp "$run/rootfs-serial.log" "$OUT/rootfs/serial.log"
  # The second member's copies, compared with the first's here (not kept: a dump's size each).
  local a b same=yes
  for a in $(cd "$OUT" && find target rootfs -name vmcore -type f); do
    b="$run/vdb/crash/$(basename "$(dirname "$a")")/vmcore"
    cmp -s "$OUT/$a" "$b" || same=no
  done
  echo "$same" > "$OUT/members-equal.txt"
}

case_check() {
  local out=$1 sub
  for sub in target rootfs; do
    cp "$out/kernel.txt" "$out/$sub/"
    awk -v p="$sub/" 'index($2, p) == 1 {print $1, substr($2, length(p) + 1)}' "$out/modes.txt" > "$out/$sub/modes.txt"
  done
  check_serial "$out" "the first kernel made the RAID1 array (metadata 1.2)" "E2E: raid1: nkraid made"
  check_serial "$out" "it is an md raid1 array of vda and vdb" "E2E: raid1: /dev/md/nkraid -> /dev/md[0-9]+, level raid1, metadata 1.2, slaves vda vdb"
  check_serial "$out" "nkdump start rebuilt and loaded the capture initramfs" "E2E: start ok, kexec_crash_loaded=1"
  check_serial "$out" "the capture kernel loaded raid1" "nkdump init: loaded .*/raid1\.ko"
  check_serial "$out" "the capture kernel ran mdadm --assemble --scan" "nkdump: running mdadm --assemble --scan --run"
  check_serial "$out" "the capture mounted /dev/md/nkraid" "nkdump: mounting /dev/md/nkraid \(ext4\) on /kdumproot"
  echo "   -- first boot: ext4 /dev/md/nkraid"
  check_vmcore "$out/target"
  check_serial "$out" "the second boot assembled the array again" "E2E: raid1: assembled" rootfs-serial.log
  check_serial "$out" "the second capture: target gone, failure_action dump_to_rootfs" "nkdump: executing failure_action dump_to_rootfs" rootfs-serial.log
  check_serial "$out" "the second capture mounted the root file system on the array" "nkdump: mounting /dev/md[0-9]+ \(ext4\) on /sysroot" rootfs-serial.log
  echo "   -- second boot: dump_to_rootfs, root=UUID=$RAID_UUID"
  check_vmcore "$out/rootfs"
  check "both RAID1 members hold the same dumps" grep -qx yes "$out/members-equal.txt"
}
