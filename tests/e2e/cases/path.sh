# tests/e2e/cases/path.sh - the dump goes to a directory of an ext4 virtio disk named by its label;
# the guest crashes through sysrq c. Its checks include the crash ones (checks.sh's check_crash):
# nkdump info and bt against the console, and triage.
CASE_TITLE="path target on an ext4 virtio disk"

case_setup() { path_target_setup; }
case_config() { path_target_config; }
case_collect() { path_target_collect; }
case_check() { check_vmcore "$1"; check_crash "$1"; }
