# tests/e2e/cases/smp2.sh - capture_cpus 2 (issue 18): the capture kernel boots with nr_cpus=2 on the
# 2-vCPU guest and the collector compresses on both. The capture log names the CPUs the capture
# kernel has ("saving the crash dump (...) on 2 CPU(s)"), its console shows the second CPU brought
# up, and the dump is checked as the path case's is. crashkernel= stays 160M (E2E_CRASHKERNEL).
# The crash runs on CPU 0: the capture kernel never wakes the first kernel's boot CPU
# (disable_cpu_apicid=, as kdump-utils sets it), so after a crash on CPU 1 it would get one CPU.
CASE_TITLE="capture_cpus 2: the capture kernel runs on both CPUs"

case_setup() {
  path_target_setup
  e2e_guest 'crash_cpu_mask=1'
}

case_config() {
  path_target_config
  echo "capture_cpus 2"
}

case_collect() { path_target_collect; }

case_check() {
  local out=$1
  check_vmcore "$out"
  check_crash "$out"
  check_serial "$out" "the capture command line has nr_cpus=2" "Command line: elfcorehdr=.* nr_cpus=2 "
  check "both kernels brought up 2 CPUs" test "$(grep -ac 'smp: Brought up 1 node, 2 CPUs' "$out/serial.log")" -eq 2
  check_serial "$out" "nkdump save runs on 2 CPUs" "nkdump: saving the crash dump \(.*\) on 2 CPU\(s\)"
}
