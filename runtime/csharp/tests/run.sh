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

# The README's topology snippet (the ```csharp block of "## Topologies"), compiled as a Main.
{
    echo 'using System; using Tachyon;'
    echo 'static class TopologySnippet { static void Main() {'
    awk '/^## Topologies/ {in_section = 1; next} /^## / {in_section = 0}
         in_section && /^```csharp$/ && !done {in_block = 1; next}
         in_block && /^```$/ {in_block = 0; done = 1}
         in_block {print}' README.md
    echo '} }'
} >"$OUT/TopologySnippet.cs"
if [ "$(wc -l <"$OUT/TopologySnippet.cs")" -le 3 ]; then
    echo "FAIL: csharp README topology snippet (no \`\`\`csharp block under \"## Topologies\" in README.md)"
    status=1
elif log=$(mcs -unsafe -warnaserror+ -nowarn:168,219 -out:"$OUT/topology-snippet.exe" -r:"$OUT/Tachyon.dll" \
    "$OUT/TopologySnippet.cs" 2>&1); then
    echo "PASS: csharp README topology snippet compiles"
else
    echo "FAIL: csharp README topology snippet (does not compile)"
    printf '%s\n' "$log" | head -30 | sed 's/^/    /'
    status=1
fi
exit $status
