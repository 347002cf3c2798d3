#!/usr/bin/env bash
# tests/e2e/crash-capture.sh [--kernel PACKAGE] [--target path] [--out DIR]
# Boots a Debian kernel in QEMU with crashkernel=, lets nkdump load the capture kernel, crashes the
# guest with sysrq c and lets the capture kernel run `nkdump save` onto an ext4 virtio disk.
# Leaves the saved files in OUT (default artifacts/e2e/out/<kernel>-<target>), mode 0600.
source "$(dirname "$0")/lib.sh"

KPKG=linux-image-6.1.0-56-amd64-unsigned
TARGET=path
OUT=""
MEM=${E2E_MEM:-512M}
CRASHKERNEL=${E2E_CRASHKERNEL:-160M}
while [ $# -gt 0 ]; do
  case "$1" in
    --kernel) KPKG=$2; shift 2 ;;
    --target) TARGET=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -x "$NKDUMP" ] || { echo "run ./build.sh first" >&2; exit 1; }
e2e_install
e2e_fetch_kernel "$KPKG"
OUT=${OUT:-$E2E_WORK/out/$KREL-$TARGET}
run="$E2E_WORK/run-$KREL-$TARGET"
rm -rf "$run"; mkdir -p "$run"
stage="$run/stage"

# The guest's root: nkdump (at /usr/sbin/nkdump) and its libraries, the kernel, its modules,
# kdump.conf, busybox for the first kernel's /init.
mkdir -p "$stage"/{bin,sbin,usr/sbin,etc,proc,sys,dev,boot,tmp,var/crash,var/lib/nkdump,lib/modules}
install -m 0755 "$NKDUMP" "$stage/usr/sbin/nkdump"
ldd "$NKDUMP" | awk '/=> \//{print $3} /^[ \t]*\/lib/{print $1}' | while read -r lib; do
  mkdir -p "$stage$(dirname "$lib")"; cp -L "$lib" "$stage$lib"
done
# liblzo2 as Debian's liblzo2-2 installs it: nkdump's LZO codec loads it at run time.
mkdir -p "$stage/usr/lib/x86_64-linux-gnu"; cp -L /usr/lib/x86_64-linux-gnu/liblzo2.so.2 "$stage/usr/lib/x86_64-linux-gnu/"
cp /bin/busybox "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"
cp "$KROOT/boot/vmlinuz-$KREL" "$stage/boot/"
cp -a "$KROOT/lib/modules/$KREL" "$stage/lib/modules/"
printf 'console=ttyS0 crashkernel=%s panic=5\n' "$CRASHKERNEL" > "$run/cmdline"
case "$TARGET" in
  path)
    cat > "$stage/etc/kdump.conf" <<CONF
ext4 LABEL=nkdump-dump
path /var/crash
core_collector makedumpfile -l --message-level 7 -d 31
extra_modules virtio_pci virtio_blk ext4
failure_action poweroff
final_action poweroff
CONF
    ;;
  *) echo "target $TARGET is not in the suite yet" >&2; exit 2 ;;
esac

# The capture initramfs, built on the host by nkdump's own builder against the staged root.
log "building the capture initramfs with nkdump rebuild"
mkdir -p "$stage/proc/sys/kernel"; cp "$run/cmdline" "$stage/proc/cmdline"; echo "$KREL" > "$stage/proc/sys/kernel/osrelease"
"$NKDUMP" rebuild --root "$stage" --binary /usr/sbin/nkdump >"$run/rebuild.log" 2>&1 || { cat "$run/rebuild.log" >&2; exit 1; }
rm -rf "$stage/proc"; mkdir -p "$stage/proc"
# Keep only the modules the capture initramfs holds (the manifest lists them), so the guest's
# own copy of the inputs matches and `nkdump start` there finds the image up to date.
keep="$run/modules.keep"
awk '$1 == "file" && $3 ~ /^\/lib\/modules\// {print "." $3}' "$stage/var/lib/nkdump/initramfs-$KREL.manifest" > "$keep"
(cd "$stage" && find "./lib/modules/$KREL" -type f -name '*.ko*' | grep -vxFf "$keep" | xargs -r rm -f)
ls -la "$stage/var/lib/nkdump" >&2

# The first kernel's initramfs: the whole staged root plus /init.
install -m 0755 "$E2E_DIR/guest-init.sh" "$stage/init"
(cd "$stage" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) > "$run/initrd.cpio"

disk="$run/dump.img"
truncate -s 1G "$disk"
mkfs.ext4 -q -F -L nkdump-dump "$disk"

log "booting $KREL (mem $MEM, crashkernel=$CRASHKERNEL)"
set +e
timeout "${E2E_TIMEOUT:-900}" qemu-system-x86_64 \
  -machine q35 -accel tcg -smp 2 -m "$MEM" \
  -kernel "$KROOT/boot/vmlinuz-$KREL" -initrd "$run/initrd.cpio" \
  -append "$(cat "$run/cmdline")" \
  -drive file="$disk",format=raw,if=virtio,cache=unsafe \
  -nic none -display none -monitor none -serial file:"$run/serial.log" -no-reboot < /dev/null
rc=$?
set -e
log "qemu exit $rc; serial log $run/serial.log"
grep -a "E2E:\|nkdump" "$run/serial.log" | tail -40 >&2 || true

rm -rf "$OUT"; mkdir -p "$OUT"; chmod 0700 "$OUT"
debugfs -R "rdump /var/crash $OUT" "$disk" >/dev/null 2>&1 || true
find "$OUT" -type f -exec chmod 0600 {} +
cp "$run/serial.log" "$OUT/serial.log"
find "$OUT" -maxdepth 3 -ls >&2
