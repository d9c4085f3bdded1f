#!/usr/bin/env bash
# Packs the static release binary with the default configuration and the README into
# dist/tocsin-<version>-<arch>.tar.gz, laid out as it lands on the box (/usr/bin, /etc/tocsin).
# Usage: Board/package.sh PATH/TO/tocsin
set -euo pipefail
binary=${1:?usage: Board/package.sh PATH/TO/tocsin}
root=$(cd "$(dirname "$0")/.." && pwd)
version=$("$binary" --version)
arch=$(dpkg --print-architecture 2>/dev/null || uname -m)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
install -D -m 0755 "$binary" "$stage/usr/bin/tocsin"
strip "$stage/usr/bin/tocsin"
install -D -m 0644 "$root/Board/tocsin.toml" "$stage/etc/tocsin/tocsin.toml"
install -D -m 0644 "$root/README.md" "$stage/usr/share/doc/tocsin/README.md"
"$stage/usr/bin/tocsin" check-config "$stage/etc/tocsin/tocsin.toml"
mkdir -p "$root/dist"
out="$root/dist/tocsin-$version-$arch.tar.gz"
tar -C "$stage" --owner=0 --group=0 -czf "$out" .
echo "$out"
