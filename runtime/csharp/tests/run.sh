#!/usr/bin/env bash
# runtime/csharp/tests/run.sh [BUILD] - the C# binding's tests, with Mono.
#
# Compiles runtime/csharp/Tachyon/*.cs into BUILD/csharp/Tachyon.dll (mcs,
# warnings as errors) and the NUnit-attributed tests with their runner into
# BUILD/csharp/tachyon-tests.exe, runs them with mono over BUILD/lib's
# libtachyon.so, and prints one line per test ("PASS: ...", "FAIL: ...").
# Without Mono the suite is one SKIP line.
set -u
cd "$(dirname "$0")/../../.." || exit 2
BUILD=${1:-build}
OUT=$BUILD/csharp
NUNIT=$(ls /usr/lib/cli/nunit.framework-2.6*/nunit.framework.dll 2>/dev/null | head -1)
if ! command -v mcs >/dev/null 2>&1 || ! command -v mono >/dev/null 2>&1; then
    echo "SKIP: csharp (Mono is not installed: apt-get install mono-mcs mono-runtime)"
    exit 0
fi
if [ -z "$NUNIT" ]; then
    echo "SKIP: csharp (NUnit is not installed: apt-get install libnunit-cil-dev)"
    exit 0
fi
if [ ! -f "$BUILD/lib/libtachyon.so" ]; then
    echo "FAIL: csharp ($BUILD/lib/libtachyon.so is not built: make lib)"
    exit 1
fi
mkdir -p "$OUT"
if ! log=$(mcs -unsafe -warnaserror+ -target:library -out:"$OUT/Tachyon.dll" runtime/csharp/Tachyon/*.cs 2>&1); then
    echo "FAIL: csharp compile Tachyon.dll"
    printf '%s\n' "$log" | head -30 | sed 's/^/    /'
    exit 1
fi
echo "PASS: csharp compile Tachyon.dll"
cp "$NUNIT" "$OUT/"
if ! log=$(mcs -unsafe -warnaserror+ -out:"$OUT/tachyon-tests.exe" -r:"$OUT/Tachyon.dll" -r:"$NUNIT" -r:System.Core \
    runtime/csharp/tests/*.cs tests/rpc/golden/csharp/*.cs 2>&1) ||
    ! log=$(mcs -unsafe -warnaserror+ -out:"$OUT/rpc-silent-server.exe" -r:"$OUT/Tachyon.dll" \
        runtime/csharp/tests/helpers/SilentServer.cs 2>&1); then
    echo "FAIL: csharp compile tests"
    printf '%s\n' "$log" | head -30 | sed 's/^/    /'
    exit 1
fi
TACHYON_H=runtime/include/tachyon.h LD_LIBRARY_PATH="$BUILD/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
    timeout 300 mono "$OUT/tachyon-tests.exe"
status=$?

# The README's complete example: the first ```csharp block of its "## C#" section.
awk '/^## C#$/ {in_section = 1; next} /^## / {in_section = 0}
     in_section && /^```csharp$/ && !done {in_block = 1; next}
     in_block && /^```$/ {in_block = 0; done = 1}
     in_block {print}' README.md >"$OUT/ReadmeExample.cs"
want="received 13 bytes, type_id=1"
if [ ! -s "$OUT/ReadmeExample.cs" ]; then
    echo "FAIL: csharp README example (no \`\`\`csharp block under \"## C#\" in README.md)"
    status=1
elif ! log=$(mcs -unsafe -warnaserror+ -out:"$OUT/readme-example.exe" -r:"$OUT/Tachyon.dll" "$OUT/ReadmeExample.cs" 2>&1); then
    echo "FAIL: csharp README example (does not compile)"
    printf '%s\n' "$log" | head -30 | sed 's/^/    /'
    status=1
elif out=$(LD_LIBRARY_PATH="$BUILD/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" MONO_PATH="$OUT" \
    timeout 60 mono "$OUT/readme-example.exe" 2>&1) && [ "$out" = "$want" ]; then
    echo "PASS: csharp README example"
else
    echo "FAIL: csharp README example (expected \"$want\", got \"$out\")"
    status=1
fi

# The README's topology example (the ```csharp block of "## Topologies" and the ```text block after it), with
# socket names of its own, compiled, run and compared.
section=$(awk '/^## Topologies/ {f = 1; next} /^## / {f = 0} f' README.md)
awk '/^```csharp$/ && !done {b = 1; next} b && /^```$/ {b = 0; done = 1} b' <<<"$section" |
    sed "s/\"@ticks\"/\"@ticks-cs-$$\"/; s/\"@orders\"/\"@orders-cs-$$\"/" >"$OUT/TopologyExample.cs"
want=$(awk '/^```csharp$/ {c = 1} c && /^```text$/ {t = 1; next} t && /^```$/ {exit} t' <<<"$section")
if [ ! -s "$OUT/TopologyExample.cs" ] || [ -z "$want" ]; then
    echo "FAIL: csharp README topology example (no \`\`\`csharp block and output under \"## Topologies\")"
    status=1
elif ! log=$(mcs -unsafe -warnaserror+ -out:"$OUT/topology-example.exe" -r:"$OUT/Tachyon.dll" \
    "$OUT/TopologyExample.cs" 2>&1); then
    echo "FAIL: csharp README topology example (does not compile)"
    printf '%s\n' "$log" | head -30 | sed 's/^/    /'
    status=1
elif out=$(LD_LIBRARY_PATH="$BUILD/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" MONO_PATH="$OUT" \
    timeout 60 mono "$OUT/topology-example.exe" 2>&1) && [ "$out" = "$want" ]; then
    echo "PASS: csharp README topology example"
else
    echo "FAIL: csharp README topology example (expected \"$want\", got \"$out\")"
    status=1
fi
exit $status
