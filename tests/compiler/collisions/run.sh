#!/usr/bin/env bash
# The name-collision table: every case here must make tachc exit 0 for every
# language, and what it generates must compile (and pass each language's usual
# checks). What tachc refuses instead is in ../errors/names_*.tach.
#
# Usage: tests/compiler/collisions/run.sh PATH/TO/tachc
# Prints PASS:/FAIL:/SKIP: collisions/<case>/<lang> lines; exits 1 on a failure.
#
# Cases: <case>.tach, or a folder <case>/ whose main.tach imports the others.
# Checks: one row per language below, `LANG|TOOL|COMMAND`; COMMAND runs in the
# language's output folder ($OUT/<lang>); exit 77 is a skip (its first output
# line says why). A language whose emitter lands adds its --lang to LANGS and
# its row to CHECKS (see compiler/langs.h). Kotlin has no row: kotlinc comes
# through Maven, so every case's Kotlin is compiled at once after the loop
# (collisions/all/kotlin, with kotlin/pom.xml).
set -u
if [ $# -lt 1 ] || [ ! -x "$1" ]; then
    echo "usage: $0 PATH/TO/tachc" >&2
    exit 2
fi
TACHC=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export GOCACHE=${GOCACHE:-$TMP/gocache} GOFLAGS=-mod=mod GOTOOLCHAIN=local PYTHONDONTWRITEBYTECODE=1
ROOT=$(cd "$HERE/../../.." && pwd)
export ROOT TMP
failures=0

LANGS="c cpp rust python go java kotlin ts csharp"
CHECKS=$(cat <<'TABLE'
c|gcc|for h in *.h; do echo "#include \"$h\""; done >all.c && gcc -std=c11 -pedantic -Wall -Wextra -Werror -Wshadow -fsyntax-only all.c && g++ -std=c++17 -Wall -Wextra -Werror -fsyntax-only -x c++ all.c
cpp|g++|for h in *.hpp; do echo "#include \"$h\""; done >all.cc && g++ -std=c++20 -pedantic -Wall -Wextra -Werror -Wshadow -Wconversion -fsyntax-only all.cc && { ! command -v clang++ >/dev/null || clang++ -std=c++20 -pedantic -Wall -Wextra -Werror -Wshadow -Wconversion -fsyntax-only all.cc; }
csharp|mcs|mcs -nologo -unsafe -warnaserror+ -target:library -out:"$TMP/csharp.dll" *.cs
rust|rustc|printf '#[path = "mod.rs"]\npub mod generated;\n' >lib.rs && rustc --edition 2021 --crate-type lib -D warnings -o "$TMP/lib.rlib" lib.rs && { ! command -v clippy-driver >/dev/null || clippy-driver --edition 2021 --crate-type lib -D warnings -o "$TMP/lib.rlib" lib.rs; }
python|python3|python3 -W error -c 'import py_compile, glob, sys; [py_compile.compile(f, cfile=f + "c.tmp", doraise=True) for f in glob.glob("*.py")]; sys.path.insert(0, ".."); import python' && python3 -W error -c 'import sys; sys.path.insert(0, "."); import glob, importlib; [importlib.import_module(f[:-3]) for f in glob.glob("*.py") if f != "__init__.py"]'
go|go|printf 'module tachyon.local/generated\n\ngo 1.22\n' >go.mod && go build ./... && go vet ./... && test -z "$(gofmt -l .)"
ts|node|for f in *.js; do node --check "$f" || exit 1; done && node -e 'for (const f of require("fs").readdirSync(".")) if (f.endsWith(".js")) require("./" + f)' && TSC="$ROOT/runtime/node/node_modules/.bin/tsc" && { test -x "$TSC" || (cd "$ROOT/runtime/node" && npm ci --no-audit --no-fund --ignore-scripts >/dev/null 2>&1) || { echo "typescript is not installed and npm ci failed: cd runtime/node && npm ci"; exit 77; }; } && printf '{"compilerOptions":{"strict":true,"noEmit":true,"target":"es2022","lib":["es2022"],"module":"commonjs","types":[]},"include":["*.d.ts"]}' >tsconfig.json && "$TSC" -p tsconfig.json
java|javac|. "$ROOT/runtime/java/scripts/jdk.sh"; if [ -n "$JDK_MISSING" ]; then echo "$JDK_MISSING"; exit 77; fi; d=$(mktemp -d "$TMP/javac.XXXXXX") && javac --release 22 -Xlint:all -Werror -d "$d" $(find . -name '*.java')
TABLE
)

for src in "$HERE"/*.tach "$HERE"/*/main.tach; do
    [ -e "$src" ] || continue
    if [ "$(basename "$src")" = main.tach ]; then
        name=$(basename "$(dirname "$src")")
    else
        name=$(basename "$src" .tach)
    fi
    out="$TMP/$name"
    args=""
    for l in $LANGS; do args="$args --lang $l"; done
    # shellcheck disable=SC2086
    if ! "$TACHC" gen $args --out "$out" "$src" >/dev/null 2>"$TMP/stderr"; then
        echo "FAIL: collisions/$name/tachc"
        sed 's/^/    /' "$TMP/stderr" | head -20
        failures=$((failures + 1))
        continue
    fi
    while IFS='|' read -r lang tool cmd; do
        [ -n "$lang" ] || continue
        if ! command -v "$tool" >/dev/null; then
            echo "SKIP: collisions/$name/$lang ($tool missing)"
            continue
        fi
        (cd "$out/$lang" && bash -c "$cmd") >"$TMP/out" 2>&1
        rc=$?
        if [ $rc -eq 0 ]; then
            echo "PASS: collisions/$name/$lang"
        elif [ $rc -eq 77 ]; then
            echo "SKIP: collisions/$name/$lang ($(head -1 "$TMP/out"))"
        else
            echo "FAIL: collisions/$name/$lang"
            sed 's/^/    /' "$TMP/out" | head -30
            failures=$((failures + 1))
        fi
    done <<<"$CHECKS"
    mkdir -p "$TMP/kotlin-all" && cp -r "$out/kotlin" "$TMP/kotlin-all/$name"
done

# Kotlin: every case at once (distinct schema names, so distinct packages), kotlinc -Werror through Maven.
(
    . "$ROOT/runtime/java/scripts/jdk.sh"
    if [ -n "$JDK_MISSING" ]; then
        echo "SKIP: collisions/all/kotlin ($JDK_MISSING)"
        exit 0
    fi
    if ! command -v mvn >/dev/null; then
        echo "SKIP: collisions/all/kotlin (Maven is not installed: apt-get install maven)"
        exit 0
    fi
    cd "$HERE/kotlin" || exit 1
    mvn -B -o -q -Dgen.dir="$TMP/kotlin-all" compile >"$TMP/out" 2>&1
    rc=$?
    if [ $rc -ne 0 ] && grep -q "offline mode" "$TMP/out"; then
        mvn -B -q -Dgen.dir="$TMP/kotlin-all" compile >"$TMP/out" 2>&1
        rc=$?
    fi
    if [ $rc -eq 0 ]; then
        echo "PASS: collisions/all/kotlin"
    else
        echo "FAIL: collisions/all/kotlin"
        grep -v '^WARNING' "$TMP/out" | grep -E 'ERROR|e: ' | head -30 | sed 's/^/    /'
        exit 1
    fi
) || failures=$((failures + 1))
[ $failures -eq 0 ]
