# tests/e2e/cases/full.sh - the dump target is a small ext4 disk that holds vmcore-dmesg.txt (written
# first) but not the whole vmcore. vmcore-incomplete must stay, marked incomplete and readable up to
# its last page, and the capture log must say so before failure_action.
# The collector writes pages in physical order. The first kernel boots with nokaslr, so its image
# (text, data, the printk buffers) sits at 16 MiB and is written before nearly everything else; the
# disk is sized to hold the image's pages but not the rest (measured on this suite's dumps: at -d 31
# and LZO, 6.1's image is about 17.5 of 24 MB, 6.12's about 22 of 30; a 22 MiB disk has about
# 19.5 MB free, a 28 MiB one about 25.7). So nkdump dmesg must read the
# panic out of the incomplete dump, every run: the reader is tested, not luck.
CASE_TITLE="target full: vmcore-incomplete kept and readable"

case_setup() {
  local size=22M
  case "$KREL" in 6.12.*) size=28M ;; esac
  truncate -s "$size" "$run/small.img"
  mkfs.ext4 -q -F -L nkdump-dump "$run/small.img"
  e2e_disk "$run/small.img"
  e2e_guest 'links="nkdump-dump:vda"'
  CMDLINE="$CMDLINE nokaslr"
}

# The path case's kdump.conf: only the disk is smaller.
case_config() { path_target_config; }

case_collect() { e2e_rdump "$run/small.img" /var/crash "$OUT"; }

case_check() {
  local out=$1 part dir
  part=$(find "$out" -name vmcore-incomplete -type f | head -1)
  dir=$(dirname "${part:-$out/none}")
  check_serial "$out" "the capture log says saving the vmcore failed" "nkdump: error: saving vmcore failed"
  check_serial "$out" "the capture log says vmcore-incomplete is kept" "nkdump: what was written is kept as .*vmcore-incomplete"
  check_serial "$out" "failure_action was taken" "nkdump: executing failure_action poweroff"
  check "vmcore-incomplete was kept" test -n "$part"
  [ -n "$part" ] || return 0
  check "no vmcore" test ! -e "$dir/vmcore"
  check "vmcore-incomplete was saved mode 0600" test "$(saved_mode "$out" "$part")" = 600
  check "the saved log holds the sysrq panic" grep -q "Kernel panic - not syncing: sysrq triggered crash" "$dir/vmcore-dmesg.txt"
  check "nkdump info reads it and says it is incomplete" sh -c "'$NKDUMP' info '$part' | grep -Eq '^ *incomplete +yes'"
  check "crash --osrelease reads it" sh -c "crash --osrelease '$part' | grep -q '[0-9]'"
  check "libkdumpfile opens it" /usr/bin/python3 -c "import kdumpfile,sys; k=kdumpfile.kdumpfile(sys.argv[1]); print(k.attr['linux.uts.release'])" "$part"
  check "nkdump dmesg reads the panic from it" sh -c "'$NKDUMP' dmesg '$part' | grep -q 'sysrq triggered crash'"
  check "nkdump dmesg of it agrees with vmcore-dmesg.txt" sh -c "'$NKDUMP' dmesg '$part' | cmp -s - '$dir/vmcore-dmesg.txt'"
}
