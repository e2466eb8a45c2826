#!/usr/bin/env bash
# The approver-queue benchmark in one command: builds the release example, starts it (EVE
# simulator + Jumpgate web server + 200 pending requests) in the background, waits until it
# prints its URL and session cookie, runs wrk against it from this separate process, then stops
# the server (which checks the page once more and cleans up its database).
#
#   scripts/bench/approver-queue.sh [sqlite|postgres] [connections] [seconds]
#
# Defaults: sqlite 16 20. PostgreSQL comes from JUMPGATE_TEST_DATABASE_URL (default
# postgres://postgres@127.0.0.1:5432/test); each run uses a fresh schema, dropped afterwards.
# Needs wrk (Debian: apt-get install -y wrk). Figures go to docs/benchmarks.md.
set -euo pipefail

backend="${1:-sqlite}"
connections="${2:-16}"
seconds="${3:-20}"

cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)" >&2; exit 1; }

cargo build --release -p jumpgate --example bench_approver_queue >&2
bin=target/release/examples/bench_approver_queue

log="$(mktemp)"
# A safety net: the server stops by itself well after the measurement would have finished.
"$bin" --backend "$backend" --connections "$connections" --seconds "$seconds" \
    --serve-for "$((seconds + 300))" >"$log" 2>&1 &
server=$!
cleanup() {
    if kill -0 "$server" 2>/dev/null; then
        kill -TERM "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    rm -f "$log"
}
trap cleanup EXIT

for _ in $(seq 1 600); do
    grep -q '^JUMPGATE_BENCH_READY' "$log" && break
    kill -0 "$server" 2>/dev/null || { cat "$log" >&2; echo "the benchmark server exited early" >&2; exit 1; }
    sleep 0.1
done
grep -q '^JUMPGATE_BENCH_READY' "$log" || { cat "$log" >&2; echo "the benchmark server did not get ready" >&2; exit 1; }

url="$(sed -n 's/^JUMPGATE_BENCH_URL=//p' "$log")"
cookie="$(sed -n 's/^JUMPGATE_BENCH_COOKIE=//p' "$log")"
threads=$(( connections < 2 ? connections : 2 ))

grep '^backend=' "$log"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "+ wrk -t$threads -c$connections -d${seconds}s --latency -H 'Cookie: jumpgate_session=…' $url"
wrk "-t$threads" "-c$connections" "-d${seconds}s" --latency -H "Cookie: $cookie" "$url"

kill -TERM "$server"
status=0
wait "$server" || status=$?
grep -v '^JUMPGATE_BENCH_' "$log" | grep -v '^backend=' || true
if [ "$status" -ne 0 ]; then
    echo "the benchmark server failed (exit $status)" >&2
    exit "$status"
fi
