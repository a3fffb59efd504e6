#!/usr/bin/env bash
# tests/vectors/csharp/run.sh [BUILD] - the cross-language vectors against generated/csharp.
#
# Writes an NUnit-attributed test class from tests/vectors/*.json (gen_test.py),
# compiles it with generated/csharp/*.cs and runtime/csharp/tests/Runner.cs (mcs,
# warnings as errors) and runs it with mono. One line per case: "PASS: name" or
# "FAIL: name"; without Mono, one SKIP line.
set -u
cd "$(dirname "$0")/../../.." || exit 2
BUILD=${1:-build}
OUT=$BUILD/tests/vectors/csharp
PYTHON=${PYTHON:-python3}
NUNIT=$(ls /usr/lib/cli/nunit.framework-2.6*/nunit.framework.dll 2>/dev/null | head -1)
if ! command -v mcs >/dev/null 2>&1 || ! command -v mono >/dev/null 2>&1; then
    echo "SKIP: vectors-csharp (Mono is not installed: apt-get install mono-mcs mono-runtime)"
    exit 0
fi
if [ -z "$NUNIT" ]; then
    echo "SKIP: vectors-csharp (NUnit is not installed: apt-get install libnunit-cil-dev)"
    exit 0
fi
mkdir -p "$OUT"
if ! "$PYTHON" tests/vectors/csharp/gen_test.py "$OUT/Vectors.cs"; then
    echo "FAIL: write the C# vector test"
    exit 1
fi
cp "$NUNIT" "$OUT/"
if ! log=$(mcs -unsafe -warnaserror+ -out:"$OUT/vectors.exe" -r:"$NUNIT" -r:System.Core generated/csharp/*.cs \
    "$OUT/Vectors.cs" runtime/csharp/tests/Runner.cs 2>&1); then
    echo "FAIL: vectors-csharp compile"
    printf '%s\n' "$log" | head -30 | sed 's/^/    /'
    exit 1
fi
echo "PASS: vectors-csharp compile (mcs -warnaserror+)"
timeout 300 mono "$OUT/vectors.exe"
