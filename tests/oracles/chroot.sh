# tests/oracles/chroot.sh - Debian chroots made with debootstrap, cached by content (sourced).
#
#   chroot_ensure SUITE "PACKAGE..." ["EXTRA_SUITE..."]  -> sets CHROOT to the chroot's path
#   chroot_run ROOT COMMAND...                            -> runs COMMAND inside ROOT, as root, in a
#       private mount namespace where /proc and /dev are mounted and every absolute path among the
#       arguments that names a host file or folder (or, for an output that does not exist yet, its
#       parent folder) is bind-mounted at the same path, so a host file can be named as it is.
#       Paths under the chroot's own system folders (/usr, /etc, /var, /bin, /lib...) are never
#       bound: they name the chroot's programs (e.g. /usr/bin/python3), not host files.
#
# A chroot lives in $ORACLE_CACHE/<suite>-<key>, key = the first 16 hex digits of the SHA-256 of
# the suite, the sorted package list, the extra suites and CHROOT_RECIPE (bump it when the way a
# chroot is made changes). It is made in a temporary folder and renamed when complete, so a run
# that dies half way leaves nothing that looks finished. Nothing here touches the host's
# /etc/apt: the chroot has its own sources.list (deb.debian.org, signed by the host's
# debian-archive-keyring). Needs debootstrap (scripts/install-test-deps.sh installs it).
set -euo pipefail

ORACLE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ORACLE_REPO="$(cd "$ORACLE_DIR/../.." && pwd)"
ORACLE_CACHE="${ORACLE_CACHE:-$ORACLE_REPO/artifacts/chroots}"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
CHROOT_RECIPE=1

chroot_log() { printf '[chroot %s] %s\n' "$(date +%T)" "$*" >&2; }

chroot_ensure() {
  local suite=$1 packages extra=${3:-} key tmp s
  packages=$(tr ' ' '\n' <<<"$2" | sed '/^$/d' | LC_ALL=C sort -u | tr '\n' ' ')
  key=$(printf 'recipe %s\nsuite %s\npackages %s\nextra %s\n' "$CHROOT_RECIPE" "$suite" "$packages" "$extra" | sha256sum | cut -c1-16)
  CHROOT="$ORACLE_CACHE/$suite-$key"
  [ -f "$CHROOT/.complete" ] && return 0
  mkdir -p "$ORACLE_CACHE"
  tmp="$ORACLE_CACHE/.tmp-$suite-$key-$$"
  rm -rf "$tmp" "$tmp.log"
  chroot_log "debootstrap $suite into $tmp (packages: $packages${extra:+; also $extra})"
  debootstrap --variant=minbase --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
    "$suite" "$tmp" "$DEBIAN_MIRROR" > "$tmp.log" 2>&1 || { tail -20 "$tmp.log" >&2; return 1; }
  {
    echo "deb $DEBIAN_MIRROR $suite main"
    for s in $extra; do echo "deb $DEBIAN_MIRROR $s main"; done
  } > "$tmp/etc/apt/sources.list"
  # The archive this machine reaches may be a snapshot whose Release files are past their
  # Valid-Until date (apt then refuses them as expired): their signatures are still checked.
  echo 'Acquire::Check-Valid-Until "false";' > "$tmp/etc/apt/apt.conf.d/80e2e-no-valid-until"
  # No service of a package may start inside the chroot.
  printf '#!/bin/sh\nexit 101\n' > "$tmp/usr/sbin/policy-rc.d"; chmod 0755 "$tmp/usr/sbin/policy-rc.d"
  if [ -n "$packages" ]; then
    chroot_run "$tmp" sh -c "export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq --no-install-recommends $packages" \
      >> "$tmp.log" 2>&1 || { tail -20 "$tmp.log" >&2; return 1; }
  fi
  chroot_run "$tmp" apt-get clean
  chroot_run "$tmp" dpkg-query -W -f '${Package} ${Version}\n' > "$tmp/.packages"
  touch "$tmp/.complete"
  rm -rf "$CHROOT"; mv "$tmp" "$CHROOT"; mv "$tmp.log" "$CHROOT.log"
  chroot_log "chroot ready: $CHROOT"
}

chroot_run() {
  local root=$1; shift
  # The script run by unshare gets the root, then the paths to bind, then "--", then the command.
  local binds=() a
  for a in "$@"; do
    case "$a" in
      /usr|/usr/*|/etc|/etc/*|/var|/var/*|/bin|/bin/*|/sbin|/sbin/*|/lib|/lib/*|/lib64|/lib64/*) ;;
      /proc|/proc/*|/dev|/dev/*|/sys|/sys/*|/run|/run/*|/boot|/boot/*|/opt|/opt/*) ;;
      /*) if [ -e "$a" ]; then binds+=("$(if [ -d "$a" ]; then echo "$a"; else dirname "$a"; fi)")
          elif [ -d "$(dirname "$a")" ]; then binds+=("$(dirname "$a")"); fi ;;
    esac
  done
  unshare -m --propagation private bash -c '
    set -e
    root=$1; shift
    while [ "$1" != -- ]; do
      d=$1; shift
      [ "$d" != / ] || continue
      # At the path as given (it may run through a symbolic link): that is the name the command sees.
      mkdir -p "$root$d"; mount --bind "$d" "$root$d"
    done
    shift
    mount -t proc proc "$root/proc"
    mount --bind /dev "$root/dev"
    cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
    exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"
  ' chroot_run "$root" "${binds[@]}" -- "$@"
}
