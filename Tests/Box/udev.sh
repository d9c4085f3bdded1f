#!/usr/bin/env bash
# The udev rules against a real udevd: Board/tocsin-ports.rules (the port map) and
# Board/tocsin-serial.rules are installed under /run/udev/rules.d (gone at reboot, removed on exit),
# real events are made by writing to /sys/class/tty/ttyS0/uevent, and the test checks the
# /dev/tocsin/<label> links, ID_MM_DEVICE_IGNORE=1 and the "tocsin" tag udevd records.
#
#   Tests/Box/udev.sh
#
# Needs root (to start udevd and write uevent files) and the `udev` package; skips otherwise.
# /dev/ttyS0 is never opened: on many machines it is the console. Only events are sent for it.
#
# ttyS0 is an on-board UART, which the map names by kernel name (com1). To check the ID_PATH lines
# of the map, which name USB sockets, a rule that exists only in this test copies a value passed with
# the event (`change UUID TOCSINSOCKET=3`) into ID_PATH, as 60-serial.rules would for a
# USB-serial adapter; the shipped rules then run unchanged. (The kernel takes only letters and digits
# in such values, so the event carries the socket number and the test rule spells out the path.)
set -u
. "$(dirname "$0")/lib.sh"

uevent=/sys/class/tty/ttyS0/uevent
udevd=""
for candidate in /lib/systemd/systemd-udevd /usr/lib/systemd/systemd-udevd; do
    [ -x "$candidate" ] && udevd=$candidate && break
done

if [ "$(id -u)" -ne 0 ]; then
    skip "udev rules: not root, so udevd cannot be started here (run make test as root)"
    finish
    exit
fi
if [ -z "$udevd" ] || ! command -v udevadm >/dev/null; then
    skip "udev rules: systemd-udevd is not installed (apt-get install udev)"
    finish
    exit
fi
if [ ! -w "$uevent" ]; then
    skip "udev rules: $uevent does not exist or is not writable (no on-board UART on this machine)"
    finish
    exit
fi

rules=/run/udev/rules.d
started_pid=""
cleanup() {
    rm -f "$rules/65-tocsin-test-id-path.rules" "$rules/70-tocsin-ports.rules" "$rules/71-tocsin-serial.rules"
    if udevadm control --ping >/dev/null 2>&1; then
        udevadm control --reload >/dev/null 2>&1
        echo change >"$uevent"
        udevadm settle --timeout=10 >/dev/null 2>&1
    fi
    rmdir /dev/tocsin 2>/dev/null
    if [ -n "$started_pid" ]; then
        kill -TERM "$started_pid" 2>/dev/null
        for _ in $(seq 1 50); do kill -0 "$started_pid" 2>/dev/null || break; sleep 0.1; done
    fi
}
trap cleanup EXIT

if udevadm control --ping >/dev/null 2>&1; then
    pass "udevd is already running; using it"
else
    "$udevd" --daemon >/dev/null 2>&1
    # --daemon returns once the daemon has forked and listens; ping confirms it answers.
    if udevadm control --ping --timeout=10 >/dev/null 2>&1; then
        started_pid=$(pidof systemd-udevd | awk '{print $1}')
        pass "started systemd-udevd --daemon (pid $started_pid)"
    else
        fail "systemd-udevd --daemon did not answer udevadm control --ping"
        finish
        exit 1
    fi
fi

mkdir -p "$rules"
install -m 0644 "$repository/Board/tocsin-ports.rules" "$rules/70-tocsin-ports.rules"
install -m 0644 "$repository/Board/tocsin-serial.rules" "$rules/71-tocsin-serial.rules"
cat >"$rules/65-tocsin-test-id-path.rules" <<'RULE'
# Test only: the ID_PATH a USB-serial adapter would have, passed in with the event.
SUBSYSTEM=="tty", KERNEL=="ttyS0", ENV{SYNTH_ARG_TOCSINSOCKET}=="3", ENV{ID_PATH}="pci-0000:00:14.0-usb-0:3:1.0"
RULE
udevadm control --reload

# Sends one event for ttyS0 and waits until udevd has handled it.
event() {
    echo "$1" >"$uevent"
    udevadm settle --timeout=20
}

property() { udevadm info --query=property --name=/dev/ttyS0 | sed -n "s/^$1=//p"; }

link_is() {
    local link=$1
    [ -L "$link" ] && [ "$(readlink -f "$link")" = /dev/ttyS0 ]
}

# --- udevadm test: which rule lines match ---------------------------------------------------------
udevadm test --action=add /sys/class/tty/ttyS0 >"/tmp/tocsin-udevadm-test.$$" 2>&1
check "udevadm test: the port map names ttyS0 com1" grep -qx "TOCSIN_PORT=com1" "/tmp/tocsin-udevadm-test.$$"
check "udevadm test: the serial rules add the link tocsin/com1" grep -q "71-tocsin-serial.rules:[0-9]* LINK 'tocsin/com1'" "/tmp/tocsin-udevadm-test.$$"
check "udevadm test: ID_MM_DEVICE_IGNORE=1 in the result" grep -qx "ID_MM_DEVICE_IGNORE=1" "/tmp/tocsin-udevadm-test.$$"
if ! grep -q "tocsin/com1" "/tmp/tocsin-udevadm-test.$$"; then sed 's/^/     /' "/tmp/tocsin-udevadm-test.$$" | tail -40; fi
rm -f "/tmp/tocsin-udevadm-test.$$"

# A tty the map does not name gets nothing from the rules.
udevadm test --action=add /sys/class/tty/tty1 >"/tmp/tocsin-udevadm-tty1.$$" 2>&1
if grep -v "^Reading rules file" "/tmp/tocsin-udevadm-tty1.$$" | grep -q "tocsin"; then
    fail "udevadm test: tty1 is not in the map but matched a tocsin rule"
    grep -v "^Reading rules file" "/tmp/tocsin-udevadm-tty1.$$" | grep "tocsin" | sed 's/^/     /'
else
    pass "udevadm test: tty1, which the map does not name, gets no tocsin link, tag or property"
fi
rm -f "/tmp/tocsin-udevadm-tty1.$$"

# --- real events ----------------------------------------------------------------------------------
event add
check "add: /dev/tocsin/com1 -> /dev/ttyS0" link_is /dev/tocsin/com1
check "add: TOCSIN_PORT=com1 recorded" test "$(property TOCSIN_PORT)" = com1
check "add: ID_MM_DEVICE_IGNORE=1 recorded (ModemManager stays away)" test "$(property ID_MM_DEVICE_IGNORE)" = 1
check "add: tagged tocsin" sh -c "udevadm info --query=property --name=/dev/ttyS0 | grep -q '^TAGS=.*:tocsin:'"

event "change 6f1d1a55-7c3e-4a7e-9d3b-2f7b1d7b0a01 TOCSINSOCKET=3"
check "change with the ID_PATH of rear socket 3: /dev/tocsin/usb3 -> /dev/ttyS0" link_is /dev/tocsin/usb3
check "change: the old name /dev/tocsin/com1 is gone" test ! -e /dev/tocsin/com1
check "change: TOCSIN_PORT=usb3 recorded" test "$(property TOCSIN_PORT)" = usb3

event remove
check "remove: /dev/tocsin/usb3 is gone" test ! -e /dev/tocsin/usb3
check "remove: /dev/tocsin/com1 is not there either" test ! -e /dev/tocsin/com1

event add
check "add again: /dev/tocsin/com1 is back" link_is /dev/tocsin/com1

# Without the rules, nothing is named: the links come from these files and nothing else.
rm -f "$rules/70-tocsin-ports.rules" "$rules/71-tocsin-serial.rules"
udevadm control --reload
event change
check "rules removed: /dev/tocsin/com1 is gone" test ! -e /dev/tocsin/com1
check "rules removed: no ID_MM_DEVICE_IGNORE" test -z "$(property ID_MM_DEVICE_IGNORE)"

finish
