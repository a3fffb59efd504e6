/* Description: messages so large that only one or two fit in the ring (sizes max/2..max on 256-byte and 1 KiB rings), with a blocking producer that never flushes and a blocking consumer on two threads: no deadlock (no timeout), every message arrives intact and in order. */
#include "helpers.h"

struct run {
    tachyon_bus_t *prod;
    uint64_t count;
    size_t max;
    int failed;
};

static size_t size_of(uint64_t seq, size_t max)
{
    uint64_t st = seq;
    return max / 2 + (size_t)(t_rand(&st) % (max / 2 + 1));
}

static void *producer(void *arg)
{
    struct run *r = arg;
    for (uint64_t seq = 0; seq < r->count; seq++) {
        size_t size = size_of(seq, r->max);
        uint8_t *slot = tachyon_acquire_tx_blocking(r->prod, size, 20ll * 1000000000);
        if (!slot) {
            fprintf(stderr, "producer at %llu: %s\n", (unsigned long long)seq,
                    tachyon_strerror(tachyon_last_error(r->prod)));
            r->failed = 1;
            return NULL;
        }
        t_fill(slot, size, seq);
        if (tachyon_commit_tx(r->prod, size, (uint32_t)seq) != TACHYON_OK) {
            r->failed = 1;
            return NULL;
        }
    }
    tachyon_bus_destroy(r->prod); /* flushes the last partial batch */
    return NULL;
}

int main(void)
{
    static const size_t caps[] = {256, 1024};

    for (size_t c = 0; c < 2; c++) {
        char name[128], tag[32];
        tachyon_bus_t *cons;
        struct run r = {0};
        pthread_t th;
        uint64_t seq = 0;

        snprintf(tag, sizeof(tag), "huge-%zu", caps[c]);
        t_sock_name(name, sizeof(name), tag, 1);
        t_pair(name, caps[c], &cons, &r.prod);
        r.max = tachyon_max_message_size(r.prod);
        r.count = t_scaled(200000, 5000);
        CHECK(pthread_create(&th, NULL, producer, &r) == 0);
        for (;;) {
            uint32_t type;
            size_t size;
            const uint8_t *msg = tachyon_acquire_rx_timeout(cons, &type, &size, 200, 20ll * 1000000000);
            if (!msg) {
                CHECK_ERR(tachyon_last_error(cons), TACHYON_ERR_PEER_GONE);
                break;
            }
            if (type != (uint32_t)seq || size != size_of(seq, r.max) || !t_verify(msg, size, seq)) {
                fprintf(stderr, "cap %zu: message %llu wrong\n", caps[c], (unsigned long long)seq);
                return T_FAIL;
            }
            CHECK_ERR(tachyon_commit_rx(cons), TACHYON_OK);
            seq++;
        }
        CHECK(pthread_join(th, NULL) == 0);
        CHECK(!r.failed);
        CHECK(seq == r.count);
        tachyon_bus_destroy(cons);
    }
    return T_PASS;
}
