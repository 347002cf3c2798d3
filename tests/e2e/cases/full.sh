# tests/e2e/cases/full.sh - the dump target is a small ext4 disk that holds vmcore-dmesg.txt (written
# first) but not the whole vmcore. vmcore-incomplete must stay, marked incomplete and readable up to
# its last page, and the capture log must say so before failure_action.
# The capture writes the pages the kernel log is read from first (the collector's LogPages), then
# the rest in physical order. The disk is sized to hold a good part of the dump but not all of it
# (at -d 31 and LZO: 6.1 about 24 MB, 6.12 about 30, 7.3 more; a 22 MiB disk has about 19.5 MB
# free, a 28 MiB one about 25.7), so nkdump dmesg must read the panic out of the incomplete dump on
# every kernel. Before the log went first this held only where the kernel image (with the printk
# buffers) came early in physical order: nokaslr put it at 16 MiB on 6.1 and 6.12, but 7.3's `prb`
# lies past the 17 % of its dump that fitted, and its dmesg check failed.
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
