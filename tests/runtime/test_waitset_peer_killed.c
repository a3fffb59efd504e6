/* Description: a wait-set names a member whose producer was killed (SIGKILL, nothing left to read), for each kind of member: a bus, a fan-in (its one producer) and a fan-out subscriber (the fan-out's producer process). Through the readiness fd: the epoll fd turns readable (the producer's pidfd) and a deadline-0 wait names the member; through a blocking wait: it returns the member within the watchdog period. The member's own receive then ends with PEER_GONE (a fan-in drops the producer). Before the fix a subscriber whose producer died was never named: its pidfd kept the fd readable while every wait found nothing. */
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include "helpers.h"

enum kind { BUS, FANIN, SUB };
static const char *const kind_name[] = {"bus", "fan-in", "fan-out subscriber"};

/* The producer's process: attaches, says so on `ready`, waits to be killed. */
static void producer_child(enum kind kind, const char *name, int ready)
{
    tachyon_bus_t *bus;
    tachyon_fanout_t *pub;
    char ok = 1;

    if (kind == SUB) {
        if (tachyon_fanout_listen(name, 4096, TACHYON_LAG_BLOCK, NULL, &pub) != TACHYON_OK)
            _exit(2);
    } else if (tachyon_bus_connect(name, &bus) != TACHYON_OK) {
        _exit(2);
    }
    if (write(ready, &ok, 1) != 1)
        _exit(3);
    for (;;)
        pause();
}

static void run(enum kind kind, int use_fd)
{
    char name[128], tag[32];
    struct t_listener l;
    tachyon_bus_t *cons = NULL;
    tachyon_fanin_t *fi = NULL;
    tachyon_sub_t *sub = NULL;
    tachyon_waitset_t *ws;
    tachyon_error_t err;
    uint64_t keys[4];
    uint32_t type;
    size_t size;
    int pipefd[2], status;
    char ok;
    pid_t child;

    snprintf(tag, sizeof(tag), "killed-%d-%d", (int)kind, use_fd);
    t_sock_name(name, sizeof(name), tag, 1);
    CHECK(pipe(pipefd) == 0);
    if (kind == BUS)
        t_listener_start(&l, name, 4096, NULL);
    if (kind == FANIN)
        CHECK_ERR(tachyon_fanin_listen(name, 4096, NULL, &fi), TACHYON_OK);
    child = fork();
    CHECK(child >= 0);
    if (child == 0)
        producer_child(kind, name, pipefd[1]);
    CHECK(read(pipefd[0], &ok, 1) == 1);
    if (kind == BUS) {
        CHECK_ERR(t_listener_join(&l), TACHYON_OK);
        cons = l.bus;
    }
    if (kind == FANIN)
        while (tachyon_fanin_producers(fi) < 1)
            t_sleep_ms(1);
    if (kind == SUB)
        CHECK_ERR(tachyon_sub_connect_until(name, NULL, TACHYON_JOIN_NEWEST, TACHYON_FOREVER, &sub, NULL),
                  TACHYON_OK);

    CHECK_ERR(tachyon_waitset_new(&ws), TACHYON_OK);
    if (kind == BUS)
        CHECK_ERR(tachyon_waitset_add_bus(ws, cons, 7), TACHYON_OK);
    else if (kind == FANIN)
        CHECK_ERR(tachyon_waitset_add_fanin(ws, fi, 7), TACHYON_OK);
    else
        CHECK_ERR(tachyon_waitset_add_sub(ws, sub, 7), TACHYON_OK);
    if (use_fd) {
        struct pollfd pfd = {.fd = tachyon_waitset_fd(ws), .events = POLLIN};
        CHECK(pfd.fd >= 0);
        CHECK(tachyon_waitset_wait_until(ws, keys, 4, 0, &err) == 0); /* nothing yet: armed */
        CHECK(poll(&pfd, 1, 50) == 0);
        CHECK(kill(child, SIGKILL) == 0 && waitpid(child, &status, 0) == child);
        CHECK(poll(&pfd, 1, 5000) == 1);
        if (tachyon_waitset_wait_until(ws, keys, 4, 0, &err) != 1 || keys[0] != 7) {
            fprintf(stderr, "%s (readiness fd): a deadline-0 wait did not name the member (%s)\n", kind_name[kind],
                    tachyon_strerror(err));
            exit(T_FAIL);
        }
    } else {
        CHECK(kill(child, SIGKILL) == 0 && waitpid(child, &status, 0) == child);
        if (tachyon_waitset_wait_until(ws, keys, 4, t_now_ns() + 5000000000ll, &err) != 1 || keys[0] != 7) {
            fprintf(stderr, "%s (blocking): the wait did not name the member (%s)\n", kind_name[kind],
                    tachyon_strerror(err));
            exit(T_FAIL);
        }
    }
    if (kind == BUS) {
        CHECK(tachyon_acquire_rx(cons, &type, &size) == NULL);
        CHECK_ERR(tachyon_last_error(cons), TACHYON_ERR_PEER_GONE);
    } else if (kind == FANIN) {
        CHECK(tachyon_fanin_acquire_rx(fi, &type, &size, NULL) == NULL);
        CHECK(tachyon_fanin_producers(fi) == 0); /* dropped after its (empty) end */
    } else {
        CHECK(tachyon_sub_acquire_rx(sub, &type, &size) == NULL);
        CHECK_ERR(tachyon_sub_last_error(sub), TACHYON_ERR_PEER_GONE);
    }
    tachyon_waitset_destroy(ws);
    tachyon_bus_destroy(cons);
    tachyon_fanin_destroy(fi);
    tachyon_sub_destroy(sub);
    close(pipefd[0]);
    close(pipefd[1]);
    printf("%s, %s: named, then PEER_GONE\n", kind_name[kind], use_fd ? "readiness fd, deadline 0" : "blocking wait");
}

int main(void)
{
    for (int kind = BUS; kind <= SUB; kind++)
        for (int use_fd = 1; use_fd >= 0; use_fd--)
            run((enum kind)kind, use_fd);
    printf("PASS: a killed producer is named by the wait-set, through its fd and in a blocking wait\n");
    return T_PASS;
}
