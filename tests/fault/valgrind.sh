#!/usr/bin/env bash
# tests/fault/valgrind.sh BUILD - runs a few runtime fault tests (handshake
# error paths, dropped connectors, killed peers, a stream) under valgrind
# --leak-check=full: no leak, no invalid access, in the library or the tests.
# (tachc's valgrind cases live in tests/compiler/run.sh.)
# Prints PASS:/FAIL:/SKIP: valgrind/<test>.
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
DIR=$BUILD/tests/fault
CASES="test_security_memfd_sealed test_security_socket_mode test_fault_listener_abuse test_fault_kill_producer test_fault_stalled_consumer test_soak_c"
status=0
if ! command -v valgrind >/dev/null; then
    for c in $CASES; do echo "SKIP: valgrind/$c (valgrind missing: apt-get install valgrind)"; done
    exit 0
fi
if [ ! -x "$DIR/test_soak_c" ] || ! valgrind -q --error-exitcode=99 "$DIR/test_security_socket_mode" >/dev/null 2>&1; then
    for c in $CASES; do echo "SKIP: valgrind/$c (no plain build of the fault tests that valgrind can run in $DIR)"; done
    exit 0
fi
LOG=$(mktemp)
for c in $CASES; do
    # valgrind 3.19 does not know pidfd_open (434): the library falls back to kill(pid, 0).
    FAULT_TRIALS=3 FAULT_SECONDS=60 SOAK_MESSAGES=300000 TACHYON_TEST_SCALE=0.02 \
        timeout 120 valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --error-exitcode=99 "$DIR/$c" >"$LOG" 2>&1
    rc=$?
    if [ $rc -eq 0 ]; then
        echo "PASS: valgrind/$c"
    elif [ $rc -eq 77 ]; then
        echo "SKIP: valgrind/$c (the test skipped itself)"
    else
        echo "FAIL: valgrind/$c"
        echo "  exit $rc"
        grep -v "syscall: 434\|write your own handler\|README_MISSING_SYSCALL\|Nevertheless we consider\|valgrind.org/support" "$LOG" |
            tail -20 | sed 's/^/  /'
        status=1
    fi
done
rm -f "$LOG"
exit $status
