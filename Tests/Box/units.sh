#!/usr/bin/env bash
# The systemd units, offline (no systemd as PID 1 needed):
# - `systemd-analyze verify` prints nothing at all on stderr (unknown keys only warn, so any output
#   is a failure) and the man page named by Documentation= exists;
# - `systemd-analyze security --offline=true` scores the service at 1.5 or below;
# - the settings the box depends on are present with their exact values.
#
#   Tests/Box/units.sh PATH/TO/tocsin
#
# verify checks that ExecStart's binary exists. It is not installed on this machine, so verify runs
# on a copy of the unit whose /usr/bin/tocsin points at the built binary; every other byte is the
# shipped unit, and the shipped ExecStart line is checked separately below.
set -u
. "$(dirname "$0")/lib.sh"

binary=${1:-}
[ -n "$binary" ] && [ -x "$binary" ] || { fail "usage: $0 PATH/TO/tocsin (a built binary)"; finish; exit 1; }
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
unit="$repository/Units/tocsin.service"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- verify ---------------------------------------------------------------------------------------
mkdir -p "$work/units" "$work/man/man8"
sed "s|/usr/bin/tocsin|$binary|g" "$unit" >"$work/units/tocsin.service"
gzip -9nc "$repository/Board/tocsin.8" >"$work/man/man8/tocsin.8.gz"
(cd "$work/units" && MANPATH="$work/man" systemd-analyze verify --man=yes tocsin.service) >"$work/verify.out" 2>"$work/verify.err"
status=$?
if [ "$status" -eq 0 ] && [ ! -s "$work/verify.err" ]; then
    pass "systemd-analyze verify tocsin.service: exit 0, nothing on stderr"
else
    fail "systemd-analyze verify tocsin.service: exit $status, stderr:"
    sed 's/^/     /' "$work/verify.err"
fi

# A unit with an unknown key must fail this same check, or the check proves nothing.
sed 's/^Restart=always$/Restart=always\nRestartt=always/' "$work/units/tocsin.service" >"$work/units/broken.service"
(cd "$work/units" && MANPATH="$work/man" systemd-analyze verify --man=yes broken.service) >/dev/null 2>"$work/broken.err"
if grep -q "Unknown key 'Restartt'" "$work/broken.err"; then
    pass "verify reports an unknown key on stderr (so the check above can fail)"
else
    fail "verify did not report the unknown key 'Restartt'"
fi

# --- security score -----------------------------------------------------------------------------
systemd-analyze security --offline=true --no-pager "$unit" >"$work/security.out" 2>&1
score=$(sed -n 's/.*Overall exposure level for tocsin.service: \([0-9.]*\).*/\1/p' "$work/security.out")
if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 1.5) }'; then
    pass "systemd-analyze security --offline=true: exposure $score (at most 1.5)"
else
    fail "systemd-analyze security --offline=true: exposure '${score:-none}', want at most 1.5"
    grep '✗' "$work/security.out" | sed 's/^/     /'
fi

# --- the settings the box relies on -------------------------------------------------------------
# systemd-analyze would accept a unit without them; the box would not work.
expect_line() {
    if grep -qxF -- "$1" "$unit"; then pass "unit has: $1"; else fail "unit lacks the line: $1"; fi
}
expect_line "Type=notify"
expect_line "NotifyAccess=main"
expect_line "WatchdogSec=30"
expect_line "Restart=always"
expect_line "RestartPreventExitStatus=78"
expect_line "ExecStart=/usr/bin/tocsin run --config /etc/tocsin/tocsin.toml"
expect_line 'ExecReload=/bin/kill -HUP $MAINPID'
expect_line "DynamicUser=yes"
expect_line "SupplementaryGroups=dialout"
expect_line "StateDirectory=tocsin"
expect_line "ConfigurationDirectory=tocsin"
expect_line "DevicePolicy=closed"
expect_line "DeviceAllow=char-ttyS rw"
expect_line "DeviceAllow=char-ttyUSB rw"
expect_line "DeviceAllow=char-ttyACM rw"
expect_line "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK"
expect_line "After=network-online.target systemd-modules-load.service"
if grep -q '^PrivateDevices=yes' "$unit"; then
    fail "PrivateDevices=yes hides the serial ports"
else
    pass "no PrivateDevices=yes (it would hide the serial ports)"
fi
if grep -q '^Type=notify-reload' "$unit"; then fail "notify-reload needs systemd 253"; else pass "not notify-reload (systemd 252)"; fi

# The daemon exits 78 on a bad file: the exit status the unit refuses to restart on.
printf '[http]\nport = "eighty"\n' >"$work/bad.toml"
"$binary" run --config "$work/bad.toml" >/dev/null 2>&1
status=$?
if [ "$status" -eq 78 ]; then pass "tocsin run exits 78 on a bad file (RestartPreventExitStatus=78)"; else fail "tocsin run exited $status on a bad file, the unit expects 78"; fi

# --- sysusers ------------------------------------------------------------------------------------
if command -v systemd-sysusers >/dev/null; then
    mkdir -p "$work/sysroot/etc"
    if systemd-sysusers --root="$work/sysroot" "$repository/Units/tocsin.sysusers" >/dev/null 2>"$work/sysusers.err" \
        && grep -q '^dialout:' "$work/sysroot/etc/group"; then
        pass "sysusers.d creates group dialout on an image without it"
    else
        fail "systemd-sysusers on Units/tocsin.sysusers: $(cat "$work/sysusers.err")"
    fi
else
    skip "systemd-sysusers is not installed (apt-get install systemd)"
fi

finish
