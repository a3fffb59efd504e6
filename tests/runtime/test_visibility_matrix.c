/* Description: issue 12, committed space and messages become visible to the other side in time: every producer mode (polling acquire_tx/send that retries on FULL without flushing, blocking, with a deadline) against every consumer mode (polling acquire_rx, blocking acquire_rx, blocking batch drain) at payloads of 64 B, capacity/16 and the maximum completes a stream that wraps the ring twenty times, in order and intact. A deadlock (each side waiting for the other) fails the combination after a 20 s guard instead of hanging the test. */
#include <sched.h>

#include "helpers.h"

#define CAPACITY (64u * 1024)
#define GUARD_NS (20ll * 1000000000) /* a hang guard per combination, not a speed check */

enum pmode { P_POLL, P_BLOCK, P_DEADLINE, P_MODES };
enum cmode { C_POLL, C_BLOCK, C_BATCH, C_MODES };
static const char *const pname[] = {"poll", "block", "deadline"};
static const char *const cname[] = {"poll", "block", "batch"};

struct run {
    tachyon_bus_t *prod, *cons;
    enum pmode pm;
    enum cmode cm;
    size_t size;
    uint64_t count;
    int64_t give_up; /* t_now_ns() past which a poll loop reports a deadlock */
    const char *failed;
    uint64_t failed_at;
};

static int past(const struct run *r, uint64_t *polls)
{
    return (++*polls & 1023) == 0 && t_now_ns() > r->give_up;
}

static void *produce(void *arg)
{
    struct run *r = arg;
    for (uint64_t seq = 0; seq < r->count; seq++) {
        uint8_t *slot = NULL;
        uint64_t polls = 0;
        switch (r->pm) {
        case P_POLL: /* the user: retry on FULL, never flush */
            while (!(slot = tachyon_acquire_tx(r->prod, r->size))) {
                if (tachyon_last_error(r->prod) != TACHYON_ERR_FULL || past(r, &polls)) {
                    r->failed = tachyon_last_error(r->prod) == TACHYON_ERR_FULL ? "producer polled FULL forever"
                                                                                : "producer acquire_tx failed";
                    r->failed_at = seq;
                    return NULL;
                }
                sched_yield();
            }
            break;
        case P_BLOCK:
            slot = tachyon_acquire_tx_blocking(r->prod, r->size, -1);
            break;
        case P_DEADLINE: /* a deadline it must never reach */
            slot = tachyon_acquire_tx_until(r->prod, r->size, t_now_ns() + GUARD_NS);
            break;
        default:
            break;
        }
        if (!slot) {
            r->failed = "producer wait failed";
            r->failed_at = seq;
            return NULL;
        }
        t_fill(slot, r->size, seq);
        if (tachyon_commit_tx(r->prod, r->size, (uint32_t)(seq & 0xffff)) != TACHYON_OK) {
            r->failed = "commit_tx failed";
            return NULL;
        }
    }
    /* Only now: the stream's last (partial) batch is the documented case
     * that needs a flush. */
    tachyon_flush(r->prod);
    return NULL;
}

static int check_msg(struct run *r, const void *msg, size_t size, uint32_t type, uint64_t seq)
{
    if (size != r->size || type != (uint32_t)(seq & 0xffff) || !t_verify(msg, size, seq)) {
        r->failed = "wrong message";
        r->failed_at = seq;
        return 0;
    }
    return 1;
}

static void consume(struct run *r)
{
    tachyon_msg_t msgs[16];
    uint64_t seq = 0, polls = 0;

    while (seq < r->count && !r->failed) {
        const void *msg;
        uint32_t type;
        size_t size, n;

        switch (r->cm) {
        case C_POLL:
            msg = tachyon_acquire_rx(r->cons, &type, &size);
            if (!msg) {
                if (tachyon_last_error(r->cons) != TACHYON_ERR_EMPTY || past(r, &polls)) {
                    r->failed = tachyon_last_error(r->cons) == TACHYON_ERR_EMPTY ? "consumer polled EMPTY forever"
                                                                                 : "consumer acquire_rx failed";
                    r->failed_at = seq;
                    return;
                }
                sched_yield();
                continue;
            }
            if (!check_msg(r, msg, size, type, seq))
                return;
            CHECK_ERR(tachyon_commit_rx(r->cons), TACHYON_OK);
            seq++;
            break;
        case C_BLOCK:
            msg = tachyon_acquire_rx_until(r->cons, &type, &size, 64, r->give_up);
            if (!msg) {
                r->failed = tachyon_last_error(r->cons) == TACHYON_ERR_TIMEOUT ? "consumer waited forever"
                                                                               : "consumer acquire_rx failed";
                r->failed_at = seq;
                return;
            }
            if (!check_msg(r, msg, size, type, seq))
                return;
            CHECK_ERR(tachyon_commit_rx(r->cons), TACHYON_OK);
            seq++;
            break;
        case C_BATCH:
            n = tachyon_drain_batch_until(r->cons, msgs, 16, 64, r->give_up);
            if (n == 0) {
                r->failed = tachyon_last_error(r->cons) == TACHYON_ERR_TIMEOUT ? "batch consumer waited forever"
                                                                               : "drain_batch failed";
                r->failed_at = seq;
                return;
            }
            for (size_t i = 0; i < n; i++)
                if (!check_msg(r, msgs[i].data, msgs[i].size, msgs[i].type_id, seq++))
                    return;
            CHECK_ERR(tachyon_commit_rx_batch(r->cons, n), TACHYON_OK);
            break;
        default:
            return;
        }
    }
}

int main(void)
{
    const size_t sizes[] = {64, CAPACITY / 16, CAPACITY / 2 - 16};
    int failures = 0, combo = 0;

    for (int pm = 0; pm < P_MODES; pm++)
        for (int cm = 0; cm < C_MODES; cm++)
            for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
                struct run r;
                char name[128], tag[32];
                pthread_t th;
                int64_t t0;

                memset(&r, 0, sizeof(r));
                snprintf(tag, sizeof(tag), "vis-%d", combo++);
                t_sock_name(name, sizeof(name), tag, 1);
                t_pair(name, CAPACITY, &r.cons, &r.prod);
                r.pm = (enum pmode)pm;
                r.cm = (enum cmode)cm;
                r.size = sizes[si];
                /* Twenty laps of the ring, and at least 64 messages. */
                r.count = t_scaled(20ull * CAPACITY / (r.size + 64), 64);
                if (r.count < 64)
                    r.count = 64;
                t0 = t_now_ns();
                r.give_up = t0 + GUARD_NS;
                CHECK(pthread_create(&th, NULL, produce, &r) == 0);
                consume(&r);
                if (r.failed) {
                    /* Unblock the producer: a closed consumer is PEER_GONE
                     * to a waiting send, and a polling one sees the guard. */
                    r.give_up = 0;
                    tachyon_bus_destroy(r.cons);
                    r.cons = NULL;
                }
                CHECK(pthread_join(th, NULL) == 0);
                if (r.failed) {
                    fprintf(stderr, "FAIL producer %s, consumer %s, %zu B: %s at message %llu of %llu\n", pname[pm],
                            cname[cm], r.size, r.failed, (unsigned long long)r.failed_at,
                            (unsigned long long)r.count);
                    failures++;
                } else {
                    printf("ok   producer %-8s consumer %-5s %5zu B: %llu messages in %.1f ms\n", pname[pm],
                           cname[cm], r.size, (unsigned long long)r.count, (double)(t_now_ns() - t0) / 1e6);
                }
                tachyon_bus_destroy(r.prod);
                tachyon_bus_destroy(r.cons);
            }
    return failures ? T_FAIL : T_PASS;
}
