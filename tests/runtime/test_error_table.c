/* Description: TACHYON_ERROR_LIST is the one error table: the enum, tachyon_error_name and tachyon_strerror all come from it, numbers are dense and stable, short names are unique CamelCase identifiers; tachyon_format_error writes the numbers a failure carries (TOO_LARGE's size and maximum from a bus, a waited time, an errno) and truncates like snprintf. */
#include <ctype.h>

#include "helpers.h"

struct row {
    int value;  /* the enum constant */
    int number; /* the number written in the table */
    const char *name;
    const char *text;
};

#define ROW(name, number, short_name, text) {name, number, #short_name, text},
static const struct row rows[] = {TACHYON_ERROR_LIST(ROW)};
#undef ROW

static void expect_format(const tachyon_error_detail_t *d, const char *want)
{
    char buf[256];
    size_t n = tachyon_format_error(d, buf, sizeof(buf));
    if (strcmp(buf, want) != 0 || n != strlen(want)) {
        fprintf(stderr, "format: got \"%s\" (%zu), want \"%s\"\n", buf, n, want);
        exit(T_FAIL);
    }
}

int main(void)
{
    size_t count = sizeof(rows) / sizeof(rows[0]);
    tachyon_error_detail_t d;
    struct t_arena a;
    char small[8], big[256];
    size_t n;

    /* Numbers: dense from 0, equal to the enum, stable for the codes that
     * travel in handshakes (spot checks of the wire values). */
    CHECK(count == (size_t)TACHYON_ERR__COUNT);
    for (size_t i = 0; i < count; i++) {
        CHECK(rows[i].number == (int)i && rows[i].value == (int)i);
        CHECK(tachyon_error_name((tachyon_error_t)i) != NULL);
        CHECK(strcmp(tachyon_error_name((tachyon_error_t)i), rows[i].name) == 0);
        CHECK(strcmp(tachyon_strerror((tachyon_error_t)i), rows[i].text) == 0);
        /* A short name is an identifier a binding can use as a class name. */
        CHECK(isupper((unsigned char)rows[i].name[0]));
        for (const char *p = rows[i].name; *p; p++)
            CHECK(isalnum((unsigned char)*p));
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(rows[i].name, rows[j].name) != 0);
    }
    CHECK(TACHYON_OK == 0 && TACHYON_ERR_SYSTEM == 3 && TACHYON_ERR_HANDSHAKE == 8 && TACHYON_ERR_TIMEOUT == 14 &&
          TACHYON_ERR_PEER_GONE == 19 && TACHYON_ERR_STATE == 21);
    CHECK(strcmp(tachyon_error_name(TACHYON_ERR_PEER_GONE), "PeerGone") == 0);
    CHECK(tachyon_error_name(TACHYON_ERR__COUNT) == NULL);
    CHECK(tachyon_error_name((tachyon_error_t)-1) == NULL);

    /* TOO_LARGE on a bus says what was asked and what the maximum is. */
    t_arena_open(&a, 4096);
    CHECK(tachyon_acquire_tx(a.prod, 5000) == NULL);
    CHECK_ERR(tachyon_last_error_detail(a.prod, &d), TACHYON_ERR_TOO_LARGE);
    CHECK(d.code == TACHYON_ERR_TOO_LARGE && d.size == 5000 && d.limit == 4096 / 2 - 16 && d.os_errno == 0);
    expect_format(&d, "message larger than the bus maximum (5000 bytes, at most 2032)");
    CHECK_ERR(tachyon_send(a.prod, big, 2033, 1), TACHYON_ERR_TOO_LARGE);
    CHECK_ERR(tachyon_last_error_detail(a.prod, &d), TACHYON_ERR_TOO_LARGE);
    CHECK(d.size == 2033 && d.limit == 2032);
    /* Another failure replaces the detail: no stale numbers. */
    CHECK(tachyon_acquire_rx(a.cons, NULL, NULL) == NULL);
    CHECK_ERR(tachyon_last_error_detail(a.cons, &d), TACHYON_ERR_EMPTY);
    CHECK(d.size == 0 && d.limit == 0 && d.os_errno == 0);
    expect_format(&d, "no message available");
    CHECK_ERR(tachyon_last_error_detail(NULL, &d), TACHYON_ERR_INVALID_ARG);
    CHECK_ERR(tachyon_last_error_detail(a.prod, NULL), TACHYON_ERR_TOO_LARGE);
    t_arena_close(&a);

    /* Waited time and errno. */
    memset(&d, 0, sizeof(d));
    d.code = TACHYON_ERR_NO_LISTENER;
    d.waited_ns = 5000000000ll;
    expect_format(&d, "no listener on the socket path (waited 5.000 s)");
    d.waited_ns = 250400000ll;
    d.os_errno = ENOENT;
    snprintf(big, sizeof(big), "no listener on the socket path (waited 0.250 s): %s (errno %d)", strerror(ENOENT),
             ENOENT);
    expect_format(&d, big);
    memset(&d, 0, sizeof(d));
    d.code = TACHYON_ERR_SYSTEM;
    d.os_errno = EMFILE;
    snprintf(big, sizeof(big), "unexpected system call failure: %s (errno %d)", strerror(EMFILE), EMFILE);
    expect_format(&d, big);

    /* snprintf rules: the whole length is returned, the buffer always ends
     * in NUL, a NULL buffer of length 0 only measures. */
    n = tachyon_format_error(&d, small, sizeof(small));
    CHECK(n == strlen(big));
    CHECK(strlen(small) == sizeof(small) - 1 && strncmp(small, big, sizeof(small) - 1) == 0);
    CHECK(tachyon_format_error(&d, NULL, 0) == strlen(big));
    d.code = 999;
    d.os_errno = 0;
    expect_format(&d, "unknown error");
    CHECK(tachyon_format_error(NULL, big, sizeof(big)) == strlen("invalid argument"));
    return T_PASS;
}
