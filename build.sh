#!/usr/bin/env bash
# build.sh - restore, build and NativeAOT-publish nkdump to artifacts/bin/nkdump
# (or $NKDUMP_ARTIFACTS/bin/nkdump when that is set: a private output folder, as Directory.Build.props uses).
# './build.sh deb' then packages it as $out/nkdump_VERSION_amd64.deb (packaging/build-deb.sh).
# Needs the .NET 10 SDK and a C toolchain (gcc, from Debian's build-essential) for the native link.
set -euo pipefail
cd "$(dirname "$0")"
out=${NKDUMP_ARTIFACTS:-artifacts}
case "${1:-}" in
"" | deb) ;;
*) echo "usage: ./build.sh [deb]" >&2; exit 2 ;;
esac

dotnet restore nkdump.sln
dotnet build nkdump.sln -c Release --no-restore -warnaserror
dotnet publish src/Nkdump.Cli/Nkdump.Cli.csproj -c Release -r linux-x64 -warnaserror \
  -o "$out/publish/nkdump"

mkdir -p "$out/bin"
install -m 0755 "$out/publish/nkdump/nkdump" "$out/bin/nkdump"
echo "built $out/bin/nkdump ($(stat -c %s "$out/bin/nkdump") bytes)"

if [ "${1:-}" = deb ]; then
  packaging/build-deb.sh "$out"
fi
