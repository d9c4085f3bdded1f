#!/usr/bin/env bash
# Builds the Debian package dist/tocsin_<version>_<arch>.deb from a built tocsin binary, the units
# in Units/, the Board files, the default configuration (a conffile), the man page and the
# maintainer scripts in Board/debian/. The files land where a Debian 12 box expects them:
#
#   /usr/bin/tocsin                              the binary, stripped
#   /etc/tocsin/tocsin.toml                      conffile: the configuration (Board/tocsin.toml)
#   /lib/udev/rules.d/70-tocsin-ports.rules      the port map of the reference box (a box's own map
#                                                goes to /etc/udev/rules.d/ under the same name)
#   /lib/udev/rules.d/71-tocsin-serial.rules     /dev/tocsin/<label>, ModemManager off, tag
#   /lib/systemd/system/tocsin.service           the hardened unit
#   /usr/lib/modules-load.d/tocsin.conf          the USB-serial drivers
#   /usr/lib/sysusers.d/tocsin.conf              group dialout
#   /usr/share/man/man8/tocsin.8.gz              tocsin(8)
#   /usr/share/doc/tocsin/                       README, commissioning checklist, copyright, changelog
#   /usr/share/lintian/overrides/tocsin          the justified lintian overrides
#
# Units and udev rules go under /lib, not /usr/lib: Debian 12 keeps them there while the /usr merge
# moratorium holds, and lintian 2.116 flags the other place.
#
# Usage: Board/package.sh [--debug] [--output DIR] PATH/TO/tocsin
#   --debug   accept a debug build (make test uses one: a release build takes many minutes); the
#             package is otherwise the same, and says so in its description.
#   --output  where the .deb and the binary's symbols (tocsin_<version>_<arch>.debug) go (default:
#             dist/ in the repository). The path of the .deb is printed last.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
debug=no
output="$root/dist"
while [ $# -gt 1 ]; do
    case "$1" in
    --debug) debug=yes; shift ;;
    --output) output=${2:?--output needs a directory}; shift 2 ;;
    *) echo "package.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
binary=${1:?usage: Board/package.sh [--debug] [--output DIR] PATH/TO/tocsin}
[ -x "$binary" ] || { echo "package.sh: $binary is not an executable file" >&2; exit 2; }

version=$("$binary" --version)
arch=$(dpkg --print-architecture)
changelog_version=$(sed -n '1s/^tocsin (\([^)]*\)).*/\1/p' "$root/Board/debian/changelog")
if [ "$changelog_version" != "$version" ]; then
    echo "package.sh: the binary is version $version but Board/debian/changelog starts at $changelog_version; add a changelog entry" >&2
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage="$work/tocsin_${version}_$arch"
umask 022

mkdir -p "$output"
# The symbols stay beside the package, not in it: a crash backtrace of the stripped binary prints
# offsets (`<unavailable> + 4188305`), and `addr2line -f -e tocsin_<version>_<arch>.debug 0x<offset>`
# names them. The debuglink lets gdb find the file by itself.
symbols="$output/tocsin_${version}_$arch.debug"
objcopy --only-keep-debug "$binary" "$symbols"
install -D -m 0755 "$binary" "$stage/usr/bin/tocsin"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$stage/usr/bin/tocsin"
(cd "$output" && objcopy --add-gnu-debuglink="$(basename "$symbols")" "$stage/usr/bin/tocsin")
install -D -m 0644 "$root/Board/tocsin.toml" "$stage/etc/tocsin/tocsin.toml"
install -D -m 0644 "$root/Board/tocsin-ports.rules" "$stage/lib/udev/rules.d/70-tocsin-ports.rules"
install -D -m 0644 "$root/Board/tocsin-serial.rules" "$stage/lib/udev/rules.d/71-tocsin-serial.rules"
install -D -m 0644 "$root/Units/tocsin.service" "$stage/lib/systemd/system/tocsin.service"
install -D -m 0644 "$root/Board/tocsin-modules.conf" "$stage/usr/lib/modules-load.d/tocsin.conf"
install -D -m 0644 "$root/Units/tocsin.sysusers" "$stage/usr/lib/sysusers.d/tocsin.conf"
install -D -m 0644 "$root/Board/tocsin.8" "$stage/usr/share/man/man8/tocsin.8"
gzip -9n "$stage/usr/share/man/man8/tocsin.8"
doc="$stage/usr/share/doc/tocsin"
install -D -m 0644 "$root/Board/debian/copyright" "$doc/copyright"
install -m 0644 "$root/Board/debian/changelog" "$doc/changelog"
install -m 0644 "$root/README.md" "$doc/README.md"
install -m 0644 "$root/Board/COMMISSIONING.md" "$doc/COMMISSIONING.md"
gzip -9n "$doc/changelog" "$doc/README.md" "$doc/COMMISSIONING.md"
install -D -m 0644 "$root/Board/debian/lintian-overrides" "$stage/usr/share/lintian/overrides/tocsin"

# Refuse to package a configuration the binary itself rejects.
"$stage/usr/bin/tocsin" check-config "$stage/etc/tocsin/tocsin.toml" >/dev/null

# Depends from the shared libraries the binary really links (glibc, SQLite, libudev, libxml2, jemalloc),
# with the minimum versions from their symbols files, as debhelper would compute them.
mkdir -p "$work/shlibs/debian"
printf 'Source: tocsin\n\nPackage: tocsin\nArchitecture: any\n' >"$work/shlibs/debian/control"
depends=$(cd "$work/shlibs" && dpkg-shlibdeps -O "$stage/usr/bin/tocsin" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "package.sh: dpkg-shlibdeps found no dependencies for the binary" >&2; exit 1; }

description_build="Release build, with the Swift standard library linked in statically."
[ "$debug" = yes ] && description_build="DEBUG BUILD, made by the test suite: do not install it on a box."

mkdir -p "$stage/DEBIAN"
cat >"$stage/DEBIAN/control" <<CONTROL
Package: tocsin
Version: $version
Architecture: $arch
Maintainer: Tocsin maintainers <tocsin@example.org>
Installed-Size: $(du -sk --exclude=DEBIAN "$stage" | cut -f1)
Depends: $depends, init-system-helpers (>= 1.54~)
Recommends: udev
Conflicts: brltty
Section: net
Priority: optional
Description: alarm gateway for nurse-call, fire panels, phones and PBXs
 Tocsin takes alarms from serial nurse-call and fire panels (ESPA 4.4.4),
 from alarm clients (ESPA-X) and from staff (REST and a web page), records
 each one durably, pushes it to the phones of its group, tracks who accepted
 and who acknowledged it, and escalates when nobody acknowledges in time.
 .
 The package runs it as a hardened systemd service with a watchdog, names
 the serial ports of the box after their labels (/dev/tocsin/<label>) and
 keeps ModemManager off them. brltty conflicts because it grabs CH340
 USB-serial adapters.
 .
 $description_build
CONTROL
printf '/etc/tocsin/tocsin.toml\n' >"$stage/DEBIAN/conffiles"
install -m 0755 "$root/Board/debian/postinst" "$root/Board/debian/prerm" "$root/Board/debian/postrm" "$stage/DEBIAN/"
# Conffiles are left out, as dh_md5sums does: dpkg keeps their sums in its conffile records.
(cd "$stage" && find . \( -path ./DEBIAN -o -path ./etc \) -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) >"$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/conffiles" "$stage/DEBIAN/md5sums"

deb="$output/tocsin_${version}_$arch.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
