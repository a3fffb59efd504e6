#!/usr/bin/env bash
# The support code tachc embeds (compiler/support/tachyon_support.*), compiled
# or linted as itself, one line per language:
#   LANG|TOOL|COMMAND     (COMMAND runs in compiler/support; $TMP is scratch)
# A language whose TOOL is missing, or whose COMMAND exits 77 (its first output
# line says why), is skipped with the reason. A new language adds its row here
# (see compiler/langs.h). Kotlin has no row: kotlinc comes only through Maven,
# so the vectors-kotlin suite compiles tachyon_support.kt as one of its sources.
# Usage: tests/compiler/support.sh    prints PASS:/FAIL:/SKIP: support/<lang>
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SUPPORT=$(cd "$HERE/../../compiler/support" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export TMP
failures=0

CHECKS=$(cat <<'TABLE'
c|gcc|echo '#include "tachyon_support.h"' | gcc -std=c11 -pedantic -Wall -Wextra -Werror -Wshadow -I. -fsyntax-only -x c -
c++|g++|echo '#include "tachyon_support.h"' | g++ -std=c++17 -pedantic -Wall -Wextra -Werror -I. -fsyntax-only -x c++ -
cpp|g++|g++ -std=c++20 -pedantic -Wall -Wextra -Werror -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast -fsyntax-only -x c++ tachyon_support.hpp
cpp-clang|clang++|clang++ -std=c++20 -pedantic -Wall -Wextra -Werror -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast -fsyntax-only -x c++ tachyon_support.hpp
csharp|mcs|mcs -nologo -unsafe -warnaserror+ -target:library -out:"$TMP/support.dll" tachyon_support.cs
c-clang|clang|echo '#include "tachyon_support.h"' | clang -std=c11 -pedantic -Wall -Wextra -Werror -I. -fsyntax-only -x c -
rust|clippy-driver|clippy-driver --edition 2021 --crate-type lib -D warnings -o "$TMP/support.rlib" tachyon_support.rs && rustfmt --edition 2021 --check tachyon_support.rs
python|python3|python3 -W error -c 'import importlib.util as u, sys; s = u.spec_from_file_location("tachyon_support", "tachyon_support.py"); m = u.module_from_spec(s); s.loader.exec_module(m); sys.exit(0 if hasattr(m, "_check") else 1)' && python3 -c 'import py_compile, os; py_compile.compile("tachyon_support.py", cfile=os.environ["TMP"] + "/s.pyc", doraise=True)'
go|go|test -z "$(gofmt -l tachyon_support.go)" && GOFLAGS=-mod=mod GOCACHE="${GOCACHE:-$TMP/gocache}" go vet tachyon_support.go
java|javac|. ../../runtime/java/scripts/jdk.sh; if [ -n "$JDK_MISSING" ]; then echo "$JDK_MISSING"; exit 77; fi; javac --release 22 -Xlint:all -Werror -d "$TMP/java" tachyon_support.java
ts|node|node --check tachyon_support.js && node -e 'const s = require("./tachyon_support.js"); const v = s.$view(new Uint8Array(8), 0, 8, "t"); s.$setText(v, 0, 4, "ab", "t"); process.exit(s.$text(v, 0, 4) === "ab" ? 0 : 1)'
TABLE
)

while IFS='|' read -r lang tool cmd; do
    [ -n "$lang" ] || continue
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP: support/$lang ($tool missing)"
        continue
    fi
    (cd "$SUPPORT" && PYTHONDONTWRITEBYTECODE=1 bash -c "$cmd") >"$TMP/out" 2>&1
    rc=$?
    if [ $rc -eq 0 ]; then
        echo "PASS: support/$lang"
    elif [ $rc -eq 77 ]; then
        echo "SKIP: support/$lang ($(head -1 "$TMP/out"))"
    else
        echo "FAIL: support/$lang"
        sed 's/^/    /' "$TMP/out" | head -30
        failures=$((failures + 1))
    fi
done <<<"$CHECKS"
[ $failures -eq 0 ]
