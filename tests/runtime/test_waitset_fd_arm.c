/* Description: a wait-set's readiness fd without a thread: tachyon_waitset_fd starts no thread; armed (a call found nothing), the first message of a member makes the fd readable and costs its producer one wake (stats.wakes), later ones none; unarmed (a call found something) the fd stays readable and producers make no system call; a blocking receive on a member while the fd is armed keeps it armed; a fan-in producer joining an armed wait-set is watched without a spurious wake; a producer process killed with committed, unpublished frames makes the fd readable (its pidfd) and the frames are delivered; lost-wake-up stress: three producer threads (bus, fan-in, fan-out) with random pauses against an epoll loop that never waits for a wake-up that does not come (no watchdog rescues the fd). */
#include <dirent.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/wait.h>

#include "helpers.h"

enum { KEY_BUS = 1, KEY_FANIN = 2, KEY_SUB = 3, KEY_DEAD = 4 };

static int threads_now(void)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    int n = 0;

    if (!d)
        return -1;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static int readable(int ep, int ms)
{
    struct epoll_event ev;
    int n;

    do
        n = epoll_wait(ep, &ev, 1, ms);
    while (n < 0 && errno == EINTR);
    return n;
}

static uint64_t wakes_of(tachyon_bus_t *prod)
{
    tachyon_stats_t st;

    CHECK_ERR(tachyon_get_stats(prod, &st), TACHYON_OK);
    return st.wakes;
}

static void send_n(tachyon_bus_t *prod, uint64_t n, uint32_t type)
{
    for (uint64_t i = 0; i < n; i++)
        CHECK_ERR(tachyon_send(prod, &i, sizeof(i), type), TACHYON_OK);
    CHECK_ERR(tachyon_flush(prod), TACHYON_OK);
}

static uint64_t drain_bus(tachyon_bus_t *cons)
{
    uint64_t n = 0;
    uint32_t type;
    size_t size;

    while (tachyon_acquire_rx(cons, &type, &size)) {
        CHECK_ERR(tachyon_commit_rx(cons), TACHYON_OK);
        n++;
    }
    return n;
}

static size_t poll_ws(tachyon_waitset_t *ws, uint64_t *keys)
{
    tachyon_error_t err;
    return tachyon_waitset_wait_until(ws, keys, 8, 0, &err);
}

/* ---- The stress: producers on threads, an epoll loop on the main thread --- */

struct feed {
    pthread_t thread;
    tachyon_bus_t *bus;     /* a bus or fan-in producer, or NULL */
    tachyon_fanout_t *pub;  /* or a fan-out */
    uint64_t count;
    uint64_t seed;
};

static void *feed_main(void *arg)
{
    struct feed *f = arg;

    for (uint64_t seq = 0; seq < f->count;) {
        uint64_t burst = 1 + t_rand(&f->seed) % 8;
        for (uint64_t i = 0; i < burst && seq < f->count; i++, seq++) {
            if (f->bus)
                CHECK_ERR(tachyon_send_blocking(f->bus, &seq, sizeof(seq), 5, -1), TACHYON_OK);
            else
                CHECK_ERR(tachyon_fanout_send_until(f->pub, &seq, sizeof(seq), 5, TACHYON_FOREVER), TACHYON_OK);
        }
        if (f->bus)
            CHECK_ERR(tachyon_flush(f->bus), TACHYON_OK);
        if (t_rand(&f->seed) % 4 == 0) {
            struct timespec ts = {0, (long)(t_rand(&f->seed) % 2000) * 1000};
            nanosleep(&ts, NULL);
        }
    }
    return NULL;
}

int main(void)
{
    char bus_name[128], fi_name[128], fo_name[128], dead_name[128];
    tachyon_bus_t *cons, *prod, *fprod, *fprod2, *dcons;
    tachyon_fanin_t *fi;
    tachyon_fanout_t *pub;
    tachyon_sub_t *sub;
    tachyon_waitset_t *ws;
    struct epoll_event ev = {.events = EPOLLIN};
    uint64_t keys[8], w;
    int fd, ep, before;
    uint32_t type;
    size_t size;

    t_sock_name(bus_name, sizeof(bus_name), "wsfd-bus", 1);
    t_sock_name(fi_name, sizeof(fi_name), "wsfd-fi", 1);
    t_sock_name(fo_name, sizeof(fo_name), "wsfd-fo", 1);
    t_sock_name(dead_name, sizeof(dead_name), "wsfd-dead", 1);
    t_pair(bus_name, 1 << 16, &cons, &prod);
    CHECK_ERR(tachyon_fanin_listen(fi_name, 1 << 16, NULL, &fi), TACHYON_OK);
    CHECK_ERR(tachyon_bus_connect(fi_name, &fprod), TACHYON_OK);
    while (tachyon_fanin_producers(fi) < 1)
        t_sleep_ms(1);
    CHECK_ERR(tachyon_fanout_listen(fo_name, 1 << 16, TACHYON_LAG_BLOCK, NULL, &pub), TACHYON_OK);
    CHECK_ERR(tachyon_sub_connect_until(fo_name, NULL, 0, TACHYON_FOREVER, &sub, NULL), TACHYON_OK);

    CHECK_ERR(tachyon_waitset_new(&ws), TACHYON_OK);
    CHECK_ERR(tachyon_waitset_add_bus(ws, cons, KEY_BUS), TACHYON_OK);
    CHECK_ERR(tachyon_waitset_add_fanin(ws, fi, KEY_FANIN), TACHYON_OK);
    before = threads_now();
    fd = tachyon_waitset_fd(ws);
    CHECK(fd >= 0);
    CHECK(threads_now() == before); /* no notifier thread */
    ep = epoll_create1(EPOLL_CLOEXEC);
    CHECK(ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0);

    /* Armed: the first message wakes (one wake call), later ones do not. */
    CHECK(readable(ep, 20) == 0);
    w = wakes_of(prod);
    send_n(prod, 1, 1);
    CHECK(readable(ep, 5000) == 1);
    CHECK(wakes_of(prod) == w + 1);
    send_n(prod, 50, 1);
    CHECK(wakes_of(prod) == w + 1);

    /* Unarmed while something is ready: the fd stays readable until a call
     * finds nothing, and producers make no call. */
    CHECK(poll_ws(ws, keys) == 1 && keys[0] == KEY_BUS);
    CHECK(readable(ep, 0) == 1);
    CHECK(tachyon_acquire_rx(cons, &type, &size));
    CHECK_ERR(tachyon_commit_rx(cons), TACHYON_OK);
    CHECK(poll_ws(ws, keys) == 1 && keys[0] == KEY_BUS);
    send_n(prod, 100, 1);
    CHECK(wakes_of(prod) == w + 1);
    CHECK(drain_bus(cons) == 150);
    CHECK(readable(ep, 0) == 1);        /* not re-armed yet */
    CHECK(poll_ws(ws, keys) == 0);      /* nothing: re-armed */
    CHECK(readable(ep, 0) == 0);

    /* A blocking receive on a member keeps the fd's arming. */
    CHECK(tachyon_acquire_rx_until(cons, &type, &size, 0, tachyon_now_ns() + 30000000) == NULL);
    CHECK_ERR(tachyon_last_error(cons), TACHYON_ERR_TIMEOUT);
    CHECK(readable(ep, 0) == 0);
    send_n(prod, 1, 1);
    CHECK(readable(ep, 5000) == 1);
    CHECK(wakes_of(prod) == w + 2);
    CHECK(poll_ws(ws, keys) == 1 && keys[0] == KEY_BUS);
    CHECK(drain_bus(cons) == 1);
    CHECK(poll_ws(ws, keys) == 0);

    /* Fan-in: the first message of any producer wakes; a producer joining
     * while armed is watched, without a wake of its own. */
    w = wakes_of(fprod);
    send_n(fprod, 3, 2);
    CHECK(readable(ep, 5000) == 1);
    CHECK(wakes_of(fprod) == w + 1);
    CHECK(poll_ws(ws, keys) == 1 && keys[0] == KEY_FANIN);
    for (int i = 0; i < 3; i++) {
        CHECK(tachyon_fanin_acquire_rx(fi, &type, &size, NULL) && type == 2);
        CHECK_ERR(tachyon_fanin_commit_rx(fi), TACHYON_OK);
    }
    CHECK(poll_ws(ws, keys) == 0);
    CHECK_ERR(tachyon_bus_connect(fi_name, &fprod2), TACHYON_OK);
    while (tachyon_fanin_producers(fi) < 2)
        t_sleep_ms(1);
    CHECK(readable(ep, 20) == 0);
    send_n(fprod2, 1, 3);
    CHECK(readable(ep, 5000) == 1);
    CHECK(wakes_of(fprod2) == 1);
    CHECK(poll_ws(ws, keys) == 1 && keys[0] == KEY_FANIN);
    CHECK(tachyon_fanin_acquire_rx(fi, &type, &size, NULL) && type == 3);
    CHECK_ERR(tachyon_fanin_commit_rx(fi), TACHYON_OK);
    CHECK(poll_ws(ws, keys) == 0);

    /* A subscriber added to an armed wait-set brings the loop back once (to
     * arm it), then wakes it with its first message. */
    CHECK_ERR(tachyon_waitset_add_sub(ws, sub, KEY_SUB), TACHYON_OK);
    CHECK(readable(ep, 0) == 1);
    CHECK(poll_ws(ws, keys) == 0);
    CHECK(readable(ep, 20) == 0);
    CHECK_ERR(tachyon_fanout_send_until(pub, "x", 1, 4, 0), TACHYON_OK);
    CHECK(readable(ep, 5000) == 1);
    CHECK(poll_ws(ws, keys) == 1 && keys[0] == KEY_SUB);
    CHECK(tachyon_sub_acquire_rx(sub, &type, &size) && type == 4);
    CHECK_ERR(tachyon_sub_commit_rx(sub), TACHYON_OK);
    CHECK(poll_ws(ws, keys) == 0);

    /* A producer process killed with committed frames it never published:
     * its pidfd makes the fd readable, the frames are delivered, then
     * PEER_GONE. */
    {
        struct t_listener l;
        pid_t child;
        int status;

        t_listener_start(&l, dead_name, 4096, NULL);
        child = fork();
        CHECK(child >= 0);
        if (child == 0) {
            tachyon_bus_t *p;
            uint64_t v = 99;
            if (tachyon_bus_connect(dead_name, &p) != TACHYON_OK)
                _exit(2);
            if (tachyon_send(p, &v, sizeof(v), 6) != TACHYON_OK) /* fewer than 32: not published */
                _exit(3);
            pause();
            _exit(0);
        }
        CHECK_ERR(t_listener_join(&l), TACHYON_OK);
        dcons = l.bus;
        CHECK_ERR(tachyon_waitset_add_bus(ws, dcons, KEY_DEAD), TACHYON_OK);
        CHECK(poll_ws(ws, keys) == 0);
        t_sleep_ms(50);
        CHECK(readable(ep, 0) == 0);
        CHECK(kill(child, SIGKILL) == 0);
        CHECK(waitpid(child, &status, 0) == child);
        CHECK(readable(ep, 5000) == 1);
        CHECK(poll_ws(ws, keys) == 1 && keys[0] == KEY_DEAD);
        {
            const uint64_t *v = tachyon_acquire_rx(dcons, &type, &size);
            CHECK(v && type == 6 && *v == 99);
        }
        CHECK_ERR(tachyon_commit_rx(dcons), TACHYON_OK);
        CHECK(tachyon_acquire_rx(dcons, &type, &size) == NULL);
        CHECK_ERR(tachyon_last_error(dcons), TACHYON_ERR_PEER_GONE);
        CHECK_ERR(tachyon_waitset_remove(ws, KEY_DEAD), TACHYON_OK);
        tachyon_bus_destroy(dcons);
        CHECK(poll_ws(ws, keys) == 0);
    }

    /* The stress. */
    {
        struct feed feeds[3] = {{.bus = prod, .seed = 1}, {.bus = fprod, .seed = 2}, {.pub = pub, .seed = 3}};
        uint64_t got[3] = {0, 0, 0}, want = t_scaled(30000, 3000), waits = 0;

        for (int i = 0; i < 3; i++) {
            feeds[i].count = want;
            CHECK(pthread_create(&feeds[i].thread, NULL, feed_main, &feeds[i]) == 0);
        }
        while (got[0] < want || got[1] < want || got[2] < want) {
            size_t n = poll_ws(ws, keys);
            if (n == 0) {
                /* Armed: only a producer's wake can end this. */
                if (readable(ep, 10000) != 1) {
                    fprintf(stderr, "lost wake-up: bus %llu, fan-in %llu, fan-out %llu of %llu\n",
                            (unsigned long long)got[0], (unsigned long long)got[1], (unsigned long long)got[2],
                            (unsigned long long)want);
                    return T_FAIL;
                }
                waits++;
                continue;
            }
            for (size_t k = 0; k < n; k++) {
                const uint64_t *v;
                if (keys[k] == KEY_BUS) {
                    while ((v = tachyon_acquire_rx(cons, &type, &size))) {
                        CHECK(*v == got[0]++);
                        CHECK_ERR(tachyon_commit_rx(cons), TACHYON_OK);
                    }
                } else if (keys[k] == KEY_FANIN) {
                    while ((v = tachyon_fanin_acquire_rx(fi, &type, &size, NULL))) {
                        CHECK(*v == got[1]++);
                        CHECK_ERR(tachyon_fanin_commit_rx(fi), TACHYON_OK);
                    }
                } else {
                    while ((v = tachyon_sub_acquire_rx(sub, &type, &size))) {
                        CHECK(*v == got[2]++);
                        CHECK_ERR(tachyon_sub_commit_rx(sub), TACHYON_OK);
                    }
                }
            }
        }
        for (int i = 0; i < 3; i++)
            CHECK(pthread_join(feeds[i].thread, NULL) == 0);
        printf("stress: %llu messages per producer, %llu sleeps on the fd\n", (unsigned long long)want,
               (unsigned long long)waits);
    }

    close(ep);
    tachyon_waitset_destroy(ws);
    tachyon_bus_destroy(prod);
    tachyon_bus_destroy(cons);
    tachyon_bus_destroy(fprod);
    tachyon_bus_destroy(fprod2);
    tachyon_fanin_destroy(fi);
    tachyon_sub_destroy(sub);
    tachyon_fanout_destroy(pub);
    printf("PASS: readiness fd armed and unarmed, no thread, no lost wake-up\n");
    return T_PASS;
}
