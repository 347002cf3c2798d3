# tests/e2e/cases/path.sh - the dump goes to a directory of an ext4 virtio disk named by its label.
CASE_TITLE="path target on an ext4 virtio disk"

case_setup() {
  truncate -s 1G "$run/dump.img"
  mkfs.ext4 -q -F -L nkdump-dump "$run/dump.img"
  e2e_disk "$run/dump.img"
  e2e_guest 'links="nkdump-dump:vda"'
}

case_config() {
  cat <<CONF
ext4 LABEL=nkdump-dump
path /var/crash
core_collector makedumpfile -l --message-level 7 -d 31
extra_modules virtio_pci virtio_blk ext4
failure_action poweroff
final_action poweroff
CONF
}

case_collect() { e2e_rdump "$run/dump.img" /var/crash "$OUT"; }

case_check() { check_vmcore "$1"; }
