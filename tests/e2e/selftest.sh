#!/usr/bin/env bash
# tests/e2e/selftest.sh - the e2e harness cannot pass by accident: deliberate breakages, each of
# which must come out as a FAIL (or a failed exit), on a real dump without booting anything.
# The dump is ../shared/fixtures' 6.1 sysrq crash (its kdump-compressed zlib file, its console, its
# makedumpfile dmesg), laid out in a temporary folder as a case's output; run.sh runs from a copy
# of tests/e2e whose crash-capture.sh only copies that output. Ends with "e2e-selftest: N passed,
# N failed". Needs ./build.sh, ../shared/fixtures and the sid oracle chroot (made when missing).
source "$(dirname "$0")/lib.sh"
FIX="${NKDUMP_FIXTURES:-$REPO/../shared/fixtures}/debian-6.1.0-56-amd64"
[ -f "$FIX/vmcore.kdump-zlib-d31" ] || { echo "no fixture at $FIX" >&2; exit 1; }
export ORACLE_CACHE="${ORACLE_CACHE:-$REPO/artifacts/chroots}" NKDUMP
tmp=$(mktemp -d); chmod 0700 "$tmp"
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
expect() {  # expect WHAT EXPECTED_RC_KIND(ok|fail) COMMAND... ; output kept in $tmp/last
  local what=$1 want=$2 rc=0; shift 2
  "$@" > "$tmp/last" 2>&1 || rc=$?
  if { [ "$want" = ok ] && [ $rc -eq 0 ] && ! grep -q '^FAIL ' "$tmp/last"; } ||
     { [ "$want" = fail ] && [ $rc -ne 0 ] && grep -q "${EXPECT_LINE:-^FAIL }" "$tmp/last"; }; then
    echo "ok   $what"; passed=$((passed + 1))
  else
    echo "FAIL $what (exit $rc)"; sed 's/^/       /' "$tmp/last" | tail -15; failed=$((failed + 1))
  fi
}

# A case's output as crash-capture.sh leaves it.
out="$tmp/out"; d="$out/crash/127.0.0.1-fixture"
mkdir -p "$d"
cp "$FIX/vmcore.kdump-zlib-d31" "$d/vmcore"
cp "$FIX/expected/dmesg.makedumpfile.txt" "$d/vmcore-dmesg.txt"
{ echo "E2E: first kernel up (the fixture's console follows)"; cat "$FIX/expected/console.txt"; } > "$out/serial.log"
printf 'suite bookworm\npackage linux-image-6.1.0-56-amd64-unsigned\nversion 6.1.192-2\nrelease 6.1.0-56-amd64\nspec fixture\ncase path\n' > "$out/kernel.txt"
# The path case's second boot (the boot report, status, list, the hook's input and the test
# record), as the guest writes them, with the signature host-side triage gives the fixture.
sig=$("$NKDUMP" triage "$d/vmcore" | awk '$1 == "signature:" {print $2; exit}')
dd=/mnt/dump/var/crash/127.0.0.1-2026-11-26-09:12:30
cat > "$out/report-serial.log" <<EOF
<4>nkdump: kernel crash at 2026-11-26 09:12:20Z: "sysrq triggered crash", signature $sig, release 6.1.0-56-amd64, saved in $dd
E2E: report_hook NKDUMP_SIGNATURE=$sig NKDUMP_DUMP=$dd
E2E: report rc=0
<6>nkdump: no new crash dump in /mnt/dump/var/crash (1 saved before)
last test: 2026-11-26 09:12:00Z: success, dump $dd
127.0.0.1-2026-11-26-09:12:30  2026-11-26 09:12:20Z  6.1.0-56-amd64            $sig    15.9M  complete       sysrq triggered crash
EOF
echo "{\"signature\":\"$sig\"}" > "$out/hook-input.json"
printf '{\n  "started": "2026-11-26T09:12:00+00:00",\n  "outcome": "success"\n}\n' > "$out/test-status.json"
(cd "$out" && find . -type f -printf '600 %P\n') > "$out/modes.txt"
chmod -R go-rwx "$out"

expect "the unbroken fixture passes every check of the path case" ok "$E2E_DIR/check-case.sh" path "$out"

# Real tools that fail or print something else: stand-ins first on PATH.
mkdir -p "$tmp/bin"
printf '#!/bin/sh\necho "crash 8.0.2"\n' > "$tmp/bin/crash"; chmod +x "$tmp/bin/crash"
EXPECT_LINE="^FAIL bookworm's crash --osrelease" expect "crash --osrelease printing a version, not the release, is a FAIL" fail \
  env PATH="$tmp/bin:$PATH" "$E2E_DIR/check-case.sh" path "$out"
rm "$tmp/bin/crash"
printf '#!/bin/sh\necho "makedumpfile: cannot read" >&2; exit 1\n' > "$tmp/bin/makedumpfile"; chmod +x "$tmp/bin/makedumpfile"
EXPECT_LINE="^FAIL bookworm's makedumpfile --dump-dmesg" expect "makedumpfile --dump-dmesg failing is a FAIL, not a note" fail \
  env PATH="$tmp/bin:$PATH" "$E2E_DIR/check-case.sh" path "$out"
rm "$tmp/bin/makedumpfile"
# A console whose Call Trace differs from the dump's backtrace by one frame.
cp -a "$out" "$tmp/out-bt"
sed -i 's/ vfs_write+0xc7\/0x3f0/ vfs_read+0xc7\/0x3f0/' "$tmp/out-bt/serial.log"
EXPECT_LINE="^FAIL nkdump analyze -c bt equals the console" expect "a console Call Trace one frame off the backtrace is a FAIL" fail \
  "$E2E_DIR/check-case.sh" path "$tmp/out-bt"

# A boot report that names the dump with another signature than host-side triage's.
cp -a "$out" "$tmp/out-report"
sed -i "s/signature $sig/signature 0123456789abcdef/" "$tmp/out-report/report-serial.log"
EXPECT_LINE="^FAIL the report's journal line names the dump with triage's signature" expect "a boot report with another signature than triage's is a FAIL" fail \
  "$E2E_DIR/check-case.sh" path "$tmp/out-report"

# run.sh from a copy of the suite whose capture only copies the output above, with a case whose
# check script dies after its checks passed (no FAIL line).
copy="$tmp/repo/tests/e2e"
mkdir -p "$copy" "$tmp/repo/artifacts/bin"
cp -a "$E2E_DIR/." "$copy/"
ln -s "$REPO/tests/oracles" "$tmp/repo/tests/oracles"
cat > "$copy/crash-capture.sh" <<EOF
#!/usr/bin/env bash
# selftest stand-in: the "capture" is a copy of the prepared output.
while [ \$# -gt 0 ]; do case "\$1" in --out) o=\$2; shift 2 ;; *) shift ;; esac; done
rm -rf "\$o"; cp -a "$out" "\$o"
EOF
cat > "$copy/cases/dies.sh" <<'EOF'
CASE_TITLE="selftest: a check script that dies after its checks passed"
case_check() { check_vmcore "$1"; false; echo "never printed"; }
EOF
EXPECT_LINE="   FAIL check-case.sh dies exited 1 without naming a failed check" expect "run.sh counts a check script that exits non-zero without a FAIL line" fail \
  env E2E_WORK="$tmp/work" E2E_CASES="path dies" "$copy/run.sh" selftest:fixture
cp "$tmp/last" "$tmp/run.log"
expect "... and its summary counts it as failed" ok grep -q '^e2e: [0-9]* passed, 1 failed' "$tmp/run.log"
cat > "$copy/cases/dies.sh" <<'EOF'
CASE_TITLE="selftest: a check script that checks nothing"
case_check() { :; }
EOF
EXPECT_LINE="   FAIL check-case.sh dies ran no check" expect "run.sh counts a case that ran no check" fail \
  env E2E_WORK="$tmp/work" E2E_CASES="dies" "$copy/run.sh" selftest:fixture

echo "e2e-selftest: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
