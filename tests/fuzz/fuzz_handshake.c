/*
 * fuzz_handshake.c - libFuzzer target: a real listener (tachyon_bus_listen_ex
 * on a thread) meets a connector that sends the fuzz bytes and hangs up.
 *
 * Input: byte 0 is a set of flags (bit 0: the listener allows any uid; bit 1:
 * the listener is bound to fingerprint 0x1122334455667788; bit 2: the
 * connector passes a file descriptor of its own with its bytes), the rest is
 * what the connector writes. The listener must drop the connector or fail
 * with a handshake error, never crash, hang or leak a descriptor; when it
 * drops the connector it must still serve a good one. A WELCOME that carries
 * a segment is checked too: sealed against shrinking and growing, the size
 * the header says.
 */
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "fuzz_net.h"
#include "tachyon.h"

#define FP 0x1122334455667788ull
#define CAP 4096u

struct listener {
    pthread_t thread;
    char name[108];
    tachyon_options_t opts;
    tachyon_bus_t *bus;
    tachyon_error_t err;
    int done;
};

static void *listener_main(void *arg)
{
    struct listener *l = arg;
    l->err = tachyon_bus_listen_ex(l->name, CAP, &l->opts, &l->bus);
    __atomic_store_n(&l->done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* The segment a WELCOME carried: sealed, the right size, unshrinkable. */
static void check_segment(int fd)
{
    struct stat st;
    int seals = fcntl(fd, F_GET_SEALS);
    if (seals < 0 || (seals & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) !=
                         (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL))
        abort();
    if (fstat(fd, &st) != 0 || st.st_size != 4096 + CAP)
        abort();
    if (ftruncate(fd, 4096) == 0 || ftruncate(fd, 2 * (4096 + CAP)) == 0)
        abort();
}

static int connect_raw(const char *name)
{
    struct sockaddr_un sun;
    socklen_t len = fn_addr(name, &sun);
    for (int i = 0; i < 2000; i++) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            abort();
        if (connect(fd, (struct sockaddr *)&sun, len) == 0)
            return fd;
        close(fd);
        usleep(500);
    }
    abort(); /* the listener never came up */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct listener l;
    uint8_t reply[256];
    int fds[8], nfds, fd, extra = -1, fds_before;
    uint8_t flags;

    if (size < 1 || size > 1024)
        return 0;
    flags = data[0];
    fds_before = fn_count_fds();
    memset(&l, 0, sizeof(l));
    fn_name(l.name, sizeof(l.name), "hs");
    l.opts.timeout_ns = 10000 * 1000000LL;
    if (flags & 1)
        l.opts.flags |= TACHYON_OPT_ALLOW_ANY_UID;
    if (flags & 2)
        l.opts.schema_fingerprint = FP;
    if (pthread_create(&l.thread, NULL, listener_main, &l) != 0)
        abort();

    fd = connect_raw(l.name);
    if (flags & 4) {
        extra = memfd_create("fuzz-extra", MFD_CLOEXEC);
        if (extra < 0)
            abort();
    }
    (void)fn_send(fd, data + 1, size - 1, extra);
    if (extra >= 0)
        close(extra);
    shutdown(fd, SHUT_WR);
    /* The listener answers (or not) and hangs up within its 2 s limit. */
    size_t got = fn_recv_all(fd, reply, sizeof(reply), fds, &nfds, 8, 5000);
    close(fd);
    if (got > 2 * 64)
        abort(); /* the listener says at most one WELCOME */
    if (nfds > 1)
        abort(); /* at most the one segment */
    for (int i = 0; i < nfds; i++) {
        check_segment(fds[i]);
        close(fds[i]);
    }

    /* Either the listener finished (it failed, or the fuzz bytes completed a
     * handshake), or it dropped us and must serve a good connector. */
    for (;;) {
        tachyon_bus_t *prod = NULL;
        tachyon_options_t o = {.timeout_ns = 100 * 1000000LL, .schema_fingerprint = l.opts.schema_fingerprint};
        if (__atomic_load_n(&l.done, __ATOMIC_SEQ_CST))
            break;
        if (tachyon_bus_connect_ex(l.name, &o, &prod) == TACHYON_OK) {
            if (tachyon_send(prod, "ok", 2, 1) != TACHYON_OK)
                abort();
            tachyon_bus_destroy(prod);
            break;
        }
    }
    pthread_join(l.thread, NULL);
    if (l.err == TACHYON_OK) {
        if (!l.bus)
            abort();
        tachyon_bus_destroy(l.bus);
    } else if (l.bus) {
        abort();
    }
    if (l.err != TACHYON_OK && l.err != TACHYON_ERR_ABI_MISMATCH && l.err != TACHYON_ERR_BYTE_ORDER &&
        l.err != TACHYON_ERR_ALIGNMENT && l.err != TACHYON_ERR_SCHEMA_MISMATCH && l.err != TACHYON_ERR_HANDSHAKE &&
        l.err != TACHYON_ERR_CAPACITY && l.err != TACHYON_ERR_CORRUPT && l.err != TACHYON_ERR_PERMISSION &&
        l.err != TACHYON_ERR_STATE && l.err != TACHYON_ERR_INVALID_ARG && l.err != TACHYON_ERR_TIMEOUT &&
        l.err != TACHYON_ERR_NO_MEMORY && l.err != TACHYON_ERR_SYSTEM && l.err != TACHYON_ERR_PEER_GONE &&
        l.err != TACHYON_ERR_TOO_LARGE && l.err != TACHYON_ERR_FULL && l.err != TACHYON_ERR_EMPTY &&
        l.err != TACHYON_ERR_INTERRUPTED && l.err != TACHYON_ERR_NO_LISTENER && l.err != TACHYON_ERR_ADDR_IN_USE &&
        l.err != TACHYON_ERR_PATH_TOO_LONG)
        abort(); /* an ACK status must map to a known error */
    if (fn_count_fds() != fds_before)
        abort(); /* a descriptor leaked */
    return 0;
}
