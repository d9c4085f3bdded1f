#!/usr/bin/env bash
# Installs the .deb into a fresh Debian chroot made by debootstrap, as on a box being imaged: the
# files land where they belong, the conffiles are registered, the unit is enabled (not started: no
# systemd runs in a chroot), `tocsin check-config` passes on the shipped configuration inside the
# chroot, an edited configuration survives a reinstall, remove keeps it, and purge takes it away.
#
#   Tests/Box/chroot.sh PATH/TO/tocsin_<version>_<arch>.deb
#
# Needs root and debootstrap, and the Debian mirror named in apt's configuration; skips with the
# reason otherwise. The base system (minbase plus the package's dependencies) is cached as a tarball
# in $TOCSIN_BOX_CACHE (default /var/cache/tocsin-box), so only the first run downloads it.
set -u
. "$(dirname "$0")/lib.sh"

deb=${1:-}
[ -n "$deb" ] && [ -f "$deb" ] || { fail "usage: $0 PATH/TO/tocsin.deb"; finish; exit 1; }
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")

if [ "$(id -u)" -ne 0 ]; then
    skip "debootstrap install: not root (chroot and debootstrap need root; run make test as root)"
    finish
    exit
fi
if ! command -v debootstrap >/dev/null; then
    skip "debootstrap install: debootstrap is not installed (apt-get install debootstrap)"
    finish
    exit
fi

suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
# The mirror apt already uses on this machine (deb822 sources first, then the one-line format).
mirror=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n 1)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' /etc/apt/sources.list 2>/dev/null)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
# The package's dependencies, without versions, so dpkg -i needs no network inside the chroot.
include=$(dpkg-deb --field "$deb" Depends | tr ',' '\n' | sed 's/(.*//; s/|.*//; s/ //g' | grep . | LC_ALL=C sort -u | paste -sd, -)
cache=${TOCSIN_BOX_CACHE:-/var/cache/tocsin-box}
tarball="$cache/$suite-minbase-$(printf '%s %s' "$mirror" "$include" | md5sum | cut -c1-12).tar.gz"

work=$(mktemp -d /var/tmp/tocsin-chroot.XXXXXX)
root="$work/root"
proc_mounted=no
cleanup() {
    [ "$proc_mounted" = yes ] && umount "$root/proc"
    # --one-file-system: should the umount have failed, never reach through into the host's /proc.
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT
mkdir -p "$root"

if [ -f "$tarball" ]; then
    tar -C "$root" -xzf "$tarball"
    pass "base system from the cache ($tarball)"
else
    echo "     debootstrap --variant=minbase --include=$include $suite from $mirror (a few minutes, once)"
    if debootstrap --variant=minbase --include="$include" "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1; then
        mkdir -p "$cache"
        tar -C "$root" -czf "$tarball.part" . && mv "$tarball.part" "$tarball"
        pass "debootstrap $suite (minbase) from $mirror"
    elif grep -qiE "Failed getting release file|Temporary failure|Could not resolve|Connection refused|unable to connect|Network is unreachable|Couldn't download" "$work/debootstrap.log"; then
        skip "debootstrap install: the mirror $mirror cannot be reached from here ($(grep -iE 'Failed|failure|resolve|refused|unreachable|download' "$work/debootstrap.log" | head -n 1))"
        finish
        exit
    else
        fail "debootstrap $suite failed:"
        tail -n 20 "$work/debootstrap.log" | sed 's/^/     /'
        finish
        exit 1
    fi
fi

# The Swift runtime reads its command line from /proc/self/cmdline: without /proc every command
# would see no arguments at all (and print its help). A box always has /proc.
if mount -t proc proc "$root/proc"; then
    proc_mounted=yes
else
    skip "debootstrap install: cannot mount /proc in the chroot (no CAP_SYS_ADMIN here?)"
    finish
    exit
fi

in_chroot() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 "$@"; }

cp "$deb" "$root/tmp/tocsin.deb"
if in_chroot dpkg -i /tmp/tocsin.deb >"$work/install.log" 2>&1; then
    pass "dpkg -i in the chroot"
else
    fail "dpkg -i in the chroot:"
    sed 's/^/     /' "$work/install.log"
    finish
    exit 1
fi
check "dpkg says tocsin is installed" sh -c "chroot '$root' dpkg-query -W -f='\${Status}' tocsin | grep -qx 'install ok installed'"

for path in /usr/bin/tocsin /etc/tocsin/tocsin.toml /lib/udev/rules.d/70-tocsin-ports.rules \
    /lib/systemd/system/tocsin.service /lib/udev/rules.d/71-tocsin-serial.rules \
    /usr/lib/modules-load.d/tocsin.conf /usr/lib/sysusers.d/tocsin.conf /usr/share/man/man8/tocsin.8.gz \
    /usr/share/doc/tocsin/copyright; do
    check "installed: $path" test -f "$root$path"
done
check "/usr/bin/tocsin is executable" test -x "$root/usr/bin/tocsin"
conffiles=$(in_chroot dpkg-query -W -f='${Conffiles}' tocsin | awk 'NF { print $1 }' | paste -sd' ' -)
check "dpkg registered the conffile" test "$conffiles" = /etc/tocsin/tocsin.toml
check "enabled: multi-user.target.wants/tocsin.service" \
    test "$(readlink "$root/etc/systemd/system/multi-user.target.wants/tocsin.service")" = /lib/systemd/system/tocsin.service

output=$(in_chroot tocsin check-config /etc/tocsin/tocsin.toml 2>&1)
check "tocsin check-config /etc/tocsin/tocsin.toml in the chroot: '$output'" test "$output" = "/etc/tocsin/tocsin.toml: OK"
check "tocsin --version in the chroot" test "$(in_chroot tocsin --version)" = "$(dpkg-deb --field "$deb" Version)"

# An edited configuration survives a reinstall (an upgrade to the same version).
sed -i 's/^log_level = "info"$/log_level = "debug"/' "$root/etc/tocsin/tocsin.toml"
check "edited the configuration (log_level = debug)" grep -qx 'log_level = "debug"' "$root/etc/tocsin/tocsin.toml"
if in_chroot dpkg -i /tmp/tocsin.deb >"$work/reinstall.log" 2>&1; then pass "dpkg -i again (upgrade path)"; else fail "dpkg -i again: $(cat "$work/reinstall.log")"; fi
check "the edited configuration was kept" grep -qx 'log_level = "debug"' "$root/etc/tocsin/tocsin.toml"
output=$(in_chroot tocsin check-config /etc/tocsin/tocsin.toml 2>&1)
check "check-config still passes on the edited file: '$output'" test "$output" = "/etc/tocsin/tocsin.toml: OK"

if in_chroot dpkg -r tocsin >"$work/remove.log" 2>&1; then pass "dpkg -r tocsin"; else fail "dpkg -r tocsin: $(cat "$work/remove.log")"; fi
check "remove: the binary is gone" test ! -e "$root/usr/bin/tocsin"
check "remove: the unit is gone" test ! -e "$root/lib/systemd/system/tocsin.service"
check "remove: the configuration stays" test -f "$root/etc/tocsin/tocsin.toml"
check "remove: no longer enabled" test ! -e "$root/etc/systemd/system/multi-user.target.wants/tocsin.service"

if in_chroot dpkg -P tocsin >"$work/purge.log" 2>&1; then pass "dpkg -P tocsin"; else fail "dpkg -P tocsin: $(cat "$work/purge.log")"; fi
check "purge: the configuration is gone" test ! -e "$root/etc/tocsin/tocsin.toml"
check "purge: the port map is gone" test ! -e "$root/lib/udev/rules.d/70-tocsin-ports.rules"
check "purge: no mask or enablement left" sh -c "! ls '$root/etc/systemd/system/' 2>/dev/null | grep -q tocsin"

finish
