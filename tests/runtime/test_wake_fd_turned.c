/* Description: a consumer that turns its readiness fd against its producer cannot block it. The producer's copy of the fd shares its open file with the consumer, who may clear O_NONBLOCK on it and fill it after the handshake (what an eventfd's maximum counter, or a datagram socket's full queue, would do to a blocking write). With the fd armed by a wait-set, a bus producer's publication and its close, a fan-in member's publication and a fan-out producer's commit all return (a watchdog fails the test if one blocks), and the wait-set still names the member. The other way round, a producer that floods the consumer's readiness fd from another thread cannot hold the consumer's deadline-0 waits (each clears a bounded number of signals). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>

#include "helpers.h"

#include "../../runtime/src/internal.h" /* a producer bus's wake_efd: the fd it signals */

static const char *stage = "start";
static int finished;

static void set_stage(const char *s)
{
    __atomic_store_n(&stage, s, __ATOMIC_SEQ_CST);
}

/* Fails the test if it does not finish within 20 s (a blocked write never
 * returns). */
static void *watchdog_main(void *arg)
{
    int64_t end = t_now_ns() + 20000000000ll;

    (void)arg;
    while (!__atomic_load_n(&finished, __ATOMIC_SEQ_CST)) {
        if (t_now_ns() > end) {
            fprintf(stderr, "FAIL: the producer blocked in: %s\n", __atomic_load_n(&stage, __ATOMIC_SEQ_CST));
            _exit(T_FAIL);
        }
        t_sleep_ms(10);
    }
    return NULL;
}

/* What a consumer holding the same open file can do to it, once its fd is
 * armed (its own clearing would undo it before): clear O_NONBLOCK, then fill
 * it. An eventfd (ABI 2): its counter to the maximum, so that a write of 1
 * blocks; a datagram socket: its queue, until it takes no more. */
static void turn(int fd)
{
    uint64_t max = 0xfffffffffffffffeull;
    int fl = fcntl(fd, F_GETFL);

    CHECK(fd >= 0 && fl >= 0);
    CHECK(fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == 0);
    if (send(fd, &max, 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno == ENOTSOCK) {
        CHECK(write(fd, &max, sizeof(max)) == (ssize_t)sizeof(max));
    } else {
        while (send(fd, &max, 1, MSG_DONTWAIT | MSG_NOSIGNAL) > 0)
            ;
    }
    CHECK((fcntl(fd, F_GETFL) & O_NONBLOCK) == 0);
}

/* A wait-set over one member with its fd armed: a call found nothing. */
static tachyon_waitset_t *armed_set(tachyon_bus_t *bus, tachyon_sub_t *sub, tachyon_fanin_t *fi)
{
    tachyon_waitset_t *ws;
    uint64_t keys[4];
    tachyon_error_t err;

    CHECK_ERR(tachyon_waitset_new(&ws), TACHYON_OK);
    if (bus)
        CHECK_ERR(tachyon_waitset_add_bus(ws, bus, 1), TACHYON_OK);
    else if (sub)
        CHECK_ERR(tachyon_waitset_add_sub(ws, sub, 1), TACHYON_OK);
    else
        CHECK_ERR(tachyon_waitset_add_fanin(ws, fi, 1), TACHYON_OK);
    CHECK(tachyon_waitset_fd(ws) >= 0);
    CHECK(tachyon_waitset_wait_until(ws, keys, 4, 0, &err) == 0);
    CHECK_ERR(err, TACHYON_ERR_TIMEOUT);
    return ws;
}

static void expect_ready(tachyon_waitset_t *ws)
{
    uint64_t keys[4];
    tachyon_error_t err;

    CHECK(tachyon_waitset_wait_until(ws, keys, 4, 0, &err) == 1 && keys[0] == 1);
}

/* Nothing to read: the call arms the members again. */
static void expect_armed(tachyon_waitset_t *ws)
{
    uint64_t keys[4];
    tachyon_error_t err;

    CHECK(tachyon_waitset_wait_until(ws, keys, 4, 0, &err) == 0);
    CHECK_ERR(err, TACHYON_ERR_TIMEOUT);
}

/* The new AF_UNIX datagram sockets since `before` (fds 0..1023), other than
 * `not`: the producer's copy of a subscriber's signal end. */
static int new_dgram_socket(const uint8_t *before, int not)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int found = -1;

    CHECK(d != NULL);
    while ((e = readdir(d)) != NULL) {
        int fd = atoi(e->d_name), type = 0;
        socklen_t len = sizeof(type);
        if (e->d_name[0] == '.' || fd == dirfd(d) || fd == not || fd >= 1024 || before[fd])
            continue;
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_DGRAM)
            found = fd;
    }
    closedir(d);
    return found;
}

struct flood {
    pthread_t thread;
    int fd;
    int stop;
};

/* A producer's signal end, sent on as fast as it goes. */
static void *flood_main(void *arg)
{
    struct flood *f = arg;
    uint8_t b = 1;

    while (!__atomic_load_n(&f->stop, __ATOMIC_SEQ_CST))
        (void)!send(f->fd, &b, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
    return NULL;
}

static void fd_snapshot(uint8_t *open_fds)
{
    memset(open_fds, 0, 1024);
    for (int fd = 0; fd < 1024; fd++)
        open_fds[fd] = fcntl(fd, F_GETFD) >= 0;
}

int main(void)
{
    char name[128];
    pthread_t dog;
    uint32_t type;
    size_t size;

    CHECK(pthread_create(&dog, NULL, watchdog_main, NULL) == 0);

    /* A bus: publication and close with the consumer's fd armed. */
    {
        tachyon_bus_t *cons, *prod;
        tachyon_waitset_t *ws;

        t_sock_name(name, sizeof(name), "turned-bus", 1);
        t_pair(name, 4096, &cons, &prod);
        ws = armed_set(cons, NULL, NULL);
        turn(prod->wake_efd);
        set_stage("a bus producer's publication");
        CHECK_ERR(tachyon_send(prod, "x", 1, 1), TACHYON_OK);
        CHECK_ERR(tachyon_flush(prod), TACHYON_OK);
        expect_ready(ws);
        CHECK(tachyon_acquire_rx(cons, &type, &size) != NULL && type == 1);
        CHECK_ERR(tachyon_commit_rx(cons), TACHYON_OK);
        expect_armed(ws);
        turn(prod->wake_efd);
        set_stage("a bus producer's close");
        tachyon_bus_destroy(prod);
        expect_ready(ws);
        CHECK(tachyon_acquire_rx(cons, &type, &size) == NULL);
        CHECK_ERR(tachyon_last_error(cons), TACHYON_ERR_PEER_GONE);
        tachyon_waitset_destroy(ws);
        tachyon_bus_destroy(cons);
    }

    /* A producer flooding the consumer's readiness fd. */
    {
        tachyon_bus_t *cons, *prod;
        tachyon_waitset_t *ws;
        struct flood f;

        set_stage("a consumer's deadline-0 waits under a flooded readiness fd");
        t_sock_name(name, sizeof(name), "flooded-bus", 1);
        t_pair(name, 4096, &cons, &prod);
        ws = armed_set(cons, NULL, NULL);
        memset(&f, 0, sizeof(f));
        f.fd = prod->wake_efd;
        CHECK(pthread_create(&f.thread, NULL, flood_main, &f) == 0);
        for (int i = 0; i < 200; i++)
            expect_armed(ws);
        __atomic_store_n(&f.stop, 1, __ATOMIC_SEQ_CST);
        CHECK(pthread_join(f.thread, NULL) == 0);
        tachyon_waitset_destroy(ws);
        tachyon_bus_destroy(prod);
        tachyon_bus_destroy(cons);
    }

    /* A fan-in member. */
    {
        tachyon_fanin_t *fi;
        tachyon_bus_t *prod;
        tachyon_waitset_t *ws;

        set_stage("fan-in set-up");
        t_sock_name(name, sizeof(name), "turned-fanin", 1);
        CHECK_ERR(tachyon_fanin_listen(name, 4096, NULL, &fi), TACHYON_OK);
        CHECK_ERR(tachyon_bus_connect(name, &prod), TACHYON_OK);
        while (tachyon_fanin_producers(fi) < 1)
            t_sleep_ms(1);
        ws = armed_set(NULL, NULL, fi);
        turn(prod->wake_efd);
        set_stage("a fan-in producer's publication");
        CHECK_ERR(tachyon_send(prod, "y", 1, 2), TACHYON_OK);
        CHECK_ERR(tachyon_flush(prod), TACHYON_OK);
        expect_ready(ws);
        CHECK(tachyon_fanin_acquire_rx(fi, &type, &size, NULL) != NULL && type == 2);
        CHECK_ERR(tachyon_fanin_commit_rx(fi), TACHYON_OK);
        tachyon_waitset_destroy(ws);
        tachyon_bus_destroy(prod);
        tachyon_fanin_destroy(fi);
    }

    /* A fan-out subscriber: the producer signals its fd on commit. */
    {
        tachyon_fanout_t *pub;
        tachyon_sub_t *sub;
        tachyon_waitset_t *ws;
        uint8_t before[1024];
        int sig;

        set_stage("fan-out set-up");
        t_sock_name(name, sizeof(name), "turned-fanout", 1);
        CHECK_ERR(tachyon_fanout_listen(name, 4096, TACHYON_LAG_BLOCK, NULL, &pub), TACHYON_OK);
        fd_snapshot(before);
        CHECK_ERR(tachyon_sub_connect_until(name, NULL, TACHYON_JOIN_NEWEST, TACHYON_FOREVER, &sub, NULL),
                  TACHYON_OK);
        sig = new_dgram_socket(before, ti_sub_wake_fd(sub));
        ws = armed_set(NULL, sub, NULL);
        turn(sig);
        set_stage("a fan-out producer's commit");
        CHECK_ERR(tachyon_fanout_send_until(pub, "z", 1, 3, 0), TACHYON_OK);
        expect_ready(ws);
        CHECK(tachyon_sub_acquire_rx(sub, &type, &size) != NULL && type == 3);
        CHECK_ERR(tachyon_sub_commit_rx(sub), TACHYON_OK);
        tachyon_waitset_destroy(ws);
        tachyon_sub_destroy(sub);
        tachyon_fanout_destroy(pub);
    }

    __atomic_store_n(&finished, 1, __ATOMIC_SEQ_CST);
    CHECK(pthread_join(dog, NULL) == 0);
    printf("PASS: a consumer that clears O_NONBLOCK on its readiness fd and fills it cannot block its producer\n");
    return T_PASS;
}
