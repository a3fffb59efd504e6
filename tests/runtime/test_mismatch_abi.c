/* Description: a peer with another ABI version or handshake magic is refused with ABI_MISMATCH on both sides (forged HELLO against a real listener; forged WELCOME and forged segment header against a real connector). */
#include "rawpeer.h"

int main(void)
{
    uint8_t rec[RAW_REC];
    struct raw_segment seg;

    /* Listener side: HELLO with version 2, then with a "TACHHEL2" magic. */
    raw_hello(rec, 0);
    raw_put32(rec, 8, TACHYON_ABI_VERSION + 1);
    raw_expect_listener_refusal(rec, 0, TACHYON_ERR_ABI_MISMATCH);
    raw_hello(rec, 0);
    rec[7] = '2';
    raw_expect_listener_refusal(rec, 0, TACHYON_ERR_ABI_MISMATCH);

    /* Connector side: the WELCOME announces version 2. */
    raw_welcome(rec, 0, 4096, 0);
    raw_put32(rec, 12, TACHYON_ABI_VERSION + 1);
    seg = raw_segment_default(4096);
    raw_expect_connector_refusal(rec, &seg, 0, TACHYON_ERR_ABI_MISMATCH);
    /* ... a WELCOME with another record magic of the family. */
    raw_welcome(rec, 0, 4096, 0);
    rec[7] = 'X';
    raw_expect_connector_refusal(rec, &seg, 0, TACHYON_ERR_ABI_MISMATCH);
    /* ... the segment header's magic, then its version. */
    raw_welcome(rec, 0, 4096, 0);
    seg.magic ^= 0xff;
    raw_expect_connector_refusal(rec, &seg, 0, TACHYON_ERR_ABI_MISMATCH);
    seg = raw_segment_default(4096);
    seg.abi_version = TACHYON_ABI_VERSION + 1;
    raw_expect_connector_refusal(rec, &seg, 0, TACHYON_ERR_ABI_MISMATCH);
    return T_PASS;
}
