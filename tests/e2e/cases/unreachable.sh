# tests/e2e/cases/unreachable.sh - the dump server is down (issue 20 item 1's evidence, with item 3's
# start check): sshd is not running when the guest first runs `nkdump start`, which must refuse and
# say why (status says it too). A watcher on the host then starts sshd; the guest retries start
# (start_tries), which now succeeds; the watcher stops sshd again; the guest crashes a few seconds
# later. The capture kernel brings up the derived network (DHCP), cannot reach the server, and must
# say so on the console and run failure_action. Nothing may arrive on the server.
source "$E2E_DIR/cases/dhcp.sh"
CASE_TITLE="ssh server down: start refuses, then the capture fails over to failure_action"

case_setup() {
  ssh_case_setup
  e2e_guest 'net=dhcp'
  e2e_guest 'start_tries=40'
  e2e_guest 'after_start_wait=6'
  # ssh_case_setup started sshd: stop it before the guest boots; the watcher restarts it at the first refusal.
  local pid=${E2E_SERVER_PIDS[-1]} log=$run/serial.log
  kill "$pid"; wait "$pid" 2>/dev/null || true
  ( until grep -aq "E2E: nkdump start failed" "$log" 2>/dev/null; do sleep 0.2; done
    /usr/sbin/sshd -D -e -f "$run/sshd/sshd_config" 2>> "$run/sshd/sshd.log" &
    echo $! > "$run/sshd/restarted.pid"
    until grep -aq "E2E: start ok" "$log" 2>/dev/null; do sleep 0.2; done
    kill "$(cat "$run/sshd/restarted.pid")"
    echo "watcher: sshd stopped after start" >> "$run/sshd/sshd.log" ) &
  E2E_SERVER_PIDS+=("$!")
}

case_collect() {
  [ ! -s "$run/sshd/restarted.pid" ] || kill "$(cat "$run/sshd/restarted.pid")" 2>/dev/null || true
  cp -a "$run/remote/crash" "$OUT/" 2>/dev/null || true
  cp "$run/sshd/sshd.log" "$OUT/sshd.log"
}

case_check() {
  local out=$1
  check_serial "$out" "the first start was refused" "E2E: nkdump start failed rc=1"
  check_serial "$out" "start said the server cannot be reached" "Connection refused"
  check_serial "$out" "status reports the failed start" "the last start failed"
  check_serial "$out" "a later start succeeded once the server was up" "E2E: start ok, kexec_crash_loaded=1"
  check "the watcher stopped sshd after start" grep -q "watcher: sshd stopped after start" "$out/sshd.log"
  check_serial "$out" "the capture kernel brought the derived network up" "nkdump: configuring eth0 by DHCP: 10\.0\.2\.15"
  check_serial "$out" "ssh's own reason is on the console" "^ssh: connect to host 10\.0\.2\.2 port [0-9]+: Connection refused"
  check_serial "$out" "the capture says why the dump could not be sent" "nkdump: error: cannot reach root@10\.0\.2\.2 over ssh \(exit status 255: the server is down or unreachable"
  check_serial "$out" "failure_action ran" "nkdump: executing failure_action poweroff"
  check "nothing arrived on the server" sh -c "! find '$out' -name 'vmcore*' -type f | grep -q ."
}
