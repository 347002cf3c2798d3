# tests/e2e/cases/missing.sh - kdump.conf names a disk (LABEL=nkdump-gone) that no disk of the
# crashed machine carries when the capture kernel looks for it: failure_action dump_to_rootfs must
# save the dump on the root file system instead (root=LABEL=nkdump-root, kept on the capture
# kernel's command line), then final_action powers off. The first kernel has no udev: its /init
# makes the by-label links by hand, and here it makes a stale one for the gone label (as udev's
# link would outlive a disk pulled after kdump started), so that `nkdump start` accepts the target.
CASE_TITLE="target missing: failure_action dump_to_rootfs"

case_setup() {
  truncate -s 1G "$run/root.img"
  mkfs.ext4 -q -F -L nkdump-root "$run/root.img"
  e2e_disk "$run/root.img"
  e2e_guest 'links="nkdump-root:vda nkdump-gone:vda"'
  CMDLINE="$CMDLINE root=LABEL=nkdump-root"
}

case_config() {
  cat <<CONF
ext4 LABEL=nkdump-gone
path /var/crash
core_collector makedumpfile -l --message-level 7 -d 31
extra_modules virtio_pci virtio_blk ext4
failure_action dump_to_rootfs
final_action poweroff
CONF
}

case_collect() { e2e_rdump "$run/root.img" /var/crash "$OUT"; }

case_check() {
  local out=$1
  check_serial "$out" "the capture log says the target is missing" "nkdump: error: dump target 'ext4 LABEL=nkdump-gone' not found"
  check_serial "$out" "failure_action dump_to_rootfs was taken" "nkdump: executing failure_action dump_to_rootfs"
  check_serial "$out" "the root file system was mounted from root=" "nkdump: mounting /dev/vda \(ext4\) on /sysroot"
  check_serial "$out" "the capture log says the dump went to the root file system" "nkdump: the dump was saved to the root file system instead"
  check_serial "$out" "final_action followed" "nkdump: executing final_action poweroff"
  check_vmcore "$out"
}
