#!/usr/bin/env bash
# The Debian package: builds it with Board/package.sh from the given binary (make test passes the
# debug build with --debug; a release build takes many minutes), then checks what dpkg-deb --info
# and --contents report, field by field and file by file, and that lintian has nothing to say beyond
# the overrides in Board/debian/lintian-overrides.
#
#   Tests/Box/deb.sh [--debug] PATH/TO/tocsin [KEEP-DIR]
#
# With KEEP-DIR the .deb is left there (Tests/Box/chroot.sh installs it).
set -u
. "$(dirname "$0")/lib.sh"

flag=""
if [ "${1:-}" = --debug ]; then flag=--debug; shift; fi
binary=${1:-}
keep=${2:-}
[ -n "$binary" ] && [ -x "$binary" ] || { fail "usage: $0 [--debug] PATH/TO/tocsin [KEEP-DIR]"; finish; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=${keep:-$work/out}

if deb=$(bash "$repository/Board/package.sh" $flag --output "$out" "$binary" 2>"$work/package.err" | tail -n 1) && [ -f "$deb" ]; then
    pass "Board/package.sh built $(basename "$deb")"
else
    fail "Board/package.sh failed:"
    sed 's/^/     /' "$work/package.err"
    finish
    exit 1
fi
version=$("$binary" --version)
arch=$(dpkg --print-architecture)
check "file name is tocsin_${version}_$arch.deb" test "$(basename "$deb")" = "tocsin_${version}_$arch.deb"

# --- control fields -------------------------------------------------------------------------------
field() { dpkg-deb --field "$deb" "$1"; }
check "Package: tocsin" test "$(field Package)" = tocsin
check "Version: $version" test "$(field Version)" = "$version"
check "Architecture: $arch" test "$(field Architecture)" = "$arch"
check "Conflicts: brltty (it grabs CH340 adapters)" test "$(field Conflicts)" = brltty
depends=$(field Depends)
for library in libc6 libsqlite3-0 libudev1 libxml2 libjemalloc2 init-system-helpers; do
    check "Depends names $library" sh -c "printf '%s' '$depends' | tr ',' '\n' | grep -q '^ *$library '"
done
check "Installed-Size is set" sh -c "[ '$(field Installed-Size)' -gt 1000 ]"
dpkg-deb --info "$deb" >"$work/info"
for script in postinst prerm postrm conffiles md5sums; do
    check "control archive has $script" grep -Eq "^ +[0-9]+ bytes, +[0-9]+ lines +(\\* +)?$script( |\$)" "$work/info"
done
dpkg-deb --ctrl-tarfile "$deb" | tar -x -C "$work" ./conffiles ./postinst ./prerm ./postrm
check "conffiles: exactly /etc/tocsin/tocsin.toml" \
    test "$(cat "$work/conffiles")" = /etc/tocsin/tocsin.toml
for script in postinst prerm postrm; do
    check "$script parses (sh -n)" sh -n "$work/$script"
done
check "postinst enables the unit with deb-systemd-helper" grep -q "deb-systemd-helper enable 'tocsin.service'" "$work/postinst"
check "postinst starts it (restarts on upgrade) only when systemd runs" grep -q 'deb-systemd-invoke start' "$work/postinst"
check "prerm stops it on remove" grep -q "deb-systemd-invoke stop 'tocsin.service'" "$work/prerm"

# --- contents: every file, its mode and owner ------------------------------------------------------
dpkg-deb --contents "$deb" | awk '$1 !~ /^d/ { sub(/^\.\//, "/", $6); print $1, $2, $6 }' | LC_ALL=C sort >"$work/contents"
cat >"$work/expected" <<EXPECTED
-rw-r--r-- root/root /etc/tocsin/tocsin.toml
-rw-r--r-- root/root /lib/udev/rules.d/70-tocsin-ports.rules
-rw-r--r-- root/root /lib/systemd/system/tocsin.service
-rw-r--r-- root/root /lib/udev/rules.d/71-tocsin-serial.rules
-rw-r--r-- root/root /usr/lib/modules-load.d/tocsin.conf
-rw-r--r-- root/root /usr/lib/sysusers.d/tocsin.conf
-rw-r--r-- root/root /usr/share/doc/tocsin/COMMISSIONING.md.gz
-rw-r--r-- root/root /usr/share/doc/tocsin/README.md.gz
-rw-r--r-- root/root /usr/share/doc/tocsin/changelog.gz
-rw-r--r-- root/root /usr/share/doc/tocsin/copyright
-rw-r--r-- root/root /usr/share/lintian/overrides/tocsin
-rw-r--r-- root/root /usr/share/man/man8/tocsin.8.gz
-rwxr-xr-x root/root /usr/bin/tocsin
EXPECTED
LC_ALL=C sort -o "$work/expected" "$work/expected"
if diff -u "$work/expected" "$work/contents" >"$work/contents.diff"; then
    pass "dpkg-deb --contents: exactly the 13 expected files, owned by root, with their modes"
else
    fail "dpkg-deb --contents differs from the expected list:"
    sed 's/^/     /' "$work/contents.diff"
fi

# The payload is the repository's files, byte for byte.
mkdir -p "$work/root"
dpkg-deb --extract "$deb" "$work/root"
same() { cmp -s "$1" "$work/root$2"; }
check "tocsin.toml is Board/tocsin.toml" same "$repository/Board/tocsin.toml" /etc/tocsin/tocsin.toml
check "the unit is Units/tocsin.service" same "$repository/Units/tocsin.service" /lib/systemd/system/tocsin.service
check "the port map is Board/tocsin-ports.rules" same "$repository/Board/tocsin-ports.rules" /lib/udev/rules.d/70-tocsin-ports.rules
check "the serial rules are Board/tocsin-serial.rules" same "$repository/Board/tocsin-serial.rules" /lib/udev/rules.d/71-tocsin-serial.rules
check "modules-load.d is Board/tocsin-modules.conf" same "$repository/Board/tocsin-modules.conf" /usr/lib/modules-load.d/tocsin.conf
check "the man page is Board/tocsin.8" sh -c "gzip -dc '$work/root/usr/share/man/man8/tocsin.8.gz' | cmp -s - '$repository/Board/tocsin.8'"
check "the packaged binary is stripped" sh -c "! readelf -S '$work/root/usr/bin/tocsin' | grep -q '\\.symtab'"
symbols="$(dirname "$deb")/tocsin_${version}_$arch.debug"
build_id() { readelf -n "$1" 2>/dev/null | sed -n 's/^ *Build ID: *//p'; }
check "the symbols beside the package are the packaged binary's (same build ID)" \
    sh -c "[ -n '$(build_id "$work/root/usr/bin/tocsin")' ] && [ '$(build_id "$work/root/usr/bin/tocsin")' = '$(build_id "$symbols")' ]"
check "the packaged binary names its symbols file (.gnu_debuglink)" \
    sh -c "readelf --string-dump=.gnu_debuglink '$work/root/usr/bin/tocsin' | grep -q 'tocsin_${version}_$arch.debug'"
# An address inside the daemon's entry point resolves to its name, as a backtrace offset would.
entry=$(nm "$symbols" 2>/dev/null | awk '$3 == "tocsin_main" { print $1 }')
check "addr2line names an offset of the stripped binary from the symbols file" \
    sh -c "[ -n '$entry' ] && addr2line -f -e '$symbols' 0x$entry | head -n 1 | grep -q tocsin_main"
check "the packaged binary prints its version" test "$("$work/root/usr/bin/tocsin" --version)" = "$version"
check "the packaged binary accepts the packaged configuration" sh -c "'$work/root/usr/bin/tocsin' check-config '$work/root/etc/tocsin/tocsin.toml' >/dev/null"
check "the man page renders without warnings" sh -c "MANROFFSEQ= MANWIDTH=80 man --warnings -l '$work/root/usr/share/man/man8/tocsin.8.gz' 2>&1 >/dev/null | (! grep .)"

# --- lintian -------------------------------------------------------------------------------------
if command -v lintian >/dev/null; then
    # Every tag, down to the informational ones, is either fixed or overridden with a reason.
    lintian --display-info --fail-on error,warning,info "$deb" >"$work/lintian" 2>&1
    status=$?
    if [ "$status" -eq 0 ] && ! grep -q '^[EWI]:' "$work/lintian"; then
        pass "lintian: no error, warning or info tag beyond the justified overrides"
    else
        fail "lintian (exit $status):"
        sed 's/^/     /' "$work/lintian"
    fi
else
    skip "lintian is not installed (apt-get install lintian)"
fi

finish
