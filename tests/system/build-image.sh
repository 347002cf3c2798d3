#!/bin/bash
# Runs in the builder guest, chrooted into the staging tree (see builder-init.sh): lays out the
# system disk /dev/vda as an installer with "guided - use entire disk and set up LVM" would, copies
# the tree onto it and makes it bootable. On success the last line is "BUILDER: image built".
set -euxo pipefail
VG=nkvg
modprobe dm-mod
# One MBR partition from 1 MiB (GRUB's core image goes into the gap before it), type LVM, bootable.
printf 'label: dos\nstart=2048, type=8e, bootable\n' | sfdisk --quiet /dev/vda
i=0; while [ ! -b /dev/vda1 ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done
# No udev runs here: LVM makes the /dev/mapper nodes and /dev/VG links itself (the image's own
# lvm.conf is left as Debian ships it).
mkdir -p /run/lock /run/lvm
noudev=(--config 'activation { udev_sync = 0 udev_rules = 0 }')
pvcreate "${noudev[@]}" -ff -y /dev/vda1
vgcreate "${noudev[@]}" "$VG" /dev/vda1
lvcreate "${noudev[@]}" -y -n root -l 100%FREE "$VG"
mkfs.ext4 -q -L root "/dev/mapper/$VG-root"
mkdir -p /target
mount "/dev/mapper/$VG-root" /target
# -x: one file system, so the kernel's /dev, /proc, /sys and /run mounts are not copied.
cp -ax /. /target/
rm -f /target/root/build-image.sh
for d in dev proc sys run; do mount --bind "/$d" "/target/$d"; done
chroot /target grub-install --target=i386-pc /dev/vda
chroot /target update-grub
grep -m1 -o 'root=[^ ]*' /target/boot/grub/grub.cfg
for d in run sys proc dev; do umount "/target/$d"; done
umount /target
vgchange "${noudev[@]}" -an "$VG"
sync
echo "BUILDER: image built"
