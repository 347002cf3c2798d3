# tests/e2e/cases/bug.sh - BUG() in the test module (nkcrash_bug(), from its /proc/nkcrash write
# handler): "kernel BUG at .../nkcrash.c:N!", an invalid-opcode oops; with oops=panic oops_end()
# kexecs into the capture kernel (no "Kernel panic" line, as in the oops case).
CASE_TITLE="BUG() in a module (oops=panic)"
CASE_CRASH=bug
CASE_MODULE=nkcrash
CASE_PANIC="kernel BUG at .*nkcrash\.c:[0-9]+!"

case_setup() { path_target_setup; e2e_guest "crash=$CASE_CRASH"; CMDLINE="$CMDLINE oops=panic"; }
case_config() { path_target_config; }
case_collect() { path_target_collect; }
case_check() {
  check_vmcore "$1"
  check_serial "$1" "the console shows BUG() in nkcrash_bug [nkcrash]" "kernel BUG at .*nkcrash\.c:[0-9]+!"
  check_crash "$1"
}
