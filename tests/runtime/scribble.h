/*
 * scribble.h - for the tests that corrupt shared memory on purpose: named
 * pointers into a segment header (offsets from ABI.md), and a runner that
 * executes each scenario in a child process so that a crash is a test
 * failure instead of the end of the test.
 */
#ifndef TACHYON_TEST_SCRIBBLE_H
#define TACHYON_TEST_SCRIBBLE_H

#include "helpers.h"

#define SEG_U64(mem, off) ((uint64_t *)((uint8_t *)(mem) + (off)))
#define SEG_U32(mem, off) ((uint32_t *)((uint8_t *)(mem) + (off)))
#define SEG_MAGIC(mem) SEG_U64(mem, 0)
#define SEG_VERSION(mem) SEG_U32(mem, 8)
#define SEG_BYTE_ORDER(mem) SEG_U32(mem, 12)
#define SEG_HEADER_SIZE(mem) SEG_U32(mem, 16)
#define SEG_FRAME_ALIGN(mem) SEG_U32(mem, 20)
#define SEG_CAPACITY(mem) SEG_U64(mem, 24)
#define SEG_MAX_MESSAGE(mem) SEG_U64(mem, 32)
#define SEG_TAIL(mem) SEG_U64(mem, 128)
#define SEG_PRODUCER_STATE(mem) SEG_U32(mem, 136)
#define SEG_HEAD(mem) SEG_U64(mem, 256)
#define SEG_CONSUMER_STATE(mem) SEG_U32(mem, 264)
#define SEG_CONSUMER_SLEEPING(mem) SEG_U32(mem, 384)
#define SEG_DATA_SEQ(mem) SEG_U32(mem, 388)
#define SEG_PRODUCER_SLEEPING(mem) SEG_U32(mem, 512)
#define SEG_SPACE_SEQ(mem) SEG_U32(mem, 516)

/* Frame header at ring index idx. */
#define FRAME_SIZE(mem, idx) SEG_U32(mem, 4096 + (idx))
#define FRAME_TYPE(mem, idx) SEG_U32(mem, 4096 + (idx) + 4)
#define FRAME_STAMP(mem, idx) SEG_U64(mem, 4096 + (idx) + 8)
#define STAMP_MSG 0x5441434859535450ull
#define STAMP_WRAP 0x5752415050454421ull

/* Runs scenario(arg) in a child; it must exit 0 (it exits 1 through CHECK on
 * a wrong answer; a signal means the library crashed). */
static inline void run_contained(const char *what, void (*scenario)(void), int timeout_ms)
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
    status = t_wait_child(pid, timeout_ms);
    if (status == -1) {
        fprintf(stderr, "%s: hung\n", what);
        exit(T_FAIL);
    }
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "%s: crashed with signal %d\n", what, WTERMSIG(status));
        exit(T_FAIL);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "%s: failed (exit %d)\n", what, WEXITSTATUS(status));
        exit(T_FAIL);
    }
}

#endif /* TACHYON_TEST_SCRIBBLE_H */
