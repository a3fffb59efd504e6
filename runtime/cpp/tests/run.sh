#!/usr/bin/env bash
# runtime/cpp/tests/run.sh [BUILD] - the C++ binding's GoogleTest suites.
#
# Builds runtime/cpp/tests/*.cc with g++ and clang++ (-std=c++20 -Wall -Wextra
# -Werror -Wpedantic) and once under ASan+UBSan, links BUILD/lib/libtachyon.a,
# runs each build, then compiles and runs the complete example of README.md's
# "## C++" section, and prints one line per test: "PASS: <build> <Suite.Test>",
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
    if ! log=$("$cxx" $flags -Iruntime/include -Iruntime/cpp runtime/cpp/tests/test_*.cc -o "$exe" \
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

# The README's complete example: the first ```cpp block of its "## C++" section.
awk '/^## C\+\+$/ {in_section = 1; next} /^## / {in_section = 0}
     in_section && /^```cpp$/ && !done {in_block = 1; next}
     in_block && /^```$/ {in_block = 0; done = 1}
     in_block {print}' README.md >"$OUT/readme_example.cc"
want="received 13 bytes, type_id=1"
if [ ! -s "$OUT/readme_example.cc" ]; then
    echo "FAIL: cpp README example (no \`\`\`cpp block under \"## C++\" in README.md)"
    failed=1
elif ! log=$(g++ -O1 $WARN -Iruntime/include -Iruntime/cpp "$OUT/readme_example.cc" -o "$OUT/readme_example" \
    "$LIB" -lpthread 2>&1); then
    echo "FAIL: cpp README example (does not compile)"
    printf '%s\n' "$log" | head -30 | sed 's/^/    /'
    failed=1
elif out=$(timeout 30 "$OUT/readme_example" 2>&1) && [ "$out" = "$want" ]; then
    echo "PASS: cpp README example"
else
    echo "FAIL: cpp README example (expected \"$want\", got \"$out\")"
    failed=1
fi
exit $failed
