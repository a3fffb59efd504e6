#!/usr/bin/env bash
# String constants hold the same text in every language (strings.tach: code
# points of 1 to 4 UTF-8 bytes, a '$', quotes, a backslash, a tab). tachc
# generates the schema for every language; a small program per language prints
# the constant's UTF-8 bytes in hex, which must equal the bytes the .tach file
# spells. Prints PASS:/FAIL:/SKIP: strings/<lang>.
# Usage: tests/compiler/strings/check.sh TACHC
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TACHC=$1
ROOT=$(cd "$HERE/../../.." && pwd)
export ROOT
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export TMP

# The text between the quotes, escapes decoded (\" \\ \t), as UTF-8 hex.
WANT=$(python3 "$HERE/want.py" "$HERE/strings.tach")
if ! (cd "$HERE" && "$TACHC" gen --lang c --lang cpp --lang rust --lang python --lang go --lang java \
        --lang ts --lang csharp --out "$TMP/gen" strings.tach) >"$TMP/err" 2>&1; then
    echo "FAIL: strings/generate"
    cat "$TMP/err"
    exit 1
fi
G=$TMP/gen
export G

CHECKS=$(cat <<'TABLE'
c|gcc|printf '#include <stdio.h>\n#include "strings.h"\nint main(void){for(const unsigned char*p=(const unsigned char*)STRINGS_MOTTO;*p;p++)printf("%%02x",*p);puts("");return 0;}\n' >"$TMP/m.c" && gcc -std=c11 -I"$G/c" -o "$TMP/mc" "$TMP/m.c" && "$TMP/mc"
cpp|g++|printf '#include <cstdio>\n#include "strings.hpp"\nint main(){for(unsigned char c:strings::MOTTO)std::printf("%%02x",c);std::puts("");}\n' >"$TMP/m.cc" && g++ -std=c++20 -I"$G/cpp" -o "$TMP/mcc" "$TMP/m.cc" && "$TMP/mcc"
rust|rustc|printf '#[allow(dead_code)]\n#[path = "%s/rust/strings.rs"]\nmod strings;\nfn main(){for b in strings::MOTTO.bytes(){print!("{:02x}",b);}println!();}\n' "$G" >"$TMP/m.rs" && rustc --edition 2021 -o "$TMP/mrs" "$TMP/m.rs" 2>"$TMP/rustc.err" && "$TMP/mrs"
python|python3|cd "$G/python" && python3 -c 'import strings; print(strings.MOTTO.encode("utf-8").hex())'
go|go|mkdir -p "$TMP/go/strings" && cp "$G"/go/strings/*.go "$TMP/go/strings/" && printf 'module m\ngo 1.20\n' >"$TMP/go/go.mod" && printf 'package main\nimport ("fmt"; "encoding/hex"; "m/strings")\nfunc main(){fmt.Println(hex.EncodeToString([]byte(strings.Motto)))}\n' >"$TMP/go/main.go" && cd "$TMP/go" && GOFLAGS=-mod=mod GOCACHE="${GOCACHE:-$TMP/gocache}" go run .
java|javac|. "$ROOT/runtime/java/scripts/jdk.sh"; if [ -n "$JDK_MISSING" ]; then echo "$JDK_MISSING"; exit 77; fi; printf 'public class M { public static void main(String[] a) { StringBuilder s = new StringBuilder(); for (byte b : io.tachyon.generated.Strings.MOTTO.getBytes(java.nio.charset.StandardCharsets.UTF_8)) s.append(String.format("%%02x", b)); System.out.println(s); } }\n' >"$TMP/M.java" && javac -d "$TMP/j" $(find "$G/java" -name '*.java') "$TMP/M.java" && java -cp "$TMP/j" M
ts|node|node -e 'process.stdout.write(Buffer.from(require(process.env.G + "/ts/strings.js").MOTTO, "utf8").toString("hex") + "\n")'
csharp|mcs|printf 'class M { static void Main() { foreach (byte b in System.Text.Encoding.UTF8.GetBytes(Strings.Schema.MOTTO)) System.Console.Write(b.ToString("x2")); System.Console.WriteLine(); } }\n' >"$TMP/m.cs" && mcs -nologo -unsafe -out:"$TMP/m.exe" "$G"/csharp/*.cs "$TMP/m.cs" && mono "$TMP/m.exe"
TABLE
)

failures=0
while IFS='|' read -r lang tool cmd; do
    [ -n "$lang" ] || continue
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP: strings/$lang ($tool missing)"
        continue
    fi
    (cd "$HERE" && bash -c "$cmd") >"$TMP/out" 2>&1
    rc=$?
    if [ $rc -eq 77 ]; then
        echo "SKIP: strings/$lang ($(head -1 "$TMP/out"))"
    elif [ $rc -eq 0 ] && [ "$(tail -1 "$TMP/out")" = "$WANT" ]; then
        echo "PASS: strings/$lang"
    else
        echo "FAIL: strings/$lang (exit $rc; want $WANT)"
        tail -15 "$TMP/out"
        [ -f "$TMP/rustc.err" ] && head -15 "$TMP/rustc.err"
        failures=$((failures + 1))
    fi
done <<<"$CHECKS"
# Kotlin: kotlinc comes only through Maven; its constants use the Java
# escapes (compiler/emit_jvm.c, STR_KOTLIN adds '\$'), checked above for Java.
echo "SKIP: strings/kotlin (kotlinc comes only through Maven; its escapes are Java's plus \\\$, checked by strings/java)"
[ $failures -eq 0 ]
