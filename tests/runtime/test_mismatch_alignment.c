/* Description: a peer with another frame alignment or frame header size is refused with ALIGNMENT on both sides (forged HELLO; forged segment header with another frame_align or header_size). */
#include "rawpeer.h"

int main(void)
{
    uint8_t rec[RAW_REC];
    struct raw_segment seg = raw_segment_default(4096);

    raw_hello(rec, 0);
    raw_put32(rec, 16, 128);
    raw_expect_listener_refusal(rec, 0, TACHYON_ERR_ALIGNMENT);
    raw_hello(rec, 0);
    raw_put32(rec, 20, 32);
    raw_expect_listener_refusal(rec, 0, TACHYON_ERR_ALIGNMENT);

    raw_welcome(rec, 0, 4096, 0);
    seg.frame_align = 128;
    raw_expect_connector_refusal(rec, &seg, 0, TACHYON_ERR_ALIGNMENT);
    seg = raw_segment_default(4096);
    seg.header_size = 8192;
    raw_expect_connector_refusal(rec, &seg, 0, TACHYON_ERR_ALIGNMENT);
    return T_PASS;
}
