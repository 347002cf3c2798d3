#!/usr/bin/env bash
# tests/e2e/check-triage.sh OUT_DIR... - `nkdump triage` signatures across the crashes of one
# kernel (each OUT_DIR a case's output where checks.sh's check_crash left crash-kind.txt and
# checks/nkdump-triage.txt): two crashes of the same kind (sysrq, oops, bug, oom, hung, softlockup)
# must have the same signature, crashes of different kinds different ones. Outputs without
# crash-kind.txt (cases that only check the dump) are left out. One "ok"/"FAIL" line per pair.
source "$(dirname "$0")/lib.sh"
source "$E2E_DIR/checks.sh"
declare -A kind sig
dirs=()
for d in "$@"; do
  [ -f "$d/crash-kind.txt" ] || continue
  dirs+=("$d")
  kind[$d]=$(cat "$d/crash-kind.txt")
  sig[$d]=$(awk '$1 == "signature:" {print $2; exit}' "$d/checks/nkdump-triage.txt" 2>/dev/null || true)
  check "triage gave $(basename "$d") a signature" test -n "${sig[$d]}"
done
declare -A seen_kind
for ((i = 0; i < ${#dirs[@]}; i++)); do
  for ((j = i + 1; j < ${#dirs[@]}; j++)); do
    a=${dirs[$i]} b=${dirs[$j]}
    [ -n "${sig[$a]}" ] && [ -n "${sig[$b]}" ] || continue
    if [ "${kind[$a]}" = "${kind[$b]}" ]; then
      check "same signature for two ${kind[$a]} crashes ($(basename "$a") ${sig[$a]}, $(basename "$b") ${sig[$b]})" test "${sig[$a]}" = "${sig[$b]}"
    elif [ -z "${seen_kind[${kind[$a]}/${kind[$b]}]:-}" ]; then
      seen_kind[${kind[$a]}/${kind[$b]}]=1
      check "different signatures for ${kind[$a]} and ${kind[$b]} ($(basename "$a") ${sig[$a]}, $(basename "$b") ${sig[$b]})" test "${sig[$a]}" != "${sig[$b]}"
    fi
  done
done
exit $CHECK_FAILED
