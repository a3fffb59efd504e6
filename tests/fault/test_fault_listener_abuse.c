/* Description: fault injection on the listener, many trials: before the good connector it meets, in random order and partly at the same time, connectors that send random bytes of random length, a short or an HTTP record, a HELLO followed by a garbage ACK, a HELLO that hangs up after the WELCOME (half-finished handshake), one that connects and closes at once, and (in some trials) one that never speaks and one that stalls before its ACK (both timed out after 2 s); the listener drops each, keeps serving, and completes the good handshake; the process leaks no descriptor. */
#include <dirent.h>

#include "fault.h"
#include "rawpeer.h"

enum kind { K_RANDOM, K_SHORT, K_HTTP, K_BAD_ACK, K_HANGUP_AFTER_WELCOME, K_CLOSE_AT_ONCE, K_COUNT_FAST,
            K_SILENT = K_COUNT_FAST, K_STALL_BEFORE_ACK };

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    CHECK(d != NULL);
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

/* Plays one bad connector; returns an fd to keep open (silent kinds) or -1. */
static int bad_connector(const char *name, enum kind k, uint64_t *rng)
{
    uint8_t rec[256];
    int fd = raw_connect(name), memfd = -1;
    CHECK(fd >= 0);
    switch (k) {
    case K_RANDOM: {
        size_t n = 1 + t_rand(rng) % sizeof(rec);
        for (size_t i = 0; i < n; i++)
            rec[i] = (uint8_t)t_rand(rng);
        if (n >= 4 && memcmp(rec, "TACH", 4) == 0)
            rec[0] = 'X'; /* a Tachyon-family record with bad fields fails the listener by design */
        (void)raw_send(fd, rec, n, -1);
        break;
    }
    case K_SHORT:
        raw_hello(rec, 0);
        (void)raw_send(fd, rec, 1 + t_rand(rng) % 63, -1);
        break;
    case K_HTTP:
        memset(rec, ' ', 64);
        memcpy(rec, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27);
        (void)raw_send(fd, rec, 64, -1);
        break;
    case K_BAD_ACK:
        raw_hello(rec, 0);
        CHECK(raw_send(fd, rec, 64, -1) == 0);
        if (raw_recv(fd, rec, &memfd, 5000) == 0) {
            for (int i = 0; i < 64; i++)
                rec[i] = (uint8_t)t_rand(rng);
            (void)raw_send(fd, rec, 64, -1);
        }
        break;
    case K_HANGUP_AFTER_WELCOME:
        raw_hello(rec, 0);
        CHECK(raw_send(fd, rec, 64, -1) == 0);
        (void)raw_recv(fd, rec, &memfd, 5000);
        break;
    case K_CLOSE_AT_ONCE:
        break;
    case K_SILENT:
        return fd;
    case K_STALL_BEFORE_ACK:
        raw_hello(rec, 0);
        CHECK(raw_send(fd, rec, 64, -1) == 0);
        CHECK(raw_recv(fd, rec, &memfd, 5000) == 0); /* got the WELCOME and the segment */
        CHECK(memfd >= 0);
        close(memfd);
        return fd; /* ...and never answers */
    }
    if (memfd >= 0)
        close(memfd);
    close(fd);
    return -1;
}

struct abuser {
    pthread_t thread;
    const char *name;
    enum kind kind;
    uint64_t rng;
    int keep_fd;
    int joined;
};

static void *abuser_main(void *arg)
{
    struct abuser *a = arg;
    a->keep_fd = bad_connector(a->name, a->kind, &a->rng);
    return NULL;
}

static void trial(int n, uint64_t seed, int slow_kinds)
{
    uint64_t rng = seed;
    char name[128], tag[32];
    tachyon_options_t o = {.timeout_ns = 30000 * 1000000LL};
    struct t_listener l;
    struct abuser ab[12];
    int nab = 3 + (int)(t_rand(&rng) % 8), fds_before = count_fds();
    tachyon_bus_t *prod = NULL;
    const void *msg;

    snprintf(tag, sizeof(tag), "abuse-%d", n);
    t_sock_name(name, sizeof(name), tag, (int)(t_rand(&rng) & 1));
    t_listener_start(&l, name, 4096, &o);
    for (int i = 0; i < nab; i++) {
        ab[i].name = name;
        ab[i].kind = (enum kind)(t_rand(&rng) % K_COUNT_FAST);
        ab[i].rng = t_rand(&rng);
        ab[i].keep_fd = -1;
    }
    if (slow_kinds) {
        ab[0].kind = K_SILENT;
        ab[1].kind = K_STALL_BEFORE_ACK;
    }
    /* Some in sequence, the rest all at once. */
    for (int i = 0; i < nab; i++) {
        CHECK(pthread_create(&ab[i].thread, NULL, abuser_main, &ab[i]) == 0);
        ab[i].joined = (t_rand(&rng) & 1) != 0;
        if (ab[i].joined)
            CHECK(pthread_join(ab[i].thread, NULL) == 0);
    }
    for (int i = 0; i < nab; i++)
        if (!ab[i].joined)
            CHECK(pthread_join(ab[i].thread, NULL) == 0);
    CHECK_ERR(tachyon_bus_connect_ex(name, &o, &prod), TACHYON_OK);
    CHECK_ERR(t_listener_join(&l), TACHYON_OK);
    CHECK_ERR(tachyon_send(prod, "hello", 5, 9), TACHYON_OK);
    CHECK_ERR(tachyon_flush(prod), TACHYON_OK);
    msg = tachyon_acquire_rx(l.bus, NULL, NULL);
    CHECK(msg != NULL && memcmp(msg, "hello", 5) == 0);
    CHECK_ERR(tachyon_commit_rx(l.bus), TACHYON_OK);
    for (int i = 0; i < nab; i++)
        if (ab[i].keep_fd >= 0)
            close(ab[i].keep_fd);
    tachyon_bus_destroy(prod);
    tachyon_bus_destroy(l.bus);
    CHECK(count_fds() == fds_before); /* every dropped connector's socket, segment and pidfd closed */
}

int main(void)
{
    uint64_t seed = f_seed(), rng = seed;
    int trials = f_trials(25), done = 0;
    int64_t start = t_now_ns();

    for (; done < trials && f_time_left(start, 20); done++)
        trial(done, t_rand(&rng), done % 13 == 0); /* the 2 s timeouts in two trials */
    printf("listener abuse: %d trials passed (seed %" PRIu64 ")\n", done, seed);
    CHECK(done >= 2);
    return T_PASS;
}
