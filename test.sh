#!/usr/bin/env bash
# test.sh - install what the tests need, build, and run every test project.
# Idempotent: apt-get runs only when a needed package is missing.
# Ends with one summary line: "tests: N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")"

./scripts/install-test-deps.sh

dotnet format nkdump.sln --verify-no-changes --verbosity quiet \
  || { echo "dotnet format found unformatted code: run 'dotnet format nkdump.sln'" >&2; exit 1; }

./build.sh

log=artifacts/test-results/dotnet-test.log
mkdir -p "$(dirname "$log")"
set +e
dotnet test nkdump.sln -c Release --no-build 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# The end-to-end suite: real Debian kernels crashed in QEMU, dumps saved by nkdump (tests/e2e).
e2e_log=artifacts/test-results/e2e.log
set +e
tests/e2e/run.sh 2>&1 | tee "$e2e_log"
e2e_status=${PIPESTATUS[0]}
set -e

# Sum the per-project lines ("Passed!  - Failed:     0, Passed:    12, Skipped:     0, Total: ...").
awk '
  /(Passed|Failed)! +- +Failed: / {
    gsub(/,/, "");
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:") failed += $(i + 1);
      if ($i == "Passed:") passed += $(i + 1);
      if ($i == "Skipped:") skipped += $(i + 1);
    }
    projects++
  }
  /^e2e: [0-9]+ passed, [0-9]+ failed/ { passed += $2; failed += $4 }
  END { printf "tests: %d passed, %d failed, %d skipped\n", passed, failed, skipped; if (projects == 0) exit 1 }
' "$log" "$e2e_log" || { echo "no test results found" >&2; exit 1; }
[ "$status" -eq 0 ] && [ "$e2e_status" -eq 0 ]
