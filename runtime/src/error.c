/*
 * error.c - the library version, and error names, descriptions and formatted
 * messages, all built from TACHYON_ERROR_LIST in tachyon.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create, accept4, struct ucred, MSG_CMSG_CLOEXEC */
#endif
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* The numbers in the table are dense from 0 and in order: each entry's number
 * is one past the previous one's, so a table indexed by code has no holes and
 * TACHYON_ERR__COUNT counts the codes. */
#define TI_ERR_ORDER_(name, number, short_name, text) +((number) == (int)name ? 1 : 0)
_Static_assert(0 TACHYON_ERROR_LIST(TI_ERR_ORDER_) == TACHYON_ERR__COUNT,
               "TACHYON_ERROR_LIST numbers must run 0, 1, 2, ... without gaps");
#undef TI_ERR_ORDER_

#define TI_ERR_TEXT_(name, number, short_name, text) [number] = text,
static const char *const ti_texts[TACHYON_ERR__COUNT] = {TACHYON_ERROR_LIST(TI_ERR_TEXT_)};
#undef TI_ERR_TEXT_

#define TI_ERR_NAME_(name, number, short_name, text) [number] = #short_name,
static const char *const ti_names[TACHYON_ERR__COUNT] = {TACHYON_ERROR_LIST(TI_ERR_NAME_)};
#undef TI_ERR_NAME_

const char *tachyon_version(void)
{
    return TACHYON_VERSION;
}

const char *tachyon_strerror(tachyon_error_t err)
{
    if ((unsigned)err >= (unsigned)TACHYON_ERR__COUNT)
        return "unknown error";
    return ti_texts[err];
}

const char *tachyon_error_name(tachyon_error_t err)
{
    if ((unsigned)err >= (unsigned)TACHYON_ERR__COUNT)
        return NULL;
    return ti_names[err];
}

/* Appends to buf like snprintf, tracking the full length in *total. */
static void ti_append(char *buf, size_t len, size_t *total, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void ti_append(char *buf, size_t len, size_t *total, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(*total < len ? buf + *total : NULL, *total < len ? len - *total : 0, fmt, ap);
    va_end(ap);
    if (n > 0)
        *total += (size_t)n;
}

size_t tachyon_format_error(const tachyon_error_detail_t *d, char *buf, size_t len)
{
    size_t total = 0;
    char sys[128];

    if (!buf || !len) {
        buf = NULL;
        len = 0;
    } else {
        buf[0] = '\0';
    }
    if (!d) {
        ti_append(buf, len, &total, "%s", tachyon_strerror(TACHYON_ERR_INVALID_ARG));
        return total;
    }
    ti_append(buf, len, &total, "%s", tachyon_strerror((tachyon_error_t)d->code));
    if (d->code == TACHYON_ERR_TOO_LARGE && d->limit)
        ti_append(buf, len, &total, " (%" PRIu64 " bytes, at most %" PRIu64 ")", d->size, d->limit);
    if ((d->code == TACHYON_ERR_NO_LISTENER || d->code == TACHYON_ERR_TIMEOUT) && d->waited_ns > 0) {
        int64_t ms = (d->waited_ns + 500000) / 1000000;
        ti_append(buf, len, &total, " (waited %" PRId64 ".%03d s)", ms / 1000, (int)(ms % 1000));
    }
    if (d->os_errno) {
        /* The GNU strerror_r returns the text (maybe not in sys). */
        const char *text = strerror_r(d->os_errno, sys, sizeof(sys));
        ti_append(buf, len, &total, ": %s (errno %d)", text, (int)d->os_errno);
    }
    return total;
}
