#!/usr/bin/env bash
# The contact-sync benchmark of issue 3 in one command: builds the release example and runs it
# (EVE simulator with ESI latency + Jumpgate's job worker in one process; initial sync of every
# enrolled character, an idle round, one approval's propagation). Figures go to
# docs/benchmarks.md ("Contact sync").
#
#   scripts/bench/contact-sync.sh [sqlite|postgres] [characters] [standings] [extra args…]
#
# Defaults: sqlite 10000 1000 (100 ms latency). PostgreSQL comes from JUMPGATE_TEST_DATABASE_URL
# (default postgres://postgres@127.0.0.1:5432/test); each run uses a fresh schema, dropped
# afterwards. Extra arguments go to the example, e.g. --expired-rounds 2 --sync-concurrency 32.
set -euo pipefail

backend="${1:-sqlite}"
characters="${2:-10000}"
standings="${3:-1000}"
shift $(( $# < 3 ? $# : 3 ))

cd "$(dirname "$0")/../.."
cargo build --release -p jumpgate --example bench_contact_sync >&2
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  machine: $(nproc) cores"
echo "+ target/release/examples/bench_contact_sync --backend $backend --characters $characters --standings $standings $*"
RUST_LOG="${RUST_LOG:-warn}" target/release/examples/bench_contact_sync \
    --backend "$backend" --characters "$characters" --standings "$standings" "$@"
