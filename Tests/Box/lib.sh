# Shared by the Tests/Box scripts: counters, and the closing "N passed, N failed" line.
# Each check prints one line: "ok   ...", "FAIL ..." or "skip ..." (a skip says why).

passed=0
failed=0
skipped=0

pass() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
skip() { skipped=$((skipped + 1)); echo "skip $*"; }

# check "description" command...: passes when the command exits 0.
check() {
    local what=$1
    shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}

# The closing line, and the exit status: non-zero on any failure.
finish() {
    if [ "$skipped" -gt 0 ]; then
        echo "$passed passed, $failed failed, $skipped skipped"
    else
        echo "$passed passed, $failed failed"
    fi
    [ "$failed" -eq 0 ]
}

repository=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
