#!/usr/bin/env bash
# runtime/kotlin/scripts/ktlint.sh - lints the hand-written Kotlin with ktlint
# (the CLI jar from Maven Central, fetched once into the local Maven repository)
# under the repository's .editorconfig (the IntelliJ IDEA / Kotlin coding
# conventions code style, lines of at most 120). Prints one line per folder:
# "PASS: kotlin-lint/FOLDER", "FAIL: kotlin-lint/FOLDER" and the findings, or
# one SKIP line when there is no JDK 22+ or no Maven to fetch ktlint with.
# --format rewrites the files instead (what ktlint can fix by itself).
set -u
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root" || exit 2
. runtime/java/scripts/jdk.sh
if [ -n "$JDK_MISSING" ]; then
    echo "SKIP: kotlin-lint ($JDK_MISSING)"
    exit 0
fi
version=1.8.0
repo=${MAVEN_REPO:-$HOME/.m2/repository}
jar=$repo/com/pinterest/ktlint/ktlint-cli/$version/ktlint-cli-$version-all.jar
if [ ! -f "$jar" ]; then
    if ! command -v mvn >/dev/null 2>&1; then
        echo "SKIP: kotlin-lint (Maven is not installed to fetch ktlint: apt-get install maven)"
        exit 0
    fi
    log=$(mktemp "${TMPDIR:-/tmp}/tachyon-ktlint.XXXXXX")
    if ! mvn -B -q -Dmaven.repo.local="$repo" dependency:get \
        -Dartifact=com.pinterest.ktlint:ktlint-cli:$version:jar:all -Dtransitive=false >"$log" 2>&1; then
        echo "FAIL: kotlin-lint (fetching ktlint-cli $version from Maven Central)"
        grep -v '^WARNING' "$log" | tail -5 | sed 's/^/    /'
        rm -f "$log"
        exit 1
    fi
    rm -f "$log"
fi
format=
[ "${1:-}" = --format ] && format=--format
failed=0
for dir in runtime/kotlin examples/peers/kotlin tests/vectors/kotlin; do
    [ -d "$dir" ] || continue
    if out=$(java -jar "$jar" $format --relative "$dir/**/*.kt" 2>&1); then
        echo "PASS: kotlin-lint/$dir"
    else
        echo "FAIL: kotlin-lint/$dir"
        grep -E '^[^ ].*:[0-9]+:[0-9]+: ' <<<"$out" | head -40 | sed 's/^/    /'
        failed=1
    fi
done
exit $failed
