#!/usr/bin/env bash
# Go producer -> C consumer: MarketTicks (Bid/Ask by type id, then End) written
# through the generated Go views (generated/go/market) and read through the
# generated C accessors (generated/c/market.h); every field of every tick is
# checked against the deterministic stream.
#
#   examples/go_producer_c_consumer/run.sh [COUNT [STAMP]]
#
# COUNT ticks (default 1,000,000); STAMP index (default: timestamps derived
# from the tick number, checked exactly) or clock (one-way latency).
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
COUNT=${1:-1000000}
STAMP=${2:-index}
. examples/lib/pair.sh
ex_build examples-c examples-go || exit 1
SOCK=$(pair_socket)
echo "Go producer -> C consumer: $COUNT MarketTicks over $SOCK"
pair_run 300 "$BUILD/examples/c_consumer" --socket "$SOCK" --stream market --count "$COUNT" --stamp "$STAMP" \
    -- "$BUILD/examples/go_producer" -socket "$SOCK" -stream market -count "$COUNT" -stamp "$STAMP"
