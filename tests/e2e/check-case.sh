#!/usr/bin/env bash
# tests/e2e/check-case.sh CASE OUT_DIR - the host-side checks of one case (cases/CASE.sh's
# case_check) on what crash-capture.sh --target CASE left in OUT_DIR. One "ok"/"FAIL" line per
# check; exits 1 on any failure.
source "$(dirname "$0")/lib.sh"
source "$E2E_DIR/checks.sh"
source "$E2E_DIR/cases/$1.sh"
case_check "$2"
exit $CHECK_FAILED
