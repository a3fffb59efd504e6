#!/usr/bin/env bash
# runtime/java/scripts/bench_producers.sh [BUILD_DIR] [COUNT] [ROUNDS] - the typed
# producers of the JVM bindings against C's, same run: 32-byte MarketTicks from a
# producer process (C, Java, Kotlin: each writes every field through its
# tachc-generated view, in place in the ring slot) to the C consumer process,
# which checks every field. Rounds interleave the producers; the result is the
# median of each, as a ratio to the C producer of the same run (the machine is
# shared: absolute rates drift, ratios less).
#
# Two figures per producer: msgs_per_s, the consumer's rate from the first
# message to End (wall clock: on a busy machine it measures the scheduler as
# much as the code), and cpu_ns_per_msg, the producer's CPU time per message
# (C: the whole process, user + system; Java and Kotlin: the sending thread over
# the second half of the stream, after the JIT warmed up), which a busy machine
# barely moves; cpu_msgs_per_s is 1e9 / cpu_ns_per_msg, the rate with a core of
# its own.
#
# Prints one JSON object per line: first one per run (a measurement, for
# tools such as bench/lang_bench.py that take their own medians),
#   {"lang":"java","role":"producer","round":R,"msgs":COUNT,"secs":S,"cpu_secs":C,
#    "warm_cpu_ns_per_msg":W,"consumer_secs":CS}
# where secs is the producer's own send loop (first tick to End), cpu_secs the
# producer process's user + system CPU (JVM start and JIT included), W the
# JVM's main-thread CPU per message over the second half (absent for C) and
# consumer_secs the C consumer's first message to End; then one summary per
# producer, like the benchmarks in bench/:
#   {"bench":"throughput","transport":"tachyon","producer":"java","consumer":"c","payload":32,
#    "samples":COUNT,"rounds":R,"msgs_per_s":...,"cpu_ns_per_msg":...,"cpu_msgs_per_s":...,
#    "ratio_to_c":...,"cpu_ratio_to_c":...}
# Only some producers: PRODUCERS="java kotlin" (the C one is always run: it is
# the baseline of the ratios). The JVM producers warm up first (--warmup: WARMUP
# ticks, default 2,000,000, through the same send loop into a ring inside their
# own process, before they connect), so that their figures are those of a
# compiled loop, not of the JVM's start; WARMUP=0 measures the cold start.
# Needs `make` (C peers), examples/peers/java/build.sh and examples/peers/kotlin/build.sh
# run first for BUILD_DIR; a producer whose program is missing is left out.
set -eu
cd "$(dirname "$0")/../../.."
build=${1:-build}
count=${2:-5000000}
rounds=${3:-5}
. examples/lib/pair.sh
producers=()
for p in c ${PRODUCERS:-java kotlin}; do
    [ "$p" != c ] || [ ${#producers[@]} -eq 0 ] || continue
    [ -x "$build/examples/${p}_producer" ] && producers+=("$p")
done
[ -x "$build/examples/c_consumer" ] || { echo "bench_producers: $build/examples/c_consumer is missing: make" >&2; exit 2; }
warmup=${WARMUP:-2000000}
declare -A rates cpus
for ((r = 0; r < rounds; r++)); do
    for p in "${producers[@]}"; do
        sock=$(pair_socket)
        extra=()
        [ "$p" = c ] || [ "$warmup" = 0 ] || extra=(--warmup "$warmup")
        # bash's `time` gives the C producer's CPU time (the JVM ones print their own)
        out=$(pair_run 600 "$build/examples/c_consumer" --socket "$sock" --count "$count" -- \
            bash -c 'TIMEFORMAT="producer-cpu %U %S"; time "$@"' _ \
            "$build/examples/${p}_producer" --socket "$sock" --count "$count" "${extra[@]}" 2>&1) || {
            echo "bench_producers: $p round $r failed:" >&2
            echo "$out" >&2
            exit 1
        }
        rate=$(sed -n 's/^consumer: .* \([0-9.]*\) M msg\/s.*/\1/p' <<<"$out")
        csecs=$(sed -n 's/^consumer: .* in \([0-9.]*\) s:.*/\1/p' <<<"$out")
        psecs=$(sed -n 's/^producer: \([0-9.]*\) s, .*/\1/p' <<<"$out")
        pcpu=$(awk '/^producer-cpu/ {printf "%.3f", $2 + $3}' <<<"$out")
        warm=$(sed -n 's/^producer: \([0-9.]*\) ns of CPU per message.*/\1/p' <<<"$out")
        cpu=$warm
        if [ -z "$cpu" ]; then
            cpu=$(awk -v n="$count" '/^producer-cpu/ {printf "%.1f", ($2 + $3) * 1e9 / n}' <<<"$out")
        fi
        printf '{"lang":"%s","role":"producer","round":%d,"msgs":%d,"secs":%s,"cpu_secs":%s%s,"consumer_secs":%s}\n' \
            "$p" "$r" "$count" "${psecs:-null}" "${pcpu:-null}" "${warm:+,\"warm_cpu_ns_per_msg\":$warm}" "${csecs:-null}"
        rates[$p]="${rates[$p]:-} $rate"
        cpus[$p]="${cpus[$p]:-} $cpu"
    done
done
median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
c_med=$(median "${rates[c]:-0}")
c_cpu=$(median "${cpus[c]:-0}")
for p in "${producers[@]}"; do
    m=$(median "${rates[$p]}")
    u=$(median "${cpus[$p]}")
    awk -v p="$p" -v m="$m" -v c="$c_med" -v u="$u" -v cu="$c_cpu" -v n="$count" -v r="$rounds" 'BEGIN {
        printf "{\"bench\":\"throughput\",\"transport\":\"tachyon\",\"producer\":\"%s\",\"consumer\":\"c\",\"payload\":32,", p
        printf "\"samples\":%d,\"rounds\":%d,\"msgs_per_s\":%.0f,\"cpu_ns_per_msg\":%.1f,\"cpu_msgs_per_s\":%.0f,", n, r, m * 1e6, u, (u > 0) ? 1e9 / u : 0
        printf "\"ratio_to_c\":%.2f,\"cpu_ratio_to_c\":%.2f}\n", (c > 0) ? m / c : 0, (u > 0) ? cu / u : 0 }'
done
