#!/usr/bin/env bash
# tests/examples/run.sh BUILD_DIR - the examples end to end and the interop matrix.
#
# Prints one line per case, `PASS: name`, `FAIL: name` (then indented details)
# or `SKIP: name (reason)`, and exits non-zero if any case failed.
#
# Cases:
#   build-*            the example programs of each language build (cargo and go
#                      builds run here, once, into BUILD_DIR/cargo and BUILD_DIR/examples)
#   lint-*             clippy/rustfmt, go vet/gofmt, py_compile over the example programs
#   c_hello            examples/c_hello runs and prints its three messages
#   example cpp_pingpong  a short run of the C++ ping-pong prints both transports
#   matrix STREAM P->C every producer language P against every consumer language C
#                      over a live bus; the consumer checks type, every field, order
#                      and count of a deterministic stream (examples/peers/README.md);
#                      plus the other Python paths (batch both ways, view as producer,
#                      a PyTorch tensor per frame as consumer when torch is installed)
#   warmup *           the Java and Kotlin peers with --warmup (an in-process stream
#                      first) against C, both roles, both streams
#   python consumer *  its --mode torch usage errors exit 2 with one clear line
#   schema-mismatch *  a producer bound to another schema's fingerprint is refused at
#                      connect, and both sides report the schema mismatch
#   example *          each example folder's documented command (run.sh), smaller counts
#
# Message counts: MarketTick pairs move 200,000 ticks (100,000 when Python is one of
# the two, 20,000 from the Python per-field views); frame pairs move 50,000 frames of
# 1 KiB (20,000 with Python, 4,000 from the Python views).
set -u
cd "$(dirname "$0")/../.." || exit 2
BUILD=${1:-build}
ABS_BUILD=$(mkdir -p "$BUILD" && cd "$BUILD" && pwd)
PYTHON=${PYTHON:-python3}
export EXAMPLES_BUILT=1 BUILD PYTHON
. examples/lib/pair.sh

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tachyon-examples.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
FAILED=0

pass() { echo "PASS: $1"; }
skip() { echo "SKIP: $1 ($2)"; }
fail() {
    echo "FAIL: $1"
    shift
    [ $# -gt 0 ] && printf '%s\n' "$@" | tail -n 30 | sed 's/^/    /'
    FAILED=1
}

# ---- build ------------------------------------------------------------------
declare -A MISSING # language -> why its programs cannot run (empty: they can)

if out=$(make -s --no-print-directory BUILD="$BUILD" examples-c 2>&1); then
    pass "build-c"
else
    fail "build-c" "$out"
    MISSING[c]="the C programs did not build"
fi

if out=$(make -s --no-print-directory BUILD="$BUILD" examples-cpp 2>&1); then
    pass "build-cpp"
else
    fail "build-cpp" "$out"
    MISSING[cpp]="the C++ programs did not build"
fi

if ! command -v mcs >/dev/null 2>&1 || ! command -v mono >/dev/null 2>&1; then
    MISSING[csharp]="Mono is not installed: apt-get install mono-mcs mono-runtime"
    skip "build-csharp" "${MISSING[csharp]}"
elif out=$(make -s --no-print-directory BUILD="$BUILD" examples-csharp 2>&1); then
    pass "build-csharp (mcs -warnaserror+)"
else
    fail "build-csharp (mcs -warnaserror+)" "$out"
    MISSING[csharp]="the C# programs did not build"
fi

if ! "$PYTHON" -c "import tachyon" >/dev/null 2>&1; then
    MISSING[python]="the tachyon Python package is not installed: make python-install"
fi
NUMPY=yes # the Python frames and batch paths need NumPy; the MarketTick typed path does not
"$PYTHON" -c "import numpy" >/dev/null 2>&1 || NUMPY=
HAVE_TORCH=yes # the consumer's torch mode needs PyTorch
[ -n "$NUMPY" ] && "$PYTHON" -c "import torch" >/dev/null 2>&1 || HAVE_TORCH=

if ! command -v cargo >/dev/null 2>&1; then
    MISSING[rust]="cargo not installed"
    skip "build-rust" "cargo not installed"
elif out=$(CARGO_TARGET_DIR="$ABS_BUILD/cargo" cargo build --release --quiet \
    --manifest-path examples/peers/rust/Cargo.toml 2>&1); then
    pass "build-rust"
else
    fail "build-rust" "$out"
    MISSING[rust]="the Rust programs did not build"
fi

if ! command -v go >/dev/null 2>&1; then
    MISSING[go]="go not installed"
    skip "build-go" "go not installed"
elif out=$(cd examples/peers/go && go build -o "$ABS_BUILD/examples/go_producer" ./producer 2>&1 &&
    go build -o "$ABS_BUILD/examples/go_consumer" ./consumer 2>&1); then
    pass "build-go"
else
    fail "build-go" "$out"
    MISSING[go]="the Go programs did not build"
fi

if ! command -v node >/dev/null 2>&1; then
    MISSING[node]="node not installed"
    skip "build-node" "node not installed"
elif out=$(make -s --no-print-directory BUILD="$BUILD" node 2>&1 &&
    node -e 'require("./runtime/node")' 2>&1); then
    pass "build-node (the addon, make node)"
else
    fail "build-node (the addon, make node)" "$out"
    MISSING[node]="the Node.js addon did not build"
fi

if out=$(bash examples/peers/java/build.sh "$BUILD" 2>&1); then
    pass "build-java (javac -Xlint:all -Werror)"
else
    rc=$?
    if [ $rc -eq 77 ]; then
        MISSING[java]=$out
        skip "build-java" "$out"
    else
        fail "build-java (javac -Xlint:all -Werror)" "$out"
        MISSING[java]="the Java programs did not build"
    fi
fi

if out=$(bash examples/peers/kotlin/build.sh "$BUILD" 2>&1); then
    pass "build-kotlin (kotlinc -Werror)"
else
    rc=$?
    if [ $rc -eq 77 ]; then
        MISSING[kotlin]=$out
        skip "build-kotlin" "$out"
    else
        fail "build-kotlin (kotlinc -Werror)" "$out"
        MISSING[kotlin]="the Kotlin programs did not build"
    fi
fi

# ---- lint -------------------------------------------------------------------
if [ -z "${MISSING[rust]:-}" ]; then
    if out=$(cd examples/peers/rust && CARGO_TARGET_DIR="$ABS_BUILD/cargo" cargo clippy --release --quiet \
        --all-targets -- -D warnings 2>&1 && cargo fmt --check 2>&1); then
        pass "lint-rust (clippy, rustfmt)"
    else
        fail "lint-rust (clippy, rustfmt)" "$out"
    fi
fi
if [ -z "${MISSING[go]:-}" ]; then
    if out=$(cd examples/peers/go && go vet ./... 2>&1 && test -z "$(gofmt -l .)"); then
        pass "lint-go (vet, gofmt)"
    else
        fail "lint-go (vet, gofmt)" "$out" "$(cd examples/peers/go && gofmt -l .)"
    fi
fi
if [ -z "${MISSING[node]:-}" ]; then
    if out=$(for f in examples/peers/node/*.js; do node --check "$f" || exit 1; done 2>&1); then
        pass "lint-node (node --check)"
    else
        fail "lint-node (node --check)" "$out"
    fi
fi
if out=$("$PYTHON" -m py_compile examples/peers/python/*.py 2>&1); then
    pass "lint-python (py_compile)"
else
    fail "lint-python (py_compile)" "$out"
fi

# C compiled here links BUILD_DIR's libtachyon.a, so it takes that build's sanitizer.
case $(basename "$ABS_BUILD") in
asan) SANFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer" ;;
tsan) SANFLAGS="-fsanitize=thread" ;;
*) SANFLAGS= ;;
esac

# ---- c_hello ------------------------------------------------------------------
if [ ! -f "$BUILD/lib/libtachyon.a" ]; then
    skip "c_hello" "$BUILD/lib/libtachyon.a not built"
elif ! out=$(${CC:-cc} -std=gnu11 -Wall -Wextra -Werror $SANFLAGS -D_GNU_SOURCE -Iruntime/include -o "$WORK/c_hello" \
    examples/c_hello/hello.c "$BUILD/lib/libtachyon.a" -lpthread 2>&1); then
    fail "c_hello" "does not compile:" "$out"
else
    want=$(printf 'type %d, 9 bytes: hello #%d\n' 1 1 2 2 3 3)
    out=$(timeout 30 "$WORK/c_hello" 2>&1)
    rc=$?
    if [ $rc -eq 0 ] && [ "$out" = "$want" ]; then
        pass "c_hello"
    else
        fail "c_hello" "exit $rc; expected:" "$want" "got:" "$out"
    fi
fi

# ---- the peer programs ------------------------------------------------------
# Sets CMD to the command line of LANG's ROLE (producer|consumer) for a stream.
# LANG may carry a mode for Python: python, python-batch.
peer_cmd() {
    local lang=$1 role=$2 sock=$3 stream=$4 count=$5 mode=
    case $lang in
    python-*) mode=${lang#python-} ;;
    esac
    case $lang in
    c) CMD=("$BUILD/examples/c_$role" --socket "$sock" --stream "$stream" --count "$count" --quiet) ;;
    cpp) CMD=("$BUILD/examples/cpp_$role" --socket "$sock" --stream "$stream" --count "$count" --quiet) ;;
    csharp)
        CMD=(env LD_LIBRARY_PATH="$ABS_BUILD/lib" mono "$BUILD/examples/csharp_$role.exe" --socket "$sock"
            --stream "$stream" --count "$count" --quiet)
        ;;
    rust) CMD=("$BUILD/cargo/release/rust_$role" --socket "$sock" --stream "$stream" --count "$count" --quiet) ;;
    go) CMD=("$BUILD/examples/go_$role" -socket "$sock" -stream "$stream" -count "$count" -quiet) ;;
    java | java-warm) CMD=("$BUILD/examples/java_$role" --socket "$sock" --stream "$stream" --count "$count" --quiet) ;;
    kotlin | kotlin-warm)
        CMD=("$BUILD/examples/kotlin_$role" --socket "$sock" --stream "$stream" --count "$count" --quiet)
        ;;
    node) CMD=(node "examples/peers/node/$role.js" --socket "$sock" --stream "$stream" --count "$count" --quiet) ;;
    python*)
        CMD=("$PYTHON" "examples/peers/python/$role.py" --socket "$sock" --stream "$stream" --count "$count" --quiet)
        [ -n "$mode" ] && CMD+=(--mode "$mode")
        ;;
    esac
    case $lang in
    *-warm) CMD+=(--warmup 30000) ;; # a JVM peer's --warmup: the stream's first ticks through an in-process ring
    esac
}

missing_for() { # prints why a pair cannot run, or nothing
    local l
    for l in "$@"; do
        l=${l%%-*}
        if [ -n "${MISSING[$l]:-}" ]; then
            echo "${MISSING[$l]}"
            return
        fi
    done
}

# run_pair NAME STREAM PRODUCER CONSUMER COUNT: a PASS needs both to exit 0 (the
# consumer exits 0 only when every message checked out and the count matched).
run_pair() {
    local name=$1 stream=$2 prod=$3 cons=$4 count=$5 why
    why=$(missing_for "$prod" "$cons")
    if [ -z "$why" ] && [ -z "$NUMPY" ] && [[ "$stream $prod $cons" =~ (frames.*python|python-batch) ]]; then
        why="NumPy is not installed: pip install numpy"
    fi
    if [ -n "$why" ]; then
        skip "$name" "$why"
        return
    fi
    local sock consumer
    sock=$(pair_socket)
    peer_cmd "$cons" consumer "$sock" "$stream" "$count"
    consumer=("${CMD[@]}")
    peer_cmd "$prod" producer "$sock" "$stream" "$count"
    local listener= # the torch consumer imports PyTorch before it listens: wait for it
    [ "$cons" = python-torch ] && listener=$sock
    [[ $cons == *-warm ]] && listener=$sock # a JVM consumer warms up before it listens
    if PAIR_LISTENER=$listener pair_run 120 "${consumer[@]}" -- "${CMD[@]}" >"$WORK/out" 2>&1; then
        pass "$name"
    else
        fail "$name" "$count messages; consumer exit $PAIR_CONSUMER_RC, producer exit $PAIR_PRODUCER_RC" \
            "$(cat "$WORK/out")"
    fi
}

LANGS=${LANGS:-"c cpp python rust go java kotlin node csharp"} # the matrix languages (a subset with LANGS="c java")
for stream in market frames; do
    for p in $LANGS; do
        for c in $LANGS; do
            py=no
            if [ "$p" = python ] || [ "$c" = python ]; then py=yes; fi
            case $stream/$py in
            market/no) n=200000 ;;
            market/yes) n=100000 ;;
            frames/no) n=50000 ;;
            frames/yes) n=20000 ;;
            esac
            run_pair "matrix $stream $p->$c" "$stream" "$p" "$c" "$n"
        done
    done
    # The other Python paths: NumPy batches against C both ways, per-field views into Rust.
    if [ "$stream" = market ]; then n=100000; else n=20000; fi
    run_pair "matrix $stream python(batch)->c" "$stream" python-batch c "$n"
    run_pair "matrix $stream c->python(batch)" "$stream" c python-batch "$n"
    run_pair "matrix $stream python(view)->rust" "$stream" python-view rust "$((n / 5))"
done
# The JVM peers' --warmup (the stream's first 30000 messages through the same code and a
# ring of their own process first), both roles, both streams, against C.
for l in java kotlin; do
    for stream in market frames; do
        run_pair "warmup $stream c->$l(--warmup)" "$stream" c "$l-warm" 20000
        run_pair "warmup $stream $l(--warmup)->c" "$stream" "$l-warm" c 20000
    done
done
# The Python consumer's PyTorch mode: a tensor per frame through torch.from_dlpack.
if [ -n "$HAVE_TORCH" ]; then
    run_pair "matrix frames c->python(torch)" frames c python-torch 20000
else
    skip "matrix frames c->python(torch)" "PyTorch is not installed: make test TORCH=1"
fi
# Its bad inputs: exit 2 with a clear line before listening (a market stream; no
# PyTorch, made so by a torch module on PYTHONPATH that fails to import).
py_usage() { # NAME EXPECTED-TEXT ENV... -- ARGS...
    local name=$1 want=$2 envs=() out rc
    shift 2
    while [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    out=$(env "${envs[@]}" timeout 60 "$PYTHON" examples/peers/python/consumer.py --socket "$(pair_socket)" "$@" 2>&1)
    rc=$?
    if [ $rc -eq 2 ] && grep -q "$want" <<<"$out"; then
        pass "$name"
    else
        fail "$name" "expected exit 2 and \"$want\"; exit $rc:" "$out"
    fi
}
if [ -n "${MISSING[python]:-}" ]; then
    skip "python consumer --mode torch usage errors" "${MISSING[python]}"
else
    py_usage "python consumer refuses --mode torch on the market stream" "reads frames (--stream frames)" -- \
        --stream market --mode torch
    mkdir -p "$WORK/notorch"
    echo 'raise ImportError("no PyTorch here (test)")' >"$WORK/notorch/torch.py"
    py_usage "python consumer --mode torch without PyTorch" "needs PyTorch" PYTHONPATH="$WORK/notorch" -- \
        --stream frames --mode torch
fi

# ---- schema mismatch ----------------------------------------------------------
# expect_refused NAME CONSUMER... -- PRODUCER...: both sides must fail with the
# schema-mismatch status (3) and say so.
expect_refused() {
    local name=$1
    shift
    pair_run 60 "$@" >"$WORK/out" 2>&1
    local reports
    reports=$(grep -c "schema mismatch" "$WORK/out")
    if [ "$PAIR_CONSUMER_RC" -eq 3 ] && [ "$PAIR_PRODUCER_RC" -eq 3 ] && [ "$reports" -ge 2 ] &&
        grep -q "^consumer: refused the producer: schema mismatch" "$WORK/out" &&
        grep -q "^producer: refused at connect: schema mismatch" "$WORK/out"; then
        pass "$name"
    else
        fail "$name" "expected both sides to exit 3 reporting the schema mismatch;" \
            "consumer exit $PAIR_CONSUMER_RC, producer exit $PAIR_PRODUCER_RC" "$(cat "$WORK/out")"
    fi
}

# An edited copy of market.tach (quantity retyped u32 -> i32: same size and
# offsets, another layout) compiled by tachc; producers built from it.
EDITED=
if [ ! -x "$BUILD/tachc" ]; then
    skip "schema-mismatch (edited market.tach)" "$BUILD/tachc not built"
else
    mkdir -p "$WORK/edited"
    sed 's/quantity  *@16 : u32;/quantity  @16 : i32;/' schemas/market.tach >"$WORK/edited/market.tach"
    if ! grep -q "@16 : i32;" "$WORK/edited/market.tach"; then
        fail "schema-mismatch (edited market.tach)" "could not edit schemas/market.tach (quantity @16 : u32)"
    elif ! out=$("$BUILD/tachc" gen --lang c --lang python --out "$WORK/gen" "$WORK/edited/market.tach" 2>&1); then
        fail "schema-mismatch (edited market.tach)" "tachc gen failed:" "$out"
    elif [ "$(grep MARKET_SCHEMA_FINGERPRINT "$WORK/gen/c/market.h")" = \
        "$(grep MARKET_SCHEMA_FINGERPRINT generated/c/market.h)" ]; then
        fail "schema-mismatch (edited market.tach)" "the edited schema has the same fingerprint"
    else
        EDITED=$WORK/gen
    fi
fi

if [ -n "$EDITED" ] && [ -z "${MISSING[c]:-}" ] && [ -z "${MISSING[python]:-}" ]; then
    # Python producer importing the edited generated module -> C consumer.
    sock=$(pair_socket)
    expect_refused "schema-mismatch python(edited market)->c" \
        "$BUILD/examples/c_consumer" --socket "$sock" --count 10 -- \
        "$PYTHON" examples/peers/python/producer.py --socket "$sock" --count 10 --generated "$EDITED/python"
    # C producer compiled against the edited generated header -> Python consumer.
    if out=$(${CC:-cc} -std=gnu11 -Wall -Wextra -Werror $SANFLAGS -D_GNU_SOURCE \
        -I"$EDITED/c" -Igenerated/c -Iruntime/include \
        -o "$WORK/c_producer_edited" examples/peers/c/producer.c "$BUILD/lib/libtachyon.a" -lpthread 2>&1); then
        sock=$(pair_socket)
        expect_refused "schema-mismatch c(edited market)->python" \
            "$PYTHON" examples/peers/python/consumer.py --socket "$sock" --count 10 -- \
            "$WORK/c_producer_edited" --socket "$sock" --count 10
    else
        fail "schema-mismatch c(edited market)->python" \
            "the C producer does not build against the edited header:" "$out"
    fi
    for c in rust go java kotlin node; do
        if [ -n "${MISSING[$c]:-}" ]; then
            skip "schema-mismatch python(edited market)->$c" "${MISSING[$c]}"
            continue
        fi
        sock=$(pair_socket)
        peer_cmd "$c" consumer "$sock" market 10
        expect_refused "schema-mismatch python(edited market)->$c" "${CMD[@]}" -- \
            "$PYTHON" examples/peers/python/producer.py --socket "$sock" --count 10 --generated "$EDITED/python"
    done
elif [ -n "$EDITED" ]; then
    skip "schema-mismatch (edited market.tach)" "$(missing_for c python)"
fi

# Another generated schema's fingerprint: a frames producer against a market
# consumer, in the compiled languages both ways.
for pc in "rust go" "go rust" "c rust" "go c" "java c" "c java" "kotlin java" "java kotlin" "cpp c" "rust cpp" "node c" "c node" "csharp c" "cpp csharp"; do
    set -- $pc
    why=$(missing_for "$1" "$2")
    if [ -n "$why" ]; then
        skip "schema-mismatch $1(frames)->$2(market)" "$why"
        continue
    fi
    sock=$(pair_socket)
    peer_cmd "$2" consumer "$sock" market 10
    consumer=("${CMD[@]}")
    peer_cmd "$1" producer "$sock" frames 10
    expect_refused "schema-mismatch $1(frames)->$2(market)" "${consumer[@]}" -- "${CMD[@]}"
done

# ---- the examples' documented commands --------------------------------------------
# example NAME COUNT NEEDS...: runs examples/NAME/run.sh COUNT (what its README says).
example() {
    local name=$1 count=$2
    shift 2
    local why
    why=$(missing_for "$@")
    if [ -n "$why" ]; then
        skip "example $name" "$why"
        return
    fi
    if timeout 300 bash "examples/$name/run.sh" "$count" >"$WORK/out" 2>&1 &&
        grep -q "^consumer: OK" "$WORK/out"; then
        pass "example $name"
    else
        fail "example $name" "$(cat "$WORK/out")"
    fi
}
example python_producer_rust_consumer 100000 python rust
if [ -n "$NUMPY" ]; then
    example rust_producer_python_consumer 20000 rust python
    example c_producer_python_consumer 20000 c python
else
    skip "example rust_producer_python_consumer" "NumPy is not installed: pip install numpy"
    skip "example c_producer_python_consumer" "NumPy is not installed: pip install numpy"
fi
example go_producer_c_consumer 200000 go c
if [ -n "$NUMPY" ]; then
    example cpp_producer_python_consumer 20000 cpp python
else
    skip "example cpp_producer_python_consumer" "NumPy is not installed: pip install numpy"
fi

# cpp_pingpong: a short run must print both transports and their ratio.
if [ -n "${MISSING[cpp]:-}" ]; then
    skip "example cpp_pingpong" "${MISSING[cpp]}"
elif out=$(timeout 120 "$BUILD/examples/cpp_pingpong" --samples 20000 2>&1) &&
    grep -q "^floor " <<<"$out" && grep -q "^tachyon-cpp " <<<"$out" && grep -q "^p50 ratio" <<<"$out"; then
    pass "example cpp_pingpong"
else
    fail "example cpp_pingpong" "$out"
fi

exit $FAILED
