# tests/e2e/cases/oops.sh - an oops in an out-of-tree module: the test module nkcrash (built by the
# suite against the kernel's headers) stores through a NULL pointer in nkcrash_oops(), called from
# its /proc/nkcrash write handler, written by a child shell. With oops=panic and a crash kernel
# loaded, oops_end() kexecs straight into the capture kernel with the oops' registers: there is no
# "Kernel panic" line, the oops' headline is the reason (console.py).
# The dump goes to the path target. Checks: the dump, and nkdump info/bt/triage against the console
# (module frames "func+0xOFF [nkcrash]" included).
CASE_TITLE="oops: NULL-pointer store in a module (oops=panic)"
CASE_CRASH=oops
CASE_MODULE=nkcrash
CASE_PANIC="BUG: kernel NULL pointer dereference, address: 0+$"

case_setup() { path_target_setup; e2e_guest "crash=$CASE_CRASH"; CMDLINE="$CMDLINE oops=panic"; }
case_config() { path_target_config; }
case_collect() { path_target_collect; }
case_check() {
  check_vmcore "$1"
  check_serial "$1" "the console shows the oops in nkcrash_oops [nkcrash]" "RIP: 0010:nkcrash_oops\+0x[0-9a-f]+/0x[0-9a-f]+ \[nkcrash\]"
  check_crash "$1"
}
