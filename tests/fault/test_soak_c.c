/* Description: soak, C to C across two processes: SOAK_MESSAGES (default 100 million, ~15-25 s on 2 cores; scaled down under sanitizers) messages of random sizes (16..127 bytes, 1 in 32 up to 2063) with sequence numbers and CRC-32s: every one arrives once, in order, intact; then PEER_GONE. */
#include <inttypes.h>

#include "fault.h"
#include "soak.h"

int main(void)
{
    const char *env = getenv("SOAK_MESSAGES");
    uint64_t count = env ? strtoull(env, NULL, 0) : t_scaled(100000000, 200000);
    uint64_t seed = f_seed();
    uint64_t seq = 0, bytes = 0;
    char name[128];
    tachyon_bus_t *cons;
    tachyon_msg_t msgs[64];
    int64_t t0;
    pid_t pid;

    soak_init();
    t_sock_name(name, sizeof(name), "soak", 1);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        tachyon_bus_t *prod;
        if (tachyon_bus_connect(name, &prod) != TACHYON_OK)
            _exit(2);
        uint64_t sent = soak_produce(prod, count, seed);
        tachyon_bus_destroy(prod);
        _exit(sent == count ? 0 : 3);
    }
    CHECK_ERR(tachyon_bus_listen(name, 1u << 20, &cons), TACHYON_OK);
    t0 = t_now_ns();
    for (;;) {
        size_t n = tachyon_drain_batch(cons, msgs, 64);
        if (n == 0) {
            uint32_t type;
            size_t size;
            const uint8_t *m;
            if (tachyon_last_error(cons) != TACHYON_ERR_EMPTY)
                break;
            m = tachyon_acquire_rx_blocking(cons, &type, &size, 2000);
            if (!m)
                break;
            if (!soak_check(m, size, type, seed, seq)) {
                fprintf(stderr, "message %" PRIu64 " (size %zu, type %u) is wrong\n", seq, size, type);
                return T_FAIL;
            }
            bytes += size;
            seq++;
            CHECK_ERR(tachyon_commit_rx(cons), TACHYON_OK);
            continue;
        }
        for (size_t i = 0; i < n; i++, seq++) {
            if (!soak_check(msgs[i].data, msgs[i].size, msgs[i].type_id, seed, seq)) {
                fprintf(stderr, "message %" PRIu64 " (size %u, type %u) is wrong\n", seq, msgs[i].size,
                        msgs[i].type_id);
                return T_FAIL;
            }
            bytes += msgs[i].size;
        }
        CHECK_ERR(tachyon_commit_rx_batch(cons, n), TACHYON_OK);
    }
    double secs = (double)(t_now_ns() - t0) / 1e9;
    CHECK_ERR(tachyon_last_error(cons), TACHYON_ERR_PEER_GONE);
    CHECK(t_exited_with(t_wait_child(pid, 60000), 0));
    printf("soak C->C: %" PRIu64 " of %" PRIu64 " messages, %.1f MB, %.2f s: %.2f M msg/s, %.0f MB/s (seed %" PRIu64
           ")\n", seq, count, (double)bytes / 1e6, secs, (double)seq / secs / 1e6, (double)bytes / secs / 1e6, seed);
    CHECK(seq == count);
    tachyon_bus_destroy(cons);
    return T_PASS;
}
