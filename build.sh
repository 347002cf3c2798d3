#!/usr/bin/env bash
# build.sh - restore, build and NativeAOT-publish nkdump to artifacts/bin/nkdump.
# Needs the .NET 10 SDK and a C toolchain (gcc, from Debian's build-essential) for the native link.
set -euo pipefail
cd "$(dirname "$0")"

dotnet restore nkdump.sln
dotnet build nkdump.sln -c Release --no-restore -warnaserror
dotnet publish src/Nkdump.Cli/Nkdump.Cli.csproj -c Release -r linux-x64 -warnaserror \
  -o artifacts/publish/nkdump

mkdir -p artifacts/bin
install -m 0755 artifacts/publish/nkdump/nkdump artifacts/bin/nkdump
echo "built artifacts/bin/nkdump ($(stat -c %s artifacts/bin/nkdump) bytes)"
