#!/usr/bin/env bash
# Every signed-in page and the application API's group calls in one command, in Alliance Auth's benchmark shape (2,000 accounts × 3
# characters, 50 corporations / 5 alliances, 1,000 standings, 200 pending requests, 600 enrolled
# characters), and the memory of `jumpgate serve` idle and at peak:
#
#   scripts/bench/pages.sh [sqlite|postgres] [seconds per run]
#   BENCH_ONLY=api scripts/bench/pages.sh ...   (the application API's calls only, no pages)
#   BENCH_ONLY=pages scripts/bench/pages.sh ... (the pages only: issue 9's peak is theirs)
#   BENCH_API_ROUNDS=3 ...                      (the API's calls three times: is memory flat?)
#
# It builds the release binary and the `bench_pages` example; the example runs the simulated EVE
# and seeds the database; a real `jumpgate serve` process is then started under
# `/usr/bin/time -v`; once the work its start queues is done (the first affiliation sweep, the
# enrolled characters' contact syncs) it is measured from this separate process with wrk, each
# page at 1 and at 16 connections. Defaults: sqlite, 10 s. PostgreSQL comes from JUMPGATE_TEST_DATABASE_URL (a fresh
# schema, dropped afterwards). Needs wrk (apt-get install -y wrk). Figures go to
# docs/benchmarks.md.
set -euo pipefail

backend="${1:-sqlite}"
seconds="${2:-10}"
port="${BENCH_PORT:-8090}"

cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing (apt-get install -y time)" >&2; exit 1; }

cargo build --release -p jumpgate --bin jumpgate --example bench_pages >&2

work="$(mktemp -d)"
fixture_log="$work/fixture.log"
serve_log="$work/serve.log"
time_log="$work/time.log"
target/release/examples/bench_pages --data-dir "$work/data" --backend "$backend" --port "$port" \
    >"$fixture_log" 2>&1 &
fixture=$!
serve=""
cleanup() {
    [ -n "$serve" ] && kill -TERM "$serve" 2>/dev/null || true
    kill -TERM "$fixture" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

wait_for() {
    for _ in $(seq 1 9000); do
        grep -q "^$1" "$fixture_log" && return 0
        kill -0 "$fixture" 2>/dev/null || { cat "$fixture_log" >&2; echo "the fixture exited early" >&2; exit 1; }
        sleep 0.1
    done
    cat "$fixture_log" >&2; echo "the fixture did not print $1" >&2; exit 1
}

wait_for JUMPGATE_BENCH_CONFIG
config="$(sed -n 's/^JUMPGATE_BENCH_CONFIG=//p' "$fixture_log")"
/usr/bin/time -v -o "$time_log" target/release/jumpgate --config "$config" serve >"$serve_log" 2>&1 &
timer=$!
wait_for JUMPGATE_BENCH_READY
serve="$(pgrep -P "$timer" jumpgate)"
cookie="$(sed -n 's/^JUMPGATE_BENCH_COOKIE=//p' "$fixture_log")"

grep '^backend=' "$fixture_log"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, wrk from this machine, ${seconds} s per run"
# The start queues its periodic jobs: the first affiliation sweep (6,000 characters), then the
# others, the audit chain's check of ~21,000 entries last; measure once they are done.
for line in "affiliation sweep finished" "audit chain anchored"; do
    for _ in $(seq 1 120); do
        grep -q "$line" "$serve_log" && break
        sleep 1
    done
done
# Idle is a process at rest: memory freed by the start's work goes back within about six seconds
# (ADR 0025), so it is read ten seconds after the last of it.
sleep 10
# What the resident memory is: the program's own (anonymous: heap, stacks) and the binary's and
# libraries' pages read from disk (file), which the kernel may drop and read again.
resident() { grep -E 'RssAnon|RssFile' "/proc/$serve/status" | tr -s ' ' | paste -sd' '; }
echo "jumpgate serve idle: $(grep -E 'VmRSS|VmHWM' "/proc/$serve/status" | tr -s ' ' | paste -sd' ') ($(resident))"

# The machine's own speed, to compare figures across days: these machines differ by up to half
# from one session to the next, so a page's figure means little without this one beside it.
# Measured before the high-water mark is reset, so that the peak under the load is the pages'.
base="$(sed -n 's/^JUMPGATE_BENCH_PAGE=//p' "$fixture_log" | head -1 | sed -E 's#^(http://[^/]+).*#\1#')"
echo "this machine: GET /healthz (no session, no query, no page) at 16 connections: $(wrk -t2 -c16 -d"${seconds}s" "$base/healthz" | awk '/^Requests\/sec:/ {print $2}') requests/s"
# The peak under the load alone: the kernel's high-water mark starts again from here. The peak of
# the start's own work (the sweep and the checks it queues) is the VmHWM of the idle line above;
# /usr/bin/time's at the end is the same high-water mark, so it too counts from here.
echo 5 > "/proc/$serve/clear_refs"
printf '%-28s %5s %12s %10s %10s %8s\n' page conns requests/s p50 p99 errors
# One row: wrk at 1 and at 16 connections with the given arguments, named $1.
measure() {
    local name="$1" failed=0; shift
    for connections in 1 16; do
        threads=$(( connections < 2 ? connections : 2 ))
        out="$(wrk "-t$threads" "-c$connections" "-d${seconds}s" --latency "$@")"
        rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
        p50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
        p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
        errors="$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$out")"
        printf '%-28s %5s %12s %10s %10s %8s\n' "$name" "$connections" "$rps" "$p50" "$p99" "${errors:-0}"
        [ -z "$errors" ] || failed=1
    done
    return "$failed"
}

while read -r url; do
    path="/${url#http://*/}"
    measure "$path" -H "Cookie: $cookie" "$url" || {
        # What such an answer is, and the server's log, kept past the cleanup.
        kept="target/bench/pages-$(date -u +%Y%m%dT%H%M%SZ)"
        mkdir -p "$kept"
        curl -s -D "$kept/headers.txt" -o "$kept/body.html" -H "Cookie: $cookie" "$url" || true
        cp "$serve_log" "$kept/serve.log"
        echo "  non-2xx answers from $path: one of them and the server's log are in $kept" >&2
    }
done < <([ "${BENCH_ONLY:-}" = api ] || sed -n 's/^JUMPGATE_BENCH_PAGE=//p' "$fixture_log")

# The application API (issue 12): one character's groups, each request another of 500
# characters, and the bulk call with all 500 at once.
auth="$(sed -n 's/^JUMPGATE_BENCH_APP_AUTH=//p' "$fixture_log")"
export APP_CHARACTERS="$(sed -n 's/^JUMPGATE_BENCH_APP_CHARACTERS=//p' "$fixture_log")"
# BENCH_API_ROUNDS=n repeats the API's calls n times (memory that stays flat is the same after
# each round).
rounds="${BENCH_API_ROUNDS:-1}"
[ "${BENCH_ONLY:-}" = pages ] && rounds=0
for round in $(seq 1 "$rounds"); do
    measure "GET /api/app/v2/groups/{cid}" -H "Authorization: $auth" -s scripts/bench/app-groups.lua "$base" || true
    measure "POST /api/app/v1/groups (500)" -H "Authorization: $auth" -s scripts/bench/app-groups-bulk.lua "$base" || true
    # Accounts and their characters (app-chars): a character's account (kept, no query), its main
    # (one query), and the bulk calls with the same 500.
    APP_PATH=/api/app/v1/player/ measure "GET /api/app/v1/player/{cid}" -H "Authorization: $auth" -s scripts/bench/app-groups.lua "$base" || true
    APP_PATH=/api/app/v2/main/ measure "GET /api/app/v2/main/{cid}" -H "Authorization: $auth" -s scripts/bench/app-groups.lua "$base" || true
    APP_BULK_PATH=/api/app/v1/characters measure "POST /api/app/v1/characters (500)" -H "Authorization: $auth" -s scripts/bench/app-groups-bulk.lua "$base" || true
    APP_BULK_PATH=/api/app/v1/character-list measure "POST .../character-list (500)" -H "Authorization: $auth" -s scripts/bench/app-groups-bulk.lua "$base" || true
    [ "${BENCH_API_ROUNDS:-1}" = 1 ] || echo "after round $round: $(grep VmRSS "/proc/$serve/status" | tr -s ' ') ($(resident))"
done
echo "jumpgate serve after the load: $(grep -E 'VmRSS|VmHWM' "/proc/$serve/status" | tr -s ' ' | paste -sd' ') (VmHWM: the peak under the load)"
# Flat memory is memory that comes back once the load is over (ADR 0025: freed memory is given
# back within about six seconds of quiet, when SQLite's idle readers are closed too), so it is
# read again ten and forty seconds later.
sleep 10
echo "jumpgate serve 10 s after the load: $(grep VmRSS "/proc/$serve/status" | tr -s ' ')"
sleep 30
echo "jumpgate serve 40 s after the load: $(grep VmRSS "/proc/$serve/status" | tr -s ' ') ($(resident))"
kill -TERM "$serve"
wait "$timer" || true
serve=""
echo "peak resident since the load began (/usr/bin/time -v): $(grep 'Maximum resident' "$time_log" | tr -s ' ')"
