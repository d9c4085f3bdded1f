#!/usr/bin/env bash
# Every box test in turn: the units, the udev rules, the .deb (built from the given binary with
# --debug, as make test passes the debug build) and the debootstrap install of that .deb.
# Prints each script's checks, then one total line; exits non-zero if any check failed.
#
#   Tests/Box/run.sh PATH/TO/tocsin
set -u
here=$(cd "$(dirname "$0")" && pwd)
binary=${1:?usage: Tests/Box/run.sh PATH/TO/tocsin}
keep=$(mktemp -d)
trap 'rm -rf "$keep"' EXIT

passed=0
failed=0
skipped=0
run() {
    local name=$1 last
    shift
    echo "== $name"
    "$@" | tee "$keep/$name.log"
    last=$(tail -n 1 "$keep/$name.log")
    if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]; then
        passed=$((passed + BASH_REMATCH[1]))
        failed=$((failed + BASH_REMATCH[2]))
        skipped=$((skipped + ${BASH_REMATCH[4]:-0}))
    else
        echo "FAIL $name ended without its counts line"
        failed=$((failed + 1))
    fi
}

run units bash "$here/units.sh" "$binary"
run udev bash "$here/udev.sh"
run deb bash "$here/deb.sh" --debug "$binary" "$keep/deb"
debs=("$keep"/deb/tocsin_*.deb)
if [ -f "${debs[0]}" ]; then
    run chroot bash "$here/chroot.sh" "${debs[0]}"
else
    echo "FAIL chroot: no .deb was built, so there is nothing to install"
    failed=$((failed + 1))
fi

if [ "$skipped" -gt 0 ]; then
    echo "box: $passed passed, $failed failed, $skipped skipped"
else
    echo "box: $passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
