# tests/e2e/cases/budget.sh - a capture budget cuts the dump short (issue 18): kdump.conf's
# dump_size_limit 64M with the collector at dump level 1 (page cache kept), and 100 MiB of random
# page cache in the guest, so the whole dump would be about twice the budget or more. The collector writes
# kernel memory first (what level 31 keeps: 24 MB on 6.1, 39 MB on 7.x at LZO), then page cache,
# and stops at the limit: vmcore (not vmcore-incomplete) is saved, final_action runs, its header
# says incomplete, and it holds the log and the crashing task's stack, read by nkdump, crash,
# libkdumpfile and makedumpfile. With a vmlinux with DWARF (E2E_DBG=1) crash's own bt runs too, with
# --no_modules: on 7.x sid's crash 9.0 stops in its module_init() ("invalid structure member offset:
# module_num_gpl_syms"); the kernel's struct module changed, bt needs no module.
CASE_TITLE="capture budget: dump_size_limit cuts a valid dump marked incomplete"
BUDGET_BYTES=$((64 << 20))

case_setup() {
  path_target_setup
  e2e_guest 'fill_mib=100'
}

case_config() {
  path_target_config | sed 's/-d 31$/-d 1/'
  echo "dump_size_limit 64M"
}

case_collect() { path_target_collect; }

case_check() {
  local out=$1 vmcore rsp vmlinux
  check_vmcore "$out"
  check_crash "$out"
  vmcore=$(find "$out" -name vmcore -type f | head -1)
  [ -n "$vmcore" ] || return 0
  check_serial "$out" "the guest filled its page cache (50 MiB or more)" "E2E: filled ([5-9][0-9]|1[0-9][0-9]) MiB of page cache"
  check_serial "$out" "the capture log says the budget stopped the dump" "nkdump: the capture budget stopped the dump \(the size limit of $BUDGET_BYTES bytes was reached\)"
  check_serial "$out" "final_action was taken (a budget is not a failure)" "nkdump: executing final_action poweroff"
  check "no failure_action" sh -c "! grep -aq 'executing failure_action' '$out/serial.log'"
  check "the vmcore is within the budget ($BUDGET_BYTES bytes)" test "$(stat -c %s "$vmcore")" -le "$BUDGET_BYTES"
  check "the vmcore is more than kernel memory (16 MiB)" test "$(stat -c %s "$vmcore")" -gt $((16 << 20))
  check "nkdump info says it is incomplete" sh -c "'$NKDUMP' info '$vmcore' | grep -Eq '^ *incomplete +yes'"
  check "nkdump info counts missing pages" sh -c "'$NKDUMP' info '$vmcore' | grep -Eq '^ *incomplete +[1-9][0-9]*$'"
  check "the dump is level 1 (page cache kept)" sh -c "'$NKDUMP' info '$vmcore' | grep -Eq '^ *dump_level +1$'"
  # The crashing task's stack through libkdumpfile's own page-table walk: the first frame's stack
  # address of nkdump's bt (checks/nkdump-bt.txt, which check_crash compared with the console).
  rsp=$(sed -n 's/^ *#0 *\[\([0-9a-f]*\)\].*/\1/p' "$out/checks/nkdump-bt.txt" | head -1)
  check "nkdump bt gives the crashing task's stack address" test -n "$rsp"
  check_explained "sid's libkdumpfile reads the crashing task's stack; some pages are missing" "$out/checks/kdumpfile-stack.txt" \
    sh -c '"$1" python3 "$2" "$3" "$4" 32 && grep -Eq "^pages readable [1-9][0-9]* missing [1-9][0-9]*$" "$5"' _ \
      "$ORACLE" "$REPO/tests/oracles/kdumpfile_stack.py" "$vmcore" "${rsp:-0}" "$out/checks/kdumpfile-stack.txt"
  vmlinux=$(debug_vmlinux "$out")
  if [ -n "$vmlinux" ]; then
    check_explained "sid's crash bt on the incomplete dump shows the sysrq crash path" "$out/checks/crash-bt.txt" \
      sh -c 'printf "bt\nlog\nq\n" | "$1" crash -s --no_modules "$2" "$3" && grep -q "sysrq_handle_crash" "$4" && grep -q "sysrq triggered crash" "$4"' _ \
        "$ORACLE" "$vmlinux" "$vmcore" "$out/checks/crash-bt.txt"
  else
    echo "note crash bt not run: no vmlinux with DWARF (E2E_DBG=1 fetches the -dbg package)"
  fi
}
