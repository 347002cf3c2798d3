#!/usr/bin/env bash
# tests/oracles/oracle.sh [--suite SUITE] TOOL [ARGS...] - runs one of the current oracle tools
# inside a Debian chroot of SUITE (default sid) on a host file: host paths among ARGS are
# bind-mounted at the same path (see chroot.sh's chroot_run). The chroot holds the suite's
# makedumpfile, crash, python3-drgn and python3-libkdumpfile; it is made on first use and cached by
# content under artifacts/chroots (ORACLE_CACHE). drgn and libkdumpfile are Debian's python3
# modules: run them as `oracle.sh python3 -c ...` (the chroot's /usr/bin/python3).
#   tests/oracles/oracle.sh makedumpfile --dump-dmesg /path/vmcore /tmp/dmesg.txt
#   tests/oracles/oracle.sh crash --osrelease /path/vmcore
#   tests/oracles/oracle.sh --versions     (the package versions in the chroot)
#   tests/oracles/oracle.sh --path         (ensure the chroot, print its folder)
source "$(dirname "$0")/chroot.sh"
ORACLE_SUITE=sid
if [ "${1:-}" = --suite ]; then ORACLE_SUITE=$2; shift 2; fi
ORACLE_PACKAGES="makedumpfile crash python3-drgn python3-libkdumpfile python3 binutils"
chroot_ensure "$ORACLE_SUITE" "$ORACLE_PACKAGES"
case "${1:-}" in
  --path) echo "$CHROOT" ;;
  --versions) grep -E '^(makedumpfile|crash|python3-drgn|python3-libkdumpfile|libkdumpfile[0-9]*|python3) ' "$CHROOT/.packages" ;;
  "") echo "usage: $0 [--suite SUITE] TOOL [ARGS...] | --versions | --path" >&2; exit 2 ;;
  *)
    # A relative path to a host file means the host's folder here: made absolute, so it is bound.
    args=()
    for a in "$@"; do
      if [[ "$a" == */* && "$a" != /* ]] && { [ -e "$a" ] || [ -d "$(dirname "$a")" ]; }; then a="$PWD/$a"; fi
      args+=("$a")
    done
    chroot_run "$CHROOT" "${args[@]}" ;;
esac
