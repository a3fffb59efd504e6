/* Description: security: the segment a listener hands out is sealed against shrinking and growing and the seals are locked (F_GET_SEALS shows SHRINK|GROW|SEAL, not WRITE): a connector can write the ring but cannot ftruncate, fallocate past the end, or remove seals, so it cannot make the listener fault on a vanished page; the mapping keeps working after the attempts. */
#include <sys/stat.h>

#include "fault.h"
#include "rawpeer.h"

int main(void)
{
    char name[128];
    tachyon_options_t o = {.timeout_ns = 20000 * 1000000LL};
    struct t_listener l;
    uint8_t rec[RAW_REC];
    int fd, memfd = -1, seals;
    struct stat st;
    uint8_t *map;
    const size_t cap = 65536;

    t_sock_name(name, sizeof(name), "sealed", 1);
    t_listener_start(&l, name, cap, &o);
    fd = raw_connect(name);
    CHECK(fd >= 0);
    raw_hello(rec, 0);
    CHECK(raw_send(fd, rec, RAW_REC, -1) == 0);
    CHECK(raw_recv(fd, rec, &memfd, 5000) == 0);
    CHECK(raw_get64(rec, 0) == RAW_WELCOME_MAGIC && raw_get32(rec, 8) == 0);
    CHECK(memfd >= 0);

    seals = fcntl(memfd, F_GET_SEALS);
    CHECK(seals >= 0);
    if ((seals & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) != (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) {
        fprintf(stderr, "seals 0x%x lack SHRINK|GROW|SEAL\n", seals);
        return T_FAIL;
    }
    CHECK((seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) == 0); /* the connector must write the ring */
    CHECK(fstat(memfd, &st) == 0 && (size_t)st.st_size == 4096 + cap);

    /* A hostile connector tries to pull the pages from under the listener. */
    CHECK(ftruncate(memfd, 0) != 0 && errno == EPERM);
    CHECK(ftruncate(memfd, 4096) != 0 && errno == EPERM);
    CHECK(ftruncate(memfd, (off_t)(2 * (4096 + cap))) != 0 && errno == EPERM);
    CHECK(fallocate(memfd, 0, 0, (off_t)(4 * (4096 + cap))) != 0);
    CHECK(fcntl(memfd, F_ADD_SEALS, F_SEAL_WRITE) != 0 && errno == EPERM); /* seals locked */
    CHECK(fstat(memfd, &st) == 0 && (size_t)st.st_size == 4096 + cap);
    map = mmap(NULL, 4096 + cap, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
    CHECK(map != MAP_FAILED);
    CHECK(raw_get64(map, 0) == RAW_SEG_MAGIC);

    /* Finish the handshake; the listener's ring works over the same pages. */
    raw_ack(rec, 0);
    CHECK(raw_send(fd, rec, RAW_REC, -1) == 0);
    CHECK_ERR(t_listener_join(&l), TACHYON_OK);
    CHECK(tachyon_acquire_rx(l.bus, NULL, NULL) == NULL);
    CHECK_ERR(tachyon_last_error(l.bus), TACHYON_ERR_EMPTY);
    munmap(map, 4096 + cap);
    close(memfd);
    close(fd);
    tachyon_bus_destroy(l.bus);
    return T_PASS;
}
