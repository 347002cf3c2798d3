#!/bin/sh
# The first kernel's /init in the end-to-end guest (busybox sh): set up kdump with nkdump only,
# then crash through sysrq. Lines starting with "E2E:" are read by the host. The case's settings
# are in /etc/e2e.env (see lib.sh's e2e_guest); e2e_mode=savecore on the kernel command line (the
# kernel hands unknown name=value words to init's environment) makes this boot the one after a
# raw-target capture instead: it runs `nkdump savecore` and powers off.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
modules="virtio_pci virtio_blk crc32c_generic ext4"   # ext4 needs crc32c: busybox modprobe ignores softdeps
links=""
crash_disk=""
. /etc/e2e.env
# What udev would do on a full system: the disks' drivers and their /dev/disk/by-label links.
modprobe -a $modules 2>&1 | sed 's/^/E2E: modprobe: /'
mkdir -p /dev/disk/by-label
for link in $links; do
  dev=/dev/${link#*:}
  i=0; while [ ! -b "$dev" ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done
  ln -sf "$dev" "/dev/disk/by-label/${link%%:*}"
done

if [ "${e2e_mode:-}" = savecore ]; then
  # The boot after a capture to a raw device: $crash_disk is the file system
  # mounted on /var, as a root file system holding /var/crash would be.
  i=0; while [ ! -b "$crash_disk" ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done
  if mount -t ext4 "$crash_disk" /var && mkdir -p /var/crash; then
    echo "E2E: mounted $crash_disk on /var"
    nkdump savecore; echo "E2E: savecore rc=$?"
    nkdump savecore; echo "E2E: second savecore rc=$?"
    umount /var
  else
    echo "E2E: ERROR cannot mount $crash_disk"
  fi
  sync
  poweroff -f
fi

echo "E2E: first kernel up, crashkernel size $(cat /sys/kernel/kexec_crash_size)"
echo "E2E: hello from the first kernel" > /dev/kmsg
sleep 31337 &
if nkdump start; then
  echo "E2E: start ok, kexec_crash_loaded=$(cat /sys/kernel/kexec_crash_loaded)"
else
  echo "E2E: nkdump start failed rc=$?"
fi
nkdump status; echo "E2E: status rc=$?"
sync
echo c > /proc/sysrq-trigger
echo "E2E: ERROR still alive after sysrq-c"
poweroff -f
