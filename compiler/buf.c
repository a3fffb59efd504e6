/* buf.c - growable text buffers and pools of generated strings. */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int buf_reserve(tc_buf *b, size_t extra)
{
    if (b->oom)
        return -1;
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d) {
        b->oom = 1;
        return -1;
    }
    b->data = d;
    b->cap = cap;
    return 0;
}

void buf_put(tc_buf *b, const char *s, size_t n)
{
    if (buf_reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_puts(tc_buf *b, const char *s) { buf_put(b, s, strlen(s)); }

void buf_vprintf(tc_buf *b, const char *fmt, va_list ap)
{
    /* Format straight into the free space; only when it does not fit, grow
     * and format again (the emitters print millions of short lines). */
    if (buf_reserve(b, 64))
        return;
    va_list ap2;
    va_copy(ap2, ap);
    size_t room = b->cap - b->len;
    int n = vsnprintf(b->data + b->len, room, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        b->data[b->len] = '\0';
        return;
    }
    if ((size_t)n >= room) {
        if (buf_reserve(b, (size_t)n))
            return;
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    }
    b->len += (size_t)n;
}

void buf_printf(tc_buf *b, const char *fmt, ...)
{
    if (!strchr(fmt, '%')) { /* most emitted lines are fixed text */
        buf_puts(b, fmt);
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

/* The buffer's current indentation (indent units, four spaces by default). */
void buf_indent(tc_buf *b)
{
    const char *unit = b->indent_unit ? b->indent_unit : "    ";
    for (int i = 0; i < b->indent; i++)
        buf_puts(b, unit);
}

void buf_line(tc_buf *b, const char *fmt, ...)
{
    if (fmt[0] != '\0') {
        buf_indent(b);
        if (!strchr(fmt, '%')) {
            buf_puts(b, fmt);
        } else {
            va_list ap;
            va_start(ap, fmt);
            buf_vprintf(b, fmt, ap);
            va_end(ap);
        }
    }
    buf_put(b, "\n", 1);
}

void buf_text_line(tc_buf *b, const char *s)
{
    buf_indent(b);
    buf_puts(b, s);
    buf_put(b, "\n", 1);
}

void buf_blank(tc_buf *b) { buf_put(b, "\n", 1); }

void buf_free(tc_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

const char *pool_keep(tc_pool *ns, char *s)
{
    if (!s) {
        ns->oom = 1;
        return "";
    }
    if (ns->n == ns->cap) {
        size_t cap = ns->cap ? ns->cap * 2 : 64;
        char **items = realloc(ns->items, cap * sizeof *items);
        if (!items) {
            free(s);
            ns->oom = 1;
            return "";
        }
        ns->items = items;
        ns->cap = cap;
    }
    ns->items[ns->n++] = s;
    return s;
}

const char *pool_printf(tc_pool *ns, const char *fmt, ...)
{
    /* Most names fit the stack buffer: format once, then copy exactly. */
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) {
        ns->oom = 1;
        return "";
    }
    char *s = malloc((size_t)n + 1);
    if (s) {
        if ((size_t)n < sizeof tmp) {
            memcpy(s, tmp, (size_t)n + 1);
        } else {
            va_start(ap, fmt);
            vsnprintf(s, (size_t)n + 1, fmt, ap);
            va_end(ap);
        }
    }
    return pool_keep(ns, s);
}

void pool_free(tc_pool *ns)
{
    for (size_t i = 0; i < ns->n; i++)
        free(ns->items[i]);
    free(ns->items);
    memset(ns, 0, sizeof *ns);
}
