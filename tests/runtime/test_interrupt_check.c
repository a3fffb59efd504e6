/* Description: the two ways a binding ends a wait without waiting in slices. (1) tachyon_set_interrupt_check: a thread's check is asked at each watchdog wake of a wait that sleeps on (a receive, a send, listen, connect, a subscriber, a fan-in, a wait-set) and ends it with INTERRUPTED once it answers nonzero; a signal that interrupts the sleep asks it too, and a 0 answer lets the wait go on to its deadline (TIMEOUT, not INTERRUPTED), where without a check the same signal ends the wait with INTERRUPTED; a wait that finds its message never asks it; it is per thread. (2) tachyon_fanout_interrupt, tachyon_sub_interrupt, tachyon_fanin_interrupt and tachyon_waitset_interrupt, called from another thread, end a wait with no deadline at once, as tachyon_bus_interrupt does for a bus. */
#include "helpers.h"

#define MS (1000000ll)

/* ---- the check ------------------------------------------------------------ */

struct check {
    int calls;
    int stop_after; /* answer 1 from this call on (0: never) */
};

static int count_check(void *ctx)
{
    struct check *c = ctx;
    c->calls++;
    return c->stop_after && c->calls >= c->stop_after;
}

static void on_usr1(int sig)
{
    (void)sig;
}

struct pest {
    pthread_t target;
    int stop;
};

/* Signals the waiting thread every 20 ms until told to stop. */
static void *pester(void *arg)
{
    struct pest *p = arg;
    while (!__atomic_load_n(&p->stop, __ATOMIC_SEQ_CST)) {
        t_sleep_ms(20);
        pthread_kill(p->target, SIGUSR1);
    }
    return NULL;
}

static void check_bus_waits(void)
{
    struct t_arena a;
    struct check c = {0, 2};
    uint8_t buf[200] = {0};

    t_arena_open(&a, 2048);
    tachyon_set_interrupt_check(count_check, &c);
    /* A receive with no deadline ends at the check's second watchdog wake. */
    CHECK(tachyon_acquire_rx_until(a.cons, NULL, NULL, 0, TACHYON_FOREVER) == NULL);
    CHECK_ERR(tachyon_last_error(a.cons), TACHYON_ERR_INTERRUPTED);
    CHECK(c.calls == 2);
    /* A send on a full ring, likewise. */
    while (tachyon_send(a.prod, buf, sizeof(buf), 1) == TACHYON_OK)
        ;
    c.calls = 0;
    CHECK_ERR(tachyon_send_until(a.prod, buf, sizeof(buf), 1, TACHYON_FOREVER), TACHYON_ERR_INTERRUPTED);
    CHECK(c.calls == 2);
    /* A wait that finds its message never asks. */
    c.calls = 0;
    CHECK(tachyon_acquire_rx_until(a.cons, NULL, NULL, 0, TACHYON_FOREVER) != NULL);
    CHECK_ERR(tachyon_commit_rx(a.cons), TACHYON_OK);
    CHECK(c.calls == 0);
    /* A check that says 0 lets a wait run to its deadline. */
    c.stop_after = 0;
    {
        tachyon_msg_t msgs[64];
        size_t n = tachyon_drain_batch(a.cons, msgs, 64);
        CHECK(n > 0);
        CHECK_ERR(tachyon_commit_rx_batch(a.cons, n), TACHYON_OK);
    }
    CHECK(tachyon_drain_batch_until(a.cons, (tachyon_msg_t[1]){{0}}, 1, 0, tachyon_now_ns() + 250 * MS) == 0);
    CHECK_ERR(tachyon_last_error(a.cons), TACHYON_ERR_TIMEOUT);
    CHECK(c.calls >= 2);
    tachyon_set_interrupt_check(NULL, NULL);
    t_arena_close(&a);
}

/* Signals while a wait sleeps: with a check that says 0 the wait reaches its
 * deadline; without a check it ends at the first signal. */
static void check_signals(void)
{
    struct t_arena a;
    struct check c = {0, 0};
    struct sigaction sa;
    struct pest p = {pthread_self(), 0};
    pthread_t th;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1; /* no SA_RESTART */
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    t_arena_open(&a, 2048);
    CHECK(pthread_create(&th, NULL, pester, &p) == 0);

    tachyon_set_interrupt_check(count_check, &c);
    CHECK(tachyon_acquire_rx_until(a.cons, NULL, NULL, 0, tachyon_now_ns() + 300 * MS) == NULL);
    CHECK_ERR(tachyon_last_error(a.cons), TACHYON_ERR_TIMEOUT);
    CHECK(c.calls >= 3); /* 20 ms signals for 300 ms: the check saw most of them */

    tachyon_set_interrupt_check(NULL, NULL);
    CHECK(tachyon_acquire_rx_until(a.cons, NULL, NULL, 0, tachyon_now_ns() + 10000 * MS) == NULL);
    CHECK_ERR(tachyon_last_error(a.cons), TACHYON_ERR_INTERRUPTED);

    __atomic_store_n(&p.stop, 1, __ATOMIC_SEQ_CST);
    CHECK(pthread_join(th, NULL) == 0);
    t_arena_close(&a);
}

/* The check is per thread: another thread's waits do not ask it. */
struct other {
    tachyon_bus_t *bus;
    tachyon_error_t err;
};

static void *wait_briefly(void *arg)
{
    struct other *o = arg;
    if (!tachyon_acquire_rx_until(o->bus, NULL, NULL, 0, tachyon_now_ns() + 250 * MS))
        o->err = tachyon_last_error(o->bus);
    return NULL;
}

static void check_per_thread(void)
{
    struct t_arena a;
    struct check c = {0, 1};
    struct other o;
    pthread_t th;

    t_arena_open(&a, 2048);
    tachyon_set_interrupt_check(count_check, &c);
    o.bus = a.cons, o.err = TACHYON_OK;
    CHECK(pthread_create(&th, NULL, wait_briefly, &o) == 0);
    CHECK(pthread_join(th, NULL) == 0);
    CHECK_ERR(o.err, TACHYON_ERR_TIMEOUT);
    CHECK(c.calls == 0);
    tachyon_set_interrupt_check(NULL, NULL);
    t_arena_close(&a);
}

static void check_listen_connect(void)
{
    char name[128];
    struct check c = {0, 2};
    tachyon_bus_t *bus = NULL;
    tachyon_error_detail_t d;

    t_sock_name(name, sizeof(name), "intr-check", 1);
    tachyon_set_interrupt_check(count_check, &c);
    /* Nobody connects, no deadline: the check ends the listen. */
    CHECK_ERR(tachyon_bus_listen_until(name, 4096, NULL, TACHYON_FOREVER, &bus, &d), TACHYON_ERR_INTERRUPTED);
    CHECK(bus == NULL && c.calls == 2);
    /* Nobody listens, no deadline: the check ends the connect. */
    c.calls = 0;
    CHECK_ERR(tachyon_bus_connect_until(name, NULL, TACHYON_FOREVER, &bus, &d), TACHYON_ERR_INTERRUPTED);
    CHECK(bus == NULL && c.calls == 2);
    /* A check that says 0: connect still ends at its deadline. */
    c.calls = 0, c.stop_after = 0;
    CHECK_ERR(tachyon_bus_connect_until(name, NULL, tachyon_now_ns() + 250 * MS, &bus, &d),
              TACHYON_ERR_NO_LISTENER);
    CHECK(c.calls >= 1);
    tachyon_set_interrupt_check(NULL, NULL);
}

/* ---- the topology objects' _interrupt ------------------------------------- */

enum kind { K_FANOUT, K_SUB, K_FANIN, K_WAITSET };

struct poke {
    enum kind kind;
    void *obj;
};

static void *poke_later(void *arg)
{
    struct poke *p = arg;
    t_sleep_ms(50);
    switch (p->kind) {
    case K_FANOUT: tachyon_fanout_interrupt(p->obj); break;
    case K_SUB: tachyon_sub_interrupt(p->obj); break;
    case K_FANIN: tachyon_fanin_interrupt(p->obj); break;
    case K_WAITSET: tachyon_waitset_interrupt(p->obj); break;
    }
    return NULL;
}

static void poke(pthread_t *th, struct poke *p, enum kind kind, void *obj)
{
    p->kind = kind;
    p->obj = obj;
    CHECK(pthread_create(th, NULL, poke_later, p) == 0);
}

static void check_topology(void)
{
    char fo_name[128], fi_name[128];
    tachyon_fanout_t *pub;
    tachyon_sub_t *sub;
    tachyon_fanin_t *fi;
    tachyon_waitset_t *ws;
    struct poke p;
    pthread_t th;
    uint8_t buf[200] = {0};
    uint64_t key;
    tachyon_error_t err;
    int64_t t0;

    tachyon_fanout_interrupt(NULL); /* no-ops */
    tachyon_sub_interrupt(NULL);
    tachyon_fanin_interrupt(NULL);
    tachyon_waitset_interrupt(NULL);

    t_sock_name(fo_name, sizeof(fo_name), "intr-fo", 1);
    t_sock_name(fi_name, sizeof(fi_name), "intr-fi", 1);
    CHECK_ERR(tachyon_fanout_listen(fo_name, 4096, TACHYON_LAG_BLOCK, NULL, &pub), TACHYON_OK);
    CHECK_ERR(tachyon_sub_connect_until(fo_name, NULL, TACHYON_JOIN_NEWEST, tachyon_now_ns() + 5000 * MS, &sub, NULL),
              TACHYON_OK);

    /* A subscriber waiting with no deadline. */
    poke(&th, &p, K_SUB, sub);
    t0 = t_now_ns();
    CHECK(tachyon_sub_acquire_rx_until(sub, NULL, NULL, TACHYON_FOREVER) == NULL);
    CHECK_ERR(tachyon_sub_last_error(sub), TACHYON_ERR_INTERRUPTED);
    CHECK(t_now_ns() - t0 < 5000 * MS); /* a hang guard */
    CHECK(pthread_join(th, NULL) == 0);

    /* The producer waiting for room the subscriber never frees. */
    while (tachyon_fanout_send_until(pub, buf, sizeof(buf), 1, 0) == TACHYON_OK)
        ;
    poke(&th, &p, K_FANOUT, pub);
    CHECK_ERR(tachyon_fanout_send_until(pub, buf, sizeof(buf), 1, TACHYON_FOREVER), TACHYON_ERR_INTERRUPTED);
    CHECK(pthread_join(th, NULL) == 0);
    tachyon_sub_destroy(sub);
    tachyon_fanout_destroy(pub);

    /* A fan-in consumer with no producer and no deadline. */
    CHECK_ERR(tachyon_fanin_listen(fi_name, 4096, NULL, &fi), TACHYON_OK);
    poke(&th, &p, K_FANIN, fi);
    CHECK(tachyon_fanin_acquire_rx_until(fi, NULL, NULL, NULL, TACHYON_FOREVER) == NULL);
    CHECK_ERR(tachyon_fanin_last_error(fi), TACHYON_ERR_INTERRUPTED);
    CHECK(pthread_join(th, NULL) == 0);

    /* A wait-set over that fan-in. */
    CHECK_ERR(tachyon_waitset_new(&ws), TACHYON_OK);
    CHECK_ERR(tachyon_waitset_add_fanin(ws, fi, 7), TACHYON_OK);
    poke(&th, &p, K_WAITSET, ws);
    CHECK(tachyon_waitset_wait_until(ws, &key, 1, TACHYON_FOREVER, &err) == 0);
    CHECK_ERR(err, TACHYON_ERR_INTERRUPTED);
    CHECK(pthread_join(th, NULL) == 0);
    /* Taken once: the next wait waits. */
    CHECK(tachyon_waitset_wait_until(ws, &key, 1, tachyon_now_ns() + 50 * MS, &err) == 0);
    CHECK_ERR(err, TACHYON_ERR_TIMEOUT);
    tachyon_waitset_destroy(ws);
    tachyon_fanin_destroy(fi);
}

int main(void)
{
    check_bus_waits();
    check_signals();
    check_per_thread();
    check_listen_connect();
    check_topology();
    printf("interrupt checks and topology interrupts: ok\n");
    return T_PASS;
}
