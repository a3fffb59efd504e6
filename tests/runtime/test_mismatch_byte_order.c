/* Description: a peer of the other byte order is refused with BYTE_ORDER on both sides (forged HELLO against a real listener; forged segment header against a real connector). */
#include "rawpeer.h"

int main(void)
{
    uint8_t rec[RAW_REC];
    struct raw_segment seg = raw_segment_default(4096);

    raw_hello(rec, 0);
    raw_put32(rec, 12, 0x04030201u);
    raw_expect_listener_refusal(rec, 0, TACHYON_ERR_BYTE_ORDER);

    raw_welcome(rec, 0, 4096, 0);
    seg.byte_order = 0x04030201u;
    raw_expect_connector_refusal(rec, &seg, 0, TACHYON_ERR_BYTE_ORDER);
    return T_PASS;
}
