# tests/e2e/cases/luks.sh - the target is an ext4 file system on LUKS2 (issue 20 item 4), on a
# kernel WITHOUT CONFIG_CRASH_DM_CRYPT, which is every Debian kernel today (bookworm 6.1, trixie
# 6.12, trixie-backports 7.3, sid 7.2: "# CONFIG_CRASH_DM_CRYPT is not set"). The capture kernel
# could open the volume only with its key, and the one safe way to give it the key is the kernel's
# own hand-over, which these kernels lack; nkdump never writes a key or passphrase into the
# initramfs. So `nkdump start` must refuse, name the reason, and load nothing. The first kernel
# makes the LUKS2 volume with Debian's cryptsetup (unpacked from the host suite's packages) and
# opens it without udev. A capture on a kernel with CONFIG_CRASH_DM_CRYPT is not tested: there is
# no such Debian kernel, and nkdump does not do the configfs hand-over yet.
CASE_TITLE="LUKS2 target on a kernel without CONFIG_CRASH_DM_CRYPT: start refuses with the reason"

case_setup() {
  e2e_debian_tools cryptsetup-bin libcryptsetup12 libargon2-1 libjson-c5 libpopt0 libdevmapper1.02.1
  e2e_copy_tool /sbin/cryptsetup "$stage" /usr/sbin/cryptsetup
  e2e_copy_program /sbin/mke2fs "$stage" /usr/sbin/mke2fs.e2fsprogs   # busybox has a mke2fs applet too
  cp /etc/mke2fs.conf "$stage/etc/"
  truncate -s 256M "$run/luks.img"
  e2e_disk "$run/luks.img"
  E2E_GUEST_MODULES="virtio_pci virtio_blk crc32c_generic ext4 dm_mod dm_crypt ecb xts"   # aes-xts-plain64, LUKS2's default
  e2e_guest "modules=\"$E2E_GUEST_MODULES\""
  cat > "$stage/etc/e2e-storage.sh" <<'SH'
# LUKS2 on vda, opened as /dev/mapper/nkluks, without udev (pbkdf2 with few iterations: a test key).
export DM_DISABLE_UDEV=1
mkdir -p /run/cryptsetup   # its locking folder (systemd-tmpfiles makes it on a real system)
i=0; while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done
printf 'e2e-test-passphrase' > /tmp/key
cryptsetup luksFormat --batch-mode --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file /tmp/key /dev/vda \
  && cryptsetup open --key-file /tmp/key /dev/vda nkluks \
  && mke2fs.e2fsprogs -q -t ext4 -L nkdump-luks /dev/mapper/nkluks \
  && echo "E2E: luks: nkluks made, dm uuid $(cat /sys/class/block/dm-0/dm/uuid | cut -c1-12)"
rm -f /tmp/key
SH
}

case_config() {
  cat <<CONF
ext4 /dev/mapper/nkluks
path /var/crash
core_collector makedumpfile -l --message-level 7 -d 31
failure_action poweroff
final_action poweroff
CONF
}

case_collect() { :; }

case_check() {
  local out=$1
  check_serial "$out" "the first kernel made and opened the LUKS2 volume" "E2E: luks: nkluks made, dm uuid CRYPT-LUKS2-"
  check_serial "$out" "nkdump start refused" "E2E: nkdump start failed rc=[1-9]"
  check_serial "$out" "it names the encrypted device and the missing kernel option" "on the LUKS2 encrypted device nkluks \(dm-0\): the capture kernel .* is built without CONFIG_CRASH_DM_CRYPT"
  check_serial "$out" "it says no key goes into the initramfs" "nkdump never writes a key or passphrase into the initramfs"
  check "no capture kernel was loaded (no capture ran)" sh -c "! grep -aq 'nkdump: saving the crash dump' '$out/serial.log'"
  check_serial "$out" "nkdump status reports the failed start" "the last start failed \(.*\): the dump target or root file system is on the LUKS2 encrypted device"
}
