#!/usr/bin/env bash
# bench/capture-phases.sh - time the phases of a real crash -> capture -> power-off under QEMU (TCG),
# for nkdump and for the reference lab's kexec-tools + makedumpfile flow, side by side.
#
#   bench/capture-phases.sh [--kernels "61 612"] [--flows "nkdump lab"] [--runs 2]
#                           [--crashkernel 160M] [--mem 512M] [--out DIR] [--keep-dumps]
#                           [--compress NAME]   (nkdump rebuild --compress: the capture initramfs)
#                           [--conf LINE]...    (an extra kdump.conf line for the nkdump flow, e.g.
#                                                "kdump_commandline_remove nokaslr")
#
# nkdump flow: the guest's first kernel runs `nkdump start` (nkdump's own initramfs builder and
#   kexec_file_load), then sysrq c; the capture kernel's initramfs runs `nkdump save`, which writes
#   vmcore-dmesg.txt and a -l -d 31 vmcore to an ext4 virtio disk, then powers off.
# lab flow: ../shared/lab/30-boot-crash.sh run unchanged with LABCAP=min (kexec -s -p, sysrq c,
#   makedumpfile --dump-dmesg, makedumpfile -l -d 31 to an ext4 virtio disk, power off), its data
#   under $LABDATA (default /tmp/nk-bench-lab).
# Both: q35, TCG, 2 vCPUs, same memory and crashkernel=, the serial console stamped on the host
# (bench/capture-ts.py here, the lab's ts.py there: the same format). Runs alternate the flows so
# that both see the same load. One QEMU at a time.
#
# Output: DIR/results.jsonl (one line per run: milestones, phases, dump size, load average),
# DIR/<kernel>-<flow>-<run>.log (the stamped serial logs), and the median table on stdout.
# The nkdump binary: $NKDUMP_ARTIFACTS/bin/nkdump, else artifacts/bin/nkdump (./build.sh).
# bench/crashkernel-min.sh drives this script with --runs 1 and reads results.jsonl.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"
ART="${NKDUMP_ARTIFACTS:-$REPO/artifacts}"
NKDUMP="$ART/bin/nkdump"
WORK="${BENCH_WORK:-$ART/bench-capture}"
LAB="${LAB:-$(cd "$REPO/../shared/lab" 2>/dev/null && pwd || echo /work/shared/lab)}"
export LABDATA="${LABDATA:-/tmp/nk-bench-lab}"

KERNELS="61 612"
FLOWS="nkdump lab"
RUNS=2
CRASHKERNEL=160M
MEM=512M
OUT=""
KEEP_DUMPS=0
COMPRESS=""
CONF_EXTRA=""
TIMEOUT="${BENCH_TIMEOUT:-900}"
while [ $# -gt 0 ]; do
  case "$1" in
    --kernels) KERNELS=$2; shift 2 ;;
    --flows) FLOWS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --crashkernel) CRASHKERNEL=$2; shift 2 ;;
    --mem) MEM=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --keep-dumps) KEEP_DUMPS=1; shift ;;
    --compress) COMPRESS=$2; shift 2 ;;
    --conf) CONF_EXTRA+="$2"$'\n'; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
OUT="${OUT:-$WORK/phases-$(date -u +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT" "$WORK"
RESULTS="$OUT/results.jsonl"

log() { printf '[bench %s] %s\n' "$(date -u +%T)" "$*" >&2; }

# kernel short name -> Debian package (the lab's common.sh uses the same two)
package_of() {
  case "$1" in
    61) echo linux-image-6.1.0-56-amd64-unsigned ;;
    612) echo linux-image-6.12.117+deb12-amd64-unsigned ;;
    *) echo "unknown kernel $1 (61 or 612)" >&2; return 2 ;;
  esac
}

# fetch_kernel PACKAGE -> KROOT (the unpacked package, never installed) and KREL
fetch_kernel() {
  local pkg=$1 deb
  mkdir -p "$WORK/debs"
  deb=$(ls "$WORK/debs/${pkg}"_*.deb "$LABDATA/debs/${pkg}"_*.deb 2>/dev/null | head -1 || true)
  if [ -z "$deb" ]; then
    log "apt-get download $pkg"
    (cd "$WORK/debs" && apt-get download "$pkg" >/dev/null)
    deb=$(ls "$WORK/debs/${pkg}"_*.deb | head -1)
  fi
  KROOT="$WORK/kernels/$pkg"
  if [ ! -d "$KROOT/boot" ]; then
    # unpacked beside and renamed into place: an interrupted unpack never looks complete
    rm -rf "$KROOT" "$KROOT.unpack"; mkdir -p "$KROOT.unpack"
    dpkg-deb -x "$deb" "$KROOT.unpack"
    mv "$KROOT.unpack" "$KROOT"
  fi
  KREL=$(ls "$KROOT/lib/modules" | head -1)
  depmod -b "$KROOT" "$KREL"
}

# The first kernel's /init for the nkdump flow (busybox sh): load kdump with nkdump, crash.
write_guest_init() {
  cat > "$1" <<'INIT'
#!/bin/sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
modprobe -a virtio_pci virtio_blk ext4 2>&1 | sed 's/^/BENCH: modprobe: /'
i=0; while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done
mkdir -p /dev/disk/by-label
ln -sf /dev/vda /dev/disk/by-label/nkdump-dump
echo "BENCH: crashkernel bytes $(cat /sys/kernel/kexec_crash_size)"
if nkdump start; then echo "BENCH: start ok"; else echo "BENCH: start failed rc=$?"; fi
echo "BENCH: kexec_crash_loaded=$(cat /sys/kernel/kexec_crash_loaded)"
for f in /var/lib/nkdump/initramfs-*.img; do
  echo "BENCH: capture initramfs $f $(wc -c < "$f") bytes, magic $(head -c 4 "$f" | od -An -tx1 | tr -d ' ')"
done
sync
echo "BENCH: crash-now"
echo c > /proc/sysrq-trigger
echo "BENCH: ERROR still alive after sysrq-c"
poweroff -f
INIT
  chmod 0755 "$1"
}

# stage_nkdump KERNEL -> $OUT/stage-KERNEL/{initrd.cpio,cmdline}; the capture initramfs is built
# on the host by `nkdump rebuild` against the staged root (as tests/e2e does), so that the guest's
# `nkdump start` finds its inputs and loads it with kexec_file_load.
stage_nkdump() {
  local k=$1 run="$OUT/stage-$1" stage
  stage="$run/root"
  fetch_kernel "$(package_of "$k")"
  rm -rf "$run"; mkdir -p "$stage"/{bin,sbin,usr/sbin,etc,proc,sys,dev,boot,tmp,var/crash,var/lib/nkdump,lib/modules}
  install -m 0755 "$NKDUMP" "$stage/usr/sbin/nkdump"
  ldd "$NKDUMP" | awk '/=> \//{print $3} /^[ \t]*\/lib/{print $1}' | while read -r lib; do
    mkdir -p "$stage$(dirname "$lib")"; cp -L "$lib" "$stage$lib"
  done
  cp /bin/busybox "$stage/bin/busybox"; ln -s busybox "$stage/bin/sh"
  # the kernel's config as a Debian host has it: nkdump picks the initramfs compression from it
  cp "$KROOT/boot/vmlinuz-$KREL" "$KROOT/boot/config-$KREL" "$stage/boot/"
  cp -a "$KROOT/lib/modules/$KREL" "$stage/lib/modules/"
  printf 'console=ttyS0 crashkernel=%s panic=5\n' "$CRASHKERNEL" > "$run/cmdline"
  cat > "$stage/etc/kdump.conf" <<CONF
ext4 LABEL=nkdump-dump
path /var/crash
core_collector makedumpfile -l --message-level 7 -d 31
extra_modules virtio_pci virtio_blk ext4
failure_action poweroff
final_action poweroff
CONF
  printf '%s' "$CONF_EXTRA" >> "$stage/etc/kdump.conf"
  mkdir -p "$stage/proc/sys/kernel"; cp "$run/cmdline" "$stage/proc/cmdline"; echo "$KREL" > "$stage/proc/sys/kernel/osrelease"
  "$NKDUMP" rebuild --root "$stage" --binary /usr/sbin/nkdump ${COMPRESS:+--compress "$COMPRESS"} > "$run/rebuild.log" 2>&1 || { cat "$run/rebuild.log" >&2; return 1; }
  rm -rf "$stage/proc"; mkdir -p "$stage/proc"
  local img="$stage/var/lib/nkdump/initramfs-$KREL.img"
  local keep="$run/modules.keep"
  awk '$1 == "file" && $3 ~ /^\/lib\/modules\// {print "." $3}' "$stage/var/lib/nkdump/initramfs-$KREL.manifest" > "$keep"
  (cd "$stage" && find "./lib/modules/$KREL" -type f -name '*.ko*' | grep -vxFf "$keep" | xargs -r rm -f)
  printf '%s\t%s\t%s bytes\t%s modules\t%s\n' "$k" "$(basename "$img")" "$(stat -c %s "$img")" \
    "$(wc -l < "$keep")" "$(file -b "$img" | cut -d, -f1)" >> "$OUT/initramfs.txt"
  write_guest_init "$stage/init"
  (cd "$stage" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) > "$run/initrd.cpio"
  STAGED_KERNEL[$k]="$KROOT/boot/vmlinuz-$KREL"
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg | tr ' ' '/'; }

# run_nkdump KERNEL RUN: one crash and capture; appends a line to results.jsonl
run_nkdump() {
  local k=$1 r=$2 run="$OUT/stage-$1" name="$1-nkdump-$2"
  local disk="$OUT/$name.img" serial="$OUT/$name.log" dest="$OUT/$name.out"
  rm -f "$disk"; truncate -s 1G "$disk"; mkfs.ext4 -q -F -L nkdump-dump "$disk"
  local load0 t0 rc
  load0=$(loadavg); t0=$(date +%s.%N)
  log "nkdump $k run $r: booting (crashkernel=$CRASHKERNEL, mem $MEM, load $load0)"
  set +e
  timeout "$TIMEOUT" qemu-system-x86_64 \
    -machine q35 -accel tcg -smp 2 -m "$MEM" \
    -kernel "${STAGED_KERNEL[$k]}" -initrd "$run/initrd.cpio" -append "$(cat "$run/cmdline")" \
    -drive file="$disk",format=raw,if=virtio,cache=unsafe \
    -nic none -display none -monitor none -serial stdio -no-reboot < /dev/null \
    | /usr/bin/python3 "$BENCH_DIR/capture-ts.py" "$serial"
  rc=${PIPESTATUS[0]}
  set -e
  local wall; wall=$(echo "$(date +%s.%N) $t0" | awk '{printf "%.1f", $1-$2}')
  rm -rf "$dest"; mkdir -p "$dest"; chmod 0700 "$dest"
  debugfs -R "rdump /var/crash $dest" "$disk" > /dev/null 2>&1 || true
  rm -f "$disk"
  local vmcore incomplete bytes=0 readable=0
  vmcore=$(find "$dest" -name vmcore -type f | head -1)
  incomplete=$(find "$dest" -name vmcore-incomplete -type f | wc -l)
  if [ -n "$vmcore" ]; then
    bytes=$(stat -c %s "$vmcore")
    "$NKDUMP" info "$vmcore" > "$dest/info.txt" 2>&1 && readable=1
  fi
  [ "$KEEP_DUMPS" = 1 ] || find "$dest" -name 'vmcore*' -type f -delete
  /usr/bin/python3 "$BENCH_DIR/capture-phases.py" phases "$serial" nkdump kernel="$k" run="$r" \
    crashkernel="$CRASHKERNEL" mem="$MEM" qemu_rc="$rc" wall_s="$wall" load_before="$load0" \
    load_after="$(loadavg)" dump_bytes="$bytes" vmcore_readable="$readable" incomplete="$incomplete" >> "$RESULTS"
  tail -1 "$RESULTS" >&2
}

# prepare_lab KERNEL: the lab's kernel tree and initramfs under $LABDATA (its scripts, unchanged)
prepare_lab() {
  local kd="$LABDATA/k$1"
  if [ ! -f "$kd/initrd-full.cpio" ]; then
    log "lab $1: 10-fetch-kernel.sh and 20-build-initramfs.sh (LABDATA=$LABDATA)"
    LAB_KERNEL=$1 WITH_DBG=0 "$LAB/10-fetch-kernel.sh" > "$OUT/lab-fetch-$1.log" 2>&1
    LAB_KERNEL=$1 "$LAB/20-build-initramfs.sh" > "$OUT/lab-initramfs-$1.log" 2>&1
  fi
  printf '%s\tinitrd-core.cpio (lab capture initramfs)\t%s bytes\tuncompressed cpio\n' "$1" \
    "$(stat -c %s "$kd/initrd-core.cpio")" >> "$OUT/initramfs.txt"
}

# run_lab KERNEL RUN: the lab's 30-boot-crash.sh with labcap=min
run_lab() {
  local k=$1 r=$2 name="$1-lab-$2" kd="$LABDATA/k$1" rn="bench-$1-$2-$$"
  local load0 t0 rc
  load0=$(loadavg); t0=$(date +%s.%N)
  log "lab $k run $r: 30-boot-crash.sh (crashkernel=$CRASHKERNEL, mem $MEM, load $load0)"
  set +e
  LAB_KERNEL=$k CRASHKERNEL=$CRASHKERNEL GUEST_MEM=$MEM LABCAP=min RUN_NAME=$rn DISK_SIZE=1G TIMEOUT=$TIMEOUT \
    "$LAB/30-boot-crash.sh" > "$OUT/$name.run.txt" 2>&1
  rc=$?
  set -e
  local wall; wall=$(echo "$(date +%s.%N) $t0" | awk '{printf "%.1f", $1-$2}')
  cp "$kd/logs/serial-$rn.log" "$OUT/$name.log"
  local dump="$kd/out/$rn/vmcore.kdump-lzo-d31" bytes=0 readable=0
  if [ -f "$dump" ]; then
    bytes=$(stat -c %s "$dump")
    "$NKDUMP" info "$dump" > "$OUT/$name.info.txt" 2>&1 && readable=1
  fi
  [ "$KEEP_DUMPS" = 1 ] || rm -rf "$kd/out/$rn"
  /usr/bin/python3 "$BENCH_DIR/capture-phases.py" phases "$OUT/$name.log" lab kernel="$k" run="$r" \
    crashkernel="$CRASHKERNEL" mem="$MEM" script_rc="$rc" wall_s="$wall" load_before="$load0" \
    load_after="$(loadavg)" dump_bytes="$bytes" vmcore_readable="$readable" incomplete=0 >> "$RESULTS"
  tail -1 "$RESULTS" >&2
}

[ -x "$NKDUMP" ] || { echo "no $NKDUMP: build it first (./build.sh, or NKDUMP_ARTIFACTS=...)" >&2; exit 1; }
for tool in qemu-system-x86_64 debugfs mkfs.ext4 cpio dpkg-deb depmod file; do
  command -v "$tool" > /dev/null || { echo "missing $tool (apt-get install qemu-system-x86 e2fsprogs cpio kmod file)" >&2; exit 1; }
done
{
  echo "date: $(date -u '+%F %T UTC')"
  echo "host: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r), $(qemu-system-x86_64 --version | head -1)"
  echo "nkdump: $NKDUMP ($("$NKDUMP" --version 2>/dev/null | head -1), $(stat -c %s "$NKDUMP") bytes, sha256 $(sha256sum "$NKDUMP" | cut -c1-12)); bench scripts at commit $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null)"
  echo "kernels: $KERNELS; flows: $FLOWS; runs: $RUNS; crashkernel=$CRASHKERNEL; mem $MEM"
  echo "uptime at start: $(uptime)"
} > "$OUT/machine.txt"
cat "$OUT/machine.txt" >&2

declare -A STAGED_KERNEL
for k in $KERNELS; do
  for f in $FLOWS; do
    case "$f" in
      nkdump) stage_nkdump "$k" ;;
      lab) prepare_lab "$k" ;;
      *) echo "unknown flow $f (nkdump or lab)" >&2; exit 2 ;;
    esac
  done
done
for r in $(seq 1 "$RUNS"); do
  for k in $KERNELS; do
    for f in $FLOWS; do "run_$f" "$k" "$r"; done
  done
done
echo "uptime at end: $(uptime)" >> "$OUT/machine.txt"
rm -rf "$OUT"/stage-*/root
/usr/bin/python3 "$BENCH_DIR/capture-phases.py" table "$RESULTS" | tee "$OUT/table.md"
log "results in $OUT"
