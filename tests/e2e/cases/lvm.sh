# tests/e2e/cases/lvm.sh - the dump goes to an ext4 file system on an LVM logical volume (issue 20
# item 4). The host has no device-mapper, so the first kernel builds the stack itself with Debian's
# lvm2 (unpacked from the host suite's packages, e2e_debian_tools): the whole virtio disk vda is a
# physical volume of the volume group nkvg, the logical volume nkvg/dump holds the file system. No
# udev runs: lvm makes the device nodes itself, and /init makes the by-uuid link udev would.
# `nkdump start` then finds the volume under the target in sysfs (dm-N, uuid LVM-…), rebuilds the
# capture initramfs with dm_mod, the disk's drivers, lvm and the volume group's name, and the
# capture kernel activates the group before it mounts the target.
# Two boots, two ways to name the volume: kdump.conf names /dev/mapper/nkvg-dump (a device node lvm
# made, not a link, as without udev), then a second boot (e2e_conf=uuid) names UUID= of the file
# system (found by the capture's superblock scan after the activation). Each boot's dump is checked
# as any dump is; the file system is read on the host at the volume's offset in the disk image.
CASE_TITLE="local target on an LVM logical volume (/dev/mapper/VG-LV, then UUID=)"
LVM_UUID=6b1c7e52-5d0f-4c1e-9f4a-2f1d0a7c9e31

case_setup() {
  e2e_debian_tools $E2E_STORAGE_PACKAGES
  e2e_copy_tool /sbin/lvm "$stage" /usr/sbin/lvm
  e2e_copy_program /sbin/mke2fs "$stage" /usr/sbin/mke2fs.e2fsprogs   # busybox has a mke2fs applet too
  cp /etc/mke2fs.conf "$stage/etc/"
  truncate -s 1G "$run/lvm.img"
  e2e_disk "$run/lvm.img"   # vda
  E2E_GUEST_MODULES="virtio_pci virtio_blk crc32c_generic ext4 dm_mod"
  e2e_guest 'modules="virtio_pci virtio_blk crc32c_generic ext4 dm_mod"'
  cat > "$stage/etc/e2e-storage.sh" <<SH
# The volume group on vda (made on the first boot, found again on the second), without udev.
conf='activation { udev_sync=0 udev_rules=0 monitoring=0 } devices { obtain_device_list_from_udev=0 } global { event_activation=0 }'
mkdir -p /run/lock /run/lvm
i=0; while [ ! -b /dev/vda ] && [ \$i -lt 50 ]; do sleep 0.2; i=\$((i+1)); done
if lvm pvs --config "\$conf" /dev/vda >/dev/null 2>&1; then
  lvm vgchange --config "\$conf" -ay nkvg && lvm vgmknodes --config "\$conf" nkvg && echo "E2E: lvm: nkvg activated"
else
  lvm pvcreate --config "\$conf" -y -ff /dev/vda && lvm vgcreate --config "\$conf" nkvg /dev/vda \\
    && lvm lvcreate --config "\$conf" -y -n dump -L 700M nkvg \\
    && mke2fs.e2fsprogs -q -t ext4 -L nkdump-lvm -U $LVM_UUID /dev/nkvg/dump && echo "E2E: lvm: nkvg/dump made"
fi
echo "E2E: lvm: data offset \$(lvm pvs --config "\$conf" --noheadings --units b --nosuffix -o pe_start /dev/vda | tr -d ' ')"
echo "E2E: lvm: /dev/mapper: \$(ls /dev/mapper | tr '\n' ' ') /dev/nkvg/dump -> \$(readlink /dev/nkvg/dump)"
mkdir -p /dev/disk/by-uuid
ln -sf "\$(readlink -f /dev/nkvg/dump)" /dev/disk/by-uuid/$LVM_UUID
SH
  lvm_config "UUID=$LVM_UUID" > "$stage/etc/kdump.conf.uuid"
}

# lvm_config DEVICE - kdump.conf with the target on the logical volume named DEVICE.
lvm_config() {
  cat <<CONF
ext4 $1
path /var/crash
core_collector makedumpfile -l --message-level 7 -d 31
failure_action poweroff
final_action poweroff
CONF
}

case_config() { lvm_config /dev/mapper/nkvg-dump; }

case_collect() {
  e2e_boot "$run/uuid-serial.log" "$CMDLINE e2e_conf=uuid"
  cp "$run/uuid-serial.log" "$OUT/uuid-serial.log"
  local offset dirs
  offset=$(grep -ao 'E2E: lvm: data offset [0-9]*' "$run/uuid-serial.log" | awk '{print $NF}' | tail -1)
  [ -n "$offset" ] || { log "the guest did not say where the volume's data start"; return 0; }
  # The first (and only) volume of the group starts at the first extent.
  mkdir -p "$run/lv"   # debugfs rdump writes into a folder that exists
  e2e_rdump "$run/lvm.img?offset=$offset" /var/crash "$run/lv"
  mapfile -t dirs < <(ls "$run/lv/crash" 2>/dev/null | LC_ALL=C sort)
  # One folder per boot, in order: each checked as an output folder of its own.
  local sub i=0
  for sub in mapper uuid; do
    mkdir -p "$OUT/$sub"
    [ -z "${dirs[$i]:-}" ] || mv "$run/lv/crash/${dirs[$i]}" "$OUT/$sub/"
    i=$((i + 1))
  done
  cp "$run/serial.log" "$OUT/mapper/serial.log"
  cp "$run/uuid-serial.log" "$OUT/uuid/serial.log"
}

case_check() {
  local out=$1 sub
  for sub in mapper uuid; do
    # Each boot's folder as crash-capture.sh would have left it: its kernel.txt and the modes.
    cp "$out/kernel.txt" "$out/$sub/"
    awk -v p="$sub/" 'index($2, p) == 1 {print $1, substr($2, length(p) + 1)}' "$out/modes.txt" > "$out/$sub/modes.txt"
  done
  check_serial "$out" "the first kernel made the volume group" "E2E: lvm: nkvg/dump made"
  check_serial "$out" "nkdump start rebuilt the capture initramfs for the volume" "E2E: start ok, kexec_crash_loaded=1"
  check_serial "$out" "the capture kernel activated the volume group" "nkdump: running lvm vgchange .* -ay --sysinit nkvg"
  check_serial "$out" "the capture mounted /dev/mapper/nkvg-dump" "nkdump: mounting /dev/mapper/nkvg-dump \(ext4\)"
  echo "   -- first boot: ext4 /dev/mapper/nkvg-dump"
  check_vmcore "$out/mapper"
  check_serial "$out" "the second boot found the volume group again" "E2E: lvm: nkvg activated" uuid-serial.log
  check_serial "$out" "the second capture activated the volume group" "nkdump: running lvm vgchange .* -ay --sysinit nkvg" uuid-serial.log
  check_serial "$out" "the second capture found UUID= on the volume" "nkdump: mounting /dev/dm-0 \(ext4\)" uuid-serial.log
  echo "   -- second boot: ext4 UUID=$LVM_UUID"
  check_vmcore "$out/uuid"
}
