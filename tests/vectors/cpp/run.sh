#!/usr/bin/env bash
# tests/vectors/cpp/run.sh [BUILD] - the cross-language vectors against generated/cpp.
#
# Writes a GoogleTest program from tests/vectors/*.json (gen_test.py), builds it
# with g++ and clang++ (-std=c++20, all warnings as errors) and once under
# ASan+UBSan, and runs each build. Prints one line per case: "PASS: name",
# "FAIL: name" (then detail lines) or "SKIP: name (reason)"; exits non-zero
# when any case failed.
set -u
cd "$(dirname "$0")/../../.." || exit 2
BUILD=${1:-build}
OUT=$BUILD/tests/vectors/cpp
PYTHON=${PYTHON:-python3}
mkdir -p "$OUT"
failed=0

if [ ! -f /usr/include/gtest/gtest.h ]; then
    echo "SKIP: vectors-cpp (GoogleTest is not installed: apt-get install libgtest-dev)"
    exit 0
fi
if ! "$PYTHON" tests/vectors/cpp/gen_test.py "$OUT/test_vectors.cc"; then
    echo "FAIL: write the C++ vector test"
    exit 1
fi

WARN="-std=c++20 -Wall -Wextra -Werror -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast -Wundef"
# name | compiler | flags
builds=(
    "g++|g++|-O1 $WARN"
    "clang++|clang++|-O1 $WARN"
    "clang++-asan-ubsan|clang++|-O1 -g $WARN -fsanitize=address,undefined -fno-sanitize-recover=all"
)
for b in "${builds[@]}"; do
    IFS='|' read -r name cxx flags <<<"$b"
    if ! command -v "$cxx" >/dev/null 2>&1; then
        echo "SKIP: vectors-cpp compile $name ($cxx not installed)"
        continue
    fi
    exe=$OUT/test_vectors_$name
    # shellcheck disable=SC2086
    if ! log=$("$cxx" $flags -Igenerated/cpp "$OUT/test_vectors.cc" -o "$exe" \
        -lgtest -lgtest_main -lpthread 2>&1); then
        echo "FAIL: vectors-cpp compile $name"
        printf '%s\n' "$log" | head -40 | sed 's/^/    /'
        failed=1
        continue
    fi
    echo "PASS: vectors-cpp compile $name"
    log=$(ASAN_OPTIONS=detect_leaks=1 timeout 300 "$exe" 2>&1)
    rc=$?
    printf '%s\n' "$log" | sed -n "s/^\[       OK \] \([^ ]*\).*/PASS: $name \1/p; s/^\[  FAILED  \] \([^ ]*\) (.*/FAIL: $name \1/p"
    if [ $rc -ne 0 ]; then
        printf '%s\n' "$log" | grep -v '^\[' | head -60 | sed 's/^/    /'
        grep -q "^\[  FAILED  \]" <<<"$log" || echo "FAIL: $name (exit $rc)"
        failed=1
    fi
done
exit $failed
