/* Description: a producer thread and a consumer thread that reads with drain_batch / commit_rx_batch (falling back to a blocking acquire when empty) move millions of random-size messages over a 16 KiB ring in order and intact; under TSan this checks the ring's memory ordering. */
#include "helpers.h"

struct run {
    tachyon_bus_t *prod;
    uint64_t count;
    int failed;
};

static size_t size_of(uint64_t seq)
{
    uint64_t st = seq * 31 + 7;
    uint64_t r = t_rand(&st);
    return (r & 3) == 0 ? (size_t)(r >> 8) % 1500 : (size_t)(r >> 8) % 64;
}

static void *producer(void *arg)
{
    struct run *r = arg;
    for (uint64_t seq = 0; seq < r->count; seq++) {
        size_t size = size_of(seq);
        uint8_t *slot = tachyon_acquire_tx(r->prod, size);
        if (!slot) {
            if (tachyon_last_error(r->prod) != TACHYON_ERR_FULL ||
                !(slot = tachyon_acquire_tx_blocking(r->prod, size, 20ll * 1000000000))) {
                r->failed = 1;
                return NULL;
            }
        }
        t_fill(slot, size, seq);
        tachyon_commit_tx(r->prod, size, (uint32_t)(seq & 0xffff));
    }
    tachyon_bus_destroy(r->prod);
    return NULL;
}

int main(void)
{
    char name[128];
    tachyon_bus_t *cons;
    struct run r = {0};
    tachyon_msg_t msgs[64];
    tachyon_stats_t st;
    pthread_t th;
    uint64_t seq = 0, batches = 0;

    t_sock_name(name, sizeof(name), "batch", 1);
    t_pair(name, 16384, &cons, &r.prod);
    r.count = t_scaled(3000000, 20000);
    CHECK(pthread_create(&th, NULL, producer, &r) == 0);
    for (;;) {
        size_t n = tachyon_drain_batch(cons, msgs, 64);
        if (n == 0) {
            uint32_t type;
            size_t size;
            const uint8_t *msg;
            if (tachyon_last_error(cons) == TACHYON_ERR_PEER_GONE)
                break;
            CHECK_ERR(tachyon_last_error(cons), TACHYON_ERR_EMPTY);
            msg = tachyon_acquire_rx_timeout(cons, &type, &size, 500, 20ll * 1000000000);
            if (!msg) {
                CHECK_ERR(tachyon_last_error(cons), TACHYON_ERR_PEER_GONE);
                break;
            }
            CHECK(size == size_of(seq) && type == (seq & 0xffff) && t_verify(msg, size, seq));
            CHECK_ERR(tachyon_commit_rx(cons), TACHYON_OK);
            seq++;
            continue;
        }
        for (size_t i = 0; i < n; i++, seq++) {
            if (msgs[i].size != size_of(seq) || msgs[i].type_id != (seq & 0xffff) ||
                !t_verify(msgs[i].data, msgs[i].size, seq)) {
                fprintf(stderr, "message %llu wrong\n", (unsigned long long)seq);
                return T_FAIL;
            }
        }
        CHECK_ERR(tachyon_commit_rx_batch(cons, n), TACHYON_OK);
        batches++;
    }
    CHECK(pthread_join(th, NULL) == 0);
    CHECK(!r.failed);
    CHECK(seq == r.count);
    CHECK_ERR(tachyon_get_stats(cons, &st), TACHYON_OK);
    CHECK(st.messages == r.count);
    printf("%llu messages, %llu batches\n", (unsigned long long)seq, (unsigned long long)batches);
    tachyon_bus_destroy(cons);
    return T_PASS;
}
