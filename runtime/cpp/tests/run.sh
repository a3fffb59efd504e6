#!/usr/bin/env bash
# runtime/cpp/tests/run.sh [BUILD] - the C++ binding's GoogleTest suites.
#
# Builds runtime/cpp/tests/*.cc with g++ and clang++ (-std=c++20 -Wall -Wextra
# -Werror -Wpedantic) and once under ASan+UBSan, links BUILD/lib/libtachyon.a,
# runs each build and prints one line per test: "PASS: <build> <Suite.Test>",
# "FAIL: ..." or "SKIP: ... (reason)". Exits non-zero when anything failed.
set -u
cd "$(dirname "$0")/../../.." || exit 2
BUILD=${1:-build}
OUT=$BUILD/tests/cpp
LIB=$BUILD/lib/libtachyon.a
mkdir -p "$OUT"
failed=0

if [ ! -f "$LIB" ]; then
    echo "FAIL: $LIB is not built (make lib)"
    exit 1
fi
if [ ! -f /usr/include/gtest/gtest.h ]; then
    echo "SKIP: cpp binding (GoogleTest is not installed: apt-get install libgtest-dev)"
    exit 0
fi

WARN="-std=c++20 -Wall -Wextra -Werror -Wpedantic -Wshadow -Wconversion -Wsign-conversion"
# name | compiler | flags
builds=(
    "g++|g++|-O2 $WARN"
    "clang++|clang++|-O2 $WARN"
    "clang++-asan-ubsan|clang++|-O1 -g $WARN -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
)
for b in "${builds[@]}"; do
    IFS='|' read -r name cxx flags <<<"$b"
    if ! command -v "$cxx" >/dev/null 2>&1; then
        echo "SKIP: cpp binding $name ($cxx not installed)"
        continue
    fi
    exe=$OUT/test_bus_$name
    # shellcheck disable=SC2086
    if ! log=$("$cxx" $flags -Iruntime/include -Iruntime/cpp runtime/cpp/tests/test_bus.cc -o "$exe" \
        "$LIB" -lgtest -lgtest_main -lpthread 2>&1); then
        echo "FAIL: cpp binding compile $name"
        printf '%s\n' "$log" | head -40 | sed 's/^/    /'
        failed=1
        continue
    fi
    echo "PASS: cpp binding compile $name"
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
