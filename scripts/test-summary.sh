#!/usr/bin/env bash
# scripts/test-summary.sh DOTNET_TEST_LOG E2E_LOG DOTNET_STATUS E2E_STATUS [FUZZ_LOG FUZZ_STATUS [SYSTEM_LOG SYSTEM_STATUS]] - test.sh's
# summary line, "tests: N passed, N failed, N skipped"; exits 1 when anything failed. The fuzzing run
# (fuzz/run.sh) counts one test per target from its line "fuzz: N passed, N failed"; the system test
# (tests/system/run.sh) its checks from "system: N passed, N failed".
set -euo pipefail
# Sum the per-project lines ("Passed!  - Failed:     0, Passed:    12, Skipped:     0, Total: ...
# - Nkdump.Formats.Tests.dll (net10.0)") and the e2e lines ("e2e-selftest: N passed, N failed",
# "e2e: N passed, N failed"). What cannot
# pass by accident: a test project (tests/*/*.Tests.csproj) with no summary line (it did not build,
# or its test host crashed before the summary), a test host that crashed or a run that was aborted,
# an e2e runner or self-test that died before its summary, and a runner that exited non-zero with nothing
# counted as failed: each is one more failure, named on stderr.
projects=$(cd "$(dirname "$0")/.." && for f in tests/*/*.Tests.csproj; do basename "$f" .csproj; done | tr '\n' ' ')
fuzz_log=${5:-}
fuzz_status=${6:-0}
system_log=${7:-}
system_status=${8:-0}
awk -v projects="$projects" -v dotnet_status="$3" -v e2e_status="$4" -v fuzz_wanted="${fuzz_log:+1}" -v fuzz_status="$fuzz_status" -v system_wanted="${system_log:+1}" -v system_status="$system_status" '
  /(Passed|Failed)! +- +Failed: / {
    line = $0
    gsub(/,/, "");
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:") { failed += $(i + 1); unit_failed += $(i + 1) }
      if ($i == "Passed:") passed += $(i + 1);
      if ($i == "Skipped:") skipped += $(i + 1);
    }
    if (match(line, /- [A-Za-z0-9_.]+\.dll/)) seen[substr(line, RSTART + 2, RLENGTH - 6)] = 1
  }
  /Test host process crashed|The active test run was aborted|Test Run Aborted/ {
    printf "test.sh: a test host crashed or a run was aborted: %s\n", $0 > "/dev/stderr"; failed++; unit_failed++
  }
  /^e2e: [0-9]+ passed, [0-9]+ failed/ { passed += $2; failed += $4; e2e_failed += $4; e2e_seen = 1 }
  /^e2e-selftest: [0-9]+ passed, [0-9]+ failed/ { passed += $2; failed += $4; e2e_failed += $4; selftest_seen = 1 }
  /^package: [0-9]+ passed, [0-9]+ failed/ { passed += $2; failed += $4; e2e_failed += $4 }
  /^fuzz: [0-9]+ passed, [0-9]+ failed/ { passed += $2; failed += $4; fuzz_failed += $4; fuzz_seen = 1 }
  /^system: [0-9]+ passed, [0-9]+ failed/ { passed += $2; failed += $4; system_failed += $4; system_seen = 1 }
  END {
    n = split(projects, want, " ")
    for (i = 1; i <= n; i++) if (!(want[i] in seen)) {
      printf "test.sh: no results from test project %s\n", want[i] > "/dev/stderr"; failed++; unit_failed++
    }
    if (!e2e_seen) { print "test.sh: the e2e runner printed no summary (it died)" > "/dev/stderr"; failed++; e2e_failed++ }
    if (!selftest_seen) { print "test.sh: the e2e self-test printed no summary (it died)" > "/dev/stderr"; failed++; e2e_failed++ }
    if (dotnet_status != 0 && unit_failed == 0) { printf "test.sh: dotnet test exited %d with no failure counted\n", dotnet_status > "/dev/stderr"; failed++ }
    if (fuzz_wanted && !fuzz_seen) { print "test.sh: the fuzzing run printed no summary (it died)" > "/dev/stderr"; failed++; fuzz_failed++ }
    if (fuzz_status != 0 && fuzz_failed == 0) { printf "test.sh: fuzz/run.sh exited %d with no failure counted\n", fuzz_status > "/dev/stderr"; failed++ }
    if (system_wanted && !system_seen) { print "test.sh: the system test printed no summary (it died)" > "/dev/stderr"; failed++; system_failed++ }
    if (system_status != 0 && system_failed == 0) { printf "test.sh: tests/system/run.sh exited %d with no failure counted\n", system_status > "/dev/stderr"; failed++ }
    if (e2e_status != 0 && e2e_failed == 0) { printf "test.sh: tests/e2e/run.sh exited %d with no failure counted\n", e2e_status > "/dev/stderr"; failed++ }
    printf "tests: %d passed, %d failed, %d skipped\n", passed, failed, skipped
    exit failed > 0
  }
' "$1" "$2" ${fuzz_log:+"$fuzz_log"} ${system_log:+"$system_log"}
