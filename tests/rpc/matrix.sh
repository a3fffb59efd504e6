#!/usr/bin/env bash
# tests/rpc/matrix.sh BUILD - the cross-language RPC matrix: every server
# language against every client language (the same one included), over the
# schema tests/rpc/pricing.tach (service Pricing).
#
# A language joins by adding a folder tests/rpc/peers/<lang>/ with two
# executables (nobody edits another language's folder):
#   build BUILD_DIR    builds the peer (idempotent, quiet on success); exit 0,
#                      or 77 with a one-line reason when its toolchain is
#                      missing (the language is skipped), or another non-zero
#                      status with a message (the language fails);
#   run serve SOCKET   serves Pricing with the generated server of <lang>
#                      (Quote: price = qty * 1.5 + bytes of symbol before the
#                      first NUL, qty = qty + 1; Ping: empty reply) until the
#                      client goes (PEER_GONE), then exits 0;
#   run call SOCKET    connects (waiting for the listener) and, through the
#                      generated client of <lang>: 200 blocking Quote calls
#                      (symbol "SYM<i%100>", qty i) checked exactly, 32 calls
#                      in flight with the pipelined form matched by call id, one
#                      Ping, one call of method 99 expecting UNKNOWN_METHOD;
#                      prints `ok` and exits 0, or what differed and exits 1.
# `run` finds what `build` made through $TACHYON_BUILD (exported here: BUILD);
# $PYTHON and the usual toolchain variables pass through.
#
# Prints PASS:/FAIL:/SKIP: lines for tests/run.py: rpc/matrix/<server>-><client>.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${1:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
export TACHYON_BUILD=$BUILD
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
PAIR_TIMEOUT=${RPC_MATRIX_TIMEOUT:-120}

# RPC_MATRIX_LANGS="c go" limits the run to those languages (default: all).
langs=()
for dir in "$HERE"/peers/*/; do
    lang=$(basename "$dir")
    if [ -n "${RPC_MATRIX_LANGS:-}" ] && ! [[ " $RPC_MATRIX_LANGS " == *" $lang "* ]]; then
        continue
    fi
    [ -x "$dir/build" ] && [ -x "$dir/run" ] || { echo "FAIL: rpc/matrix/$lang (build or run missing or not executable)"; continue; }
    "$dir/build" "$BUILD" >"$TMP/build-$lang" 2>&1
    rc=$?
    if [ $rc -eq 0 ]; then
        langs+=("$lang")
    elif [ $rc -eq 77 ]; then
        echo "SKIP: rpc/matrix/$lang ($(tr '\n' ' ' <"$TMP/build-$lang" | sed 's/ *$//'))"
    else
        echo "FAIL: rpc/matrix/$lang (build failed)"
        sed 's/^/    /' "$TMP/build-$lang" | head -30
    fi
done

n=0
for server in "${langs[@]}"; do
    for client in "${langs[@]}"; do
        n=$((n + 1))
        name="rpc/matrix/$server->$client"
        sock="@tachyon-rpc-matrix-$$-$n"
        timeout "$PAIR_TIMEOUT" "$HERE/peers/$server/run" serve "$sock" >"$TMP/server" 2>&1 &
        spid=$!
        timeout "$PAIR_TIMEOUT" "$HERE/peers/$client/run" call "$sock" >"$TMP/client" 2>&1
        crc=$?
        if [ $crc -ne 0 ]; then
            # a client that failed may leave the server waiting for its first call
            sleep 1
            kill "$spid" 2>/dev/null
        fi
        wait "$spid"
        src=$?
        if [ $crc -eq 0 ] && [ $src -eq 0 ] && [ "$(tail -n 1 "$TMP/client")" = ok ]; then
            echo "PASS: $name"
        else
            echo "FAIL: $name (client exit $crc, server exit $src)"
            sed 's/^/    client: /' "$TMP/client" | tail -15
            sed 's/^/    server: /' "$TMP/server" | tail -15
        fi
    done
done
