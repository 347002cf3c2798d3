#!/usr/bin/env bash
# build-deb.sh ARTIFACTS: the Debian package of the nkdump binary that ./build.sh published to
# ARTIFACTS/bin/nkdump, as ARTIFACTS/nkdump_VERSION_amd64.deb. Called by './build.sh deb'.
# Plain dpkg-deb (dpkg is Essential on every Debian): the binary is built by dotnet, not by a
# Debian source package, so debhelper would only add a build dependency and a debian/rules.
# The maintainer scripts below do by hand what dh_installsystemd's snippets do.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "${1:?usage: build-deb.sh ARTIFACTS}" && pwd)
binary=$out/bin/nkdump
[ -x "$binary" ] || { echo "build-deb.sh: $binary does not exist: run ./build.sh first" >&2; exit 1; }

version=$("$binary" --version | awk '{print $2}')
stage=$out/deb/nkdump_${version}_amd64
rm -rf "$stage"
mkdir -p "$stage/DEBIAN"

put() { # put MODE SOURCE DEST: install a file into the package tree
	install -D -m "$1" "$2" "$stage$3"
}
link() { # link TARGET DEST
	mkdir -p "$(dirname "$stage$2")"
	ln -s "$1" "$stage$2"
}

put 0755 "$binary" /usr/sbin/nkdump
strip --strip-unneeded "$stage/usr/sbin/nkdump" 2>/dev/null || true
# The personalities scripts call (see README): argv[0] selects them. kdump-config's only other
# owner, kdump-tools, is in Conflicts; no Debian package ships kdumpctl. makedumpfile is not
# linked: Debian's makedumpfile package owns that name.
link nkdump /usr/sbin/kdumpctl
link nkdump /usr/sbin/kdump-config
# The systemd generator: adds Wants=network-online.target only when kdump.conf's target is remote.
link ../../../sbin/nkdump /usr/lib/systemd/system-generators/nkdump-generator

units=()
for unit in "$here"/systemd/*.service; do
	put 0644 "$unit" "/usr/lib/systemd/system/$(basename "$unit")"
	units+=("$(basename "$unit")")
done

put 0644 "$here/kdump.conf" /etc/kdump.conf
put 0755 "$here/kernel/postinst.d/nkdump" /etc/kernel/postinst.d/nkdump
put 0755 "$here/kernel/postrm.d/nkdump" /etc/kernel/postrm.d/nkdump
put 0644 "$here/bash-completion/nkdump" /usr/share/bash-completion/completions/nkdump
link nkdump /usr/share/bash-completion/completions/kdumpctl
link nkdump /usr/share/bash-completion/completions/kdump-config

# Man pages: nkdump(8) from the command table of this very binary, kdump.conf(5) as written.
mkdir -p "$stage/usr/share/man/man8" "$stage/usr/share/man/man5"
"$binary" help --man | gzip -9n > "$stage/usr/share/man/man8/nkdump.8.gz"
gzip -9n < "$here/man/kdump.conf.5" > "$stage/usr/share/man/man5/kdump.conf.5.gz"
link nkdump.8.gz /usr/share/man/man8/kdumpctl.8.gz
link nkdump.8.gz /usr/share/man/man8/kdump-config.8.gz

date=$(date -R -d "@${SOURCE_DATE_EPOCH:-$(git -C "$here" log -1 --format=%ct 2>/dev/null || date +%s)}")
put 0644 "$here/copyright" /usr/share/doc/nkdump/copyright
sed -e "s/@VERSION@/$version/" -e "s/@DATE@/$date/" "$here/changelog" | gzip -9n > "$stage/usr/share/doc/nkdump/changelog.gz"

size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@INSTALLED_SIZE@/$size/" "$here/debian/control.in" > "$stage/DEBIAN/control"
install -m 0644 "$here/debian/conffiles" "$stage/DEBIAN/conffiles"
for script in postinst prerm postrm; do
	sed -e "s/@UNITS@/${units[*]}/" "$here/debian/$script" > "$stage/DEBIAN/$script"
	chmod 0755 "$stage/DEBIAN/$script"
done
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | LC_ALL=C sort | xargs -d '\n' md5sum) > "$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/md5sums"

deb=$out/nkdump_${version}_amd64.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
rm -rf "$stage"
echo "built $deb ($(stat -c %s "$deb") bytes)"
