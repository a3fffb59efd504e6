#!/usr/bin/env bash
# tests/fault/soak_python.sh BUILD - soak, C producer to Python consumer:
# SOAK_PY_MESSAGES (default 20 million, ~25 s here; `make soak` runs 100
# million) messages of random sizes with sequence numbers and CRC-32s
# (tests/fault/soak.h), received through drain_batch and checked one by one.
# Prints PASS:/FAIL:/SKIP: soak/c-to-python.
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
N=${SOAK_PY_MESSAGES:-20000000}
SEED=${FAULT_SEED:-$(( ($(date +%s%N) ^ $$) & 0xffffffffffff | 1 ))}
PY=${PYTHON:-python3}
PROD=$BUILD/tests/fault/soak_producer
if ! $PY -c "import tachyon" 2>/dev/null; then
    echo "SKIP: soak/c-to-python (the tachyon Python package is not installed)"
    exit 0
fi
if [ ! -x "$PROD" ]; then
    echo "FAIL: soak/c-to-python"
    echo "  $PROD is missing (make fault-tests)"
    exit 1
fi
SOCK="@tachyon-soak-py-$$"
OUT=$(mktemp)
$PY tests/fault/soak_consumer.py "$SOCK" "$N" "$SEED" >"$OUT" 2>&1 &
cons=$!
"$PROD" "$SOCK" "$N" "$SEED"
prc=$?
wait $cons
crc=$?
if [ $prc -eq 0 ] && [ $crc -eq 0 ]; then
    echo "PASS: soak/c-to-python ($(head -1 "$OUT"))"
    rm -f "$OUT"
    exit 0
fi
echo "FAIL: soak/c-to-python"
echo "  producer exit $prc, consumer exit $crc (seed $SEED)"
sed 's/^/  /' "$OUT" | tail -20
rm -f "$OUT"
exit 1
