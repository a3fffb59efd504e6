#!/usr/bin/env bash
# tests/rpc/run.sh BUILD - the generated RPC code of tests/rpc/pricing.tach:
# tachc's output equals the committed goldens (golden/<lang>/), the C stubs
# run end to end against libtachyon (client and server in two processes), and
# the cross-language matrix (matrix.sh: every server language x every client
# language through the generated stubs).
# Prints PASS:/FAIL: lines for tests/run.py.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${1:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Every language whose golden folder is committed (c, python, rust, go, ...).
for dir in "$HERE"/golden/*/; do
    lang=$(basename "$dir")
    rm -rf "$TMP/gen"
    if (cd "$HERE" && "$BUILD/tachc" gen --lang "$lang" --out "$TMP/gen" pricing.tach) 2>"$TMP/err" &&
        diff -r -x __pycache__ "$dir" "$TMP/gen/$lang" >"$TMP/diff"; then
        echo "PASS: rpc/$lang-golden"
    else
        echo "FAIL: rpc/$lang-golden"
        cat "$TMP/err" "$TMP/diff" 2>/dev/null | head -30
    fi
done

PY=${PYTHON:-python3}
if "$PY" -c 'import pyflakes' 2>/dev/null; then
    if "$PY" -m pyflakes "$HERE/golden/python" >"$TMP/flakes" 2>&1 && "$PY" -m py_compile "$HERE/golden/python/pricing.py"; then
        echo "PASS: rpc/python-golden-pyflakes"
    else
        echo "FAIL: rpc/python-golden-pyflakes"
        head -20 "$TMP/flakes"
    fi
else
    echo "SKIP: rpc/python-golden-pyflakes (pyflakes is not installed for $PY)"
fi

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

bash "$HERE/matrix.sh" "$BUILD"
