# tests/e2e/checks.sh - host-side checks (sourced by check-dump.sh and check-case.sh). Each check
# prints one "ok"/"FAIL" line (a FAIL also prints, indented, why); CHECK_FAILED becomes 1 on any
# failure. "note" lines are documented failures of bookworm's older tools (see old_tool_failure):
# they are not counted either way, and they never stand for a check of nkdump.
CHECK_FAILED=0
ORACLE="$REPO/tests/oracles/oracle.sh"
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then echo "ok   $what"; else echo "FAIL $what"; CHECK_FAILED=1; fi; }

# check_explained WHAT FILE COMMAND... - like check, keeping COMMAND's output in FILE; on failure
# the output's first lines follow the FAIL line, so the expected and actual values are in the log.
check_explained() {
  local what=$1 file=$2; shift 2
  mkdir -p "$(dirname "$file")"
  if "$@" > "$file" 2>&1; then echo "ok   $what"; else
    echo "FAIL $what (details: $file)"; sed -n '1,40p' "$file" | sed 's/^/       /'; CHECK_FAILED=1
  fi
}

# check_serial OUT WHAT PATTERN - the guest's console (OUT/serial.log) holds PATTERN (grep -E).
check_serial() { check "$2" grep -aqE "$3" "$1/${4:-serial.log}"; }

# saved_mode OUT FILE - FILE's mode as the capture saved it (crash-capture.sh's OUT/modes.txt).
saved_mode() { awk -v f="${2#"$1"/}" '$2 == f {print $1}' "$1/modes.txt"; }

# kernel_release OUT - the crashed kernel's release (crash-capture.sh's OUT/kernel.txt).
kernel_release() { awk '$1 == "release" {print $2}' "$1/kernel.txt"; }

# The oracles, and which version checked what (one line per tool in the case's output): bookworm's
# tools on the host (crash 8.0.2, makedumpfile 1.7.2, python3-drgn 0.0.22, libkdumpfile 0.5.1) and
# sid's in a chroot (tests/oracles: crash 9.0.x, makedumpfile 1.7.8, python3-drgn 0.3.x,
# libkdumpfile 0.5.5). sid's must read every dump of every kernel in the matrix: their failure is a
# FAIL. bookworm's are older than some kernels; where one cannot read a kernel's dumps, the reason
# is written below, found by running it, not tuned to make a run pass: any failure not listed is a
# FAIL.
old_tool_failure() {
  local tool=$1 release=$2
  case "$tool:$release" in
    *) return 1 ;;
  esac
}

# check_tool WHERE WHAT COMMAND... - a real tool's check. WHERE is "sid" (a FAIL when it fails) or
# "bookworm:TOOL" (a documented old_tool_failure for the kernel turns a failure into a note).
check_tool() {
  local where=$1 what=$2 reason; shift 2
  if [ "$where" != sid ] && ! "$@" >/dev/null 2>&1 && reason=$(old_tool_failure "${where#bookworm:}" "$CHECK_RELEASE"); then
    echo "note $what: fails on $CHECK_RELEASE, as documented: $reason"; return 0
  fi
  check "$what" "$@"
}

# dmesg_agrees RUNNER... - `RUNNER --dump-dmesg VMCORE_UNDER_CHECK FILE` (a makedumpfile) gives
# exactly DMESG_UNDER_CHECK (the vmcore-dmesg.txt the capture saved). makedumpfile 1.7.8 prints
# each record's caller id after its time stamp ("[    1.234567] [      T1] text": T = a task's pid,
# C = a CPU), and indents a record's continuation lines by 11 more spaces to match; 1.7.2,
# vmcore-dmesg and nkdump do not: that column and those 11 spaces alone are taken out, every other
# byte is compared.
dmesg_agrees() {
  local tmp rc=0
  tmp=$(mktemp -d); chmod 0700 "$tmp"
  if "$@" --dump-dmesg "$VMCORE_UNDER_CHECK" "$tmp/dmesg" > "$tmp/log" 2>&1; then
    if head -1 "$tmp/dmesg" | grep -qE '^\[ *[0-9]+\.[0-9]+\] \[ *[TC][0-9]+\] '; then
      sed -E 's/^(\[ *[0-9]+\.[0-9]+\]) \[ *[TC][0-9]+\]/\1/; s/^( {15}) {11}/\1/' "$tmp/dmesg" > "$tmp/dmesg.plain"
    else
      cp "$tmp/dmesg" "$tmp/dmesg.plain"
    fi
    cmp -s "$tmp/dmesg.plain" "$DMESG_UNDER_CHECK" || rc=1
  else
    rc=1
  fi
  rm -rf "$tmp"; return $rc
}

# osrelease_is RUNNER... - `RUNNER --osrelease VMCORE_UNDER_CHECK` (a crash) prints exactly the
# kernel's release, not merely something.
osrelease_is() { test "$("$@" --osrelease "$VMCORE_UNDER_CHECK" 2>/dev/null)" = "$CHECK_RELEASE"; }

# kdumpfile_release_is RUNNER... - libkdumpfile (Debian's Python module) reads the kernel's release.
kdumpfile_release_is() {
  test "$("$@" "$REPO/tests/oracles/kdumpfile_release.py" "$VMCORE_UNDER_CHECK" 2>/dev/null)" = "$CHECK_RELEASE"
}

# check_vmcore OUT - a vmcore was saved under OUT: it is private (0600), complete, nkdump and the
# real tools read it, and its log holds the panic (the case's CASE_PANIC, an ERE; sysrq's default).
check_vmcore() {
  local out=$1 vmcore dir mode panic=${CASE_PANIC:-Kernel panic - not syncing: sysrq triggered crash}
  vmcore=$(find "$out" -name vmcore -type f | head -1)
  dir=$(dirname "${vmcore:-$out/none}")
  CHECK_RELEASE=$(kernel_release "$out")
  check "the crashed kernel's release is known (kernel.txt)" test -n "$CHECK_RELEASE"
  check "a vmcore was saved" test -n "$vmcore"
  [ -n "$vmcore" ] || return 0
  VMCORE_UNDER_CHECK=$vmcore DMESG_UNDER_CHECK=$dir/vmcore-dmesg.txt
  check "no vmcore-incomplete left" test ! -e "$dir/vmcore-incomplete"
  # As saved (crash-capture.sh's record), or, for a vmcore reassembled here, as it is.
  mode=$(saved_mode "$out" "$vmcore"); mode=${mode:-$(stat -c %a "$vmcore")}
  check "vmcore is mode 0600" test "$mode" = 600
  check "vmcore-dmesg.txt was written" test -s "$dir/vmcore-dmesg.txt"
  check "the saved log holds the panic ($panic)" grep -qE "$panic" "$dir/vmcore-dmesg.txt"
  check "nkdump info reads it" "$NKDUMP" info "$vmcore"
  check "nkdump dmesg shows the panic" sh -c "'$NKDUMP' dmesg '$vmcore' | grep -qE '$panic'"
  check "nkdump dmesg agrees with vmcore-dmesg.txt" sh -c "'$NKDUMP' dmesg '$vmcore' | cmp -s - '$dir/vmcore-dmesg.txt'"
  check_oracles "$out"
}

# check_oracles OUT [no-dmesg] - the real tools on VMCORE_UNDER_CHECK (see old_tool_failure for
# bookworm's); no-dmesg: not makedumpfile --dump-dmesg (a dump whose log is unreadable on purpose).
check_oracles() {
  local out=$1 dmesg=${2:-}
  "$ORACLE" --versions 2>/dev/null | sed 's/^/     sid: /' > "$out/oracle-versions.txt" || true
  dpkg-query -W -f '     bookworm: ${Package} ${Version}\n' crash makedumpfile python3-drgn python3-libkdumpfile >> "$out/oracle-versions.txt" 2>/dev/null || true
  check_tool sid "sid's crash --osrelease prints $CHECK_RELEASE" osrelease_is "$ORACLE" crash
  check_tool bookworm:crash "bookworm's crash --osrelease prints $CHECK_RELEASE" osrelease_is crash
  check_tool sid "sid's libkdumpfile reads the release" kdumpfile_release_is "$ORACLE" python3
  check_tool bookworm:libkdumpfile "bookworm's libkdumpfile reads the release" kdumpfile_release_is /usr/bin/python3
  if [ "$dmesg" != no-dmesg ]; then
    check_tool sid "sid's makedumpfile --dump-dmesg agrees with vmcore-dmesg.txt" dmesg_agrees "$ORACLE" makedumpfile
    check_tool bookworm:makedumpfile "bookworm's makedumpfile --dump-dmesg agrees with vmcore-dmesg.txt" dmesg_agrees makedumpfile
  fi
  # drgn has no types without the -dbg package's vmlinux: it reads the utsname by VMCOREINFO's
  # address (tests/oracles/drgn_check.py); with a vmlinux with DWARF (E2E_VMLINUX, or the one
  # crash-capture.sh fetched with E2E_DBG=1, named in kernel.txt) also the task list and the
  # modules: every task drgn lists must be in `nkdump analyze -c ps`, and `nkdump analyze -c mod`
  # must name exactly the modules drgn lists (issue 16: "mod equals drgn's modules").
  local vmlinux
  vmlinux=$(debug_vmlinux "$out")
  check_explained "sid's drgn reads the utsname${vmlinux:+, the task list and the modules}" "$out/checks/drgn-sid.txt" \
    "$ORACLE" python3 "$REPO/tests/oracles/drgn_check.py" "$VMCORE_UNDER_CHECK" "$CHECK_RELEASE" ${vmlinux:+"$vmlinux"}
  if [ -n "$vmlinux" ]; then
    "$NKDUMP" analyze -c ps "$VMCORE_UNDER_CHECK" > "$out/checks/nkdump-ps.txt" 2>&1 || true
    check_explained "nkdump analyze -c ps lists every task drgn lists" "$out/checks/ps-vs-drgn.txt" \
      sh -c 'awk '"'"'$1 == "task" {print $2}'"'"' "$1" | sort > "$1.pids"; sed "s/^>//" "$2" | awk '"'"'$1 ~ /^[0-9]+$/ {print $1}'"'"' | sort > "$2.pids"
             [ -s "$1.pids" ] || { echo "drgn listed no task (see its own check): nothing to compare with"; rm -f "$1.pids" "$2.pids"; exit 1; }
             missing=$(comm -23 "$1.pids" "$2.pids" | tr "\n" " "); rm -f "$1.pids" "$2.pids"
             [ -z "$missing" ] || { echo "pids drgn lists and nkdump ps does not: $missing"; exit 1; }' _ "$out/checks/drgn-sid.txt" "$out/checks/nkdump-ps.txt"
    "$NKDUMP" analyze -c mod "$VMCORE_UNDER_CHECK" > "$out/checks/nkdump-mod.txt" 2>&1 || echo "(exit $?)" >> "$out/checks/nkdump-mod.txt"
    check_explained "nkdump analyze -c mod names exactly the modules drgn lists" "$out/checks/mod-vs-drgn.txt" \
      modules_agree "$out/checks/drgn-sid.txt" "$out/checks/nkdump-mod.txt"
  fi
}

# debug_vmlinux OUT - the vmlinux with DWARF of OUT's kernel, if any: E2E_VMLINUX, or the -dbg
# package's that crash-capture.sh fetched with E2E_DBG=1 (named in OUT/kernel.txt).
debug_vmlinux() { echo "${E2E_VMLINUX:-$(awk '$1 == "vmlinux" {print $2}' "$1/kernel.txt")}"; }

# modules_agree DRGN_OUTPUT MOD_OUTPUT - drgn_check.py's "module NAME" lines and the NAME column of
# `nkdump analyze -c mod` (rows that start with the struct module's address) are the same set.
modules_agree() {
  local theirs ours
  theirs=$(awk '$1 == "module" {print $2}' "$1" | LC_ALL=C sort -u)
  ours=$(awk '$1 ~ /^(0x)?[0-9a-f]+$/ && length($1) >= 8 {print $2}' "$2" | LC_ALL=C sort -u)
  [ -n "$theirs" ] || { echo "drgn listed no module (see its own check): nothing to compare with"; return 1; }
  echo "drgn: $(echo "$theirs" | wc -l) modules, nkdump: $(echo "$ours" | grep -c .)"
  [ "$theirs" = "$ours" ] && return 0
  echo "only drgn lists: $(LC_ALL=C comm -23 <(echo "$theirs") <(echo "$ours") | tr '\n' ' ')"
  echo "only nkdump lists: $(LC_ALL=C comm -13 <(echo "$theirs") <(echo "$ours") | tr '\n' ' ')"
  return 1
}

# check_crash OUT - what nkdump says about the crash against what the kernel printed on its console
# (console.py): info's panic line, oops headline, CPU, PID and comm; bt of the crashing task = the
# console's Call Trace; triage runs (its signature is compared across cases by check-triage.sh).
check_crash() {
  local out=$1 vmcore
  vmcore=$(find "$out" -name vmcore -type f | head -1)
  [ -n "$vmcore" ] || return 0
  mkdir -p "$out/checks"
  "$E2E_DIR/console.py" show "$out/serial.log" > "$out/checks/console-expected.txt" 2>&1 || true
  "$NKDUMP" info "$vmcore" > "$out/checks/nkdump-info.txt" 2>&1 || true
  "$NKDUMP" analyze -c bt "$vmcore" > "$out/checks/nkdump-bt.txt" 2>&1 || true
  check_explained "nkdump info names the console's panic, oops headline, CPU, PID and comm" "$out/checks/info-vs-console.txt" \
    "$E2E_DIR/console.py" info "$out/serial.log" "$out/checks/nkdump-info.txt"
  check_explained "nkdump analyze -c bt equals the console's Call Trace" "$out/checks/bt-vs-console.txt" \
    "$E2E_DIR/console.py" bt "$out/serial.log" "$out/checks/nkdump-bt.txt"
  # Its exit status is kept with its output; whether the trace it signs is complete is the bt
  # check's business.
  "$NKDUMP" triage "$vmcore" > "$out/checks/nkdump-triage.txt" 2>&1 || echo "(nkdump triage exited $?)" >> "$out/checks/nkdump-triage.txt"
  check_explained "nkdump triage gives a signature" "$out/checks/triage-signature.txt" \
    grep -E '^signature: +[0-9a-f]+$' "$out/checks/nkdump-triage.txt"
  echo "${CASE_CRASH:-sysrq}" > "$out/crash-kind.txt"
}

# check_blocked OUT PID - bt PID equals the trace the hung-task report printed for PID.
check_blocked() {
  local out=$1 pid=$2 vmcore
  vmcore=$(find "$out" -name vmcore -type f | head -1)
  "$NKDUMP" analyze -c "bt $pid" "$vmcore" > "$out/checks/nkdump-bt-$pid.txt" 2>&1 || true
  check_explained "nkdump analyze -c 'bt $pid' equals the hung-task report's trace of the blocked writer" "$out/checks/bt-$pid-vs-console.txt" \
    "$E2E_DIR/console.py" blocked "$out/serial.log" "$pid" "$out/checks/nkdump-bt-$pid.txt"
}
