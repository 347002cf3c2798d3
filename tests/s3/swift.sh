#!/usr/bin/env bash
# swift.sh - a real S3-compatible object store for the tests: OpenStack Swift from Debian's
# packages (proxy with the s3api and tempauth middlewares, one account, container and object
# server), on loopback only, its storage a plain directory (mount_check false, no XFS), one replica.
#
#   tests/s3/swift.sh start DIR   starts it with everything under DIR (made if missing); prints
#                                 the endpoint and writes DIR/env (S3_ENDPOINT, S3_ACCESS_KEY,
#                                 S3_SECRET_KEY, S3_REGION) for the tests to source
#   tests/s3/swift.sh stop DIR    stops the servers started with DIR (by the pids it recorded)
#
# Credentials (tempauth): access key "test:tester", secret "testing", region us-east-1.
# Ports: the proxy on S3_PROXY_PORT (default: a free one), the storage servers on the next free ones.
# Packages: swift-proxy swift-account swift-container swift-object (scripts/install-test-deps.sh).
set -euo pipefail

cmd=${1:?usage: swift.sh start|stop DIR}
dir=$(realpath -m "${2:?usage: swift.sh start|stop DIR}")

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

listening() {
  local p
  for p in "$@"; do (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || return 1; done
}

stop() {
  [ -d "$dir/run" ] || return 0
  for pidfile in "$dir"/run/*.pid; do
    [ -e "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    # Only our own server: its command line names our configuration directory.
    if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "$dir/etc/"; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  done
}

start() {
  for b in swift-proxy-server swift-object-server swift-container-server swift-account-server swift-ring-builder; do
    command -v "$b" >/dev/null || { echo "swift.sh: $b is missing (apt-get install swift-proxy swift-account swift-container swift-object)" >&2; exit 1; }
  done
  stop
  mkdir -p "$dir/etc" "$dir/srv/d1" "$dir/run" "$dir/log"
  local proxy=${S3_PROXY_PORT:-$(free_port)} account container object
  account=$(free_port); container=$(free_port); object=$(free_port)

  cat > "$dir/etc/swift.conf" <<CONF
[swift-hash]
swift_hash_path_suffix = nkdump-tests
swift_hash_path_prefix = nkdump-tests
[storage-policy:0]
name = Policy-0
default = yes
CONF

  local common="[DEFAULT]
swift_dir = $dir/etc
devices = $dir/srv
mount_check = false
bind_ip = 127.0.0.1
workers = 1
user = $(id -un)
log_facility = LOG_LOCAL2
log_level = WARNING"
  for server in account container object; do
    local port=${!server}
    printf '%s\nbind_port = %s\n\n[pipeline:main]\npipeline = %s-server\n\n[app:%s-server]\nuse = egg:swift#%s\n' \
      "$common" "$port" "$server" "$server" "$server" > "$dir/etc/$server-server.conf"
    # The object server's replicator/updater sections are not needed: one replica, no daemons.
    (cd "$dir/etc" && swift-ring-builder "$server.builder" create 6 1 1 >/dev/null \
      && swift-ring-builder "$server.builder" add "r1z1-127.0.0.1:$port/d1" 1 >/dev/null \
      && swift-ring-builder "$server.builder" rebalance >/dev/null) \
      || { [ -s "$dir/etc/$server.ring.gz" ] || { echo "swift.sh: building the $server ring failed" >&2; exit 1; }; }
  done

  cat > "$dir/etc/proxy-server.conf" <<CONF
$common
bind_port = $proxy

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk s3api tempauth copy slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:s3api]
use = egg:swift#s3api
location = us-east-1
s3_acl = false

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin
user_admin_admin = admin .admin .reseller_admin

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:1
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
CONF

  for server in account container object proxy; do
    setsid "swift-$server-server" "$dir/etc/$server-server.conf" --verbose > "$dir/log/$server.log" 2>&1 < /dev/null &
    echo $! > "$dir/run/$server.pid"
  done

  # Ready when the proxy answers its health check and the storage servers listen.
  for _ in $(seq 150); do
    if curl -fsS "http://127.0.0.1:$proxy/healthcheck" >/dev/null 2>&1 && listening "$account" "$container" "$object"; then
      cat > "$dir/env" <<ENV
S3_ENDPOINT=http://127.0.0.1:$proxy
S3_ACCESS_KEY=test:tester
S3_SECRET_KEY=testing
S3_REGION=us-east-1
ENV
      echo "http://127.0.0.1:$proxy"
      return 0
    fi
    sleep 0.2
  done
  echo "swift.sh: Swift did not come up on 127.0.0.1:$proxy; logs in $dir/log:" >&2
  tail -n 20 "$dir"/log/*.log >&2 || true
  stop
  exit 1
}

case $cmd in
  start) start ;;
  stop) stop ;;
  *) echo "usage: swift.sh start|stop DIR" >&2; exit 2 ;;
esac
