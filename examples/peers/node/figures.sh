#!/usr/bin/env bash
# figures.sh - the Node.js MarketTick figures of the README next to Python's: each
# producer -> consumer pair moves COUNT ticks between two processes (the consumer
# checks every field), ROUNDS times, the pairs interleaved; prints one Markdown row
# per pair with the median consumer rate. Needs `make node examples-c` and the
# tachyon Python package (for the Python pair).
#   bash examples/peers/node/figures.sh          ROUNDS=3 COUNT=1000000 by default
set -u
cd "$(dirname "$0")/../../.." || exit 2
ROUNDS=${ROUNDS:-3}
COUNT=${COUNT:-1000000}
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-python3}
. examples/lib/pair.sh

# name | consumer command | producer command (SOCK and COUNT filled in below)
PAIRS=(
  "Node (batch, sendBatch) → Node (batch)|node examples/peers/node/consumer.js|node examples/peers/node/producer.js"
  "Python (typed, send_typed) → Python (typed)|$PYTHON examples/peers/python/consumer.py|$PYTHON examples/peers/python/producer.py"
  "C → Node (batch)|node examples/peers/node/consumer.js|$BUILD/examples/c_producer"
  "Node (batch, sendBatch) → C|$BUILD/examples/c_consumer|node examples/peers/node/producer.js"
  "Node (view, sendZeroCopy) → Node (batch)|node examples/peers/node/consumer.js|node examples/peers/node/producer.js --mode view"
)
declare -A RATES
for ((r = 0; r < ROUNDS; r++)); do
  for k in "${!PAIRS[@]}"; do
    IFS='|' read -r name cons prod <<<"${PAIRS[$k]}"
    sock=$(pair_socket)
    # shellcheck disable=SC2086
    out=$(pair_run 300 $cons --socket "$sock" --count "$COUNT" -- $prod --socket "$sock" --count "$COUNT" 2>&1)
    rate=$(sed -n 's/^consumer: .* \([0-9.]*\) M msg\/s.*/\1/p' <<<"$out" | head -n 1)
    if [ -z "$rate" ]; then
      echo "figures: $name failed:" >&2
      echo "$out" >&2
      rate=nan
    fi
    RATES[$k]="${RATES[$k]:-} $rate"
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for k in "${!PAIRS[@]}"; do
  IFS='|' read -r name cons prod <<<"${PAIRS[$k]}"
  printf '| %s | **%s M msg/s** (runs:%s) | `%s` / `%s` |\n' "$name" "$(median <<<"${RATES[$k]}")" "${RATES[$k]}" \
    "${cons#*examples/}" "${prod#*examples/}"
done
