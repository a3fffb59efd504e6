/*
 * Description: the bridge tests' own market peers, for what the example peers
 * do not do: a consumer that listens again after its producer (a bridge `in`
 * that was killed) left, and goes on checking from the next tick; a producer
 * that sends one slice of the stream (ticks FROM..TO-1), paced, so a test can
 * restart things in the middle; a consumer that must receive nothing.
 *
 *   bridge_peer consume --socket PATH --count N [--slow-us U] [--timeout S]
 *   bridge_peer produce --socket PATH --from A --to B [--end] [--pace-us U]
 *   bridge_peer silent  --socket PATH --fingerprint X --seconds S
 *
 * consume checks each tick i (type id and every field, as in
 * examples/peers/README.md) in order across reconnections, then End after
 * exactly N: a lost, repeated or reordered tick fails and is named.
 * Exit: 0 ok, 1 check or bus failure, 2 usage.
 */
#include "../../examples/peers/c/peer.h"

#include <string.h>

static const char *opt(int argc, char **argv, const char *name, const char *def)
{
    for (int i = 2; i + 1 < argc; i++)
        if (!strcmp(argv[i], name))
            return argv[i + 1];
    return def;
}

static int flag(int argc, char **argv, const char *name)
{
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], name))
            return 1;
    return 0;
}

static int check_tick(uint64_t i, uint32_t type, const void *p, size_t size)
{
    char sym[16];
    if (type != tick_type(i) || size != MARKET_TICK_SIZE) {
        fprintf(stderr, "consume: tick %" PRIu64 ": type %u size %zu, want type %u size %d\n", i, type, size,
                tick_type(i), MARKET_TICK_SIZE);
        return -1;
    }
    market_tick_get_symbol(p, sym, sizeof sym);
    if (strcmp(sym, tick_symbol(i)) || market_tick_get_price(p) != tick_price(i) ||
        market_tick_get_quantity(p) != tick_quantity(i) || market_tick_get_timestamp(p) != tick_timestamp(i)) {
        fprintf(stderr, "consume: tick %" PRIu64 ": fields differ (symbol %s price %f quantity %u timestamp %" PRIu64
                ")\n", i, sym, market_tick_get_price(p), market_tick_get_quantity(p), market_tick_get_timestamp(p));
        return -1;
    }
    return 0;
}

static int consume(const char *path, uint64_t count, unsigned slow_us, double timeout_s)
{
    tachyon_options_t opts = {.schema_fingerprint = MARKET_SCHEMA_FINGERPRINT, .timeout_ns = INT64_C(200000000)};
    uint64_t deadline = peer_now_ns(CLOCK_MONOTONIC) + (uint64_t)(timeout_s * 1e9);
    uint64_t next = 0, sessions = 0;
    while (peer_now_ns(CLOCK_MONOTONIC) < deadline) {
        tachyon_bus_t *bus;
        tachyon_error_t err = tachyon_bus_listen_ex(path, 1u << 16, &opts, &bus);
        if (err == TACHYON_ERR_TIMEOUT)
            continue;
        if (err) {
            fprintf(stderr, "consume: listen: %s\n", tachyon_strerror(err));
            return PEER_EXIT_FAIL;
        }
        sessions++;
        for (;;) {
            uint32_t type;
            size_t size;
            const void *p = tachyon_acquire_rx_timeout(bus, &type, &size, 1000, INT64_C(200000000));
            if (!p) {
                err = tachyon_last_error(bus);
                if (err == TACHYON_ERR_TIMEOUT && peer_now_ns(CLOCK_MONOTONIC) < deadline)
                    continue;
                if (err == TACHYON_ERR_PEER_GONE)
                    break; /* the producer left: listen for the next one */
                fprintf(stderr, "consume: receive after tick %" PRIu64 ": %s\n", next, tachyon_strerror(err));
                tachyon_bus_destroy(bus);
                return PEER_EXIT_FAIL;
            }
            if (type == MARKET_MSG_END && size == 0) {
                tachyon_commit_rx(bus);
                tachyon_bus_destroy(bus);
                if (next != count) {
                    fprintf(stderr, "consume: End after %" PRIu64 " ticks, want %" PRIu64 "\n", next, count);
                    return PEER_EXIT_FAIL;
                }
                printf("consume: %" PRIu64 " ticks checked in order, then End (%" PRIu64 " producers)\n", next,
                       sessions);
                return PEER_EXIT_OK;
            }
            if (next >= count || check_tick(next, type, p, size)) {
                if (next >= count)
                    fprintf(stderr, "consume: more than %" PRIu64 " ticks\n", count);
                tachyon_bus_destroy(bus);
                return PEER_EXIT_FAIL;
            }
            tachyon_commit_rx(bus);
            next++;
            if (slow_us && next % 64 == 0)
                usleep(slow_us);
        }
        tachyon_bus_destroy(bus);
    }
    fprintf(stderr, "consume: timed out after %" PRIu64 " of %" PRIu64 " ticks\n", next, count);
    return PEER_EXIT_FAIL;
}

static int produce(const char *path, uint64_t from, uint64_t to, int end, unsigned pace_us)
{
    tachyon_options_t opts = {.schema_fingerprint = MARKET_SCHEMA_FINGERPRINT};
    tachyon_bus_t *bus;
    tachyon_error_t err;
    uint64_t deadline = peer_now_ns(CLOCK_MONOTONIC) + UINT64_C(20000000000);
    while ((err = tachyon_bus_connect_ex(path, &opts, &bus)) == TACHYON_ERR_NO_LISTENER &&
           peer_now_ns(CLOCK_MONOTONIC) < deadline)
        usleep(5000);
    if (err) {
        fprintf(stderr, "produce: connect: %s\n", tachyon_strerror(err));
        return PEER_EXIT_FAIL;
    }
    for (uint64_t i = from; i < to; i++) {
        void *t = tachyon_acquire_tx_blocking(bus, MARKET_TICK_SIZE, INT64_C(30000000000));
        if (!t) {
            fprintf(stderr, "produce: tick %" PRIu64 ": %s\n", i, tachyon_strerror(tachyon_last_error(bus)));
            tachyon_bus_destroy(bus);
            return PEER_EXIT_FAIL;
        }
        market_tick_clear(t);
        market_tick_set_symbol(t, tick_symbol(i));
        market_tick_set_price(t, tick_price(i));
        market_tick_set_quantity(t, tick_quantity(i));
        market_tick_set_timestamp(t, tick_timestamp(i));
        tachyon_commit_tx(bus, MARKET_TICK_SIZE, tick_type(i));
        if (pace_us && i % 64 == 63) {
            tachyon_flush(bus);
            usleep(pace_us);
        }
    }
    if (end && tachyon_send_blocking(bus, NULL, 0, MARKET_MSG_END, INT64_C(30000000000))) {
        fprintf(stderr, "produce: End: %s\n", tachyon_strerror(tachyon_last_error(bus)));
        tachyon_bus_destroy(bus);
        return PEER_EXIT_FAIL;
    }
    tachyon_bus_destroy(bus); /* flushes */
    printf("produce: ticks %" PRIu64 "..%" PRIu64 "%s sent\n", from, to, end ? " + End" : "");
    return PEER_EXIT_OK;
}

/* Listens with the given fingerprint; fails if any message arrives. */
static int silent(const char *path, uint64_t fingerprint, double seconds)
{
    tachyon_options_t opts = {.schema_fingerprint = fingerprint, .timeout_ns = (int64_t)(seconds * 1e9)};
    tachyon_bus_t *bus;
    tachyon_error_t err = tachyon_bus_listen_ex(path, 1u << 16, &opts, &bus);
    if (err) {
        fprintf(stderr, "silent: listen: %s\n", tachyon_strerror(err));
        return PEER_EXIT_FAIL;
    }
    uint32_t type;
    size_t size;
    const void *p = tachyon_acquire_rx_timeout(bus, &type, &size, 1000, (int64_t)(seconds * 1e9));
    if (p) {
        fprintf(stderr, "silent: a message arrived (type %u, %zu bytes)\n", type, size);
        tachyon_bus_destroy(bus);
        return PEER_EXIT_FAIL;
    }
    err = tachyon_last_error(bus);
    tachyon_bus_destroy(bus);
    if (err != TACHYON_ERR_TIMEOUT && err != TACHYON_ERR_PEER_GONE) {
        fprintf(stderr, "silent: %s\n", tachyon_strerror(err));
        return PEER_EXIT_FAIL;
    }
    printf("silent: nothing arrived in %.1f s\n", seconds);
    return PEER_EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bridge_peer consume|produce|silent --socket PATH ...\n");
        return PEER_EXIT_USAGE;
    }
    const char *path = opt(argc, argv, "--socket", NULL);
    if (!path) {
        fprintf(stderr, "bridge_peer: --socket PATH is required\n");
        return PEER_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "consume"))
        return consume(path, strtoull(opt(argc, argv, "--count", "0"), NULL, 0),
                       (unsigned)atoi(opt(argc, argv, "--slow-us", "0")), atof(opt(argc, argv, "--timeout", "120")));
    if (!strcmp(argv[1], "produce"))
        return produce(path, strtoull(opt(argc, argv, "--from", "0"), NULL, 0),
                       strtoull(opt(argc, argv, "--to", "0"), NULL, 0), flag(argc, argv, "--end"),
                       (unsigned)atoi(opt(argc, argv, "--pace-us", "0")));
    if (!strcmp(argv[1], "silent"))
        return silent(path, strtoull(opt(argc, argv, "--fingerprint", "0"), NULL, 0),
                      atof(opt(argc, argv, "--seconds", "2")));
    fprintf(stderr, "bridge_peer: unknown command %s\n", argv[1]);
    return PEER_EXIT_USAGE;
}
