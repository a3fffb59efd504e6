#!/usr/bin/env bash
# producer_rates.sh - the typed producers of several languages, each against the
# C consumer (which checks every field), over two processes: the market stream
# of examples/peers/README.md. Rounds are interleaved (c, cpp, csharp, c, cpp,
# ...) so that every language sees the same machine; prints each round's
# producer rate and the median per language.
#
#   examples/peers/producer_rates.sh [--rounds R] [--count N] [LANG...]    # default: 5 rounds, 2,000,000 ticks, c cpp csharp
#
# Needs the programs built: make examples-c examples-cpp examples-csharp.
set -u
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
ROUNDS=5
COUNT=2000000
while [ $# -gt 0 ]; do
    case $1 in
    --rounds) ROUNDS=$2; shift 2 ;;
    --count) COUNT=$2; shift 2 ;;
    *) break ;;
    esac
done
LANGS=${*:-c cpp csharp}
. examples/lib/pair.sh
export LD_LIBRARY_PATH="$BUILD/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
declare -A rates
for r in $(seq "$ROUNDS"); do
    for lang in $LANGS; do
        case $lang in
        csharp) prod=(mono "$BUILD/examples/csharp_producer.exe") ;;
        *) prod=("$BUILD/examples/${lang}_producer") ;;
        esac
        sock=$(pair_socket)
        out=$(pair_run 300 "$BUILD/examples/c_consumer" --socket "$sock" --count "$COUNT" --quiet -- \
            "${prod[@]}" --socket "$sock" --count "$COUNT" 2>&1) || { echo "$lang round $r failed:"; echo "$out"; exit 1; }
        rate=$(sed -n 's/^producer: .* s, \([0-9.]*\) M msg\/s$/\1/p' <<<"$out")
        echo "round $r $lang: $rate M msg/s"
        rates[$lang]+="$rate "
    done
done
for lang in $LANGS; do
    median=$(tr ' ' '\n' <<<"${rates[$lang]}" | grep . | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
    echo "median $lang: $median M msg/s (typed producer -> C consumer, $COUNT ticks, $ROUNDS rounds)"
done
