/* Description: regression (found by review while fuzzing the ring): a producer process that writes a tail which is not a multiple of 64 and then dies must not make the consumer read outside the segment when it recovers unpublished frames after the death. The segment is placed right below a PROT_NONE guard page, so such a read faults. Fails until ti_recover_unpublished (and ti_refresh_tail) reject a misaligned tail. */
#include <sys/stat.h>

#include "fault.h"
#include "rawpeer.h"

#define CAP 4096u
#define SEG_LEN (4096u + CAP)

/* The forged producer: completes the handshake, writes tail = CAP - 4 (within
 * one capacity of head 0, but its frame header would straddle the ring end),
 * and dies. */
static void hostile_producer(const char *name)
{
    uint8_t rec[RAW_REC];
    int fd = raw_connect(name), memfd = -1;
    uint8_t *seg;
    if (fd < 0)
        _exit(2);
    raw_hello(rec, 0);
    if (raw_send(fd, rec, RAW_REC, -1) != 0 || raw_recv(fd, rec, &memfd, 5000) != 0 || memfd < 0)
        _exit(3);
    seg = mmap(NULL, SEG_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
    if (seg == MAP_FAILED)
        _exit(4);
    raw_put32(seg, 136, 1); /* producer_state: attached */
    raw_ack(rec, 0);
    if (raw_send(fd, rec, RAW_REC, -1) != 0)
        _exit(5);
    __atomic_store_n((uint64_t *)(seg + 128), (uint64_t)CAP - 4, __ATOMIC_RELEASE);
    _exit(0); /* dies without closing */
}

/* 1 if the tachyon segment mapping ends exactly at `guard`. */
static int segment_below(uintptr_t guard)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    int found = 0;
    CHECK(f != NULL);
    while (fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;
        if (strstr(line, "memfd:tachyon") && sscanf(line, "%lx-%lx", &lo, &hi) == 2 && hi == guard &&
            hi - lo == SEG_LEN)
            found = 1;
    }
    fclose(f);
    return found;
}

static void scenario(void)
{
    char name[128];
    tachyon_bus_t *cons;
    uint8_t *area;
    pid_t pid;
    int status;

    t_sock_name(name, sizeof(name), "unaligned-tail", 1);
    /* A hole of exactly the segment's size right below a guard page: the
     * kernel's top-down search puts the next mapping of that size there. */
    area = mmap(NULL, SEG_LEN + 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(area != MAP_FAILED);
    CHECK(munmap(area, SEG_LEN) == 0);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0)
        hostile_producer(name);
    CHECK_ERR(tachyon_bus_listen(name, CAP, &cons), TACHYON_OK);
    if (!segment_below((uintptr_t)area + SEG_LEN)) {
        printf("SKIP: the segment was not mapped below the guard page\n");
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        _exit(T_SKIP);
    }
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* The producer is dead: this recovers its unpublished frames. */
    CHECK(tachyon_peer_alive(cons) == 0);
    {
        const void *m = tachyon_acquire_rx(cons, NULL, NULL);
        tachyon_error_t err = tachyon_last_error(cons);
        CHECK(m == NULL);
        CHECK(err == TACHYON_ERR_CORRUPT || err == TACHYON_ERR_PEER_GONE);
    }
    tachyon_bus_destroy(cons);
}

int main(void)
{
    pid_t pid;
    int status;

    fflush(stdout);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        scenario();
        _exit(0);
    }
    status = t_wait_child(pid, 10000);
    if (status == -1) {
        fprintf(stderr, "the consumer hung\n");
        return T_FAIL;
    }
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "the consumer crashed with signal %d: it read outside the segment while recovering after a "
                        "producer that left a misaligned tail\n", WTERMSIG(status));
        return T_FAIL;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == T_SKIP)
        return T_SKIP;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? T_PASS : T_FAIL;
}
