#!/usr/bin/env bash
# Real-browser test of the live alarm board: starts the built tocsin daemon on a free loopback port
# with a throw-away configuration and state directory, starts chromedriver, and runs board_test.py
# (Python 3 standard library only), which drives headless Chromium through WebDriver.
#
#   Tests/Browser/run.sh .build/debug/tocsin
#
# Needs Debian's `chromium` and `chromium-driver` (override with CHROMIUM=… CHROMEDRIVER=…).
# Prints one line per check and `N passed, N failed` last; exits non-zero on any failure.
# The screenshot is kept in $TMPDIR (its path is printed); everything else is removed on exit.

set -u

here=$(cd "$(dirname "$0")" && pwd)
tocsin=${1:-}
chromium=${CHROMIUM:-/usr/bin/chromium}
chromedriver=${CHROMEDRIVER:-/usr/bin/chromedriver}
tmp=${TMPDIR:-/tmp}

fail() {
    echo "FAIL $1" >&2
    echo "0 passed, 1 failed"
    exit 1
}

[ -n "$tocsin" ] || fail "usage: $0 PATH-TO-TOCSIN-BINARY"
[ -x "$tocsin" ] || fail "$tocsin is not an executable file (build it: swift build --product tocsin)"
tocsin=$(cd "$(dirname "$tocsin")" && pwd)/$(basename "$tocsin")
[ -x "$chromium" ] || fail "$chromium not found (apt-get install chromium, or set CHROMIUM)"
[ -x "$chromedriver" ] || fail "$chromedriver not found (apt-get install chromium-driver, or set CHROMEDRIVER)"
command -v python3 >/dev/null || fail "python3 not found"

work=$(mktemp -d "$tmp/tocsin-browser.XXXXXX") || fail "cannot create a directory in $tmp"
screenshot="$tmp/tocsin-board-$$.png"
chromedriver_pid=""

# The daemon's pid lives in a file because board_test.py restarts the daemon (reconnect check).
cleanup() {
    local pid
    if [ -s "$work/daemon.pid" ]; then
        pid=$(cat "$work/daemon.pid")
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
    fi
    if [ -n "$chromedriver_pid" ]; then
        kill -TERM "$chromedriver_pid" 2>/dev/null
        wait "$chromedriver_pid" 2>/dev/null
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Polls a URL until it answers 200, for at most $2 seconds.
wait_for_url() {
    local url=$1 seconds=$2 deadline
    deadline=$(( $(date +%s) + seconds ))
    until curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; do
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.1
    done
}

show_logs() {
    echo "---- daemon log (last 40 lines) ----" >&2
    tail -n 40 "$work/daemon.log" >&2 2>/dev/null
    echo "---- chromedriver log (last 20 lines) ----" >&2
    tail -n 20 "$work/chromedriver.log" >&2 2>/dev/null
}

port=$(free_port)
cat >"$work/tocsin.toml" <<EOF
[daemon]
state_directory = "$work/state"
log_level = "info"

[http]
host = "127.0.0.1"
port = $port
loopback_without_auth = true

[alarms]
technical_group = ""

[webhook]
timeout_ms = 2000
max_attempts = 2
initial_backoff_ms = 200
max_backoff_ms = 1000
EOF

# STATE_DIRECTORY would override the configured state directory (it wins when set).
env -u STATE_DIRECTORY "$tocsin" run --config "$work/tocsin.toml" >"$work/daemon.log" 2>&1 &
echo $! >"$work/daemon.pid"
if ! wait_for_url "http://127.0.0.1:$port/api/health" 30; then
    show_logs
    fail "the daemon did not answer /api/health on port $port within 30 s"
fi
curl -fsS -o /dev/null "http://127.0.0.1:$port/" || { show_logs; fail "the daemon does not serve the page at /"; }

driver_port=$(free_port)
"$chromedriver" --port="$driver_port" >"$work/chromedriver.log" 2>&1 &
chromedriver_pid=$!
if ! wait_for_url "http://127.0.0.1:$driver_port/status" 20; then
    show_logs
    fail "chromedriver did not start on port $driver_port"
fi

env -u STATE_DIRECTORY python3 "$here/board_test.py" \
    --base "http://127.0.0.1:$port" \
    --webdriver "http://127.0.0.1:$driver_port" \
    --chromium "$chromium" \
    --screenshot "$screenshot" \
    --tocsin "$tocsin" \
    --config "$work/tocsin.toml" \
    --daemon-pid-file "$work/daemon.pid" \
    --daemon-log "$work/daemon.log" 2>&1 | tee "$work/test.log"
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
    # The counts must stay the last line, so the logs go to stderr before it is repeated.
    show_logs
    tail -n 1 "$work/test.log"
fi
exit "$status"
