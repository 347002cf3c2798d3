# tests/e2e/checks.sh - host-side checks (sourced by check-dump.sh and check-case.sh). Each check
# prints one "ok"/"FAIL" line; CHECK_FAILED becomes 1 on any failure.
CHECK_FAILED=0
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then echo "ok   $what"; else echo "FAIL $what"; CHECK_FAILED=1; fi; }

# check_serial OUT WHAT PATTERN - the guest's console (OUT/serial.log) holds PATTERN (grep -E).
check_serial() { check "$2" grep -aqE "$3" "$1/${4:-serial.log}"; }

# saved_mode OUT FILE - FILE's mode as the capture saved it (crash-capture.sh's OUT/modes.txt).
saved_mode() { awk -v f="${2#"$1"/}" '$2 == f {print $1}' "$1/modes.txt"; }

# check_vmcore OUT - a vmcore was saved under OUT: it is private (0600), complete, nkdump and the
# real tools read it (crash --osrelease, libkdumpfile, Debian's makedumpfile --dump-dmesg), and its
# log holds the sysrq panic.
check_vmcore() {
  local out=$1 vmcore dir tmp mode
  vmcore=$(find "$out" -name vmcore -type f | head -1)
  dir=$(dirname "${vmcore:-$out/none}")
  check "a vmcore was saved" test -n "$vmcore"
  [ -n "$vmcore" ] || return 0
  check "no vmcore-incomplete left" test ! -e "$dir/vmcore-incomplete"
  # As saved (crash-capture.sh's record), or, for a vmcore reassembled here, as it is.
  mode=$(saved_mode "$out" "$vmcore"); mode=${mode:-$(stat -c %a "$vmcore")}
  check "vmcore is mode 0600" test "$mode" = 600
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
}
