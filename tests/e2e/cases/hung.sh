# tests/e2e/cases/hung.sh - a hung task: a shell writing to a frozen ext4 (fsfreeze on a second
# disk, vdb) waits in D state; kernel.hung_task_panic=1 with hung_task_timeout_secs=2 makes
# khungtaskd panic. No module. Besides khungtaskd's own trace, `bt PID` of the blocked writer must
# equal the trace the hung-task report printed for it.
CASE_TITLE="hung task (a writer on a frozen ext4, hung_task_panic=1)"
CASE_CRASH=hung
CASE_PANIC="Kernel panic - not syncing: hung_task: blocked tasks"

case_setup() {
  path_target_setup
  truncate -s 64M "$run/frozen.img"
  mkfs.ext4 -q -F -L nkdump-frozen "$run/frozen.img"
  e2e_disk "$run/frozen.img"   # vdb
  e2e_guest "crash=$CASE_CRASH"
}
case_config() { path_target_config; }
case_collect() { path_target_collect; }
case_check() {
  local pid
  check_vmcore "$1"
  check_serial "$1" "the console reports the blocked writer" "INFO: task sh:[0-9]+ blocked for more than"
  check_crash "$1"
  pid=$(grep -aoE "INFO: task sh:[0-9]+ blocked" "$1/serial.log" | head -1 | sed 's/.*sh:\([0-9]*\).*/\1/')
  [ -z "$pid" ] || check_blocked "$1" "$pid"
}
