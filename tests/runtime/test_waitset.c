/* Description: a wait-set over a bus, a fan-out subscriber and a fan-in: it times out when nothing is there, wakes (from a futex sleep) when a message arrives on any of them and names exactly the members that are ready, sees a bus's end of stream, and follows a fan-in's new producers; its readiness fd works with epoll: readable once a message arrives, quiet after tachyon_waitset_wait_until(..., 0) and a drain, readable again on the next message, including a producer that only joined a member fan-in after the fd was armed; bad arguments are refused. */
#include <sys/epoll.h>

#include "helpers.h"

enum { KEY_BUS = 11, KEY_SUB = 22, KEY_FANIN = 33 };

struct later {
    pthread_t t;
    int delay_ms;
    void (*fn)(void *);
    void *arg;
};

static void *later_main(void *arg)
{
    struct later *l = arg;
    t_sleep_ms(l->delay_ms);
    l->fn(l->arg);
    return NULL;
}

static void run_later(struct later *l, int delay_ms, void (*fn)(void *), void *arg)
{
    l->delay_ms = delay_ms;
    l->fn = fn;
    l->arg = arg;
    CHECK(pthread_create(&l->t, NULL, later_main, l) == 0);
}

static void send_bus(void *arg)
{
    CHECK_ERR(tachyon_send(arg, "bus!", 4, 1), TACHYON_OK);
    CHECK_ERR(tachyon_flush(arg), TACHYON_OK);
}

static void send_fanout(void *arg)
{
    CHECK_ERR(tachyon_fanout_send_until(arg, "sub!", 4, 2, 0), TACHYON_OK);
}

static void send_fanin(void *arg)
{
    CHECK_ERR(tachyon_send(arg, "fin!", 4, 3), TACHYON_OK);
    CHECK_ERR(tachyon_flush(arg), TACHYON_OK);
}

static size_t wait_keys(tachyon_waitset_t *ws, uint64_t *keys, int64_t timeout_ns, tachyon_error_t *err)
{
    return tachyon_waitset_wait_until(ws, keys, 8, timeout_ns ? tachyon_now_ns() + timeout_ns : 0, err);
}

static int fd_readable(int ep, int ms)
{
    struct epoll_event ev;
    return epoll_wait(ep, &ev, 1, ms);
}

int main(void)
{
    char bus_name[128], fo_name[128], fi_name[128];
    tachyon_bus_t *cons, *prod, *fprod, *fprod2;
    tachyon_fanout_t *pub;
    tachyon_sub_t *sub;
    tachyon_fanin_t *fi;
    tachyon_waitset_t *ws;
    uint64_t keys[8];
    tachyon_error_t err;
    struct later l;
    tachyon_sender_t from;
    uint32_t type;
    size_t size, n;
    int64_t t0;
    int fd, ep;
    struct epoll_event ev = {.events = EPOLLIN};

    t_sock_name(bus_name, sizeof(bus_name), "ws-bus", 1);
    t_sock_name(fo_name, sizeof(fo_name), "ws-fo", 1);
    t_sock_name(fi_name, sizeof(fi_name), "ws-fi", 1);
    t_pair(bus_name, 4096, &cons, &prod);
    CHECK_ERR(tachyon_fanout_listen(fo_name, 4096, TACHYON_LAG_BLOCK, NULL, &pub), TACHYON_OK);
    CHECK_ERR(tachyon_sub_connect_until(fo_name, NULL, 0, TACHYON_FOREVER, &sub, NULL), TACHYON_OK);
    CHECK_ERR(tachyon_fanin_listen(fi_name, 4096, NULL, &fi), TACHYON_OK);
    CHECK_ERR(tachyon_bus_connect(fi_name, &fprod), TACHYON_OK);
    while (tachyon_fanin_producers(fi) < 1)
        t_sleep_ms(1);

    CHECK_ERR(tachyon_waitset_new(&ws), TACHYON_OK);
    CHECK_ERR(tachyon_waitset_add_bus(ws, cons, KEY_BUS), TACHYON_OK);
    CHECK_ERR(tachyon_waitset_add_sub(ws, sub, KEY_SUB), TACHYON_OK);
    CHECK_ERR(tachyon_waitset_add_fanin(ws, fi, KEY_FANIN), TACHYON_OK);
    CHECK_ERR(tachyon_waitset_add_bus(ws, cons, 99), TACHYON_ERR_STATE);   /* already in */
    CHECK_ERR(tachyon_waitset_add_bus(ws, prod, 98), TACHYON_ERR_STATE);   /* not a consumer */
    CHECK_ERR(tachyon_waitset_add_bus(ws, NULL, 97), TACHYON_ERR_INVALID_ARG);
    CHECK_ERR(tachyon_waitset_remove(ws, 12345), TACHYON_ERR_STATE);
    CHECK(tachyon_waitset_wait_until(ws, NULL, 4, 0, &err) == 0 && err == TACHYON_ERR_INVALID_ARG);

    /* Nothing there: a timeout, after the time. */
    t0 = tachyon_now_ns();
    CHECK(wait_keys(ws, keys, 30000000, &err) == 0 && err == TACHYON_ERR_TIMEOUT);
    CHECK(tachyon_now_ns() - t0 >= 30000000);
    CHECK(wait_keys(ws, keys, 0, &err) == 0 && err == TACHYON_ERR_TIMEOUT);

    /* Each kind wakes the sleeping wait-set and is named. */
    run_later(&l, 30, send_bus, prod);
    CHECK(wait_keys(ws, keys, 5000000000ll, &err) == 1 && keys[0] == KEY_BUS && err == TACHYON_OK);
    CHECK(pthread_join(l.t, NULL) == 0);
    CHECK(tachyon_acquire_rx(cons, &type, &size) && type == 1);
    CHECK(wait_keys(ws, keys, 0, &err) == 1 && keys[0] == KEY_BUS); /* held, not committed: still ready */
    CHECK_ERR(tachyon_commit_rx(cons), TACHYON_OK);
    CHECK(wait_keys(ws, keys, 0, &err) == 0);

    run_later(&l, 30, send_fanout, pub);
    CHECK(wait_keys(ws, keys, 5000000000ll, &err) == 1 && keys[0] == KEY_SUB);
    CHECK(pthread_join(l.t, NULL) == 0);
    CHECK(tachyon_sub_acquire_rx(sub, &type, &size) && type == 2);
    CHECK_ERR(tachyon_sub_commit_rx(sub), TACHYON_OK);

    run_later(&l, 30, send_fanin, fprod);
    CHECK(wait_keys(ws, keys, 5000000000ll, &err) == 1 && keys[0] == KEY_FANIN);
    CHECK(pthread_join(l.t, NULL) == 0);
    CHECK(tachyon_fanin_acquire_rx(fi, &type, &size, &from) && type == 3 && from.id == 1);
    CHECK_ERR(tachyon_fanin_commit_rx(fi), TACHYON_OK);
    CHECK(wait_keys(ws, keys, 0, &err) == 0);

    /* Two at once. */
    send_bus(prod);
    send_fanout(pub);
    n = wait_keys(ws, keys, 0, &err);
    CHECK(n == 2 && ((keys[0] == KEY_BUS && keys[1] == KEY_SUB) || (keys[0] == KEY_SUB && keys[1] == KEY_BUS)));
    CHECK(tachyon_acquire_rx(cons, &type, &size));
    CHECK_ERR(tachyon_commit_rx(cons), TACHYON_OK);
    CHECK(tachyon_sub_acquire_rx(sub, &type, &size));
    CHECK_ERR(tachyon_sub_commit_rx(sub), TACHYON_OK);

    /* The readiness fd in an epoll loop. */
    fd = tachyon_waitset_fd(ws);
    CHECK(fd >= 0 && tachyon_waitset_fd(ws) == fd);
    ep = epoll_create1(EPOLL_CLOEXEC);
    CHECK(ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0);
    CHECK(fd_readable(ep, 50) == 0);
    send_bus(prod);
    CHECK(fd_readable(ep, 5000) == 1);
    CHECK(wait_keys(ws, keys, 0, &err) == 1 && keys[0] == KEY_BUS);
    CHECK(tachyon_acquire_rx(cons, &type, &size));
    CHECK_ERR(tachyon_commit_rx(cons), TACHYON_OK);
    CHECK(wait_keys(ws, keys, 0, &err) == 0); /* re-armed, nothing left */
    CHECK(fd_readable(ep, 50) == 0);
    /* A producer that joins the fan-in now is watched too. */
    CHECK_ERR(tachyon_bus_connect(fi_name, &fprod2), TACHYON_OK);
    while (tachyon_fanin_producers(fi) < 2)
        t_sleep_ms(1);
    t_sleep_ms(20);
    CHECK(fd_readable(ep, 0) == 0);
    send_fanin(fprod2);
    CHECK(fd_readable(ep, 5000) == 1);
    CHECK(wait_keys(ws, keys, 0, &err) == 1 && keys[0] == KEY_FANIN);
    CHECK(tachyon_fanin_acquire_rx(fi, &type, &size, &from) && from.id == 2);
    CHECK_ERR(tachyon_fanin_commit_rx(fi), TACHYON_OK);
    CHECK(wait_keys(ws, keys, 0, &err) == 0);
    CHECK(fd_readable(ep, 50) == 0);
    send_fanout(pub);
    CHECK(fd_readable(ep, 5000) == 1);
    CHECK(wait_keys(ws, keys, 0, &err) == 1 && keys[0] == KEY_SUB);
    CHECK(tachyon_sub_acquire_rx(sub, &type, &size));
    CHECK_ERR(tachyon_sub_commit_rx(sub), TACHYON_OK);
    CHECK(wait_keys(ws, keys, 0, &err) == 0);

    /* The end of a stream is something to read (PEER_GONE). */
    tachyon_bus_destroy(prod);
    CHECK(fd_readable(ep, 5000) == 1);
    CHECK(wait_keys(ws, keys, 0, &err) == 1 && keys[0] == KEY_BUS);
    CHECK(tachyon_acquire_rx(cons, &type, &size) == NULL);
    CHECK_ERR(tachyon_last_error(cons), TACHYON_ERR_PEER_GONE);
    CHECK_ERR(tachyon_waitset_remove(ws, KEY_BUS), TACHYON_OK);
    CHECK(wait_keys(ws, keys, 0, &err) == 0);

    close(ep);
    tachyon_waitset_destroy(ws);
    tachyon_bus_destroy(cons);
    tachyon_bus_destroy(fprod);
    tachyon_bus_destroy(fprod2);
    tachyon_fanin_destroy(fi);
    tachyon_sub_destroy(sub);
    tachyon_fanout_destroy(pub);
    printf("PASS: wait-set over a bus, a subscriber and a fan-in; readiness fd with epoll\n");
    return T_PASS;
}
