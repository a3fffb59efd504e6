/* Description: a wait whose futex call the system refuses (here a seccomp filter answering ENOSYS, as a sandbox might) fails at once with SYSTEM instead of spinning until its deadline, and tachyon_last_error_detail gives the errno (ENOSYS) and its text, on the consumer and on the producer side. */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "helpers.h"

#define MS (1000000ll)

/* Makes every futex call of this process fail with ENOSYS. */
static int refuse_futex(void)
{
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_futex, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = (unsigned short)(sizeof(code) / sizeof(code[0])), .filter = code};

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}

static int child(void)
{
    struct t_arena a;
    tachyon_error_detail_t d;
    uint8_t buf[200] = {0};
    char text[256], want[256];
    int64_t t0;

    t_arena_open(&a, 2048);
    if (refuse_futex() != 0)
        return 77;
    /* Consumer: nothing to read, spin 0, so it goes straight to the futex. */
    t0 = t_now_ns();
    if (tachyon_acquire_rx_until(a.cons, NULL, NULL, 0, t0 + 3000 * MS) != NULL)
        return 2;
    if (tachyon_last_error_detail(a.cons, &d) != TACHYON_ERR_SYSTEM || d.os_errno != ENOSYS)
        return 3;
    if (t_now_ns() - t0 >= 3000 * MS) /* it failed, not waited out its deadline */
        return 4;
    tachyon_format_error(&d, text, sizeof(text));
    snprintf(want, sizeof(want), "unexpected system call failure: %s (errno %d)", strerror(ENOSYS), ENOSYS);
    if (strcmp(text, want) != 0)
        return 5;
    /* Producer: a full ring. */
    while (tachyon_send(a.prod, buf, sizeof(buf), 1) == TACHYON_OK) {
    }
    if (tachyon_send_until(a.prod, buf, sizeof(buf), 1, tachyon_now_ns() + 3000 * MS) != TACHYON_ERR_SYSTEM)
        return 6;
    if (tachyon_last_error_detail(a.prod, &d) != TACHYON_ERR_SYSTEM || d.os_errno != ENOSYS)
        return 7;
    return 0;
}

int main(void)
{
    pid_t pid;
    int status;

    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0)
        _exit(child());
    status = t_wait_child(pid, 20000);
    if (t_exited_with(status, 77))
        t_skip("seccomp filters are not available here");
    if (!t_exited_with(status, 0)) {
        fprintf(stderr, "child status %d (exit %d)\n", status, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return T_FAIL;
    }
    return T_PASS;
}
