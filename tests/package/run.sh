#!/usr/bin/env bash
# tests/package/run.sh - the Debian package: builds it (packaging/build-deb.sh from the binary
# ./build.sh published), runs lintian (no error allowed; output in
# ARTIFACTS/test-results/lintian.txt), checks `dpkg -c` and the control files, then installs,
# exercises and purges it with `dpkg --root` in a throwaway root made of busybox-static and the
# C library (a few MB, seconds): the maintainer scripts run chrooted there for real, and
# `dpkg --purge` must leave nothing but the dumps under /var/crash.
# Ends with "package: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${NKDUMP_ARTIFACTS:-$PWD/artifacts}
mkdir -p "$out/test-results"
out=$(cd "$out" && pwd)
passed=0 failed=0
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1${2:+: $2}"; }
check() { # check NAME COMMAND...: pass when the command succeeds
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then pass "$name"; else fail "$name"; fi
}

[ -x "$out/bin/nkdump" ] || ./build.sh
if ! packaging/build-deb.sh "$out"; then
	fail "build-deb.sh"
	echo "package: $passed passed, $failed failed"
	exit 1
fi
deb=$(ls -t "$out"/nkdump_*_amd64.deb | head -1)
pass "build $(basename "$deb")"

# lintian: errors fail the test; warnings are listed (and explained in packaging/README.md).
if command -v lintian >/dev/null; then
	lintian --tag-display-limit 0 "$deb" > "$out/test-results/lintian.txt" 2>&1
	if grep -q '^E: ' "$out/test-results/lintian.txt"; then
		fail "lintian reports no error" "$(grep '^E: ' "$out/test-results/lintian.txt" | head -5 | tr '\n' ';')"
	else
		pass "lintian reports no error ($(grep -c '^W: ' "$out/test-results/lintian.txt") warning(s))"
	fi
else
	fail "lintian is installed (scripts/install-test-deps.sh)"
fi

listing=$(dpkg -c "$deb")
echo "$listing" > "$out/test-results/dpkg-contents.txt"
for path in ./usr/sbin/nkdump ./usr/lib/systemd/system/nkdump.service ./etc/kdump.conf \
	./etc/kernel/postinst.d/nkdump ./etc/kernel/postrm.d/nkdump ./usr/share/man/man8/nkdump.8.gz \
	./usr/share/man/man5/kdump.conf.5.gz ./usr/share/bash-completion/completions/nkdump \
	./usr/share/doc/nkdump/copyright "./usr/sbin/kdumpctl -> nkdump" "./usr/sbin/kdump-config -> nkdump" \
	"./usr/lib/systemd/system-generators/nkdump-generator -> ../../../sbin/nkdump"; do
	if grep -qF " $path" <<<"$listing"; then pass "dpkg -c has $path"; else fail "dpkg -c has $path"; fi
done
for unit in packaging/systemd/*.service; do
	check "every unit of packaging/systemd is packaged: $(basename "$unit")" grep -qF "./usr/lib/systemd/system/$(basename "$unit")" <<<"$listing"
done
if grep -q 'makedumpfile' <<<"$listing"; then fail "no makedumpfile in the package (Debian's makedumpfile owns the name)"; else pass "no makedumpfile in the package"; fi
check "conffiles has /etc/kdump.conf" sh -c "dpkg-deb -I '$deb' conffiles | grep -qx /etc/kdump.conf"
check "Conflicts: kdump-tools" sh -c "dpkg-deb -f '$deb' Conflicts | grep -qw kdump-tools"
check "nkdump(8) renders without warnings" sh -c "dpkg-deb --fsys-tarfile '$deb' | tar -xO ./usr/share/man/man8/nkdump.8.gz | zcat | groff -man -Tutf8 -ww -z 2>&1 | (! grep .)"

# A throwaway root: busybox for the shell tools, the C library for nkdump, an empty dpkg database,
# and what a Debian machine with GRUB has (so that postinst writes the drop-in).
root=$(mktemp -d "$out/test-results/package-root.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,usr/bin,usr/sbin,sbin,lib64,lib/x86_64-linux-gnu,etc/default,tmp,proc,sys} "$root/var/lib/dpkg"/{info,updates,triggers}
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
cp /bin/busybox "$root/bin/busybox"
for tool in sh rm rmdir mkdir cat ls echo grep sed test [ cp mv ln chmod touch find; do ln -s busybox "$root/bin/$tool"; done
for lib in libc.so.6 libm.so.6; do cp -L "/lib/x86_64-linux-gnu/$lib" "$root/lib/x86_64-linux-gnu/"; done
cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
mkdir -p "$root/dev"
mknod -m 666 "$root/dev/null" c 1 3 && mknod -m 444 "$root/dev/urandom" c 1 9 && mknod -m 444 "$root/dev/random" c 1 8
echo "12.11" > "$root/etc/debian_version"
printf 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX=""\n' > "$root/etc/default/grub"
# What a move from kdump-tools leaves: dpkg keeps its GRUB drop-in (a conffile) until it is purged.
mkdir -p "$root/etc/default/grub.d"
echo 'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=384M-:128M"' > "$root/etc/default/grub.d/kdump-tools.cfg"
before=$(cd "$root" && find . ! -path './var/lib/dpkg*' ! -path ./tmp | LC_ALL=C sort)

dpkgr() { PATH=/usr/sbin:/usr/bin:/sbin:/bin dpkg --root="$root" --force-not-root --force-depends --log=/dev/null "$@"; }
if dpkgr -i "$deb" > "$out/test-results/package-install.log" 2>&1; then pass "dpkg --root -i"; else fail "dpkg --root -i" "$(tail -3 "$out/test-results/package-install.log" | tr '\n' ';')"; fi
check "installed /usr/sbin/nkdump runs in the root" chroot "$root" /usr/sbin/nkdump --version
check "kdumpctl answers in the root" sh -c "chroot '$root' /usr/sbin/kdumpctl get-default-crashkernel | grep -q 'G-'"
check "postinst wrote the GRUB drop-in with crashkernel=" grep -q 'crashkernel=' "$root/etc/default/grub.d/nkdump.cfg"
check "postinst left /etc/default/grub alone" grep -qx 'GRUB_CMDLINE_LINUX=""' "$root/etc/default/grub"
check "postinst's drop-in has Debian's default (512M-2G:160M,...)" grep -q 'crashkernel=512M-2G:160M,2G-64G:256M,64G-:512M"' "$root/etc/default/grub.d/nkdump.cfg"
check "postinst left kdump-tools' drop-in alone and said why" sh -c "grep -q 384M-:128M '$root/etc/default/grub.d/kdump-tools.cfg' && grep -q 'kdump-tools.cfg also sets crashkernel=; it was not changed' '$out/test-results/package-install.log'"
# update-grub sources /etc/default/grub, then grub.d/*.cfg in order: one crashkernel=, nkdump's.
cmdline=$(chroot "$root" /bin/sh -c '. /etc/default/grub; for f in /etc/default/grub.d/*.cfg; do . "$f"; done; echo "$GRUB_CMDLINE_LINUX_DEFAULT"' 2>&1)
check "with kdump-tools' drop-in left, GRUB gets one crashkernel=, nkdump's ($cmdline)" test "$cmdline" = "quiet crashkernel=512M-2G:160M,2G-64G:256M,64G-:512M"
check "postinst made /var/crash, mode 0700" test "$(stat -c %a "$root/var/crash" 2>/dev/null)" = 700
check "the generator wants nothing for a local target" sh -c "chroot '$root' /usr/lib/systemd/system-generators/nkdump-generator /tmp/gen /tmp/early /tmp/late && [ ! -e '$root/tmp/gen/nkdump.service.d' ]"

# What the capture and the kernel hooks leave: an image of an installed and one of a removed
# kernel, and a dump that must outlive the purge.
mkdir -p "$root/var/lib/nkdump" "$root/var/crash/202612080102"
touch "$root/var/lib/nkdump/initramfs-6.1.0-old.img" "$root/var/lib/nkdump/initramfs-6.1.0-old.manifest" "$root/var/lib/nkdump/initramfs-6.1.0-new.img"
echo dump > "$root/var/crash/202612080102/dump.202612080102"
check "postrm.d hook removes the removed kernel's image" sh -c "chroot '$root' /etc/kernel/postrm.d/nkdump 6.1.0-old /boot/vmlinuz-6.1.0-old && [ ! -e '$root/var/lib/nkdump/initramfs-6.1.0-old.img' ] && [ -e '$root/var/lib/nkdump/initramfs-6.1.0-new.img' ]"
check "postinst.d hook never fails a kernel install" chroot "$root" /etc/kernel/postinst.d/nkdump 6.1.0-none /boot/vmlinuz-6.1.0-none

if dpkgr -r nkdump > "$out/test-results/package-remove.log" 2>&1; then pass "dpkg --root -r"; else fail "dpkg --root -r"; fi
check "remove keeps the conffile" test -e "$root/etc/kdump.conf"
if dpkgr -P nkdump > "$out/test-results/package-purge.log" 2>&1; then pass "dpkg --root -P"; else fail "dpkg --root -P"; fi
after=$(cd "$root" && find . ! -path './var/lib/dpkg*' ! -path ./tmp ! -path './tmp/*' ! -path './var/crash*' | LC_ALL=C sort)
left=$(comm -13 <(echo "$before") <(echo "$after"))
if [ -z "$left" ]; then pass "purge leaves nothing but the dumps"; else fail "purge leaves nothing but the dumps" "$(echo "$left" | head -10 | tr '\n' ' ')"; fi
check "purge keeps the dump" test -s "$root/var/crash/202612080102/dump.202612080102"
check "purge keeps /var/crash and kdump-tools' drop-in" test -d "$root/var/crash" -a -e "$root/etc/default/grub.d/kdump-tools.cfg"

echo "package: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
