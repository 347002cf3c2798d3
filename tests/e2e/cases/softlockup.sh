# tests/e2e/cases/softlockup.sh - a soft lockup: the test module's kernel thread nkcrash_spin spins
# with preemption disabled; kernel.softlockup_panic=1 (watchdog_thresh=1) makes the watchdog's
# timer interrupt panic on top of it. The panic's Call Trace crosses the IRQ stack into the
# interrupted thread (RIP: nkcrash_spin [nkcrash]).
CASE_TITLE="soft lockup in a module's kernel thread (softlockup_panic=1)"
CASE_CRASH=softlockup
CASE_MODULE=nkcrash
CASE_PANIC="Kernel panic - not syncing: softlockup: hung tasks"

case_setup() { path_target_setup; e2e_guest "crash=$CASE_CRASH"; }
case_config() { path_target_config; }
case_collect() { path_target_collect; }
case_check() {
  check_vmcore "$1"
  check_serial "$1" "the console reports the soft lockup of nkcrash_spin" "BUG: soft lockup - CPU#[0-9]+ stuck for [0-9]+s! \[nkcrash_spin:[0-9]+\]"
  check_crash "$1"
}
