# tests/e2e/lib.sh - shared pieces of the end-to-end suite (sourced).
# Real Debian kernels booted under QEMU (TCG); nkdump sets up kdump in the guest with its own
# initramfs builder and kexec_file_load, the guest crashes through sysrq, and the capture kernel
# runs `nkdump save`. No kexec-tools and no makedumpfile inside the guest.
set -euo pipefail

E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$E2E_DIR/../.." && pwd)"
E2E_WORK="${E2E_WORK:-$REPO/artifacts/e2e}"
# The nkdump binary under test: $NKDUMP when set; else the one under $NKDUMP_ARTIFACTS (a build with
# its own artifacts folder, e.g. NKDUMP_ARTIFACTS=/tmp/x dotnet publish ... then bin/nkdump there),
# when it exists; else ./build.sh's artifacts/bin/nkdump.
if [ -z "${NKDUMP:-}" ]; then
  NKDUMP="$REPO/artifacts/bin/nkdump"
  if [ -n "${NKDUMP_ARTIFACTS:-}" ] && [ -x "$NKDUMP_ARTIFACTS/bin/nkdump" ]; then NKDUMP="$NKDUMP_ARTIFACTS/bin/nkdump"; fi
fi

log() { printf '[e2e %s] %s\n' "$(date +%T)" "$*" >&2; }

e2e_install() {
  local need=()
  # The arguments: a case's own packages (its CASE_PACKAGES), e.g. the ssh case's OpenSSH.
  for p in qemu-system-x86 busybox-static e2fsprogs kmod cpio "$@"; do
    dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
  done
  if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # The suite runs its own sshd and NFS-Ganesha on loopback: the packages' own services must not
    # start (they would listen on every interface, ganesha on the port the NFS case needs). Debian's
    # policy-rc.d answer 101 forbids starting services during the install, unless one exists already.
    local policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      policy=/usr/sbin/policy-rc.d; printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod 0755 "$policy"
    fi
    local rc=0
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; } || rc=$?
    [ -z "$policy" ] || rm -f "$policy"
    return $rc
  fi
}

# e2e_case_packages CASE... - the Debian packages the cases need beyond the base ones.
e2e_case_packages() {
  local c
  for c in "$@"; do (source "$E2E_DIR/cases/$c.sh"; echo "${CASE_PACKAGES:-}"); done
}

# e2e_fetch_kernel PACKAGE -> sets KROOT (unpacked package) and KREL
e2e_fetch_kernel() {
  local pkg=$1
  local debs="$E2E_WORK/debs"
  mkdir -p "$debs"
  local deb
  deb=$(ls "$debs/${pkg}"_*.deb 2>/dev/null | head -1 || true)
  if [ -z "$deb" ]; then
    log "apt-get download $pkg"
    (cd "$debs" && apt-get download "$pkg" >/dev/null 2>&1) || { apt-get update -qq; (cd "$debs" && apt-get download "$pkg" >/dev/null); }
    deb=$(ls "$debs/${pkg}"_*.deb | head -1)
  fi
  KROOT="$E2E_WORK/kernels/$pkg"
  if [ ! -d "$KROOT/boot" ]; then
    rm -rf "$KROOT"; mkdir -p "$KROOT"
    dpkg-deb -x "$deb" "$KROOT"
  fi
  KREL=$(ls "$KROOT/lib/modules" | head -1)
  [ -s "$KROOT/lib/modules/$KREL/modules.dep" ] || depmod -b "$KROOT" "$KREL"
}

# e2e_copy_program FILE STAGE [AS] - a host program (and the shared libraries ldd lists) into the staged root.
e2e_copy_program() {
  local file=$1 stage=$2 as=${3:-$1}
  mkdir -p "$stage$(dirname "$as")"; cp -L "$file" "$stage$as"
  ldd "$file" | awk '/=> \//{print $3} /^[ \t]*\/lib/{print $1}' | while read -r lib; do
    mkdir -p "$stage$(dirname "$lib")"; cp -L "$lib" "$stage$lib"
  done
}

# e2e_stage_root STAGE - the guest's root: nkdump (at /usr/sbin/nkdump) and its libraries, the kernel,
# its modules, busybox for the first kernel's /init. Cases add kdump.conf and their own files.
e2e_stage_root() {
  local stage=$1
  mkdir -p "$stage"/{bin,sbin,usr/sbin,usr/bin,etc,proc,sys,dev,boot,tmp,var/crash,var/lib/nkdump,lib/modules,root}
  e2e_copy_program "$NKDUMP" "$stage" /usr/sbin/nkdump
  # No liblzo2 here or in the capture image: nkdump compresses and decompresses LZO itself, so every
  # default -l capture, and `nkdump savecore` reading the -l dump on the next boot for
  # vmcore-dmesg.txt, prove that neither kernel's userspace needs it.
  cp /bin/busybox "$stage/bin/busybox"
  ln -s busybox "$stage/bin/sh"
  # The kernel config too: the image builder reads CONFIG_RD_* to choose (zstd) and check the compression.
  cp "$KROOT/boot/vmlinuz-$KREL" "$KROOT/boot/config-$KREL" "$stage/boot/"
  # Hard links when the work folder allows (hundreds of MB of modules, pruned below to a few).
  cp -al "$KROOT/lib/modules/$KREL" "$stage/lib/modules/" 2>/dev/null || cp -a "$KROOT/lib/modules/$KREL" "$stage/lib/modules/"
  : > "$stage/etc/e2e.env"
}

# e2e_guest LINE - a shell assignment for the first kernel's /init (guest-init.sh sources /etc/e2e.env):
#   modules="..."        modules it loads (default: virtio_pci virtio_blk ext4)
#   links="LABEL:vdX..." the /dev/disk/by-label links udev would make (there is no udev)
e2e_guest() { echo "$*" >> "$stage/etc/e2e.env"; }

# e2e_disk FILE - attaches FILE (raw image) as the next virtio disk.
e2e_disk() { QEMU_DISKS+=(-drive "file=$1,format=raw,if=virtio,cache=unsafe"); }

# e2e_build_initramfs STAGE RUN - the capture initramfs (nkdump's own builder, against the staged
# root) and the first kernel's initramfs (the whole staged root plus /init) as RUN/initrd.cpio.
e2e_build_initramfs() {
  local stage=$1 run=$2
  log "building the capture initramfs with nkdump rebuild"
  mkdir -p "$stage/proc/sys/kernel"; cp "$run/cmdline" "$stage/proc/cmdline"; echo "$KREL" > "$stage/proc/sys/kernel/osrelease"
  "$NKDUMP" rebuild --root "$stage" --binary /usr/sbin/nkdump >"$run/rebuild.log" 2>&1 || { cat "$run/rebuild.log" >&2; exit 1; }
  rm -rf "$stage/proc"; mkdir -p "$stage/proc"
  # Keep only the modules the capture initramfs holds (the manifest lists them), so the guest's
  # own copy of the inputs matches and `nkdump start` there finds the image up to date.
  local keep="$run/modules.keep"
  awk '$1 == "file" && $3 ~ /^\/lib\/modules\// {print "." $3}' "$stage/var/lib/nkdump/initramfs-$KREL.manifest" > "$keep"
  (cd "$stage" && find "./lib/modules/$KREL" -type f -name '*.ko*' | grep -vxFf "$keep" | xargs -r rm -f)
  ls -la "$stage/var/lib/nkdump" >&2
  install -m 0755 "$E2E_DIR/guest-init.sh" "$stage/init"
  (cd "$stage" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) > "$run/initrd.cpio"
}

# e2e_boot SERIAL_LOG CMDLINE - one boot of the guest (it powers off, or the capture kernel does).
e2e_boot() {
  local serial=$1 cmdline=$2 rc
  log "booting $KREL (mem $MEM, crashkernel=$CRASHKERNEL): $cmdline"
  set +e
  timeout "${E2E_TIMEOUT:-900}" qemu-system-x86_64 \
    -machine q35 -accel tcg -smp 2 -m "$MEM" \
    -kernel "$KROOT/boot/vmlinuz-$KREL" -initrd "$run/initrd.cpio" \
    -append "$cmdline" \
    "${QEMU_DISKS[@]}" "${QEMU_NIC[@]}" \
    -display none -monitor none -serial file:"$serial" -no-reboot < /dev/null
  rc=$?
  set -e
  log "qemu exit $rc; serial log $serial"
  grep -a "E2E:\|nkdump" "$serial" | tail -40 >&2 || true
}

# Servers a case starts on loopback: their pids, killed when crash-capture.sh exits.
E2E_SERVER_PIDS=()
e2e_stop_servers() {
  local pid
  for pid in "${E2E_SERVER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${E2E_SERVER_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}

# e2e_wait_port PORT PID - waits until something listens on 127.0.0.1:PORT (PID must stay alive).
e2e_wait_port() {
  local port=$1 pid=$2 i
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || { log "server (pid $pid) exited at start"; return 1; }
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  log "nothing listens on 127.0.0.1:$port"; return 1
}

# e2e_free_port - an unprivileged TCP port free on loopback now.
e2e_free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# e2e_rdump IMAGE DIR OUT - copies DIR of the ext4 IMAGE into OUT (debugfs, no mount needed).
e2e_rdump() { debugfs -R "rdump $2 $3" "$1" >/dev/null 2>&1 || true; }
