/* Description: capacity errors are refused with CAPACITY on both sides: invalid capacities at listen, a WELCOME capacity that is not a power of two or differs from the memfd size or the segment header, and a listener given the connector's CAPACITY verdict in the ACK. */
#include "rawpeer.h"

int main(void)
{
    uint8_t rec[RAW_REC];
    struct raw_segment seg;
    tachyon_bus_t *bus = NULL;
    tachyon_options_t o = {0};
    char name[128];
    struct t_listener l;
    int fd, seg_fd = -1;

    /* Listener: invalid capacities fail before anything is bound. */
    t_sock_name(name, sizeof(name), "cap-bad", 1);
    CHECK_ERR(tachyon_bus_listen(name, 0, &bus), TACHYON_ERR_CAPACITY);
    CHECK_ERR(tachyon_bus_listen(name, 128, &bus), TACHYON_ERR_CAPACITY);
    CHECK_ERR(tachyon_bus_listen(name, 4096 + 64, &bus), TACHYON_ERR_CAPACITY);
    CHECK_ERR(tachyon_bus_listen(name, (size_t)1 << 41, &bus), TACHYON_ERR_CAPACITY);
    CHECK(bus == NULL);

    /* Connector: WELCOME capacity not a power of two. */
    raw_welcome(rec, 0, 4096 + 64, 0);
    seg = raw_segment_default(4096 + 64);
    raw_expect_connector_refusal(rec, &seg, 0, TACHYON_ERR_CAPACITY);
    /* ... memfd smaller than header + capacity. */
    raw_welcome(rec, 0, 8192, 0);
    seg = raw_segment_default(8192);
    seg.file_size = RAW_HEADER_SIZE + 4096;
    raw_expect_connector_refusal(rec, &seg, 0, TACHYON_ERR_CAPACITY);
    /* ... segment header disagrees with the WELCOME. */
    seg = raw_segment_default(8192);
    seg.capacity = 4096;
    seg.max_message = 4096 / 2 - 16;
    raw_expect_connector_refusal(rec, &seg, 0, TACHYON_ERR_CAPACITY);
    /* ... header max_message is not capacity/2 - 16. */
    seg = raw_segment_default(8192);
    seg.max_message = 8192;
    raw_expect_connector_refusal(rec, &seg, 0, TACHYON_ERR_CAPACITY);

    /* Listener: a connector that answers the WELCOME with a CAPACITY verdict
     * makes the listener fail with CAPACITY too. */
    t_sock_name(name, sizeof(name), "cap-ack", 1);
    o.timeout_ns = 10000 * 1000000LL;
    t_listener_start(&l, name, 4096, &o);
    fd = raw_connect(name);
    CHECK(fd >= 0);
    raw_hello(rec, 0);
    CHECK(raw_send(fd, rec, RAW_REC, -1) == 0);
    CHECK(raw_recv(fd, rec, &seg_fd, 5000) == 0);
    CHECK(raw_get64(rec, 0) == RAW_WELCOME_MAGIC && raw_get32(rec, 8) == 0);
    CHECK(raw_get64(rec, 16) == 4096);
    CHECK(seg_fd >= 0);
    close(seg_fd);
    raw_ack(rec, TACHYON_ERR_CAPACITY);
    CHECK(raw_send(fd, rec, RAW_REC, -1) == 0);
    CHECK_ERR(t_listener_join(&l), TACHYON_ERR_CAPACITY);
    CHECK(l.bus == NULL);
    close(fd);
    return T_PASS;
}
