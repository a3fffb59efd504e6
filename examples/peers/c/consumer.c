/*
 * consumer.c - the C consumer of the example streams: listens, reads every
 * message in place through the tachc-generated accessors, and checks each one
 * against the deterministic stream (type, every field, order, count) until
 * End. Prints the rate, a checksum and, for clock stamps, one-way latency.
 * It drains in batches: every language's producer is measured against this
 * consumer (bench/lang_bench.py), so it should cost little per message.
 *
 *   consumer --socket PATH [--stream market|frames] [--count N] [--stamp index|clock] [--capacity BYTES]
 */
#include "peer.h"

#define SPIN 20000u
#define BATCH 256 /* messages per tachyon_drain_batch_until */

struct tally {
    uint64_t received, asks, checksum, first_ns;
    uint64_t last_stamp; /* clock stamps: they never go backwards */
    uint64_t *latency; /* clock stamps: one sample per tick */
};

/* The symbol field's 8 bytes as tick i must carry them: the text, NUL-padded.
 * Comparing the raw bytes checks the padding too, without copying the text
 * out for each tick (tick_symbol's table repeats every 5 ticks). */
static const char *expected_symbol_bytes(uint64_t i)
{
    static char padded[5][MARKET_TICK_SYMBOL_SIZE];
    static int ready;
    if (!ready) {
        for (uint64_t k = 0; k < 5; k++)
            strncpy(padded[k], tick_symbol(k), MARKET_TICK_SYMBOL_SIZE);
        ready = 1;
    }
    return padded[i % 5];
}

/* Checks tick i; prints what differs and returns -1 on the first mismatch. */
static int check_tick(uint64_t i, uint32_t type, const void *p, size_t size, const struct peer_args *a,
                      struct tally *t)
{
    char symbol[MARKET_TICK_SYMBOL_SIZE + 1];
    const void *tick = market_decode(type, p, size);
    if (!tick || type == MARKET_MSG_END) {
        fprintf(stderr, "consumer: tick %" PRIu64 ": type %u with %zu bytes is not a tick\n", i, (unsigned)type, size);
        return -1;
    }
    double price = market_tick_get_price(tick);
    uint32_t quantity = market_tick_get_quantity(tick);
    uint64_t stamp = market_tick_get_timestamp(tick);
    if (type != tick_type(i) ||
        memcmp(market_tick_symbol_bytes(tick), expected_symbol_bytes(i), MARKET_TICK_SYMBOL_SIZE) != 0 ||
        price != tick_price(i) || quantity != tick_quantity(i) ||
        (a->stamp == STAMP_INDEX && stamp != tick_timestamp(i))) {
        market_tick_get_symbol(tick, symbol, sizeof symbol);
        fprintf(stderr, "consumer: tick %" PRIu64 " differs: got %s %s %.2f x %u @ %" PRIu64, i,
                market_message_name(type), symbol, price, (unsigned)quantity, stamp);
        fprintf(stderr, ", expected %s %s %.2f x %u @ %" PRIu64 "\n", market_message_name(tick_type(i)),
                tick_symbol(i), tick_price(i), (unsigned)tick_quantity(i), tick_timestamp(i));
        return -1;
    }
    if (a->stamp == STAMP_CLOCK) {
        uint64_t now = peer_now_ns(CLOCK_REALTIME);
        if (stamp < t->last_stamp || stamp > now) {
            fprintf(stderr, "consumer: tick %" PRIu64 ": clock stamp %" PRIu64 " after %" PRIu64, i, stamp,
                    t->last_stamp);
            fprintf(stderr, ", received at %" PRIu64 "\n", now);
            return -1;
        }
        t->last_stamp = stamp;
        t->latency[i] = now - stamp;
    }
    t->asks += type == MARKET_MSG_ASK;
    t->checksum += quantity + (uint64_t)(price * 4.0);
    return 0;
}

/* Checks every sample of frame i. */
static int check_frame(uint64_t i, uint32_t type, const void *p, size_t size, struct tally *t)
{
    const void *frame = frames_decode(type, p, size);
    if (!frame || type != FRAMES_MSG_FRAME) {
        fprintf(stderr, "consumer: frame %" PRIu64 ": type %u with %zu bytes is not a Frame\n", i, (unsigned)type,
                size);
        return -1;
    }
    for (uint32_t k = 0; k < FRAME_SAMPLES_COUNT; k++) {
        float v = frame_get_samples(frame, k);
        if (v != frame_sample(i, k)) {
            fprintf(stderr, "consumer: frame %" PRIu64 " sample %u is %g, expected %g\n", i, (unsigned)k, (double)v,
                    (double)frame_sample(i, k));
            return -1;
        }
        t->checksum += (uint64_t)v;
    }
    return 0;
}

/* Checks message t->received, or ends the stream at End: 1 at End, 0 to go
 * on, -1 on a failed check. */
static int take(uint32_t type, const void *p, size_t size, const struct peer_args *a, struct tally *t)
{
    int market = a->stream == STREAM_MARKET;
    if (t->received == 0 && t->first_ns == 0)
        t->first_ns = peer_now_ns(CLOCK_MONOTONIC);
    if (type == (market ? MARKET_MSG_END : FRAMES_MSG_END) && size == 0)
        return 1;
    if (t->received >= a->count) {
        fprintf(stderr, "consumer: more than the %" PRIu64 " messages expected\n", a->count);
        return -1;
    }
    int rc = market ? check_tick(t->received, type, p, size, a, t) : check_frame(t->received, type, p, size, t);
    if (rc)
        return -1;
    t->received++;
    return 0;
}

/* Reads in batches (tachyon_drain_batch_until: one call and one release per
 * batch, not two calls per message), each message still checked on its own,
 * in order; the batch is released once all of it was checked. */
static int receive(tachyon_bus_t *bus, const struct peer_args *a, struct tally *t)
{
    tachyon_msg_t msgs[BATCH];
    for (;;) {
        size_t n = tachyon_drain_batch_until(bus, msgs, BATCH, SPIN, TACHYON_FOREVER);
        if (n == 0) {
            tachyon_error_t err = tachyon_last_error(bus);
            if (err == TACHYON_ERR_INTERRUPTED)
                continue;
            fprintf(stderr, "consumer: after %" PRIu64 " messages, before End: %s\n", t->received,
                    tachyon_strerror(err));
            return -1;
        }
        int rc = 0;
        for (size_t k = 0; k < n && rc == 0; k++)
            rc = take(msgs[k].type_id, msgs[k].data, msgs[k].size, a, t);
        tachyon_commit_rx_batch(bus, n);
        if (rc)
            return rc < 0 ? -1 : 0;
    }
}

int main(int argc, char **argv)
{
    struct peer_args a = peer_parse(argc, argv, "consumer");
    int market = a.stream == STREAM_MARKET;
    tachyon_options_t opts = {
        .schema_fingerprint = market ? MARKET_SCHEMA_FINGERPRINT : FRAMES_SCHEMA_FINGERPRINT,
        .timeout_ns = 30000 * 1000000LL, /* a producer that never comes is an error, not a hang */
    };
    struct tally t = {0};
    if (market && a.stamp == STAMP_CLOCK && !(t.latency = calloc(a.count ? a.count : 1, sizeof *t.latency))) {
        fprintf(stderr, "consumer: out of memory\n");
        return PEER_EXIT_FAIL;
    }
    tachyon_bus_t *bus;
    tachyon_error_t err = tachyon_bus_listen_ex(a.socket, a.capacity, &opts, &bus);
    if (err == TACHYON_ERR_SCHEMA_MISMATCH) {
        fprintf(stderr, "consumer: refused the producer: schema mismatch (%s)\n", tachyon_strerror(err));
        free(t.latency);
        return PEER_EXIT_SCHEMA;
    }
    if (err) {
        fprintf(stderr, "consumer: listen %s: %s\n", a.socket, tachyon_strerror(err));
        free(t.latency);
        return PEER_EXIT_FAIL;
    }
    int rc = receive(bus, &a, &t);
    double secs = (double)(peer_now_ns(CLOCK_MONOTONIC) - t.first_ns) / 1e9;
    tachyon_bus_destroy(bus);
    if (rc == 0 && t.received != a.count) {
        fprintf(stderr, "consumer: End after %" PRIu64 " messages, expected %" PRIu64 "\n", t.received, a.count);
        rc = -1;
    }
    if (rc == 0 && !a.quiet) {
        size_t size = market ? MARKET_TICK_SIZE : FRAME_SIZE;
        double rate = (double)t.received / secs;
        if (market)
            printf("consumer: %" PRIu64 " ticks (%" PRIu64 " bid, %" PRIu64 " ask) + End in %.3f s: %.2f M msg/s, "
                   "checksum %016" PRIx64 "\n",
                   t.received, t.received - t.asks, t.asks, secs, rate / 1e6, t.checksum);
        else
            printf("consumer: %" PRIu64 " frames + End in %.3f s: %.0f frames/s, %.2f GB/s, checksum %016" PRIx64 "\n",
                   t.received, secs, rate, rate * (double)size / 1e9, t.checksum);
        if (t.latency)
            peer_print_latency(t.latency, t.received);
        printf("consumer: OK, every field of every message checked\n");
    }
    free(t.latency);
    return rc == 0 ? PEER_EXIT_OK : PEER_EXIT_FAIL;
}
