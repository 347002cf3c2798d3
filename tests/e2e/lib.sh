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
source "$E2E_DIR/debian.sh"

e2e_install() {
  local need=()
  # The arguments: a case's own packages (its CASE_PACKAGES), e.g. the ssh case's OpenSSH.
  for p in qemu-system-x86 busybox-static e2fsprogs kmod cpio debootstrap debian-archive-keyring "$@"; do
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

# e2e_fetch_kernel SPEC -> sets KSUITE, KPKG, KVERSION, KROOT (the unpacked package) and KREL.
# SPEC is SUITE:SERIES or SUITE:PACKAGE (debian.sh's e2e_resolve_kernel): the newest build the
# archive serves, fetched with apt-get download from the suite's private lists, never installed.
e2e_fetch_kernel() {
  local spec=$1 deb resolved abi dep pkgs
  resolved=$(e2e_resolve_kernel "$spec") || return 1
  read -r KSUITE KPKG KVERSION <<<"$resolved"
  KROOT="$E2E_WORK/kernels/${KPKG}_$KVERSION"
  if [ ! -f "$KROOT/.complete" ]; then
    deb=$(e2e_download "$KSUITE" "$KPKG" "$KVERSION") || return 1
    rm -rf "$KROOT"; mkdir -p "$KROOT"
    dpkg-deb -x "$deb" "$KROOT"
    # From 7.x on, Debian's linux-image-ABI is split: it depends on linux-binary-ABI (the kernel
    # image), linux-modules-ABI and linux-base-ABI of the same version. Those come along.
    abi=${KPKG#linux-image-}; abi=${abi%-unsigned}
    pkgs=$(dpkg-deb -f "$deb" Depends | tr ',|' '\n\n' | sed -n "s/^ *\(linux-[a-z]*-$abi\) (= \(.*\))\$/\1=\2/p")
    for dep in $pkgs; do
      deb=$(e2e_download "$KSUITE" "${dep%%=*}" "${dep#*=}") || return 1
      dpkg-deb -x "$deb" "$KROOT"
    done
    # A merged-/usr package puts the modules in usr/lib/modules: the guest's root has them in
    # /lib/modules either way.
    if [ ! -d "$KROOT/lib/modules" ] && [ -d "$KROOT/usr/lib/modules" ]; then
      mkdir -p "$KROOT/lib"; mv "$KROOT/usr/lib/modules" "$KROOT/lib/modules"
    fi
    # From 7.x on the image and its config and System.map are in the modules folder
    # (usr/lib/modules/REL/vmlinuz...); the package's install hook copies them to /boot, as the
    # guest's root has them.
    local m f
    for m in "$KROOT"/lib/modules/*/; do
      for f in vmlinuz config System.map; do
        [ ! -f "$m$f" ] || [ -e "$KROOT/boot/$f-$(basename "$m")" ] || { mkdir -p "$KROOT/boot"; cp "$m$f" "$KROOT/boot/$f-$(basename "$m")"; }
      done
    done
    touch "$KROOT/.complete"
  fi
  KREL=$(ls "$KROOT/lib/modules" | head -1)
  [ -n "$KREL" ] && [ -f "$KROOT/boot/vmlinuz-$KREL" ] || { log "$KPKG unpacked no /boot/vmlinuz and /lib/modules"; return 1; }
  [ -s "$KROOT/lib/modules/$KREL/modules.dep" ] || depmod -b "$KROOT" "$KREL"
  log "kernel $spec: $KPKG $KVERSION ($KSUITE), release $KREL"
}

# e2e_copy_program FILE STAGE [AS] - a host program (and the shared libraries ldd lists) into the staged root.
e2e_copy_program() {
  local file=$1 stage=$2 as=${3:-$1}
  mkdir -p "$stage$(dirname "$as")"; cp -L "$file" "$stage$as"
  ldd "$file" | awk '/=> \//{print $3} /^[ \t]*\/lib/{print $1}' | while read -r lib; do
    # A library of an unpacked package (e2e_debian_tools) goes where the package would install it.
    local at=$lib
    [ -z "${E2E_TOOLS:-}" ] || at=${lib#"$E2E_TOOLS"}
    mkdir -p "$stage$(dirname "$at")"; cp -L "$lib" "$stage$at"
  done
}

# e2e_debian_tools PACKAGE... -> sets E2E_TOOLS: these packages of the host's own Debian suite
# (its libc and base libraries serve them), downloaded with apt-get download from the suite's
# private lists and unpacked into $E2E_WORK/tools/SUITE-KEY, never installed. The storage cases
# (lvm, raid1) take Debian's lvm2 and mdadm from there into the guest: the host has no
# device-mapper or md, so the stacks are built inside the guest.
e2e_debian_tools() {
  local suite key p version deb
  suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
  key=$(echo "$suite $*" | sha256sum | cut -c1-12)
  E2E_TOOLS="$E2E_WORK/tools/$suite-$key"
  [ -f "$E2E_TOOLS/.complete" ] && return 0
  e2e_apt_update "$suite" || return 1
  rm -rf "$E2E_TOOLS"; mkdir -p "$E2E_TOOLS"
  for p in "$@"; do
    version=$(e2e_apt "$suite" apt-cache show --no-all-versions "$p" 2>/dev/null | awk '/^Version:/{print $2; exit}')
    [ -n "$version" ] || { log "$suite has no package $p"; return 1; }
    deb=$(e2e_download "$suite" "$p" "$version") || return 1
    dpkg-deb -x "$deb" "$E2E_TOOLS"
  done
  touch "$E2E_TOOLS/.complete"
  log "unpacked $* ($suite) in $E2E_TOOLS"
}

# What the storage cases (lvm, raid1) unpack: one set, so that they share one download.
E2E_STORAGE_PACKAGES="lvm2 libdevmapper1.02.1 libdevmapper-event1.02.1 libaio1 mdadm"

# e2e_copy_tool PATH STAGE [AS] - a program of the unpacked packages (e2e_debian_tools), with its
# libraries: the unpacked ones where the packages put them, the others from the host.
e2e_copy_tool() {
  LD_LIBRARY_PATH="$E2E_TOOLS/lib/x86_64-linux-gnu:$E2E_TOOLS/usr/lib/x86_64-linux-gnu" \
    e2e_copy_program "$E2E_TOOLS$1" "$2" "${3:-$1}"
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
  # root's passwd line, as every system has: ssh refuses to run for a uid it cannot name.
  echo "root:x:0:0:root:/root:/bin/sh" > "$stage/etc/passwd"
  : > "$stage/etc/e2e.env"
}

# e2e_guest LINE - a shell assignment for the first kernel's /init (guest-init.sh sources /etc/e2e.env):
#   modules="..."        modules it loads (default: virtio_pci virtio_blk ext4)
#   links="LABEL:vdX..." the /dev/disk/by-label links udev would make (there is no udev)
#   net="ADDR/PREFIX GW"  eth0's address and default route, as the system's network setup would make
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
  # Modules the first kernel loads itself (E2E_GUEST_MODULES: a case's storage stack, which only the
  # guest can build, so the capture initramfs built here cannot know it), with their dependencies.
  local m
  for m in ${E2E_GUEST_MODULES:-}; do
    # A name a release does not have as a module (7.x builds crc32c in) keeps nothing.
    { modprobe -d "$stage" -S "$KREL" --show-depends "$m" 2>/dev/null || true; } | awk '$1 == "insmod" {print $2}' | sed "s|^$stage|.|" >> "$keep"
  done
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

# e2e_build_module NAME -> sets MODULE_KO to tests/e2e/modules/NAME built for the current kernel
# (KSUITE, KPKG, KVERSION, KREL from e2e_fetch_kernel). It is built in a debootstrap chroot of the
# kernel's own suite (for a backports kernel: the stable suite plus its backports), with that
# kernel's linux-headers package at the same version, which brings the linux-headers-*-common,
# linux-kbuild and the gcc the kernel was built with: a module built by another gcc may not load,
# and bookworm's gcc 12 is older than trixie's 14 and sid's. Cached by content: the chroot by
# suite and package list (tests/oracles/chroot.sh), the module by its source and the kernel build.
e2e_build_module() {
  local name=$1 src="$E2E_DIR/modules/$1" key base extra="" dir
  key=$( (cd "$src" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum; echo "$KPKG $KVERSION") | sha256sum | cut -c1-16)
  dir="$E2E_WORK/modules/$name-$KREL-$key"
  MODULE_KO="$dir/$name.ko"
  [ -s "$MODULE_KO" ] && return 0
  base=${KSUITE%-backports}
  [ "$base" = "$KSUITE" ] || extra=$KSUITE
  ( source "$REPO/tests/oracles/chroot.sh"
    chroot_ensure "$base" "make binutils linux-headers-$KREL=$KVERSION" "$extra"
    rm -rf "$dir.tmp"; mkdir -p "$dir.tmp"; cp -a "$src/." "$dir.tmp/"
    log "building $name for $KREL in $CHROOT"
    # The module folder is an argument of its own, so chroot_run binds it into the chroot.
    chroot_run "$CHROOT" sh -c 'make -C "/usr/src/linux-headers-$1" M="$2" modules' _ "$KREL" "$dir.tmp" > "$dir.tmp/build.log" 2>&1 \
      || { cat "$dir.tmp/build.log" >&2; exit 1; }
    grep -a 'vermagic=' "$dir.tmp/$name.ko" > /dev/null
    rm -rf "$dir"; mv "$dir.tmp" "$dir"
  ) || { log "building module $name for $KREL failed"; return 1; }
  log "module $MODULE_KO ($(modinfo -F vermagic "$MODULE_KO"))"
}

# The path target, an ext4 virtio disk (vda) named by its label: the path case and the crash-type
# cases (which only change how the guest crashes) use it.
path_target_setup() {
  truncate -s 1G "$run/dump.img"
  mkfs.ext4 -q -F -L nkdump-dump "$run/dump.img"
  e2e_disk "$run/dump.img"
  e2e_guest 'links="nkdump-dump:vda"'
}

path_target_config() {
  cat <<CONF
ext4 LABEL=nkdump-dump
path /var/crash
core_collector makedumpfile -l --message-level 7 -d 31
extra_modules virtio_pci virtio_blk ext4
failure_action poweroff
final_action poweroff
CONF
}

path_target_collect() { e2e_rdump "$run/dump.img" /var/crash "$OUT"; }

# e2e_fetch_vmlinux -> sets KVMLINUX to the current kernel's vmlinux with DWARF, from its -dbg
# package (linux-image-REL-dbg at the kernel's version: about 1 GB, downloaded once, only the
# vmlinux kept, under $E2E_WORK/dbg). drgn needs it for types: with it the checks compare nkdump's
# task list with drgn's. Used when E2E_DBG=1 (the full plan's default).
e2e_fetch_vmlinux() {
  local dir="$E2E_WORK/dbg/${KPKG}_$KVERSION" deb f
  KVMLINUX="$dir/vmlinux-$KREL"
  [ -s "$KVMLINUX" ] && return 0
  deb=$(e2e_download "$KSUITE" "linux-image-$KREL-dbg" "$KVERSION") || return 1
  rm -rf "$dir.tmp"; mkdir -p "$dir.tmp"
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir.tmp" --wildcards '*/vmlinux*'
  f=$(find "$dir.tmp" -type f -name "vmlinux*" | head -1)
  [ -n "$f" ] || { log "no vmlinux in $deb"; return 1; }
  mkdir -p "$dir"; mv "$f" "$KVMLINUX"; rm -rf "$dir.tmp"
  rm -f "$deb"   # a gigabyte for one file: the vmlinux is the cache
  log "vmlinux with DWARF: $KVMLINUX"
}
