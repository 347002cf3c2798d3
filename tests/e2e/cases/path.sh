# tests/e2e/cases/path.sh - the dump goes to a directory of an ext4 virtio disk named by its label;
# the guest crashes through `nkdump test --force` (sysrq c, after the test is recorded on a state
# disk mounted on /var/lib/nkdump). Its checks include the crash ones (checks.sh's check_crash):
# nkdump info and bt against the console, and triage. Then a second, real boot of the guest
# (e2e_mode=report) runs `nkdump report` as nkdump-report.service would: its journal line must name
# the dump with the signature triage gives on the host, report_hook must get the triage JSON, and
# `nkdump status` must say that the test succeeded.
CASE_TITLE="path target on an ext4 virtio disk, nkdump test, the boot report"

case_setup() {
  path_target_setup   # vda
  truncate -s 32M "$run/state.img"
  mkfs.ext4 -q -F -L nkdump-state "$run/state.img"
  e2e_disk "$run/state.img"   # vdb
  e2e_guest 'crash=test'
  e2e_guest 'state_disk=/dev/vdb'
  e2e_guest 'dump_disk=/dev/vda'
  cat > "$stage/root/report-hook" <<'HOOK'
#!/bin/sh
cat > /var/lib/nkdump/hook-input.json
echo "E2E: report_hook NKDUMP_SIGNATURE=$NKDUMP_SIGNATURE NKDUMP_DUMP=$NKDUMP_DUMP"
HOOK
  chmod 0755 "$stage/root/report-hook"
}

case_config() { path_target_config; echo "report_hook /root/report-hook"; }

case_collect() {
  path_target_collect
  e2e_boot "$run/report-serial.log" "$CMDLINE e2e_mode=report"
  cp "$run/report-serial.log" "$OUT/report-serial.log"
  local f
  for f in test-status.json hook-input.json; do
    debugfs -R "dump /$f $OUT/$f" "$run/state.img" >/dev/null 2>&1 || true
  done
}

case_check() {
  local out=$1 sig
  check_vmcore "$out"
  check_crash "$out"
  sig=$(awk '$1 == "signature:" {print $2; exit}' "$out/checks/nkdump-triage.txt" 2>/dev/null || true)
  check "triage on the host gives a signature" test -n "$sig"
  sig=${sig:-none}
  # Its own console line may not reach the serial port before the panic: the record itself is the evidence.
  check "nkdump test's record (test-status.json) was written before the crash and survived it" \
    grep -qE '"started": "[0-9]{4}-' "$out/test-status.json"
  check_serial "$out" "the second boot's report ran" "E2E: report rc=0" report-serial.log
  check_serial "$out" "the report's journal line names the dump with triage's signature" \
    "<4>nkdump: kernel crash at .*\"sysrq triggered crash\", signature $sig, release .* saved in /mnt/dump/var/crash/127\.0\.0\.1-" report-serial.log
  check_serial "$out" "report_hook ran with the signature" "E2E: report_hook NKDUMP_SIGNATURE=$sig NKDUMP_DUMP=/mnt/dump/var/crash/127\.0\.0\.1-" report-serial.log
  check "report_hook's stdin was the triage JSON with that signature" grep -q "\"signature\":\"$sig\"" "$out/hook-input.json"
  check_serial "$out" "a second report finds nothing new" "no new crash dump in /mnt/dump/var/crash \(1 saved before\)" report-serial.log
  check_serial "$out" "nkdump status: the last test succeeded" "last test: .*: success, dump /mnt/dump/var/crash/127\.0\.0\.1-" report-serial.log
  check "test-status.json says success" grep -q '"outcome": "success"' "$out/test-status.json"
  check_serial "$out" "nkdump list shows the dump with the signature" "^127\.0\.0\.1-[0-9:-]+ .* $sig .* complete " report-serial.log
}
