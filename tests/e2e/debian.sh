# tests/e2e/debian.sh - Debian's archive for the suite (sourced by lib.sh): private apt lists per
# suite, kernel packages resolved to the newest build of a series, downloaded, never installed.
#
# Each suite gets its own sources.list and lists under $E2E_WORK/apt/SUITE (apt-get -o
# Dir::Etc::sourcelist=... -o Dir::State::Lists=...): the host's /etc/apt is never read or changed,
# so a bookworm host can fetch bullseye's, trixie's, trixie-backports' and sid's packages. The
# lists are refreshed when older than E2E_APT_MAX_AGE seconds (default 6 hours), so a run picks
# up the builds the archive serves that day, and a build the archive dropped is never asked for.
# Check-Valid-Until is off: the archive reached here may be a snapshot whose Release files are past
# their Valid-Until date; their signatures are still checked against debian-archive-keyring.

E2E_APT="$E2E_WORK/apt"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

# e2e_apt SUITE apt-get|apt-cache ARGS... - runs apt with SUITE's private sources and lists.
e2e_apt() {
  local suite=$1 tool=$2; shift 2
  local d="$E2E_APT/$suite"
  "$tool" -o Dir::Etc::sourcelist="$d/sources.list" -o Dir::Etc::sourceparts=- \
    -o Dir::State::Lists="$d/lists" -o Dir::Cache="$d/cache" -o Dir::State::status=/dev/null \
    -o APT::Architecture=amd64 -o APT::Architectures::=amd64 -o Debug::NoLocking=1 -o APT::Sandbox::User=root \
    -o Acquire::Check-Valid-Until=false "$@"
}

# e2e_apt_update SUITE - makes SUITE's lists current (see E2E_APT_MAX_AGE).
e2e_apt_update() {
  local suite=$1 d="$E2E_APT/$1" stamp
  mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $DEBIAN_MIRROR $suite main" > "$d/sources.list"
  stamp="$d/updated"
  if [ -f "$stamp" ] && [ $(( $(date +%s) - $(stat -c %Y "$stamp") )) -lt "${E2E_APT_MAX_AGE:-21600}" ]; then return 0; fi
  log "apt-get update ($suite, private lists in $d)"
  e2e_apt "$suite" apt-get update -qq || { log "apt-get update of $suite failed"; return 1; }
  touch "$stamp"
}

# e2e_resolve_kernel SPEC - prints "SUITE PACKAGE VERSION" for a kernel spec:
#   SUITE:SERIES   (bullseye:5.10, trixie:6.12, trixie-backports:7) the newest ABI of that series in
#                  SUITE, i.e. the highest linux-image-SERIES[.-]*-amd64 by version; its -unsigned
#                  twin when the suite has one (the same kernel without the Secure Boot signature)
#   SUITE:PACKAGE  (bookworm:linux-image-6.1.0-50-amd64-unsigned) that package
# VERSION is the package's candidate version (the build the archive serves now).
e2e_resolve_kernel() {
  local spec=$1 suite what pkg series version
  suite=${spec%%:*}; what=${spec#*:}
  [ "$suite" != "$spec" ] || { log "kernel spec '$spec' is not SUITE:SERIES or SUITE:PACKAGE"; return 2; }
  e2e_apt_update "$suite" || return 1
  case "$what" in
    linux-image-*) pkg=$what ;;
    *)
      series=${what//./\\.}
      pkg=$(e2e_apt "$suite" apt-cache pkgnames linux-image- \
              | grep -E "^linux-image-${series}[.-][0-9][^ ]*-amd64$" | grep -vE -- '-(cloud|rt)-amd64$' \
              | while read -r p; do echo "$(e2e_apt "$suite" apt-cache show --no-all-versions "$p" | awk '/^Version:/{print $2; exit}') $p"; done \
              | sort -V | tail -1 | cut -d' ' -f2)
      [ -n "$pkg" ] || { log "no linux-image-$what*-amd64 in $suite"; return 1; }
      if e2e_apt "$suite" apt-cache show --no-all-versions "$pkg-unsigned" >/dev/null 2>&1; then pkg=$pkg-unsigned; fi ;;
  esac
  version=$(e2e_apt "$suite" apt-cache show --no-all-versions "$pkg" 2>/dev/null | awk '/^Version:/{print $2; exit}')
  [ -n "$version" ] || { log "$suite has no package $pkg"; return 1; }
  echo "$suite $pkg $version"
}

# e2e_download SUITE PACKAGE VERSION - the .deb in $E2E_WORK/debs (downloaded once); prints its path.
e2e_download() {
  local suite=$1 pkg=$2 version=$3 debs="$E2E_WORK/debs" deb
  mkdir -p "$debs"
  deb="$debs/${pkg}_${version//:/%3a}_amd64.deb"
  if [ ! -s "$deb" ]; then
    log "apt-get download $pkg=$version ($suite)"
    (cd "$debs" && e2e_apt "$suite" apt-get download -qq "$pkg=$version" >&2) || return 1
  fi
  [ -s "$deb" ] || { log "apt-get download left no $deb"; return 1; }
  echo "$deb"
}
