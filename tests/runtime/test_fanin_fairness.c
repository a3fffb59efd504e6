/* Description: fan-in fairness, measured: four producer processes (one with 256 B messages, three with 16 B) first fill their rings, and the consumer then takes exactly one message from each in turn (through the library's waiting receive and tachyon.h's inline one alternately); then they flood while the consumer (slower than they are) reads windows of messages, their shares and Jain's index are printed, and a fifth producer sending one message now and then is served within two rounds of the busy ones after it published, never starved. */
#include <sys/mman.h>

#include "helpers.h"

#define BUSY 4

#define PREFILL 200

struct ctl {
    uint64_t published; /* the occasional producer's messages so far */
    uint32_t ready;     /* busy producers that sent their PREFILL */
};

static void flood(const char *name, uint32_t who, struct ctl *c)
{
    tachyon_bus_t *bus;
    uint8_t buf[1024] = {0};
    size_t size = who == 0 ? 256 : 16;

    if (tachyon_bus_connect(name, &bus) != TACHYON_OK)
        _exit(2);
    for (uint64_t seq = 0;; seq++) {
        if (seq == PREFILL) {
            tachyon_flush(bus);
            __atomic_fetch_add(&c->ready, 1, __ATOMIC_SEQ_CST);
        }
        memcpy(buf, &seq, 8);
        if (tachyon_send_blocking(bus, buf, size, who, -1) != TACHYON_OK)
            _exit(0); /* the consumer left */
    }
}

static void trickle(const char *name, uint64_t *published)
{
    tachyon_bus_t *bus;
    uint8_t buf[16] = {0};

    if (tachyon_bus_connect(name, &bus) != TACHYON_OK)
        _exit(2);
    while (tachyon_peer_alive(bus)) {
        t_sleep_ms(3);
        if (tachyon_send_blocking(bus, buf, sizeof(buf), BUSY, -1) != TACHYON_OK)
            _exit(0);
        tachyon_flush(bus);
        /* Published: until the consumer serves it, it counts busy messages. */
        __atomic_fetch_add(published, 1, __ATOMIC_SEQ_CST);
    }
    _exit(0);
}

/* About 3 us of work per message. */
static void work(void)
{
    int64_t end = t_now_ns() + 3000;
    while (t_now_ns() < end)
        ;
}

int main(void)
{
    char name[128];
    tachyon_fanin_t *fi;
    pid_t pids[BUSY + 1];
    struct ctl *c = mmap(NULL, sizeof(struct ctl), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    uint64_t count[BUSY + 1] = {0}, total = 0, windows = t_scaled(20000, 2000), trickled = 0, worst_wait = 0;
    uint64_t since_flag = 0, uneven = 0;
    double sum = 0, sumsq = 0, jain;

    CHECK(c != MAP_FAILED);
    snprintf(name, sizeof(name), "@tachyon-test-%ld-fanin-fair", (long)getpid());
    CHECK_ERR(tachyon_fanin_listen(name, 65536, NULL, &fi), TACHYON_OK);
    for (uint32_t i = 0; i < BUSY; i++) {
        pids[i] = fork();
        CHECK(pids[i] >= 0);
        if (pids[i] == 0)
            flood(name, i, c);
    }
    /* Phase 1, deterministic: every ring holds PREFILL messages (and more
     * coming); the consumer must take exactly one from each in turn, with
     * the waiting call (the library's receive) and the non-blocking one
     * without a sender (tachyon.h's inline receive) taking turns. */
    while (__atomic_load_n(&c->ready, __ATOMIC_SEQ_CST) < BUSY || tachyon_fanin_producers(fi) < BUSY)
        t_sleep_ms(1); /* a producer's connect returns just before the listener thread files it */
    for (int k = 0; k < BUSY * PREFILL; k++) {
        tachyon_sender_t from;
        uint32_t type;
        size_t size;
        if (k % 2)
            CHECK(tachyon_fanin_acquire_rx(fi, &type, &size, NULL) != NULL);
        else
            CHECK(tachyon_fanin_acquire_rx_until(fi, &type, &size, &from, TACHYON_FOREVER) != NULL);
        CHECK_ERR(tachyon_fanin_commit_rx(fi), TACHYON_OK);
        CHECK(type < BUSY);
        count[type]++;
        if (k % BUSY == BUSY - 1)
            for (int i = 0; i < BUSY; i++)
                CHECK(count[i] == (uint64_t)(k / BUSY + 1));
    }
    memset(count, 0, sizeof(count));
    /* Phase 2, measured: the producers flood, and one more sends now and then. */
    pids[BUSY] = fork();
    CHECK(pids[BUSY] >= 0);
    if (pids[BUSY] == 0)
        trickle(name, &c->published);
    for (uint64_t w = 0; w < windows; w++) {
        uint64_t in_window[BUSY + 1] = {0};
        for (int k = 0; k < BUSY; k++) {
            tachyon_sender_t from;
            uint32_t type;
            size_t size;
            CHECK(tachyon_fanin_acquire_rx_until(fi, &type, &size, &from, TACHYON_FOREVER) != NULL);
            CHECK(type <= BUSY);
            CHECK_ERR(tachyon_fanin_commit_rx(fi), TACHYON_OK);
            work(); /* a consumer slower than its producers, so every ring stays busy */
            if (type == BUSY) {
                trickled++;
                if (since_flag > worst_wait)
                    worst_wait = since_flag;
                since_flag = 0;
                k--; /* the window counts the busy producers */
                continue;
            }
            if (__atomic_load_n(&c->published, __ATOMIC_SEQ_CST) > trickled)
                since_flag++;
            in_window[type]++;
            count[type]++;
            total++;
        }
        /* Round-robin over four busy rings: one each per window, give or take
         * the window's alignment with the rotation (or a producer that the
         * loaded machine did not schedule in time). */
        for (int i = 0; i < BUSY; i++)
            uneven += in_window[i] > 2;
    }
    printf("windows of %d where a producer got more than 2: %llu of %llu\n", BUSY, (unsigned long long)uneven,
           (unsigned long long)windows);
    for (int i = 0; i < BUSY; i++) {
        double share = (double)count[i] / (double)total;
        sum += share;
        sumsq += share * share;
        printf("producer %d (%s): %llu messages, share %.4f\n", i, i == 0 ? "256 B" : "16 B",
               (unsigned long long)count[i], share);
        /* Not exact: a producer the loaded machine does not run in time
         * leaves its ring empty, and the others take its turns. */
        CHECK(share > 0.05);
    }
    jain = sum * sum / (BUSY * sumsq);
    printf("Jain's fairness index over %d busy producers: %.5f; the occasional producer was served %llu times, "
           "each within %llu busy messages of its send\n",
           BUSY, jain, (unsigned long long)trickled, (unsigned long long)worst_wait);
    CHECK(trickled > 0 && worst_wait <= 2 * BUSY);
    tachyon_fanin_destroy(fi);
    for (int i = 0; i <= BUSY; i++)
        if (!t_exited_with(t_wait_child(pids[i], 10000), 0)) {
            fprintf(stderr, "producer %d did not end\n", i);
            return T_FAIL;
        }
    printf("PASS: fan-in round-robin is fair\n");
    return T_PASS;
}
