# tests/system/image.sh - the system test's Debian disk images (sourced after lib.sh).
#
#   sys_image SUITE VARIANT  -> sets IMAGE_DIR: IMAGE_DIR/disk.qcow2 (3 GiB, qcow2) and the ssh key
#                               IMAGE_DIR/id_ed25519 whose public half root accepts
#   VARIANT: base (Debian as installed) or kdump-tools (plus kdump-tools, configured and enabled)
#
# What an installer's "use entire disk and set up LVM" leaves: an MBR disk whose one partition is
# an LVM physical volume (VG nkvg, LV root, ext4, mounted as /), GRUB in the boot sector, Debian's
# kernel with an initramfs that activates the LV. The host cannot make LVM (its kernel has no
# device-mapper), so the disk is made inside a QEMU guest:
#   1. debootstrap the suite with SYSTEM_BASE_PACKAGES on the host (tests/oracles/chroot.sh, cached
#      by suite and package list under artifacts/chroots);
#   2. copy it, add the variant's packages (kdump-tools), and write the files an installer would
#      (fstab, hostname, network, root's authorized_keys, GRUB defaults for a serial console);
#   3. mke2fs -d turns that tree into an ext4 staging disk, no mount needed;
#   4. the tree's own kernel boots with a small busybox initramfs (builder-init.sh) that chroots
#      into the staging disk and runs build-image.sh: sfdisk, pvcreate/vgcreate/lvcreate, mkfs,
#      cp, grub-install, update-grub, all with the tree's own tools. (update-initramfs runs on
#      the host, in step 2: it needs no device, and under TCG it is slow.)
# Images are cached under $SYS_WORK/images/SUITE-VARIANT-KEY, KEY = hash of these scripts, the
# package lists, the suite and the variant; they are made in a temporary folder and renamed when
# complete. Tests boot a qcow2 overlay, never the image itself.
source "$REPO/tests/oracles/chroot.sh"
source "$SYS_DIR/packages.sh"

sys_image_key() {
  local suite=$1 variant=$2
  { cat "$SYS_DIR/image.sh" "$SYS_DIR/packages.sh" "$SYS_DIR/builder-init.sh" "$SYS_DIR/build-image.sh"
    echo "suite $suite variant $variant recipe $CHROOT_RECIPE"; } | sha256sum | cut -c1-16
}

sys_image() {
  local suite=$1 variant=$2 key tmp
  key=$(sys_image_key "$suite" "$variant")
  IMAGE_DIR="$SYS_WORK/images/$suite-$variant-$key"
  [ -f "$IMAGE_DIR/.complete" ] && return 0
  SCENARIO="$suite-$variant-image"
  phase_start debootstrap
  chroot_ensure "$suite" "$SYSTEM_BASE_PACKAGES"
  phase_end
  tmp="$SYS_WORK/images/.tmp-$suite-$variant-$key"
  # A build that died half way, or an image of older inputs, is of no further use.
  rm -rf --one-file-system "$SYS_WORK/images/.tmp-$suite-$variant-"* "$SYS_WORK/images/$suite-$variant-"*
  mkdir -p "$tmp"
  phase_start "image build"
  sys_stage_tree "$suite" "$variant" "$tmp" || { phase_end; return 1; }
  sys_build_disk "$tmp" || { phase_end; return 1; }
  phase_end
  rm -rf --one-file-system "$tmp/tree" "$tmp/stage.img" "$tmp/builder"
  touch "$tmp/.complete"
  rm -rf "$IMAGE_DIR"; mv "$tmp" "$IMAGE_DIR"
  log "image ready: $IMAGE_DIR ($(du -sh "$IMAGE_DIR/disk.qcow2" | cut -f1) on disk)"
}

# sys_stage_tree SUITE VARIANT DIR - DIR/tree: the debootstrapped system as an installer leaves it.
sys_stage_tree() {
  local suite=$1 variant=$2 dir=$3 tree=$3/tree u
  log "staging the $suite ($variant) tree from $CHROOT"
  cp -ax "$CHROOT" "$tree"   # -x: never what may be mounted inside
  rm -f "$tree/.complete" "$tree/.packages"
  if [ "$variant" = kdump-tools ]; then
    chroot_run "$tree" sh -c "export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq --no-install-recommends $SYSTEM_KDUMP_TOOLS_PACKAGES && apt-get clean" \
      > "$dir/kdump-tools-install.log" 2>&1 || { tail -20 "$dir/kdump-tools-install.log" >&2; return 1; }
    # Enabled, dumps under /var/crash, makedumpfile's usual filter: what a guide tells one to set.
    sed -i -e 's/^#* *USE_KDUMP=.*/USE_KDUMP=1/' -e 's|^#* *KDUMP_COREDIR=.*|KDUMP_COREDIR="/var/crash"|' \
      "$tree/etc/default/kdump-tools"
    grep -q '^USE_KDUMP=1' "$tree/etc/default/kdump-tools" || echo 'USE_KDUMP=1' >> "$tree/etc/default/kdump-tools"
  fi
  # What chroot.sh added for building and an installed system does not have: services may start.
  rm -f "$tree/usr/sbin/policy-rc.d" "$tree/etc/apt/apt.conf.d/80e2e-no-valid-until"
  echo "nkdump-$suite" > "$tree/etc/hostname"
  printf '127.0.0.1\tlocalhost\n127.0.1.1\tnkdump-%s\n' "$suite" > "$tree/etc/hosts"
  echo "/dev/mapper/nkvg-root / ext4 errors=remount-ro 0 1" > "$tree/etc/fstab"
  # QEMU's user-mode network: the guest is 10.0.2.15, the host's forwarded ports come from 10.0.2.2.
  mkdir -p "$tree/etc/systemd/network"
  printf '[Match]\nName=en* eth*\n\n[Network]\nAddress=10.0.2.15/24\nGateway=10.0.2.2\n' > "$tree/etc/systemd/network/20-wired.network"
  # The test's key (kept with the image), and a root password for a person at the serial console.
  ssh-keygen -q -t ed25519 -N "" -C "nkdump system test" -f "$dir/id_ed25519"
  install -d -m 0700 "$tree/root/.ssh"
  install -m 0600 "$dir/id_ed25519.pub" "$tree/root/.ssh/authorized_keys"
  echo 'root:nkdump' | chroot "$tree" chpasswd
  # GRUB at once, on the serial console too; the kernels' console is ttyS0. no_timer_check: under
  # TCG on a busy host the kernel's IO-APIC timer check can fail and panic at boot (seen here).
  # Packages' drop-ins
  # (nkdump's, kdump-tools') sort after this one and add crashkernel=.
  mkdir -p "$tree/etc/default/grub.d"
  cat > "$tree/etc/default/grub.d/10-system-test.cfg" <<'CFG'
GRUB_TIMEOUT=0
GRUB_CMDLINE_LINUX_DEFAULT=""
GRUB_CMDLINE_LINUX="console=ttyS0,115200n8 no_timer_check"
GRUB_TERMINAL="serial console"
GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"
CFG
  chroot "$tree" systemctl enable systemd-networkd.service >/dev/null 2>&1
  # Timers that would run apt or scrubs in the middle of a test (and hold dpkg's lock).
  for u in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer man-db.timer dpkg-db-backup.timer; do
    [ ! -e "$tree/lib/systemd/system/$u" ] && [ ! -e "$tree/usr/lib/systemd/system/$u" ] || chroot "$tree" systemctl mask "$u" >/dev/null 2>&1
  done
  # The initramfs again, now that fstab names the root: lvm2's hook puts its tools in, and its
  # script activates root=/dev/mapper/nkvg-root at boot. Made here at the host's speed (in the
  # builder guest, under TCG, it took minutes); MODULES=most does not look at the host's devices.
  chroot_run "$tree" update-initramfs -u -k all > "$dir/update-initramfs.log" 2>&1 || { cat "$dir/update-initramfs.log" >&2; return 1; }
  install -m 0755 "$SYS_DIR/build-image.sh" "$tree/root/build-image.sh"
}

# sys_build_disk DIR - DIR/disk.qcow2 from DIR/tree, made in the builder guest (see the top).
sys_build_disk() {
  local dir=$1 tree=$1/tree rel size m f
  rel=$(ls "$tree/lib/modules" | sort -V | tail -1)
  # The staging disk: the tree as an ext4, a quarter larger than its contents.
  size=$(( $(du -sm "$tree" | cut -f1) * 5 / 4 + 256 ))
  log "staging disk: ${size} MiB ext4 from the tree (mke2fs -d)"
  mke2fs -q -t ext4 -L stage -d "$tree" "$dir/stage.img" "${size}M" || return 1
  # The builder's initramfs: busybox and the modules for virtio disks and ext4, in load order.
  local b=$dir/builder
  mkdir -p "$b/bin" "$b/mod"
  cp /bin/busybox "$b/bin/busybox"; ln -s busybox "$b/bin/sh"
  install -m 0755 "$SYS_DIR/builder-init.sh" "$b/init"
  : > "$b/modules.order"
  for m in virtio_pci virtio_blk crc32c_generic ext4; do
    modprobe -d "$tree" -S "$rel" --show-depends "$m" 2>/dev/null | awk '$1 == "insmod" {print $2}' || true
  done | awk '!seen[$0]++' | while read -r f; do
    local name=${f##*/}; name=${name%.xz}; name=${name%.zst}
    case "$f" in
      *.xz) xz -dc "$f" > "$b/mod/$name" ;;
      *.zst) zstd -qdc "$f" > "$b/mod/$name" ;;
      *) cp "$f" "$b/mod/$name" ;;
    esac
    echo "/mod/$name" >> "$b/modules.order"
  done
  (cd "$b" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) > "$dir/builder.cpio"
  qemu-img create -q -f qcow2 "$dir/disk.qcow2" 3G || return 1
  log "builder guest: $rel, partitioning, LVM, copy, initramfs, GRUB (console $dir/build-serial.log)"
  local rc=0
  nice -n 10 timeout "${SYSTEM_BUILD_TIMEOUT:-1500}" qemu-system-x86_64 \
    -machine q35 -accel tcg -smp "$SYS_SMP" -m 1024 \
    -kernel "$tree/boot/vmlinuz-$rel" -initrd "$dir/builder.cpio" -append "console=ttyS0 panic=-1 loglevel=4 no_timer_check" \
    -drive "file=$dir/disk.qcow2,format=qcow2,if=virtio,cache=unsafe" \
    -drive "file=$dir/stage.img,format=raw,if=virtio,cache=unsafe" \
    -display none -monitor none -serial "file:$dir/build-serial.log" -no-reboot < /dev/null > "$dir/build-qemu.log" 2>&1 || rc=$?
  if [ $rc -ne 0 ] || ! grep -aq 'BUILDER: image built' "$dir/build-serial.log"; then
    log "the builder guest failed (qemu exit $rc); its console:"; grep -a 'BUILDER:\|^+ \|rror' "$dir/build-serial.log" | tail -30 >&2
    return 1
  fi
}
