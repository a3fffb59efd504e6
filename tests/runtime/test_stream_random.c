/* Description: tens of millions of random-size messages (0..2 KiB, mostly small) through a 64 KiB ring across many wraps, between two processes: all arrive in order with intact, checksummed payloads and the right type ids. */
#include "helpers.h"

#define CAPACITY (64u * 1024)

static size_t pick_size(uint64_t *rng)
{
    uint64_t r = t_rand(rng);
    switch (r & 7) {
    case 0:
        return (size_t)((r >> 8) % 2049); /* up to 2 KiB */
    case 1:
        return (size_t)((r >> 8) % 257);
    default:
        return (size_t)((r >> 8) % 49); /* 0..48: one cache line */
    }
}

static int produce(const char *path, uint64_t count)
{
    tachyon_bus_t *bus;
    uint64_t rng = 42;
    CHECK_ERR(tachyon_bus_connect(path, &bus), TACHYON_OK);
    for (uint64_t seq = 0; seq < count; seq++) {
        size_t size = pick_size(&rng);
        uint8_t *slot = tachyon_acquire_tx_blocking(bus, size, 10ll * 1000000000);
        if (!slot) {
            fprintf(stderr, "producer: %s at %llu\n", tachyon_strerror(tachyon_last_error(bus)),
                    (unsigned long long)seq);
            return T_FAIL;
        }
        t_fill(slot, size, seq);
        CHECK_ERR(tachyon_commit_tx(bus, size, (uint32_t)(seq * 2654435761u)), TACHYON_OK);
    }
    tachyon_bus_destroy(bus);
    return T_PASS;
}

int main(void)
{
    char path[128];
    uint64_t count = t_scaled(20000000, 20000), rng = 42, seq = 0;
    tachyon_bus_t *bus;
    tachyon_stats_t st;
    pid_t child;
    int status;

    t_sock_name(path, sizeof(path), "stream", 1);
    child = fork();
    CHECK(child >= 0);
    if (child == 0)
        _exit(produce(path, count));
    CHECK_ERR(tachyon_bus_listen(path, CAPACITY, &bus), TACHYON_OK);
    for (;;) {
        uint32_t type;
        size_t size;
        const uint8_t *msg = tachyon_acquire_rx_blocking(bus, &type, &size, 2000);
        if (!msg) {
            CHECK_ERR(tachyon_last_error(bus), TACHYON_ERR_PEER_GONE);
            break;
        }
        CHECK(seq < count);
        if (size != pick_size(&rng) || type != (uint32_t)(seq * 2654435761u) || !t_verify(msg, size, seq)) {
            fprintf(stderr, "message %llu wrong (size %zu type %u)\n", (unsigned long long)seq, size, type);
            return T_FAIL;
        }
        CHECK_ERR(tachyon_commit_rx(bus), TACHYON_OK);
        seq++;
    }
    CHECK(seq == count);
    CHECK_ERR(tachyon_get_stats(bus, &st), TACHYON_OK);
    CHECK(st.messages == count);
    status = t_wait_child(child, 60000);
    CHECK(t_exited_with(status, 0));
    tachyon_bus_destroy(bus);
    printf("%llu messages\n", (unsigned long long)count);
    return T_PASS;
}
