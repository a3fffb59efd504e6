/* Description: the C side of the Rust and Go MarketTick interop tests.
 *
 *   market_peer produce PATH COUNT   connect, send COUNT ticks (Bid/Ask by
 *                                    parity), then End; exit 0
 *   market_peer consume PATH COUNT   listen, read ticks until End, check each
 *                                    one and the count; exit 0 if all match
 *   market_peer die PATH COUNT       connect, commit COUNT ticks (unflushed),
 *                                    reserve and fill one more without
 *                                    committing it, then SIGKILL itself
 *
 * Both sides bind the bus to the market schema fingerprint and read/write
 * every field through the tachc-generated accessors of generated/c/market.h.
 * Tick i is fully determined by i (see fill_tick), so every language's test
 * writes and checks the same values. Used by runtime/rust/tests/c_peer.rs and
 * runtime/go/cpeer_test.go. */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "market.h"
#include "tachyon.h"

#include <unistd.h>

static const char *const symbols[3] = {"BTCUSDT", "ETHUSDT", "SOLUSDT"};

/* The values of tick i: shared with the Rust and Go tests. */
static void fill_tick(void *p, uint64_t i)
{
    market_tick_clear(p);
    market_tick_set_symbol(p, symbols[i % 3]);
    market_tick_set_price(p, 100.0 + (double)i * 0.25);
    market_tick_set_quantity(p, (uint32_t)(i * 7 + 1));
    market_tick_set_timestamp(p, UINT64_C(1700000000000000000) + i);
}

static uint32_t tick_type(uint64_t i)
{
    return i % 2 ? MARKET_MSG_ASK : MARKET_MSG_BID;
}

static int fail(const char *what, tachyon_error_t err)
{
    fprintf(stderr, "market_peer: %s: %s\n", what, tachyon_strerror(err));
    return 1;
}

static int produce(const char *path, uint64_t count, int die)
{
    tachyon_options_t opts = {.schema_fingerprint = MARKET_SCHEMA_FINGERPRINT, .timeout_ns = 10000 * 1000000LL};
    tachyon_bus_t *bus;
    tachyon_error_t err = tachyon_bus_connect_ex(path, &opts, &bus);
    if (err != TACHYON_OK)
        return fail("connect", err);
    for (uint64_t i = 0; i < count; i++) {
        void *slot = tachyon_acquire_tx_blocking(bus, MARKET_TICK_SIZE, -1);
        if (!slot)
            return fail("acquire_tx", tachyon_last_error(bus));
        fill_tick(slot, i);
        err = tachyon_commit_tx(bus, MARKET_TICK_SIZE, tick_type(i));
        if (err != TACHYON_OK)
            return fail("commit_tx", err);
    }
    if (die) {
        /* A reserved, filled, uncommitted tick must never be delivered. */
        void *slot = tachyon_acquire_tx_blocking(bus, MARKET_TICK_SIZE, -1);
        if (!slot)
            return fail("acquire_tx", tachyon_last_error(bus));
        fill_tick(slot, count);
        kill(getpid(), SIGKILL);
    }
    err = tachyon_send_blocking(bus, NULL, 0, MARKET_MSG_END, -1);
    if (err != TACHYON_OK)
        return fail("send End", err);
    tachyon_bus_destroy(bus);
    return 0;
}

static int consume(const char *path, uint64_t count)
{
    tachyon_options_t opts = {.schema_fingerprint = MARKET_SCHEMA_FINGERPRINT, .timeout_ns = 10000 * 1000000LL};
    tachyon_bus_t *bus;
    tachyon_error_t err = tachyon_bus_listen_ex(path, 1u << 16, &opts, &bus);
    uint64_t seen = 0, bids = 0, asks = 0;
    unsigned char want[MARKET_TICK_SIZE];

    if (err != TACHYON_OK)
        return fail("listen", err);
    for (;;) {
        uint32_t type_id;
        size_t size;
        const void *p = tachyon_acquire_rx_blocking(bus, &type_id, &size, 1000);
        if (!p) {
            if (tachyon_last_error(bus) == TACHYON_ERR_INTERRUPTED)
                continue;
            return fail("acquire_rx", tachyon_last_error(bus));
        }
        if (type_id == MARKET_MSG_END) {
            tachyon_commit_rx(bus);
            break;
        }
        const void *tick = market_decode(type_id, p, size);
        if (!tick || type_id != tick_type(seen)) {
            fprintf(stderr, "market_peer: message %" PRIu64 ": type %u, %zu bytes\n", seen, type_id, size);
            return 1;
        }
        fill_tick(want, seen);
        if (memcmp(tick, want, MARKET_TICK_SIZE) != 0 ||
            market_tick_get_price(tick) != market_tick_get_price(want) ||
            market_tick_get_quantity(tick) != (uint32_t)(seen * 7 + 1)) {
            fprintf(stderr, "market_peer: tick %" PRIu64 " differs\n", seen);
            return 1;
        }
        bids += type_id == MARKET_MSG_BID;
        asks += type_id == MARKET_MSG_ASK;
        seen++;
        tachyon_commit_rx(bus);
    }
    tachyon_bus_destroy(bus);
    printf("ok ticks=%" PRIu64 " bids=%" PRIu64 " asks=%" PRIu64 "\n", seen, bids, asks);
    if (seen != count) {
        fprintf(stderr, "market_peer: expected %" PRIu64 " ticks\n", count);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: market_peer produce|consume|die PATH COUNT\n");
        return 2;
    }
    uint64_t count = strtoull(argv[3], NULL, 10);
    if (strcmp(argv[1], "produce") == 0)
        return produce(argv[2], count, 0);
    if (strcmp(argv[1], "die") == 0)
        return produce(argv[2], count, 1);
    if (strcmp(argv[1], "consume") == 0)
        return consume(argv[2], count);
    fprintf(stderr, "market_peer: unknown mode %s\n", argv[1]);
    return 2;
}
