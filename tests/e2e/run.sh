#!/usr/bin/env bash
# tests/e2e/run.sh [KERNEL_SPEC...] - the end-to-end suite: QEMU guests of real Debian kernels whose
# kdump nkdump set up are crashed, and what the capture kernel saved is checked on the host.
# Ends with "e2e: N passed, N failed". Needs ./build.sh first. See README.md for the plans.
#
#   E2E_MODE=ci (default)  the CI subset: `path` on every kernel of the matrix; the other targets
#                          (raw ssh nfs missing full), badlog, baddesc, budget, encrypt, encrypt-ssh and
#                          smp2 on bookworm's 6.1; every
#                          crash type on bookworm's 6.1 and the newest 7.x; pageset on 7.x
#   E2E_MODE=full          every crash type, `path`, badlog, baddesc and pageset on every kernel; the
#                          other targets on 6.1 and 6.12; badinfo and budget on 6.1 and 7.x, smp2 on
#                          6.1; lvm, raid1 and luks on 6.1 and 7.x; E2E_DBG=1 unless set
#                          (each kernel's -dbg vmlinux, for drgn)
#   KERNEL_SPEC... / E2E_CASES="..."  exactly these kernels x these cases (either alone keeps the
#                          other from the mode's plan, crossed: all cases of the mode on the given
#                          kernels, or the given cases on every kernel of the matrix)
# A kernel spec is SUITE:SERIES (bullseye:5.10, bookworm:6.1, trixie:6.12, trixie-backports:7:
# the newest build of that series the suite serves now) or SUITE:PACKAGE.
source "$(dirname "$0")/lib.sh"

MATRIX=(bullseye:5.10 bookworm:6.1 trixie:6.12 trixie-backports:7)
TARGETS="raw ssh nfs missing full"
CRASHES="oops oops-again bug oom hung softlockup"
LOGS="badlog baddesc badinfo"   # a dump whose log cannot be read: the printk ring or VMCOREINFO damaged
FILTERS="pageset"               # an unfiltered ELF vmcore, filtered on the host by nkdump and makedumpfile 1.7.8
mode=${E2E_MODE:-ci}
plan=()   # "SPEC CASE" pairs, in run order
if [ $# -gt 0 ] || [ -n "${E2E_CASES:-}" ]; then
  kernels=("$@"); [ ${#kernels[@]} -gt 0 ] || kernels=("${MATRIX[@]}")
  read -r -a cases <<<"${E2E_CASES:-path $TARGETS $CRASHES $LOGS $FILTERS}"
  for k in "${kernels[@]}"; do for c in "${cases[@]}"; do plan+=("$k $c"); done; done
else
  case "$mode" in
    ci)
      for k in "${MATRIX[@]}"; do
        plan+=("$k path")
        case "$k" in bookworm:6.1) for c in $TARGETS $CRASHES badlog baddesc budget encrypt encrypt-ssh smp2; do plan+=("$k $c"); done ;; esac
        case "$k" in trixie-backports:7) for c in $CRASHES $FILTERS; do plan+=("$k $c"); done ;; esac
      done ;;
    full)
      export E2E_DBG=${E2E_DBG:-1}
      for k in "${MATRIX[@]}"; do
        plan+=("$k path")
        case "$k" in bookworm:6.1|trixie:6.12) for c in $TARGETS; do plan+=("$k $c"); done ;; esac
        for c in $CRASHES badlog baddesc; do plan+=("$k $c"); done
        case "$k" in bookworm:6.1|trixie-backports:7) plan+=("$k badinfo" "$k budget") ;; esac
        case "$k" in bookworm:6.1) plan+=("$k smp2" "$k encrypt" "$k encrypt-ssh") ;; esac
        case "$k" in trixie-backports:7) plan+=("$k encrypt") ;; esac
        case "$k" in bookworm:6.1|trixie-backports:7) plan+=("$k lvm" "$k raid1" "$k luks") ;; esac   # storage stacks (issue 20), 2 boots each
        for c in $FILTERS; do plan+=("$k $c"); done
      done ;;
    *) echo "E2E_MODE must be ci or full" >&2; exit 2 ;;
  esac
fi
for p in "${plan[@]}"; do
  [ -f "$E2E_DIR/cases/${p#* }.sh" ] || { echo "no case '${p#* }' in tests/e2e/cases" >&2; exit 2; }
done
echo "== e2e plan ($mode): ${#plan[@]} runs: ${plan[*]/ /=}"
[ -z "${E2E_PLAN_ONLY:-}" ] || exit 0

passed=0 failed=0 started_all=$SECONDS
mkdir -p "$E2E_WORK/out"
e2e_install $(for p in "${plan[@]}"; do e2e_case_packages "${p#* }"; done)
# The current oracles (sid's crash, makedumpfile, drgn, libkdumpfile) in their chroot, made now when
# not cached, so that the first case's time is its own.
s=$SECONDS
"$REPO/tests/oracles/oracle.sh" --versions | sed 's/^/   sid oracle: /' || echo "   (the sid oracle chroot could not be made: every sid check will FAIL)"
echo "   ($((SECONDS - s)) s for the oracle chroot)"

# count RESULTS - adds RESULTS' ok/FAIL lines to the totals and prints them.
count() {
  echo "$1" | sed 's/^/   /'
  passed=$((passed + $(grep -c '^ok ' <<<"$1" || true)))
  failed=$((failed + $(grep -c '^FAIL ' <<<"$1" || true)))
}

# triage KERNEL_SPEC - when the kernel's last case is done: triage signatures across its cases.
triage_after() {
  local spec=$1 outs=() p
  for p in "${plan[@]}"; do [ "${p% *}" != "$spec" ] || outs+=("${outdir[$p]:-}"); done
  [ ${#outs[@]} -gt 1 ] || return 0
  echo "== e2e: $spec, triage signatures across its crashes"
  local results rc=0
  results=$("$E2E_DIR/check-triage.sh" "${outs[@]}") || rc=$?
  if [ $rc -ne 0 ] && ! grep -q '^FAIL ' <<<"$results"; then results+=$'\n'"FAIL check-triage.sh exited $rc without naming a failed check"; fi
  count "$results"
}

declare -A outdir
for i in "${!plan[@]}"; do
  kernel=${plan[$i]% *} case=${plan[$i]#* }
  name="${kernel//:/_}-$case"
  out="$E2E_WORK/out/$name"
  outdir["${plan[$i]}"]=$out
  echo "== e2e: $kernel, $(source "$E2E_DIR/cases/$case.sh"; echo "$CASE_TITLE")"
  started=$SECONDS
  for attempt in 1 2; do
    if "$E2E_DIR/crash-capture.sh" --kernel "$kernel" --target "$case" --out "$out" 2>"$E2E_WORK/$name.log"; then
      rc=0; results=$("$E2E_DIR/check-case.sh" "$case" "$out") || rc=$?
      # A check script that failed is a failure even when it named no failed check (it died, or
      # a check function returned early): "cannot pass by accident".
      if [ $rc -ne 0 ] && ! grep -q '^FAIL ' <<<"$results"; then
        results+=$'\n'"FAIL check-case.sh $case exited $rc without naming a failed check"
      fi
      grep -q '^\(ok\|FAIL\) ' <<<"$results" || results+=$'\n'"FAIL check-case.sh $case ran no check"
    else
      results="FAIL the capture run ($(tail -3 "$E2E_WORK/$name.log" 2>/dev/null | tr '\n' ' '))"
    fi
    # Under TCG a guest kernel very rarely oopses while it boots, before its /init (and so any
    # nkdump code) runs (seen once in about 400 boots: "Oops: int3" in sched_clock_cpu during
    # text patching). Such a run tests nothing of ours: run it once more, and say so.
    if [ "$attempt" = 1 ] && grep -q '^FAIL ' <<<"$results" && ls "$out"/*serial.log >/dev/null 2>&1 && ! grep -aqs "E2E: first kernel up" "$out"/*serial.log; then
      echo "   (the first kernel died before its /init ran: $(grep -ahm1 'Oops\|Kernel panic' "$out"/*serial.log 2>/dev/null | cut -c1-100); running the case again)"
      continue
    fi
    break
  done
  count "$results"
  echo "   ($((SECONDS - started)) s; dump and console in $out)"
  if grep -q '^FAIL ' <<<"$results"; then
    echo "   serial log tail:"; grep -ah "E2E:\|nkdump" "$out"/*serial.log 2>/dev/null | tail -15 | sed 's/^/     /' || true
  fi
  next=$((i + 1))
  if [ $next -ge ${#plan[@]} ] || [ "${plan[$next]% *}" != "$kernel" ]; then
    # The kernel's cases may come in several runs of the plan: triage once its last one is done.
    last=1; for p in "${plan[@]:$next}"; do [ "${p% *}" != "$kernel" ] || last=0; done
    [ $last = 0 ] || triage_after "$kernel"
  fi
done
echo "   (e2e total $((SECONDS - started_all)) s)"
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
