/* Description: a connector refuses a segment memfd that lacks the shrink/grow/seal seals (HANDSHAKE, told to the listener in the ACK), since an unsealed segment could be shrunk under it. */
#include "rawpeer.h"

int main(void)
{
    uint8_t rec[RAW_REC];
    struct raw_segment seg = raw_segment_default(4096);

    seg.seal = 0;
    raw_welcome(rec, 0, 4096, 0);
    raw_expect_connector_refusal(rec, &seg, 0, TACHYON_ERR_HANDSHAKE);
    /* The same segment sealed is accepted (so the refusal above was the seals). */
    seg.seal = 1;
    {
        char name[128];
        struct raw_listener r;
        tachyon_bus_t *bus = NULL;
        memset(&r, 0, sizeof(r));
        t_sock_name(name, sizeof(name), "sealed", 1);
        memcpy(r.welcome, rec, RAW_REC);
        r.seg_fd = raw_segment_create(&seg);
        raw_listener_start(&r, name);
        CHECK_ERR(tachyon_bus_connect(name, &bus), TACHYON_OK);
        raw_listener_join(&r);
        CHECK(r.ack_status == 0);
        tachyon_bus_destroy(bus);
    }
    return T_PASS;
}
