# tests/system/packages.sh - what the system test's Debian images hold (sourced). Part of the
# images' cache key: change a list and the images are built again.
#
# A bootable Debian that an administrator would recognise: Debian's kernel, systemd, GRUB for a
# BIOS boot sector, LVM (the root is a logical volume), OpenSSH (the test drives the guest over
# ssh), D-Bus (logind, so that ssh sessions do not wait for it), zstd (initramfs-tools' default
# compression). `apt install ./nkdump_*.deb` runs offline (the guest reaches no archive), so the
# image holds what the package depends on and recommends (libc6, zlib1g, kmod, libdeflate0).
# fdisk brings sfdisk, which partitions the disk in the builder guest.
SYSTEM_BASE_PACKAGES="linux-image-amd64 grub-pc lvm2 systemd systemd-sysv udev dbus openssh-server kmod initramfs-tools fdisk e2fsprogs procps zstd zlib1g libdeflate0"

# The second scenario's image also holds Debian's kdump-tools (with kexec-tools and makedumpfile),
# configured and enabled, as a machine that moves to nkdump would have it.
SYSTEM_KDUMP_TOOLS_PACKAGES="kdump-tools"
