# pair.sh - runs one consumer and one producer over a live bus, robustly.
# Sourced by the examples' run.sh scripts, `make demo` and tests/examples/run.sh.
#
#   pair_run LIMIT_S CONSUMER_CMD... -- PRODUCER_CMD...
#
# The consumer (the listener) starts first; the producer connects, retrying
# until the socket exists (every peer program does that). Each runs under
# `timeout LIMIT_S`. When one side fails, the other gets three seconds to
# notice before it is killed; both are killed if the caller exits or gets
# Ctrl-C. Their output (stdout and stderr) is printed when both are done, the
# producer's first. Returns 0 only if both exited 0, and sets
# PAIR_CONSUMER_RC and PAIR_PRODUCER_RC (124: that side timed out). With
# PAIR_LISTENER=@name the producer starts only once the consumer listens there.

pair_socket() {
    # A fresh abstract-namespace name: nothing to clean up, no collisions.
    echo "@tachyon-example-$$-${RANDOM}${RANDOM}"
}

pair_run() {
    local limit=$1
    shift
    local consumer=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do
        consumer+=("$1")
        shift
    done
    if [ $# -eq 0 ]; then
        echo "pair_run: missing -- between the consumer and the producer" >&2
        return 2
    fi
    shift
    local saved_traps
    saved_traps=$(trap -p INT TERM EXIT)
    # Each side's output goes to a file, printed when both are done: the
    # producer's first, then the consumer's summary, never interleaved.
    local logs
    logs=$(mktemp -d "${TMPDIR:-/tmp}/tachyon-pair.XXXXXX") || return 2
    timeout -k 2 "$limit" "${consumer[@]}" >"$logs/consumer" 2>&1 &
    local cpid=$!
    # PAIR_LISTENER=@name: start the producer only once the consumer listens on that
    # abstract name, for a consumer that loads something slow first (PyTorch: up to
    # 10 s on a loaded machine, as long as a producer retries its connect).
    if [ -n "${PAIR_LISTENER:-}" ]; then
        while kill -0 "$cpid" 2>/dev/null &&
            ! awk -v n="$PAIR_LISTENER" '$NF == n { found = 1 } END { exit !found }' /proc/net/unix; do
            sleep 0.05
        done
    fi
    timeout -k 2 "$limit" "$@" >"$logs/producer" 2>&1 &
    local ppid=$!
    # Ctrl-C or an error exit of the caller must not leave either behind; the
    # caller's own traps are put back afterwards.
    trap "kill $cpid $ppid 2>/dev/null; rm -rf '$logs'" EXIT
    trap "kill $cpid $ppid 2>/dev/null; rm -rf '$logs'; exit 130" INT TERM
    # Whichever ends first (bash keeps the status of a reaped background job
    # for `wait PID`; `wait -n` can lose one when both end at once).
    local first= rc other
    while [ -z "$first" ]; do
        if ! kill -0 "$cpid" 2>/dev/null; then
            first=$cpid
        elif ! kill -0 "$ppid" 2>/dev/null; then
            first=$ppid
        else
            sleep 0.05
        fi
    done
    wait "$first"
    rc=$?
    if [ "$first" = "$cpid" ]; then
        PAIR_CONSUMER_RC=$rc
        other=$ppid
    else
        PAIR_PRODUCER_RC=$rc
        other=$cpid
    fi
    # A failed side: the other gets three seconds to notice (a peer that is
    # gone is seen within 250 ms; a producer still looking for a listener
    # gives up later), then it is stopped.
    if [ "$rc" -ne 0 ]; then
        local _
        for _ in $(seq 60); do
            kill -0 "$other" 2>/dev/null || break
            sleep 0.05
        done
        kill "$other" 2>/dev/null
    fi
    wait "$other"
    rc=$?
    if [ "$other" = "$cpid" ]; then PAIR_CONSUMER_RC=$rc; else PAIR_PRODUCER_RC=$rc; fi
    trap - INT TERM EXIT
    eval "$saved_traps"
    cat "$logs/producer" "$logs/consumer"
    [ "$PAIR_PRODUCER_RC" -eq 124 ] && echo "pair_run: the producer ran past ${limit}s and was stopped" >&2
    [ "$PAIR_CONSUMER_RC" -eq 124 ] && echo "pair_run: the consumer ran past ${limit}s and was stopped" >&2
    rm -rf "$logs"
    [ "$PAIR_PRODUCER_RC" -eq 0 ] && [ "$PAIR_CONSUMER_RC" -eq 0 ]
}

# ex_build TARGET... - builds what an example needs (make targets of
# examples/examples.mk) unless the caller already did (EXAMPLES_BUILT=1).
ex_build() {
    [ -n "${EXAMPLES_BUILT:-}" ] && return 0
    make -s --no-print-directory BUILD="$BUILD" "$@"
}
