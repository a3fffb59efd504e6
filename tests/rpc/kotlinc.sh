#!/usr/bin/env bash
# tests/rpc/kotlinc.sh WORK_DIR SOURCES_DIR - compiles the generated Kotlin
# under SOURCES_DIR (with the Java binding, compiled with javac first, and the
# Kotlin binding's Rpc.kt) with kotlinc -Werror, run from the jars of the local
# Maven repository (the version runtime/kotlin/pom.xml names), the way the
# Kotlin RPC peer builds (peers/kotlin/build): no Maven run.
# Exit 0: it compiles; 77: the JDK or the compiler jars are missing (the first
# output line says why); other: it does not compile.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=${1:?usage: kotlinc.sh WORK_DIR SOURCES_DIR}
SRC=${2:?usage: kotlinc.sh WORK_DIR SOURCES_DIR}
. "$ROOT/runtime/java/scripts/jdk.sh"
[ -z "$JDK_MISSING" ] || { echo "$JDK_MISSING"; exit 77; }
repo=${MAVEN_REPO:-$HOME/.m2/repository}
kv=$(sed -n 's:.*<kotlin.version>\(.*\)</kotlin.version>.*:\1:p' "$ROOT/runtime/kotlin/pom.xml")
k=$repo/org/jetbrains/kotlin
compiler_cp=
for a in kotlin-compiler-embeddable kotlin-stdlib kotlin-script-runtime kotlin-reflect kotlin-daemon-embeddable; do
    jar=$k/$a/$kv/$a-$kv.jar
    [ -f "$jar" ] || { echo "the Kotlin compiler is not in the local Maven repository ($jar; the kotlin suite fetches it)"; exit 77; }
    compiler_cp=$compiler_cp${compiler_cp:+:}$jar
done
for extra in "$repo"/org/jetbrains/kotlinx/kotlinx-coroutines-core-jvm/*/kotlinx-coroutines-core-jvm-*[0-9].jar \
    "$repo"/org/jetbrains/annotations/*/annotations-*[0-9].jar; do
    [ -f "$extra" ] && compiler_cp=$compiler_cp:$extra
done
mkdir -p "$WORK/java" "$WORK/classes"
javac -Xlint:all,-restricted -Werror --release 22 -d "$WORK/java" "$ROOT"/runtime/java/src/main/java/io/tachyon/*.java
# shellcheck disable=SC2046
if ! log=$(java --enable-native-access=ALL-UNNAMED -cp "$compiler_cp" org.jetbrains.kotlin.cli.jvm.K2JVMCompiler \
    -no-reflect -no-stdlib -jvm-target 22 -Werror -classpath "$WORK/java:$k/kotlin-stdlib/$kv/kotlin-stdlib-$kv.jar" \
    -d "$WORK/classes" "$ROOT/runtime/kotlin/src/main/kotlin/io/tachyon/kotlin/Rpc.kt" \
    $(find "$SRC" -name '*.kt') 2>&1); then
    printf '%s\n' "$log" | grep -v '^WARNING:'
    exit 1
fi
