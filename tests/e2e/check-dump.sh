#!/usr/bin/env bash
# tests/e2e/check-dump.sh OUT_DIR - the host-side checks on a vmcore a capture saved (see checks.sh's
# check_vmcore). Prints one "ok"/"FAIL" line per check; exits 1 on any failure.
source "$(dirname "$0")/lib.sh"
source "$E2E_DIR/checks.sh"
check_vmcore "$1"
exit $CHECK_FAILED
