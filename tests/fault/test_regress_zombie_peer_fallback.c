/* Description: regression (found running the fault tests under valgrind, which lacks pidfd_open): where pidfd_open is unavailable (old kernels, seccomp profiles; forced here with a seccomp filter answering ENOSYS) a peer that died but is not reaped yet (a zombie: e.g. a producer the consumer spawned and waits for after the stream) must still be noticed: the blocked consumer gets every message, then PEER_GONE within 250 ms. kill(pid, 0) alone succeeds on a zombie, so the wait never ends. */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "fault.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* pidfd_open fails with ENOSYS from now on, in this process and its children. */
static int deny_pidfd_open(void)
{
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_pidfd_open, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = (unsigned short)(sizeof(filter) / sizeof(filter[0])), .filter = filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

int main(void)
{
    char name[128];
    tachyon_bus_t *cons;
    uint64_t seq = 0;
    const uint64_t sent = 5;
    int64_t killed_at, gone_ns;
    pid_t pid;
    int status;

    if (deny_pidfd_open() != 0)
        t_skip("cannot install a seccomp filter");
    CHECK(syscall(SYS_pidfd_open, getpid(), 0) == -1 && errno == ENOSYS);
    t_sock_name(name, sizeof(name), "zombie", 1);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        tachyon_bus_t *prod;
        if (tachyon_bus_connect(name, &prod) != TACHYON_OK)
            _exit(2);
        for (uint64_t i = 0; i < sent; i++) {
            uint8_t buf[32];
            t_fill(buf, sizeof(buf), i);
            if (tachyon_send(prod, buf, sizeof(buf), 1) != TACHYON_OK)
                _exit(3);
        }
        tachyon_flush(prod);
        for (;;)
            pause(); /* killed here, never closing */
    }
    CHECK_ERR(tachyon_bus_listen(name, 4096, &cons), TACHYON_OK);
    while (seq < sent) {
        size_t size;
        const uint8_t *m = tachyon_acquire_rx_timeout(cons, NULL, &size, 100, 5ll * 1000000000);
        CHECK(m != NULL && size == 32 && t_verify(m, size, seq));
        CHECK_ERR(tachyon_commit_rx(cons), TACHYON_OK);
        seq++;
    }
    CHECK(kill(pid, SIGKILL) == 0);
    killed_at = t_now_ns();
    /* Not reaped yet: the producer is a zombie while we wait for the stream's end. */
    {
        const void *m = tachyon_acquire_rx_timeout(cons, NULL, NULL, 100, 3ll * 1000000000);
        gone_ns = t_now_ns() - killed_at;
        CHECK(m == NULL);
        if (tachyon_last_error(cons) != TACHYON_ERR_PEER_GONE) {
            fprintf(stderr, "a dead, unreaped producer went unnoticed: %s after %.0f ms\n",
                    tachyon_strerror(tachyon_last_error(cons)), (double)gone_ns / 1e6);
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return T_FAIL;
        }
    }
    CHECK(gone_ns < 250ll * 1000000);
    CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status));
    tachyon_bus_destroy(cons);
    return T_PASS;
}
