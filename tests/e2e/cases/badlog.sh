# tests/e2e/cases/badlog.sh - the crashed kernel's log cannot be read, and the dump is saved all the
# same (issue 17). After nkdump start, the test module damages the printk ring buffer's metadata
# (text_data_ring.size_bits of the ring `prb` points to becomes 3: modules/nkcrash explains why
# that field), then sysrq c crashes the guest. The kernel stores no message after the damage, so
# neither its console nor the dump has the panic: nothing here reads the console's panic text.
# Checks: the vmcore saved (complete, 0600, read by nkdump info and by the real tools' release
# readers), no vmcore-dmesg.txt, the reason in the capture log and in nkdump-errors.txt beside the
# dump, final_action (not failure_action) followed, `nkdump dmesg` exits 1 naming the damage, and
# the other log readers (analyze -c log, triage, collect --dump-dmesg) end with 0 or 1, never an
# abort. cases/baddesc.sh damages the ring's descriptor ring instead (at the crash), and
# cases/badinfo.sh VMCOREINFO's description of the ring.
CASE_TITLE="printk ring metadata damaged before sysrq c: the vmcore is saved, the log's loss explained"
CASE_CRASH=badlog
CASE_MODULE=nkcrash
# Why the log could not be read (EREs): as the capture says it (after "saving vmcore-dmesg.txt
# failed: "), and as the log's readers (dmesg, analyze -c log, collect --dump-dmesg) say it, when
# that differs (READER_PROBLEM; default LOG_PROBLEM).
LOG_PROBLEM="printk ring buffer at 0x[0-9a-f]+ is corrupt: desc_ring\.count_bits=[0-9]+, text_data_ring\.size_bits=3"

case_setup() { path_target_setup; e2e_guest "crash=$CASE_CRASH"; }
case_config() { path_target_config; }
case_collect() { path_target_collect; }
case_check() { check_unreadable_log "$1"; }

# ends_cleanly PATTERN COMMAND... - COMMAND exits 0 or 1, never with an unhandled exception's abort
# (134) or a .NET stack trace, and its output matches PATTERN (an ERE; "" for any); prints its
# output and status.
ends_cleanly() {
  local pattern=$1 rc=0 output; shift
  output=$("$@" 2>&1) || rc=$?
  printf '%s\n(exit %s)\n' "$output" "$rc"
  [ $rc -le 1 ] && ! grep -qE "Unhandled exception|^ +at Nkdump\." <<<"$output" && grep -qE "$pattern" <<<"$output"
}

# check_unreadable_log OUT - the checks above, on what crash-capture.sh left in OUT.
check_unreadable_log() {
  local out=$1 reader=${READER_PROBLEM:-$LOG_PROBLEM} vmcore dir errors
  vmcore=$(find "$out" -name vmcore -type f | head -1)
  dir=$(dirname "${vmcore:-$out/none}")
  errors=$dir/nkdump-errors.txt
  mkdir -p "$out/checks"
  CHECK_RELEASE=$(kernel_release "$out")
  check "the crashed kernel's release is known (kernel.txt)" test -n "$CHECK_RELEASE"
  check_serial "$out" "the test module did the damage ($CASE_CRASH)" "E2E: nkcrash: $CASE_CRASH done"
  check_serial "$out" "the capture log says why vmcore-dmesg.txt is missing" "nkdump: error: saving vmcore-dmesg\.txt failed: $LOG_PROBLEM"
  check_serial "$out" "the capture log says the vmcore was saved" "nkdump: saving vmcore complete: .*/127\.0\.0\.1-[^ /]+/vmcore"
  check_serial "$out" "the capture log points to nkdump-errors.txt" "nkdump: what went wrong is listed in nkdump-errors\.txt beside the dump"
  check_serial "$out" "final_action followed" "nkdump: executing final_action poweroff"
  check "failure_action was not taken" sh -c "! grep -aq 'nkdump: executing failure_action' '$out/serial.log'"
  check "a vmcore was saved" test -n "$vmcore"
  [ -n "$vmcore" ] || return 0
  VMCORE_UNDER_CHECK=$vmcore
  check "no vmcore-incomplete left" test ! -e "$dir/vmcore-incomplete"
  check "vmcore is mode 0600" test "$(saved_mode "$out" "$vmcore")" = 600
  check "no vmcore-dmesg.txt (nor a vmcore-dmesg-incomplete.txt)" sh -c "! ls '$dir' | grep -q '^vmcore-dmesg'"
  check "nkdump-errors.txt was saved mode 0600" test "$(saved_mode "$out" "$errors")" = 600
  check_explained "nkdump-errors.txt says why the log could not be read" "$out/checks/errors-vs-expected.txt" \
    sh -c 'cat "$1"; grep -qE "^error: saving vmcore-dmesg\.txt failed: $2\$" "$1"' _ "$errors" "$LOG_PROBLEM"
  check_explained "nkdump info reads it" "$out/checks/nkdump-info.txt" "$NKDUMP" info "$vmcore"
  check_explained "nkdump dmesg exits 1, prints no record and says why" "$out/checks/nkdump-dmesg.txt" \
    sh -c 'rc=0; "$1" dmesg "$2" > "$3.out" 2> "$3.err" || rc=$?; cat "$3.out" "$3.err"; echo "(exit $rc)"
           [ $rc = 1 ] && [ ! -s "$3.out" ] && grep -qE "^nkdump dmesg: error: $4\$" "$3.err"' _ "$NKDUMP" "$vmcore" "$out/checks/dmesg" "$reader"
  rm -f "$out/checks/collect-dmesg.out"
  check_explained "nkdump analyze -c log ends with 0 or 1 (not an abort) and says why" "$out/checks/nkdump-analyze-log.txt" \
    ends_cleanly "$reader" "$NKDUMP" analyze -c log "$vmcore"
  check_explained "nkdump collect --dump-dmesg ends with 0 or 1 (not an abort) and says why" "$out/checks/nkdump-collect-dmesg.txt" \
    ends_cleanly "$reader" "$NKDUMP" collect --dump-dmesg "$vmcore" "$out/checks/collect-dmesg.out"
  # triage names the log's problem only when there is no log at all (badlog, badinfo), not when
  # none of its records could be read (baddesc): that it ends cleanly is checked.
  check_explained "nkdump triage ends with 0 or 1 (not an abort)" "$out/checks/nkdump-triage.txt" \
    ends_cleanly "" "$NKDUMP" triage "$vmcore"
  check_oracles "$out" no-dmesg
}
