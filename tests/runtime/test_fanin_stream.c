/* Description: fan-in under random joins and leaves: producer processes connect at random moments (as to any bus), send a random number of random-size messages and leave, some while others run, more than the table holds over the whole run; the one consumer, asleep on one futex_waitv between messages, receives from every producer exactly what it sent, in order and intact, knows which producer sent each message (tachyon_sender_t), and sees the table empty at the end. A producer killed at a random moment has every message it committed delivered once. */
#include <sys/mman.h>

#include "helpers.h"

#define PRODUCERS 80 /* more than TACHYON_MAX_MEMBERS over the run, at most ~20 at once */
#define KILLED 6

struct shared {
    uint64_t sent[PRODUCERS + KILLED]; /* commits that returned, per producer */
    uint32_t pid[PRODUCERS + KILLED];
};

static size_t size_of(uint32_t who, uint64_t seq)
{
    uint64_t st = seq * 131 + who;
    return 8 + (size_t)(t_rand(&st) % 250);
}

/* Payloads carry the sequence number; type_id carries the producer's index. */
static void produce(const char *name, uint32_t who, uint64_t count, struct shared *sh, int forever)
{
    tachyon_bus_t *bus;
    uint8_t buf[300];
    uint64_t st = who * 7919 + 1;

    t_sleep_ms((int)(t_rand(&st) % 200));
    if (tachyon_bus_connect(name, &bus) != TACHYON_OK)
        _exit(2);
    for (uint64_t seq = 0; forever || seq < count; seq++) {
        size_t size = size_of(who, seq);
        t_fill(buf, size, seq);
        if (tachyon_send_blocking(bus, buf, size, who, -1) != TACHYON_OK)
            _exit(3);
        __atomic_store_n(&sh->sent[who], seq + 1, __ATOMIC_SEQ_CST);
        if (seq % 64 == 0 && (t_rand(&st) & 1))
            t_sleep_ms(1);
    }
    tachyon_bus_destroy(bus);
    _exit(0);
}

int main(void)
{
    char name[128];
    struct shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    uint64_t next[PRODUCERS + KILLED] = {0}, want[PRODUCERS + KILLED], ids[PRODUCERS + KILLED] = {0};
    pid_t pids[PRODUCERS + KILLED];
    tachyon_fanin_t *fi;
    uint64_t st = 42, received = 0, expected = 0;
    unsigned started = 0, live = 0;
    int64_t give_up;

    CHECK(sh != MAP_FAILED);
    snprintf(name, sizeof(name), "@tachyon-test-%ld-fanin-stream", (long)getpid());
    CHECK_ERR(tachyon_fanin_listen(name, 8192, NULL, &fi), TACHYON_OK);
    CHECK(tachyon_fanin_producers(fi) == 0);
    for (unsigned i = 0; i < PRODUCERS + KILLED; i++)
        want[i] = i < PRODUCERS ? t_scaled(200 + t_rand(&st) % 3000, 50) : 0;
    give_up = t_now_ns() + 120ll * 1000000000;
    /* Start producers in waves while receiving, so joins and leaves overlap. */
    while (t_now_ns() < give_up) {
        tachyon_sender_t from;
        uint32_t type;
        size_t size;
        const uint8_t *p;
        uint64_t seq;

        if (started < PRODUCERS + KILLED && live < 20) {
            uint32_t who = started++;
            pids[who] = fork();
            CHECK(pids[who] >= 0);
            if (pids[who] == 0)
                produce(name, who, want[who], sh, who >= PRODUCERS);
            live++;
        }
        p = tachyon_fanin_acquire_rx_until(fi, &type, &size, &from, tachyon_now_ns() + 20000000);
        if (!p) {
            CHECK_ERR(tachyon_fanin_last_error(fi), TACHYON_ERR_TIMEOUT);
        } else {
            memcpy(&seq, p, 8);
            CHECK(type < PRODUCERS + KILLED);
            if (seq != next[type] || size != size_of(type, seq) || !t_verify(p, size, seq)) {
                fprintf(stderr, "producer %u: got %llu, expected %llu\n", type, (unsigned long long)seq,
                        (unsigned long long)next[type]);
                return T_FAIL;
            }
            /* The sender is the same connection for all of one producer's messages. */
            if (ids[type] == 0)
                ids[type] = from.id;
            CHECK(from.id == ids[type] && (from.pid == (uint32_t)pids[type] || from.pid == (uint32_t)-pids[type]) && from.slot < TACHYON_MAX_MEMBERS);
            next[type]++;
            received++;
            CHECK_ERR(tachyon_fanin_commit_rx(fi), TACHYON_OK);
        }
        /* Reap producers that finished; kill the endless ones at random. */
        for (unsigned i = 0; i < started; i++) {
            int status;
            if (pids[i] <= 0)
                continue;
            if (i >= PRODUCERS && next[i] > 0 && (t_rand(&st) % 200) == 0)
                kill(pids[i], SIGKILL);
            if (waitpid(pids[i], &status, WNOHANG) == pids[i]) {
                CHECK(i >= PRODUCERS || t_exited_with(status, 0));
                pids[i] = -pids[i];
                live--;
            }
        }
        if (started == PRODUCERS + KILLED && live == 0 && tachyon_fanin_producers(fi) == 0)
            break;
    }
    for (unsigned i = 0; i < PRODUCERS + KILLED; i++) {
        uint64_t sent = __atomic_load_n(&sh->sent[i], __ATOMIC_SEQ_CST);
        CHECK(pids[i] < 0);
        if (i < PRODUCERS)
            CHECK(next[i] == want[i] && sent == want[i]);
        else /* killed: all it committed, plus at most the one in flight */
            CHECK(next[i] == sent || next[i] == sent + 1);
        expected += next[i];
    }
    CHECK(received == expected);
    CHECK(tachyon_fanin_producers(fi) == 0);
    tachyon_fanin_destroy(fi);
    printf("PASS: %llu messages from %d producers joining and leaving (%d killed)\n", (unsigned long long)received,
           PRODUCERS + KILLED, KILLED);
    return T_PASS;
}
