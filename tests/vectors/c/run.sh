#!/usr/bin/env bash
# tests/vectors/c/run.sh [BUILD] - the cross-language vectors against generated/c.
#
# Writes a C test program from tests/vectors/*.json (gen_test.py), builds it as
# C11 and as C++17 with every compiler present (gcc, clang, g++, clang++; one
# build under ASan+UBSan), all warnings as errors, and runs each build.
# Prints one line per case: "PASS: name", "FAIL: name" (then detail lines) or
# "SKIP: name (reason)"; exits non-zero when any case failed.
set -u
cd "$(dirname "$0")/../../.."
BUILD=${1:-build}
OUT=$BUILD/tests/vectors/c
PYTHON=${PYTHON:-python3}
mkdir -p "$OUT"
failed=0

if ! "$PYTHON" tests/vectors/gen_vectors.py --check; then
    echo "FAIL: vectors match their hand-kept layout table"
    failed=1
else
    echo "PASS: vectors match their hand-kept layout table"
fi

if ! "$PYTHON" tests/vectors/c/gen_test.py "$OUT/test_vectors.c"; then
    echo "FAIL: write the C vector test"
    exit 1
fi

WARN="-Wall -Wextra -Werror -pedantic -Wconversion -Wsign-conversion -Wshadow -Wcast-qual -Wundef"
# name | compiler | flags
builds=(
    "gcc-c11|gcc|-x c -std=c11 -O2 $WARN -Wstrict-prototypes -Wmissing-prototypes"
    "clang-c11-asan-ubsan|clang|-x c -std=c11 -O1 -g $WARN -Wstrict-prototypes -Wmissing-prototypes -fsanitize=address,undefined -fno-sanitize-recover=all"
    "gcc-c11-portable-byte-order|gcc|-x c -std=c11 -O2 -DTACHC_HOST_LE=0 $WARN -Wstrict-prototypes -Wmissing-prototypes"
    "g++-c++17|g++|-x c++ -std=c++17 -O2 $WARN"
    "clang++-c++17|clang++|-x c++ -std=c++17 -O2 $WARN"
)
for b in "${builds[@]}"; do
    IFS='|' read -r name cc flags <<<"$b"
    if ! command -v "$cc" >/dev/null 2>&1; then
        echo "SKIP: compile $name ($cc not installed)"
        continue
    fi
    exe=$OUT/test_vectors_$name
    # shellcheck disable=SC2086
    if log=$("$cc" $flags -Igenerated/c "$OUT/test_vectors.c" -o "$exe" -lm 2>&1); then
        echo "PASS: compile $name"
    else
        echo "FAIL: compile $name"
        printf '%s\n' "$log" | head -40
        failed=1
        continue
    fi
    ASAN_OPTIONS=detect_leaks=1 "$exe" "$name" || failed=1
done
exit $failed
