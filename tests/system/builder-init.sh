#!/bin/sh
# /init of the builder guest (busybox sh; see image.sh): the host cannot make LVM (its kernel has no
# device-mapper), so a guest running the image's own Debian kernel does. This init loads the
# modules of the two virtio disks' file systems, mounts the staging disk (vdb: the image's root
# tree, an ext4 made on the host with mke2fs -d), and runs /root/build-image.sh there in a chroot,
# with the tree's own tools (sfdisk, lvm, mkfs, update-initramfs, grub-install) and the tree's
# modules, which are this kernel's. Lines starting with "BUILDER:" are read by the host.
export PATH=/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
while read -r m; do insmod "$m" || echo "BUILDER: insmod $m failed"; done < /modules.order
i=0; while [ ! -b /dev/vdb ] && [ $i -lt 100 ]; do sleep 0.2; i=$((i+1)); done
mkdir -p /src
if mount -t ext4 /dev/vdb /src; then
  mount --bind /dev /src/dev
  mount -t proc proc /src/proc
  mount -t sysfs sysfs /src/sys
  mount -t tmpfs tmpfs /src/run
  chroot /src /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 /bin/bash /root/build-image.sh
  echo "BUILDER: build-image.sh exit $?"
  umount /src/run /src/sys /src/proc /src/dev
  umount /src
else
  echo "BUILDER: cannot mount the staging disk /dev/vdb"
fi
sync
poweroff -f
