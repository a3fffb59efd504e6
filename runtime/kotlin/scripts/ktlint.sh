#!/usr/bin/env bash
# runtime/kotlin/scripts/ktlint.sh [--format] [BUILD_DIR] - lints the Kotlin with
# ktlint (the CLI jar from Maven Central, fetched once into the local Maven
# repository) under the repository's .editorconfig (the IntelliJ IDEA / Kotlin
# coding conventions code style, lines of at most 120): the hand-written Kotlin,
# tachc's committed Kotlin (generated/kotlin, the RPC golden) and tachc's Kotlin
# for the name tests' schemas (tests/compiler/collisions, tests/rpc/names.tach,
# tests/compiler/strings), generated into a temporary folder by BUILD_DIR/tachc
# (default build). Prints one line per folder: "PASS: kotlin-lint/FOLDER",
# "FAIL: kotlin-lint/FOLDER" and the findings, or one SKIP line when there is no
# JDK 22+ or no Maven to fetch ktlint with. --format rewrites the hand-written
# files instead (what ktlint can fix by itself); generated code is fixed in
# compiler/emit_kotlin.c, never by hand.
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
if [ "${1:-}" = --format ]; then
    format=--format
    shift
fi
build=${1:-build}
failed=0
lint() { # NAME DIR: lints DIR/**/*.kt (paths relative to DIR in the findings)
    local out
    if out=$(cd "$2" && java -jar "$jar" $format --editorconfig="$root/.editorconfig" --relative "**/*.kt" 2>&1); then
        echo "PASS: kotlin-lint/$1"
    else
        echo "FAIL: kotlin-lint/$1"
        grep -E '^[^ ].*:[0-9]+:[0-9]+: ' <<<"$out" | head -40 | sed 's/^/    /'
        failed=1
    fi
}
for dir in runtime/kotlin examples/peers/kotlin tests/vectors/kotlin; do
    [ -d "$dir" ] && lint "$dir" "$dir"
done
[ -n "$format" ] && exit $failed
for dir in generated/kotlin tests/rpc/golden/kotlin; do
    [ -d "$dir" ] && lint "$dir" "$dir"
done
if [ -x "$build/tachc" ]; then
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/tachyon-ktlint.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    for src in tests/compiler/collisions/*.tach tests/compiler/collisions/*/main.tach tests/rpc/names.tach \
        tests/compiler/strings/strings.tach; do
        [ -e "$src" ] || continue
        name=${src%.tach}
        if ! err=$("$build/tachc" gen --lang kotlin --out "$tmp/${name//\//_}" "$src" 2>&1); then
            echo "FAIL: kotlin-lint/tachc gen --lang kotlin $src"
            sed 's/^/    /' <<<"$err" | head -10
            failed=1
        fi
    done
    lint tachc-name-tests "$tmp" # the collision, RPC name and string schemas
else
    echo "SKIP: kotlin-lint/tachc-name-tests ($build/tachc is missing: make)"
fi
exit $failed
