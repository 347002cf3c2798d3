#!/bin/sh
# The first kernel's /init in the end-to-end guest (busybox sh): set up kdump with nkdump only,
# then crash through sysrq. Lines starting with "E2E:" are read by the host.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# What udev would do on a full system: the disk's driver and its /dev/disk/by-label link.
modprobe -a virtio_pci virtio_blk ext4 2>&1 | sed 's/^/E2E: modprobe: /'
i=0; while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done
mkdir -p /dev/disk/by-label
ln -sf /dev/vda /dev/disk/by-label/nkdump-dump   # the host made /dev/vda with this label
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
