# tests/e2e/cases/oops-again.sh - the oops case once more, on a new boot (another KASLR offset,
# other addresses): triage must give it the same signature as the first (check-triage.sh).
source "$E2E_DIR/cases/oops.sh"
CASE_TITLE="oops again: a second module oops, for triage's same-kind signature"
