/* Description: peers bound to different schema fingerprints (X vs Y, X vs none, none vs X) both fail with SCHEMA_MISMATCH before any message; equal fingerprints connect and report the fingerprint. */
#include "rawpeer.h"

static void pair(uint64_t listener_fp, uint64_t connector_fp, tachyon_error_t want)
{
    static int n;
    char name[128], tag[32];
    tachyon_options_t lo = {0}, co = {0};
    struct t_listener l;
    tachyon_bus_t *prod = NULL;

    snprintf(tag, sizeof(tag), "fp-%d", n++);
    t_sock_name(name, sizeof(name), tag, 0);
    lo.schema_fingerprint = listener_fp;
    lo.timeout_ns = 10000 * 1000000LL;
    co.schema_fingerprint = connector_fp;
    t_listener_start(&l, name, 1024, &lo);
    CHECK_ERR(tachyon_bus_connect_ex(name, &co, &prod), want);
    CHECK_ERR(t_listener_join(&l), want);
    if (want == TACHYON_OK) {
        CHECK(tachyon_schema_fingerprint(prod) == connector_fp);
        CHECK(tachyon_schema_fingerprint(l.bus) == listener_fp);
        tachyon_bus_destroy(prod);
        tachyon_bus_destroy(l.bus);
    } else {
        CHECK(prod == NULL && l.bus == NULL);
    }
}

int main(void)
{
    uint8_t rec[RAW_REC];
    struct raw_segment seg;

    pair(0x1111222233334444ull, 0x5555666677778888ull, TACHYON_ERR_SCHEMA_MISMATCH);
    pair(0x1111222233334444ull, 0, TACHYON_ERR_SCHEMA_MISMATCH);
    pair(0, 0x1111222233334444ull, TACHYON_ERR_SCHEMA_MISMATCH);
    pair(0x1111222233334444ull, 0x1111222233334444ull, TACHYON_OK);
    pair(0, 0, TACHYON_OK);

    /* The connector re-checks what the listener claims: a WELCOME or a
     * segment header with another fingerprint is refused too. */
    raw_welcome(rec, 0, 4096, 7);
    seg = raw_segment_default(4096);
    seg.schema_fp = 7;
    raw_expect_connector_refusal(rec, &seg, 9, TACHYON_ERR_SCHEMA_MISMATCH);
    raw_welcome(rec, 0, 4096, 9);
    raw_expect_connector_refusal(rec, &seg, 9, TACHYON_ERR_SCHEMA_MISMATCH);
    return T_PASS;
}
