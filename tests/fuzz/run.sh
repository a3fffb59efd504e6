#!/usr/bin/env bash
# tests/fuzz/run.sh - runs the libFuzzer targets built by tests/fuzz/fuzz.mk.
#
#   bash tests/fuzz/run.sh [--seconds N] [--keep] [TARGET...]
#
# For each target: first replays every committed input of
# tests/fuzz/corpus/<target>/ (the seeds and the regression inputs of crashes
# found earlier), then fuzzes for N seconds (default 15) starting from that
# corpus. New interesting inputs go to build/fuzz/corpus/<target>/ (kept
# between runs with --keep; merge them into the committed corpus by hand), crash
# reproducers to build/fuzz/artifacts/<target>/.
# Prints one line per target: PASS: fuzz/<target> (N executions, ...) or FAIL.
set -u
cd "$(dirname "$0")/../.."
SECONDS_PER=15
KEEP=0
TARGETS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) SECONDS_PER="$2"; shift 2 ;;
        --keep) KEEP=1; shift ;;
        *) TARGETS+=("$1"); shift ;;
    esac
done
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(tachc handshake consumer producer connector)
FB=build/fuzz
status=0
FUZZ_OK=0
if echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }' |
    ${FUZZ_CC:-clang} -x c -fsanitize=fuzzer -o /dev/null - 2>/dev/null; then
    FUZZ_OK=1
fi

opts_for() {
    case "$1" in
        tachc) echo "-dict=tests/fuzz/tachc.dict -max_len=8192" ;;
        handshake) echo "-max_len=512" ;;
        connector) echo "-max_len=512" ;;
        *) echo "-max_len=4096" ;;
    esac
}

for t in "${TARGETS[@]}"; do
    bin=$FB/fuzz_$t
    seeds=tests/fuzz/corpus/$t
    work=$FB/corpus/$t
    art=$FB/artifacts/$t
    log=$FB/logs/$t.log
    if [ ! -x "$bin" ] && [ "$FUZZ_OK" = 0 ]; then
        echo "SKIP: fuzz/$t (clang -fsanitize=fuzzer does not link: apt-get install clang libclang-rt-14-dev)"
        continue
    fi
    if [ ! -x "$bin" ]; then
        echo "FAIL: fuzz/$t"
        echo "  $bin is missing (make fuzz-build)"
        status=1
        continue
    fi
    [ $KEEP = 1 ] || rm -rf "$work"
    mkdir -p "$work" "$art" "$(dirname "$log")"
    # 1. Replay: every committed input must pass.
    mapfile -t inputs < <(find "$seeds" -type f | sort)
    if ! ASAN_OPTIONS=detect_leaks=1 timeout 600 "$bin" -timeout=30 $(opts_for "$t") "${inputs[@]}" >"$log" 2>&1; then
        echo "FAIL: fuzz/$t"
        echo "  a committed input fails (regression); log: $log"
        grep -E "ERROR|SUMMARY|fuzz_ring|Running:" "$log" | tail -8 | sed 's/^/  /'
        status=1
        continue
    fi
    # 2. Fuzz for the time given.
    ASAN_OPTIONS=detect_leaks=1 timeout $((SECONDS_PER + 120)) "$bin" -max_total_time="$SECONDS_PER" -timeout=30 \
        -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$art/" $(opts_for "$t") \
        "$work" "$seeds" >>"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -Eo "cov: [0-9]+" "$log" | tail -1)
    corp=$(find "$work" -type f | wc -l)
    if [ $rc -eq 0 ]; then
        echo "PASS: fuzz/$t (${execs:-?} executions in ${SECONDS_PER}s, ${cov:-cov: ?}, $corp new corpus inputs, 0 crashes)"
    else
        echo "FAIL: fuzz/$t"
        echo "  exit $rc after ${execs:-?} executions; reproducer in $art/, log: $log"
        grep -E "ERROR|SUMMARY|fuzz_ring|==[0-9]+==" "$log" | tail -8 | sed 's/^/  /'
        status=1
    fi
done
exit $status
