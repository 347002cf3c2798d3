#!/bin/sh
# The first kernel's /init in the end-to-end guest (busybox sh): set up kdump with nkdump only,
# then crash the way $crash says (sysrq c by default). Lines starting with "E2E:" are read by the host. The case's settings
# are in /etc/e2e.env (see lib.sh's e2e_guest); e2e_mode=savecore on the kernel command line (the
# kernel hands unknown name=value words to init's environment) makes this boot the one after a
# raw-target capture instead: it runs `nkdump savecore` and powers off; e2e_mode=report makes it the
# boot after a capture to the path or ssh target: it mounts the state and dump disks, runs `nkdump report`
# (as nkdump-report.service would), `status` and `list`, and powers off.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
modules="virtio_pci virtio_blk crc32c_generic ext4"   # ext4 needs crc32c: busybox modprobe ignores softdeps
links=""
net=""   # "ADDRESS/PREFIX GATEWAY", dhcp or slaac for eth0 (bond0 when $bond is set), as a system's network configuration would set it
bond=""  # NICs of an active-backup bond0 (the bond case)
crash_disk=""
state_disk=""   # an ext4 disk mounted on /var/lib/nkdump before the crash and in the report boot: the state survives
dump_disk=""    # the path target's disk, mounted on /mnt/dump in the report boot
. /etc/e2e.env
# What udev would do on a full system: the disks' drivers and their /dev/disk/by-label links.
modprobe -a $modules 2>&1 | sed 's/^/E2E: modprobe: /'
mkdir -p /dev/disk/by-label
for link in $links; do
  dev=/dev/${link#*:}
  i=0; while [ ! -b "$dev" ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done
  ln -sf "$dev" "/dev/disk/by-label/${link%%:*}"
done
if [ -n "${bond:-}" ]; then
  # An active-backup bond0 over the NICs in $bond (e.g. "eth0 eth1"), as ifenslave makes it: the
  # slaves join while down; $net then configures bond0 (loading bonding made it).
  for nic in $bond; do i=0; while [ ! -e /sys/class/net/$nic ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done; done
  echo active-backup > /sys/class/net/bond0/bonding/mode; echo 100 > /sys/class/net/bond0/bonding/miimon
  for nic in $bond; do echo "+$nic" > /sys/class/net/bond0/bonding/slaves; done
  echo "E2E: bond0 over $(cat /sys/class/net/bond0/bonding/slaves), mode $(cat /sys/class/net/bond0/bonding/mode)"
  netdev=bond0
fi
if [ -n "$net" ]; then
  i=0; while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done
  ip link set lo up; ip link set "${netdev:=eth0}" up
  case "$net" in
    dhcp)
      # As a DHCP client of a real system leaves it (dhclient, networkd): the lease's lifetimes on
      # the address, which nkdump start reads as "dynamic", i.e. DHCP.
      printf '#!/bin/sh\n[ "$1" = bound ] || exit 0\nip addr add "$ip/$mask" dev "$interface" valid_lft "$lease" preferred_lft "$lease"\nfor r in $router; do ip route add default via "$r" dev "$interface"; break; done\n' > /tmp/udhcpc.sh
      chmod 0755 /tmp/udhcpc.sh
      udhcpc -i "$netdev" -n -q -t 10 -s /tmp/udhcpc.sh 2>&1 | sed 's/^/E2E: udhcpc: /'
      echo "E2E: $netdev $(ip -4 addr show dev "$netdev" | grep inet)" ;;
    slaac)
      # The kernel configures the address from the router's advertisements once the link is up.
      i=0; while ! awk '$6 == "'"$netdev"'" && ($4 == "00" || $4 == "40") {f=1} END {exit !f}' /proc/net/if_inet6 && [ $i -lt 150 ]; do sleep 0.2; i=$((i+1)); done
      sleep 2   # duplicate address detection
      echo "E2E: $netdev $(ip -6 addr show dev "$netdev" | grep 'scope global')" ;;
    *)
      ip addr add "${net%% *}" dev "$netdev" && ip route add default via "${net#* }" \
        || echo "E2E: ERROR cannot configure $netdev as $net" ;;
  esac
fi

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

if [ "${e2e_mode:-}" = report ]; then
  # No dump_disk: the dumps are on a server (ssh), which the report reaches over the network.
  for dev in "$state_disk" $dump_disk; do
    i=0; while [ ! -b "$dev" ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done
  done
  mkdir -p /mnt/dump
  if mount -t ext4 "$state_disk" /var/lib/nkdump && { [ -z "$dump_disk" ] || mount -t ext4 "$dump_disk" /mnt/dump; }; then
    nkdump report; echo "E2E: report rc=$?"
    nkdump report; echo "E2E: second report rc=$?"
    nkdump status; echo "E2E: status rc=$?"
    nkdump list; echo "E2E: list rc=$?"
    [ -z "$dump_disk" ] || umount /mnt/dump; umount /var/lib/nkdump
  else
    echo "E2E: ERROR cannot mount $state_disk and $dump_disk"
  fi
  sync
  poweroff -f
fi

# A case's storage stack (LVM, md RAID), which only a guest can build (the host has no
# device-mapper or md): /etc/e2e-storage.sh, run before nkdump sees the system. e2e_conf=NAME on
# the kernel command line makes /etc/kdump.conf.NAME the configuration of this boot.
[ -z "${e2e_conf:-}" ] || cp "/etc/kdump.conf.$e2e_conf" /etc/kdump.conf
if [ -f /etc/e2e-storage.sh ]; then
  . /etc/e2e-storage.sh || echo "E2E: ERROR the storage setup failed"
fi

echo "E2E: first kernel up, crashkernel size $(cat /sys/kernel/kexec_crash_size)"
echo "E2E: hello from the first kernel" > /dev/kmsg
sleep 31337 &
# start_tries (unreachable case): a failed start is retried every 2 s, as a service restart would.
tries=0
while :; do
  tries=$((tries+1))
  if nkdump start; then
    echo "E2E: start ok, kexec_crash_loaded=$(cat /sys/kernel/kexec_crash_loaded)"
    break
  else
    echo "E2E: nkdump start failed rc=$?"
  fi
  [ "$tries" -lt "${start_tries:-1}" ] || break
  nkdump status; echo "E2E: status after the failed start rc=$?"
  sleep 2
done
# after_start_wait: seconds to wait before crashing (the unreachable case stops the server meanwhile).
[ -z "${after_start_wait:-}" ] || sleep "$after_start_wait"
nkdump status; echo "E2E: status rc=$?"
if [ -n "$state_disk" ]; then
  # After start: the capture kernel is loaded, so hiding the image built into /var/lib/nkdump is harmless.
  i=0; while [ ! -b "$state_disk" ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done
  mount -t ext4 "$state_disk" /var/lib/nkdump && echo "E2E: state on $state_disk" || echo "E2E: ERROR cannot mount $state_disk"
fi
sync

# A workload's memory, when the case asks for it (fill_mib in /etc/e2e.env): that many MiB of random
# bytes in the root file system's page cache, which dump level 31 drops and level 1 keeps.
if [ -n "${fill_mib:-}" ]; then
  dd if=/dev/urandom of=/root/fill bs=1M count="$fill_mib" iflag=fullblock 2>/dev/null
  echo "E2E: filled $(du -m /root/fill | cut -f1) MiB of page cache"
fi

# The crash ($crash from /etc/e2e.env, default sysrq). Each way prints "E2E: crashing: WHAT" first;
# the kernel's own console lines (the panic, the task and CPU, the Call Trace) follow on ttyS0.
crash=${crash:-sysrq}
echo "E2E: crashing: $crash"
case "$crash" in
  sysrq)
    # crash_cpu_mask (e.g. 1: CPU 0) pins the crash to a CPU: a capture kernel never wakes the
    # first kernel's boot CPU (disable_cpu_apicid=), so on 2 CPUs it gets both only after a crash on CPU 0.
    if [ -n "${crash_cpu_mask:-}" ]; then
      taskset "$crash_cpu_mask" sh -c 'echo c > /proc/sysrq-trigger'
    else
      echo c > /proc/sysrq-trigger
    fi ;;
  test)
    # kdumpctl test's way: nkdump records the test, then writes c to /proc/sysrq-trigger itself.
    nkdump test --force; echo "E2E: ERROR nkdump test returned rc=$?" ;;
  oops|bug|softlockup)
    # The test module (tests/e2e/modules/nkcrash), built against this kernel's headers.
    insmod /root/nkcrash.ko || echo "E2E: ERROR insmod nkcrash.ko failed"
    if [ "$crash" = softlockup ]; then
      # The watchdog reports a soft lockup after 2 * watchdog_thresh seconds and panics.
      sysctl -w kernel.softlockup_panic=1 kernel.watchdog_thresh=1
      echo softlockup > /proc/nkcrash
      sleep 120
    else
      # From a child shell (comm "sh"), not from init itself; oops=panic is on the command line.
      sh -c "echo $crash > /proc/nkcrash"
    fi ;;
  badlog|baddesc|badinfo)
    # The test module damages the printk ring's metadata (badlog), arms a kprobe that damages its
    # descriptor ring at the crash (baddesc), or damages VMCOREINFO's description of the ring
    # (badinfo); then sysrq c crashes the kernel: the dump's log cannot be read. After badlog the
    # kernel stores no more messages, the panic's included, so its console shows none.
    insmod /root/nkcrash.ko || echo "E2E: ERROR insmod nkcrash.ko failed"
    if echo $crash > /proc/nkcrash; then echo "E2E: nkcrash: $crash done"; else echo "E2E: ERROR nkcrash: $crash failed"; fi
    sleep 1   # the console prints that line before the crash cuts it off
    echo c > /proc/sysrq-trigger ;;
  oom)
    # busybox tail reading /dev/zero keeps its unfinished first line: it allocates until memory
    # runs out, and panic_on_oom panics at the first out-of-memory instead of killing it.
    sysctl -w vm.panic_on_oom=1 vm.overcommit_memory=1
    tail /dev/zero
    sleep 60 ;;
  hung)
    # A writer blocked in D state on a frozen ext4 (the second disk): khungtaskd finds it after
    # hung_task_timeout_secs and panics.
    i=0; while [ ! -b /dev/vdb ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done
    mkdir -p /mnt/frozen
    mount -t ext4 /dev/vdb /mnt/frozen && fsfreeze --freeze /mnt/frozen || echo "E2E: ERROR cannot freeze /dev/vdb"
    sysctl -w kernel.hung_task_panic=1 kernel.hung_task_timeout_secs=2
    sh -c 'echo blocked > /mnt/frozen/file' &
    echo "E2E: writer pid $! blocked on the frozen file system"
    sleep 120 ;;
  *)
    echo "E2E: ERROR unknown crash '$crash'" ;;
esac
echo "E2E: ERROR still alive after crash=$crash"
poweroff -f
