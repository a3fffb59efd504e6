#!/usr/bin/env bash
# Python producer -> Rust consumer: MarketTicks (Bid/Ask by type id, then End)
# written through the generated Python accessors and read through the
# generated Rust views. `make demo` runs this with the defaults.
#
#   examples/python_producer_rust_consumer/run.sh [COUNT [PRODUCER_MODE]]
#
# COUNT ticks (default 1,000,000); PRODUCER_MODE typed (default), batch or view
# (see examples/peers/README.md). Tick timestamps carry CLOCK_REALTIME, so the
# consumer prints one-way latency percentiles.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-$PWD/build/venv/bin/python}   # the venv `make` installs the package into
COUNT=${1:-1000000}
MODE=${2:-typed}
. examples/lib/pair.sh
ex_build examples-rust python-install || exit 1
SOCK=$(pair_socket)
echo "Python producer -> Rust consumer: $COUNT MarketTicks over $SOCK ($MODE mode, flushed every 256)"
pair_run 300 "$BUILD/cargo/release/rust_consumer" --socket "$SOCK" --stream market --count "$COUNT" --stamp clock \
    -- "$PYTHON" examples/peers/python/producer.py --socket "$SOCK" --stream market --count "$COUNT" --stamp clock \
    --mode "$MODE" --batch 256
