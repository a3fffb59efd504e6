#!/usr/bin/env bash
# tests/rpc/run.sh BUILD - the generated RPC code of tests/rpc/pricing.tach:
# tachc's output equals the committed goldens (golden/<lang>/), and the C stubs
# run end to end against libtachyon (client and server in two processes).
# Prints PASS:/FAIL: lines for tests/run.py.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${1:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Every language with a golden folder: tachc's output equals it byte for byte.
for golden in "$HERE"/golden/*/; do
    lang=$(basename "$golden")
    if (cd "$HERE" && "$BUILD/tachc" gen --lang "$lang" --out "$TMP/gen" pricing.tach) 2>"$TMP/err" &&
        diff -r "$golden" "$TMP/gen/$lang" >"$TMP/diff"; then
        echo "PASS: rpc/$lang-golden"
    else
        echo "FAIL: rpc/$lang-golden"
        cat "$TMP/err" "$TMP/diff" 2>/dev/null | head -30
    fi
done

CC=${CC:-cc}
if $CC -std=gnu11 -O1 -Wall -Wextra -Werror -I "$ROOT/runtime/include" -I "$HERE/golden/c" \
        -o "$TMP/c_stubs" "$HERE/c_stubs.c" "$BUILD/lib/libtachyon.a" -lpthread 2>"$TMP/cc"; then
    if timeout 60 "$TMP/c_stubs" >"$TMP/out" 2>&1; then
        echo "PASS: rpc/c-stubs"
    else
        echo "FAIL: rpc/c-stubs"
        cat "$TMP/out"
    fi
else
    echo "FAIL: rpc/c-stubs (does not compile)"
    head -30 "$TMP/cc"
fi
