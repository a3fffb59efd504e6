/*
 * producer.c - the C producer of the example streams: connects to a consumer
 * (retrying until it listens), writes every message in place through the
 * tachc-generated accessors of generated/c/{market,frames}.h, then sends End.
 *
 *   producer --socket PATH [--stream market|frames] [--count N] [--stamp index|clock]
 */
#include "peer.h"

/* Connects, retrying while nobody listens yet (the consumer may still be
 * starting); gives up after ten seconds. */
static tachyon_error_t connect_retrying(const char *path, uint64_t fingerprint, tachyon_bus_t **bus)
{
    tachyon_options_t opts = {.schema_fingerprint = fingerprint};
    uint64_t deadline = peer_now_ns(CLOCK_MONOTONIC) + UINT64_C(10000000000);
    tachyon_error_t err;
    while ((err = tachyon_bus_connect_ex(path, &opts, bus)) == TACHYON_ERR_NO_LISTENER &&
           peer_now_ns(CLOCK_MONOTONIC) < deadline)
        usleep(5000);
    return err;
}

/* Reserves a slot, waiting up to five seconds for the consumer to make room. */
static void *reserve(tachyon_bus_t *bus, size_t size)
{
    void *p = tachyon_acquire_tx_blocking(bus, size, INT64_C(5000000000));
    if (!p)
        fprintf(stderr, "producer: acquire: %s\n", tachyon_strerror(tachyon_last_error(bus)));
    return p;
}

static int send_market(tachyon_bus_t *bus, const struct peer_args *a)
{
    uint64_t asks = 0;
    for (uint64_t i = 0; i < a->count; i++) {
        void *tick = reserve(bus, MARKET_TICK_SIZE);
        if (!tick)
            return PEER_EXIT_FAIL;
        uint32_t type = tick_type(i);
        market_tick_clear(tick); /* the padding travels as zeros */
        market_tick_set_symbol(tick, tick_symbol(i));
        market_tick_set_price(tick, tick_price(i));
        market_tick_set_quantity(tick, tick_quantity(i));
        market_tick_set_timestamp(tick, a->stamp == STAMP_CLOCK ? peer_now_ns(CLOCK_REALTIME) : tick_timestamp(i));
        tachyon_commit_tx(bus, MARKET_TICK_SIZE, type);
        asks += type == MARKET_MSG_ASK;
    }
    if (!a->quiet)
        printf("producer: sent %" PRIu64 " ticks (%" PRIu64 " bid, %" PRIu64 " ask) + End\n", a->count,
               a->count - asks, asks);
    return PEER_EXIT_OK;
}

static int send_frames(tachyon_bus_t *bus, const struct peer_args *a)
{
    for (uint64_t i = 0; i < a->count; i++) {
        void *frame = reserve(bus, FRAME_SIZE);
        if (!frame)
            return PEER_EXIT_FAIL;
        for (uint32_t k = 0; k < FRAME_SAMPLES_COUNT; k++)
            frame_set_samples(frame, k, frame_sample(i, k));
        tachyon_commit_tx(bus, FRAME_SIZE, FRAMES_MSG_FRAME);
    }
    if (!a->quiet)
        printf("producer: sent %" PRIu64 " frames of %d bytes + End\n", a->count, FRAME_SIZE);
    return PEER_EXIT_OK;
}

int main(int argc, char **argv)
{
    struct peer_args a = peer_parse(argc, argv, "producer");
    int market = a.stream == STREAM_MARKET;
    tachyon_bus_t *bus;
    tachyon_error_t err =
        connect_retrying(a.socket, market ? MARKET_SCHEMA_FINGERPRINT : FRAMES_SCHEMA_FINGERPRINT, &bus);
    if (err == TACHYON_ERR_SCHEMA_MISMATCH) {
        fprintf(stderr, "producer: refused at connect: schema mismatch (%s)\n", tachyon_strerror(err));
        return PEER_EXIT_SCHEMA;
    }
    if (err) {
        fprintf(stderr, "producer: connect %s: %s\n", a.socket, tachyon_strerror(err));
        return PEER_EXIT_FAIL;
    }
    uint64_t t0 = peer_now_ns(CLOCK_MONOTONIC);
    int rc = market ? send_market(bus, &a) : send_frames(bus, &a);
    if (rc == PEER_EXIT_OK) {
        err = tachyon_send_blocking(bus, NULL, 0, market ? MARKET_MSG_END : FRAMES_MSG_END, INT64_C(5000000000));
        if (err) {
            fprintf(stderr, "producer: send End: %s\n", tachyon_strerror(err));
            rc = PEER_EXIT_FAIL;
        }
        tachyon_flush(bus);
    }
    double secs = (double)(peer_now_ns(CLOCK_MONOTONIC) - t0) / 1e9;
    if (rc == PEER_EXIT_OK && !a.quiet)
        printf("producer: %.3f s, %.2f M msg/s\n", secs, (double)a.count / secs / 1e6);
    tachyon_bus_destroy(bus);
    return rc;
}
