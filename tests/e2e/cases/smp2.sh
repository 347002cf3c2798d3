# tests/e2e/cases/smp2.sh - capture_cpus auto (issue 18): with crashkernel=256M on a 768 MiB,
# 2-vCPU guest (a 512 MiB one has no 256 MiB hole left for the reservation on 7.3), `nkdump start`
# finds room for a second capture CPU (the one-CPU estimate plus 8 MiB for threads and 9 MiB per
# extra CPU) and says so; the capture kernel boots with nr_cpus=2 and the
# collector compresses on both. The capture log names the CPUs the capture kernel has ("saving the
# crash dump (...) on 2 CPU(s)") and its memory, its console shows the second CPU brought up, and
# the dump is checked as the path case's is. (capture_cpus N, the explicit count, is the same
# command-line path: CaptureCommandLineTests.)
# The crash runs on CPU 0: the capture kernel never wakes the first kernel's boot CPU
# (disable_cpu_apicid=, as kdump-utils sets it), so after a crash on CPU 1 it would get one CPU.
CASE_TITLE="capture_cpus auto: the capture kernel runs on both CPUs"

case_setup() {
  path_target_setup
  MEM=768M
  CMDLINE=${CMDLINE/crashkernel=$CRASHKERNEL/crashkernel=256M}
  CRASHKERNEL=256M
  e2e_guest 'crash_cpu_mask=1'
}

case_config() {
  path_target_config
  echo "capture_cpus auto"
}

case_collect() { path_target_collect; }

case_check() {
  local out=$1
  check_vmcore "$out"
  check_crash "$out"
  check_serial "$out" "start chose 2 capture CPUs from the reservation" "capture CPUs: 2 \(capture_cpus auto: 256M reserved, .* 2 CPU\(s\) online\)"
  check_serial "$out" "the capture command line has nr_cpus=2" "Command line: elfcorehdr=.* nr_cpus=2 "
  check "both kernels brought up 2 CPUs" test "$(grep -ac 'smp: Brought up 1 node, 2 CPUs' "$out/serial.log")" -eq 2
  check_serial "$out" "nkdump save runs on 2 CPUs" "nkdump: saving the crash dump \(.*\) on 2 CPU\(s\)"
  check_serial "$out" "the capture log has the memory and nkdump's peak" "nkdump: peak memory of nkdump: [0-9.]+ MiB \(VmHWM\)"
}
