# tests/e2e/cases/oom.sh - an OOM panic: vm.panic_on_oom=1, and busybox tail reading /dev/zero
# (one endless line, kept in memory) allocates until the kernel runs out; no module.
CASE_TITLE="OOM panic (vm.panic_on_oom=1, a user-space allocator)"
CASE_CRASH=oom
CASE_PANIC="Kernel panic - not syncing: Out of memory"

case_setup() { path_target_setup; e2e_guest "crash=$CASE_CRASH"; }
case_config() { path_target_config; }
case_collect() { path_target_collect; }
case_check() {
  check_vmcore "$1"
  check_serial "$1" "the console shows tail invoking the OOM killer" "tail invoked oom-killer"
  check_crash "$1"
}
