# tests/e2e/cases/raw.sh - the dump goes as a flattened stream onto a raw virtio disk; the next boot
# of the same guest runs `nkdump savecore`, which turns it into PATH/127.0.0.1-DATE/vmcore on the
# file system mounted on /var (a second real boot, not a host-side simulation: savecore reads the
# device through the guest kernel's virtio_blk, writes through its ext4, clears the device's header).
CASE_TITLE="raw target, then nkdump savecore on the next boot"

case_setup() {
  truncate -s 1G "$run/var.img"
  mkfs.ext4 -q -F -L nkdump-var "$run/var.img"
  truncate -s 512M "$run/raw.img"
  e2e_disk "$run/var.img"   # vda
  e2e_disk "$run/raw.img"   # vdb
  e2e_guest 'crash_disk=/dev/vda'
}

# ext4 is listed for the next boot only: it runs from the same staged root, whose modules are
# those of the capture initramfs.
case_config() {
  cat <<CONF
raw /dev/vdb
path /var/crash
core_collector makedumpfile -F -l --message-level 7 -d 31
extra_modules virtio_pci virtio_blk ext4
failure_action poweroff
final_action poweroff
CONF
}

case_collect() {
  # The raw disk's first bytes after the capture, and the count of non-zero bytes in its
  # 4096-byte header block after savecore.
  head -c 12 "$run/raw.img" > "$OUT/raw-before.txt"
  e2e_boot "$run/savecore-serial.log" "$CMDLINE e2e_mode=savecore"
  cp "$run/savecore-serial.log" "$OUT/savecore-serial.log"
  head -c 4096 "$run/raw.img" | tr -d '\0' | wc -c > "$OUT/raw-after.txt"
  e2e_rdump "$run/var.img" /crash "$OUT"
}

case_check() {
  local out=$1
  check "the capture kernel wrote a flattened dump on the raw disk" test "$(cat "$out/raw-before.txt")" = makedumpfile
  check_serial "$out" "the capture log says the raw device was written" "nkdump: saving vmcore complete: /dev/vdb"
  check_serial "$out" "savecore reassembled it on the next boot" "nkdump: saving vmcore complete: /var/crash/127\.0\.0\.1-" savecore-serial.log
  check_serial "$out" "savecore exited 0" "E2E: savecore rc=0" savecore-serial.log
  check "savecore cleared the raw disk's header" test "$(cat "$out/raw-after.txt")" = 0
  check_serial "$out" "a second savecore finds nothing to save" "nkdump: no dump on /dev/vdb" savecore-serial.log
  check_vmcore "$out"
}
