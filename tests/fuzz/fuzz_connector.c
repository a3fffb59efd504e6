/*
 * fuzz_connector.c - libFuzzer target: a real connector (tachyon_bus_connect_ex)
 * meets a hostile listener that answers its HELLO with fuzz bytes and a
 * forged segment.
 *
 * Input: byte 0 flags (bit 0: pass no fd; bit 1: start the segment from a
 * correct header; bit 2: pass a second fd too), bytes 1..64 the WELCOME
 * record, then a size selector, a seal set, and (offset, length, bytes)
 * patches applied to the segment header. The connector must refuse (and say
 * so in its ACK) or accept a segment it can use safely: when it accepts, it
 * sends into the ring; nothing may crash, hang or leak a descriptor, and the
 * ACK must agree with the connector's own result.
 */
#include <pthread.h>
#include <sys/mman.h>

#include "fuzz_net.h"
#include "fuzz_ring.h"

#define MAX_SEGMENT (4096u + (1u << 20))

struct hostile {
    pthread_t thread;
    int lfd;
    const uint8_t *data;
    size_t size;
    int ack_seen;
    uint32_t ack_status;
};

static uint64_t get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static int make_segment(struct fr_input *in, uint8_t flags, uint64_t cap)
{
    uint8_t sel = (uint8_t)fr_take(in, 1);
    uint8_t seal_bits = (uint8_t)fr_take(in, 1);
    uint64_t good = (cap >= 256 && cap <= (1u << 20)) ? 4096 + cap : 4096 + 4096;
    uint64_t len;
    int fd = memfd_create("tachyon", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    uint8_t *m;
    int seals = 0;

    if (fd < 0)
        abort();
    switch (sel & 3) {
    case 0:
        len = good;
        break;
    case 1:
        len = good / 2;
        break;
    case 2:
        len = good * 2 > MAX_SEGMENT ? MAX_SEGMENT : good * 2;
        break;
    default:
        len = (uint64_t)(sel >> 2) * 64;
        break;
    }
    if (len && ftruncate(fd, (off_t)len) != 0)
        abort();
    if (len >= 4096) {
        m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (m == MAP_FAILED)
            abort();
        if (flags & 2) {
            uint64_t magic = 0x314e4f4948434154ull, max = cap / 2 - 16;
            uint32_t abi = TACHYON_ABI_VERSION, order = 0x01020304u, hs = 4096, align = 64;
            memcpy(m + 0, &magic, 8);
            memcpy(m + 8, &abi, 4);
            memcpy(m + 12, &order, 4);
            memcpy(m + 16, &hs, 4);
            memcpy(m + 20, &align, 4);
            memcpy(m + 24, &cap, 8);
            memcpy(m + 32, &max, 8);
        }
        while (in->left) {
            size_t off = (size_t)fr_take(in, 2) % 640;
            size_t n = (size_t)fr_take(in, 1) % 16;
            for (size_t i = 0; i < n && off + i < 4096; i++)
                m[off + i] = (uint8_t)fr_take(in, 1);
        }
        munmap(m, 4096);
    }
    if (seal_bits & 1)
        seals |= F_SEAL_SHRINK;
    if (seal_bits & 2)
        seals |= F_SEAL_GROW;
    if (seal_bits & 4)
        seals |= F_SEAL_SEAL;
    if (seal_bits & 8)
        seals |= F_SEAL_WRITE;
    if (seals && fcntl(fd, F_ADD_SEALS, seals) != 0)
        abort();
    return fd;
}

static void *hostile_main(void *arg)
{
    struct hostile *h = arg;
    struct fr_input in = {h->data, h->size};
    uint8_t flags = (uint8_t)fr_take(&in, 1);
    uint8_t rec[64], hello[64];
    int fds[4], nfds, seg = -1, cfd;

    for (int i = 0; i < 64; i++)
        rec[i] = (uint8_t)fr_take(&in, 1);
    cfd = accept4(h->lfd, NULL, NULL, SOCK_CLOEXEC);
    if (cfd < 0)
        return NULL;
    if (fn_recv(cfd, hello, 64, fds, &nfds, 4, 2000, 1) != 64 || nfds != 0)
        abort(); /* the connector always sends one plain HELLO first */
    if (!(flags & 1))
        seg = make_segment(&in, flags, get64(rec + 16));
    if (fn_send(cfd, rec, 64, seg) == 0 && (flags & 4))
        (void)fn_send(cfd, rec, 0, seg); /* a second fd on a 1-byte message */
    if (seg >= 0)
        close(seg);
    {
        uint8_t ack[64];
        size_t got = fn_recv_all(cfd, ack, 64, fds, &nfds, 4, 3000);
        for (int i = 0; i < nfds; i++)
            close(fds[i]);
        if (got == 64 && get64(ack) == 0x214b434148434154ull) {
            h->ack_seen = 1;
            memcpy(&h->ack_status, ack + 8, 4);
        }
    }
    close(cfd);
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hostile h;
    struct sockaddr_un sun;
    char name[108];
    tachyon_options_t o = {.timeout_ns = 2000 * 1000000LL};
    tachyon_bus_t *bus = NULL;
    tachyon_error_t err;
    int fds_before;

    if (size > 2048)
        return 0;
    fds_before = fn_count_fds();
    memset(&h, 0, sizeof(h));
    h.data = data;
    h.size = size;
    fn_name(name, sizeof(name), "conn");
    h.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (h.lfd < 0 || bind(h.lfd, (struct sockaddr *)&sun, fn_addr(name, &sun)) != 0 || listen(h.lfd, 1) != 0)
        abort();
    if (pthread_create(&h.thread, NULL, hostile_main, &h) != 0)
        abort();
    err = tachyon_bus_connect_ex(name, &o, &bus);
    pthread_join(h.thread, NULL);
    close(h.lfd);
    if (err == TACHYON_OK) {
        /* Accepted: the ring must be usable within its own bounds. */
        size_t max = tachyon_max_message_size(bus);
        uint8_t *slot;
        if (!h.ack_seen || h.ack_status != 0)
            abort();
        slot = tachyon_acquire_tx(bus, max);
        if (slot) {
            memset(slot, 0xab, max);
            if (tachyon_commit_tx(bus, max, 1) != TACHYON_OK)
                abort();
        }
        for (int i = 0; i < 100; i++)
            if (tachyon_send(bus, "x", 1, 2) != TACHYON_OK)
                break;
        tachyon_bus_destroy(bus);
    } else {
        if (bus)
            abort();
        if (h.ack_seen && h.ack_status == 0)
            abort(); /* told the listener yes, told its caller no */
    }
    if (fn_count_fds() != fds_before)
        abort();
    return 0;
}
