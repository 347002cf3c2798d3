#!/usr/bin/env bash
# tests/e2e/check-dump.sh OUT_DIR - the host-side checks on what a capture saved:
# the vmcore exists and is private (0600), nkdump reads it, the real tools read it
# (crash --osrelease, libkdumpfile, Debian's makedumpfile --dump-dmesg), and its log holds the
# sysrq panic. Prints one "ok"/"FAIL" line per check; exits 1 on any failure.
source "$(dirname "$0")/lib.sh"
out=$1
fail=0
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then echo "ok   $what"; else echo "FAIL $what"; fail=1; fi; }

vmcore=$(find "$out" -name vmcore -type f | head -1)
dir=$(dirname "${vmcore:-$out/none}")
check "a vmcore was saved" test -n "$vmcore"
[ -n "$vmcore" ] || exit 1
check "no vmcore-incomplete left" test ! -e "$dir/vmcore-incomplete"
check "vmcore is mode 0600" test "$(stat -c %a "$vmcore")" = 600
check "vmcore-dmesg.txt was written" test -s "$dir/vmcore-dmesg.txt"
check "the saved log holds the sysrq panic" grep -q "Kernel panic - not syncing: sysrq triggered crash" "$dir/vmcore-dmesg.txt"
check "nkdump info reads it" "$NKDUMP" info "$vmcore"
check "nkdump dmesg shows the panic" sh -c "'$NKDUMP' dmesg '$vmcore' | grep -q 'sysrq triggered crash'"
check "crash --osrelease reads it" sh -c "crash --osrelease '$vmcore' | grep -q '[0-9]'"
check "libkdumpfile opens it" /usr/bin/python3 -c "import kdumpfile,sys; k=kdumpfile.kdumpfile(sys.argv[1]); print(k.attr['linux.uts.release'])" "$vmcore"
tmp=$(mktemp -u)
if makedumpfile --dump-dmesg "$vmcore" "$tmp" >/dev/null 2>&1; then
  check "makedumpfile --dump-dmesg agrees with vmcore-dmesg.txt" cmp -s "$tmp" "$dir/vmcore-dmesg.txt"
else
  # Debian's makedumpfile has no zstd or snappy: it cannot read those pages (see the fixtures' README).
  echo "note makedumpfile --dump-dmesg cannot read this dump's compression"
fi
rm -f "$tmp"
exit $fail
