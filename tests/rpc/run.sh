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

# The name-collision case (names.tach): keyword, fixed-member and inherited
# method names, mangled by each language's rule; what is generated compiles
# and lints in every language (a missing toolchain is one SKIP line).
NAMES=$TMP/names
if "$BUILD/tachc" gen --lang c --lang python --lang rust --lang go --lang cpp --lang java --lang kotlin --lang ts \
    --lang csharp --out "$NAMES" "$HERE/names.tach" 2>"$TMP/err"; then
    check_names() { # LANG COMMAND... (exit 77: skipped, the first output line says why)
        local lang=$1 rc
        shift
        "$@" >"$TMP/names-$lang" 2>&1
        rc=$?
        if [ $rc -eq 0 ]; then
            echo "PASS: rpc/names/$lang"
        elif [ $rc -eq 77 ]; then
            echo "SKIP: rpc/names/$lang ($(head -1 "$TMP/names-$lang"))"
        else
            echo "FAIL: rpc/names/$lang"
            head -30 "$TMP/names-$lang"
        fi
    }
    check_names c bash -c "printf '#include \"svckw.h\"\n' >'$NAMES/c/all.c' &&
        ${CC:-cc} -std=gnu11 -Wall -Wextra -Werror -Wshadow -I '$ROOT/runtime/include' -fsyntax-only '$NAMES/c/all.c'"
    check_names python bash -c "cd '$NAMES/python' && '$PY' -W error -c 'import svckw' &&
        { ! '$PY' -c 'import pyflakes' 2>/dev/null || '$PY' -m pyflakes svckw.py; }"
    if command -v go >/dev/null; then
        check_names go bash -c "cd '$NAMES/go' && printf 'module tachyon.local/generated\n\ngo 1.22\n\nrequire tachyon.local/tachyon v0.0.0\n\nreplace tachyon.local/tachyon => $ROOT/runtime/go\n' >go.mod &&
            GOFLAGS=-mod=mod go vet ./... && test -z \"\$(gofmt -l .)\""
    else
        echo "SKIP: rpc/names/go (go is not installed)"
    fi
    if command -v cargo >/dev/null; then
        mkdir -p "$NAMES/rust/src"
        printf '[package]\nname = "rpc-names"\nversion = "0.0.0"\nedition = "2021"\n\n[dependencies]\ntachyon-ipc = { path = "%s/runtime/rust" }\n\n[workspace]\n' "$ROOT" >"$NAMES/rust/Cargo.toml"
        printf '#![allow(dead_code)]\n#[path = "../svckw.rs"]\npub mod svckw;\n' >"$NAMES/rust/src/lib.rs"
        cp "$ROOT/runtime/rust/Cargo.lock" "$NAMES/rust/"
        check_names rust bash -c "cd '$NAMES/rust' && CARGO_TARGET_DIR='$BUILD/cargo' cargo clippy --quiet --offline -- -D warnings"
    else
        echo "SKIP: rpc/names/rust (cargo is not installed)"
    fi
    # C++: g++ and clang++ (when installed), C++20, warnings are errors.
    check_names cpp bash -c "command -v \"\${CXX:-g++}\" >/dev/null || { echo \"\${CXX:-g++} is not installed\"; exit 77; }
        cd '$NAMES/cpp' && printf '#include \"svckw.hpp\"\n' >all.cc &&
        for cxx in \"\${CXX:-g++}\" clang++; do
            command -v \"\$cxx\" >/dev/null || continue
            \"\$cxx\" -std=c++20 -Wall -Wextra -Werror -Wshadow -I '$ROOT/runtime/include' -I '$ROOT/runtime/cpp' \
                -fsyntax-only all.cc || exit 1
        done"
    # Java: with the Java binding's sources, javac -Xlint:all -Werror (restricted
    # native access is the binding's own, as in its build).
    check_names java bash -c ". '$ROOT/runtime/java/scripts/jdk.sh' && if [ -n \"\$JDK_MISSING\" ]; then echo \"\$JDK_MISSING\"; exit 77; fi
        javac -Xlint:all,-restricted -Werror --release 22 -d '$TMP/javac-names' '$ROOT'/runtime/java/src/main/java/io/tachyon/*.java \
            \$(find '$NAMES/java' -name '*.java')"
    # TypeScript: the .js parses and loads under node; the .d.ts passes tsc --strict
    # (runtime/node's TypeScript; installed with npm ci when it is missing).
    check_names ts bash -c "command -v node >/dev/null || { echo 'node is not installed'; exit 77; }
        cd '$NAMES/ts' && node --check svckw.js && node -e 'require(\"./svckw.js\")' &&
        TSC='$ROOT/runtime/node/node_modules/.bin/tsc' &&
        { test -x \"\$TSC\" || (cd '$ROOT/runtime/node' && npm ci --no-audit --no-fund --ignore-scripts >/dev/null 2>&1) ||
            { echo 'typescript is not installed and npm ci failed: cd runtime/node && npm ci'; exit 77; }; } &&
        printf '{\"compilerOptions\":{\"strict\":true,\"noEmit\":true,\"target\":\"es2022\",\"lib\":[\"es2022\"],\"module\":\"commonjs\",\"types\":[]},\"include\":[\"*.d.ts\"]}' >tsconfig.json &&
        \"\$TSC\" -p tsconfig.json"
    # C#: with the C# binding's sources, mcs -warnaserror+.
    check_names csharp bash -c "command -v mcs >/dev/null || { echo 'mcs is not installed (apt-get install mono-mcs)'; exit 77; }
        mcs -nologo -unsafe -warnaserror+ -target:library -out:'$TMP/csharp-names.dll' '$ROOT'/runtime/csharp/Tachyon/*.cs '$NAMES'/csharp/*.cs"
    # Kotlin: kotlinc -Werror from the local Maven repository, as the Kotlin RPC
    # peer compiles (no Maven run); skipped when the compiler is not there.
    check_names kotlin bash "$HERE/kotlinc.sh" "$TMP/kotlinc-names" "$NAMES/kotlin"
else
    echo "FAIL: rpc/names (tachc refused names.tach)"
    head -20 "$TMP/err"
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
