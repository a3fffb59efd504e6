/* buf.c - growable text buffers and pools of generated strings. */
#include "buf.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int buf_grow(tc_buf *b, size_t extra)
{
    if (b->oom)
        return -1;
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

/* Room for extra more bytes and a NUL; -1 (and b->oom) when it cannot grow. */
static inline int buf_reserve(tc_buf *b, size_t extra)
{
    if (!b->oom && b->len + extra + 1 <= b->cap)
        return 0;
    return buf_grow(b, extra);
}

void buf_put_grow(tc_buf *b, const char *s, size_t n)
{
    if (buf_reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

/* buf_vprintf and pool_printf write the conversions the emitters use
 * themselves: s c d u x X and %%, with the flags '-' and '0', a width and, for
 * %s, a precision (digits or '*'), and the sizes l, ll and z. A vsnprintf call
 * costs hundreds of instructions of set-up and the emitters print millions of
 * lines. Anything else (g, o, f, a precision on a number, ...) goes to
 * vsnprintf. */

/* Appends n copies of ch. */
static void put_fill(tc_buf *b, char ch, size_t n)
{
    static const char spaces[] = "                                ";
    static const char zeros[] = "00000000000000000000000000000000";
    const char *run = ch == '0' ? zeros : spaces;
    while (n > 0) {
        size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
        buf_put(b, run, k);
        n -= k;
    }
}

/* Appends text[0..n) padded to `width` (left-justified with `left`). */
static void put_padded(tc_buf *b, const char *text, size_t n, size_t width, bool left, char fill)
{
    size_t pad = width > n ? width - n : 0;
    if (!left && pad && fill == '0' && n && text[0] == '-') { /* zeros go after the sign */
        buf_put(b, "-", 1);
        text++;
        n--;
    }
    if (!left)
        put_fill(b, fill, pad);
    buf_put(b, text, n);
    if (left)
        put_fill(b, ' ', pad);
}

/* The digits of v in base 10 or 16 (`upper`: A-F), written backwards from
 * end; returns where they start. */
static char *digits_of(char *end, unsigned long long v, unsigned base, bool upper)
{
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        *--end = set[v % base];
        v /= base;
    } while (v);
    return end;
}

/* Prints what vsnprintf would and returns true; false as soon as fmt holds
 * another conversion (the caller then drops what was written and formats
 * with vsnprintf from its own copy of the arguments). */
static bool simple_vprintf(tc_buf *b, const char *fmt, const char *first, va_list ap)
{
    for (const char *p = fmt;;) {
        const char *pc = first ? first : strchr(p, '%');
        first = NULL;
        if (!pc) {
            buf_puts(b, p);
            return true;
        }
        buf_put(b, p, (size_t)(pc - p));
        p = pc + 1;
        if (*p == 's') { /* the common case: no flag, width, precision or size */
            const char *a = va_arg(ap, const char *);
            buf_puts(b, a ? a : "(null)");
            p++;
            continue;
        }
        bool left = false;
        char fill = ' ';
        for (;; p++) {
            if (*p == '-')
                left = true;
            else if (*p == '0')
                fill = '0';
            else
                break;
        }
        long long width = 0, prec = -1;
        if (*p == '*') {
            width = va_arg(ap, int);
            if (width < 0) {
                left = true;
                width = -width;
            }
            p++;
        } else {
            while (*p >= '0' && *p <= '9')
                width = width * 10 + (*p++ - '0');
        }
        if (*p == '.') {
            p++;
            prec = 0;
            if (*p == '*') {
                prec = va_arg(ap, int);
                p++;
            } else {
                while (*p >= '0' && *p <= '9')
                    prec = prec * 10 + (*p++ - '0');
            }
        }
        if (left)
            fill = ' ';
        int size = 0; /* 1: l, 2: ll, 3: z */
        if (*p == 'l') {
            size = p[1] == 'l' ? 2 : 1;
            p += size;
        } else if (*p == 'z') {
            size = 3;
            p++;
        }
        char conv = *p++;
        char t[24], *end = t + sizeof t, *d;
        unsigned long long u;
        switch (conv) {
        case 's': {
            const char *a = va_arg(ap, const char *);
            if (size || fill == '0' || (!a && prec >= 0))
                return false;
            if (!a)
                a = "(null)";
            size_t n = prec >= 0 ? strnlen(a, (size_t)prec) : strlen(a);
            put_padded(b, a, n, (size_t)width, left, ' ');
            continue;
        }
        case 'c':
            if (size || prec >= 0 || fill == '0')
                return false;
            t[0] = (char)va_arg(ap, int);
            put_padded(b, t, 1, (size_t)width, left, ' ');
            continue;
        case '%':
            if (size || width || prec >= 0 || left || fill == '0')
                return false;
            buf_put(b, "%", 1);
            continue;
        case 'd': {
            if (prec >= 0)
                return false;
            long long v = size == 2 ? va_arg(ap, long long) : size == 1 ? va_arg(ap, long)
                          : size == 3                      ? (long long)va_arg(ap, size_t)
                                                           : va_arg(ap, int);
            if (size == 3)
                return false; /* %zd: not used, and its type is ssize_t */
            d = digits_of(end, v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v, 10, false);
            if (v < 0)
                *--d = '-';
            put_padded(b, d, (size_t)(end - d), (size_t)width, left, fill);
            continue;
        }
        case 'u':
        case 'x':
        case 'X':
            if (prec >= 0)
                return false;
            u = size == 2 ? va_arg(ap, unsigned long long) : size == 1 ? va_arg(ap, unsigned long)
                : size == 3                                ? va_arg(ap, size_t)
                                                           : va_arg(ap, unsigned);
            d = digits_of(end, u, conv == 'u' ? 10 : 16, conv == 'X');
            put_padded(b, d, (size_t)(end - d), (size_t)width, left, fill);
            continue;
        default:
            return false;
        }
    }
}

/* buf_vprintf with the first '%' of fmt (NULL: not looked for yet). */
static void vprintf_at(tc_buf *b, const char *fmt, const char *first, va_list ap)
{
    if (buf_reserve(b, 0))
        return;
    size_t start = b->len;
    b->data[b->len] = '\0'; /* an empty result still leaves data a string */
    va_list simple;
    va_copy(simple, ap);
    bool done = simple_vprintf(b, fmt, first, simple);
    va_end(simple);
    if (done || b->oom)
        return;
    b->len = start; /* another conversion: vsnprintf formats it all */
    b->data[start] = '\0';
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

void buf_vprintf(tc_buf *b, const char *fmt, va_list ap)
{
    vprintf_at(b, fmt, NULL, ap);
}

void buf_printf(tc_buf *b, const char *fmt, ...)
{
    const char *first = strchr(fmt, '%');
    if (!first) { /* most emitted lines are fixed text */
        buf_puts(b, fmt);
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vprintf_at(b, fmt, first, ap);
    va_end(ap);
}

/* The buffer's current indentation (indent units, four spaces by default). */
void buf_indent(tc_buf *b)
{
    if (b->indent <= 0)
        return;
    if (!b->indent_unit) { /* four spaces a level: one append */
        put_fill(b, ' ', (size_t)b->indent * 4);
        return;
    }
    for (int i = 0; i < b->indent; i++)
        buf_puts(b, b->indent_unit);
}

void buf_line(tc_buf *b, const char *fmt, ...)
{
    if (fmt[0] != '\0') {
        buf_indent(b);
        const char *first = strchr(fmt, '%');
        if (!first) {
            buf_puts(b, fmt);
        } else {
            va_list ap;
            va_start(ap, fmt);
            vprintf_at(b, fmt, first, ap);
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

void buf_append_take(tc_buf *b, tc_buf *tail)
{
    if (tail->oom)
        b->oom = 1;
    if (b->len >= tail->len || b->oom || buf_reserve(tail, b->len)) {
        buf_put(b, tail->data ? tail->data : "", tail->len);
        buf_free(tail);
        return;
    }
    memmove(tail->data + b->len, tail->data, tail->len + 1);
    if (b->len)
        memcpy(tail->data, b->data, b->len);
    free(b->data);
    b->data = tail->data;
    b->len += tail->len;
    b->cap = tail->cap;
    memset(tail, 0, sizeof *tail);
}

/* Adds `p` (malloc'd) to what pool_free frees; false (and oom, p freed) when
 * the list cannot grow. */
static bool pool_own(tc_pool *ns, char *p)
{
    if (ns->n == ns->cap) {
        size_t cap = ns->cap ? ns->cap * 2 : 64;
        char **items = realloc(ns->items, cap * sizeof *items);
        if (!items) {
            free(p);
            ns->oom = 1;
            return false;
        }
        ns->items = items;
        ns->cap = cap;
    }
    ns->items[ns->n++] = p;
    return true;
}

/* Bytes of one chunk of pool strings. */
#define POOL_CHUNK ((size_t)64 * 1024)

/* A copy of s[0..n) and a NUL in the pool's chunks, or "" (and oom). */
static const char *pool_copy(tc_pool *ns, const char *s, size_t n)
{
    size_t need = n + 1;
    if (need > ns->chunk_left) {
        bool own = need > POOL_CHUNK / 4; /* a long string gets a chunk of its own */
        size_t size = own ? need : POOL_CHUNK;
        char *c = malloc(size);
        if (!c) {
            ns->oom = 1;
            return "";
        }
        if (!pool_own(ns, c))
            return "";
        if (own) {
            memcpy(c, s, n);
            c[n] = '\0';
            return c;
        }
        ns->chunk = c;
        ns->chunk_left = size;
    }
    char *out = ns->chunk;
    memcpy(out, s, n);
    out[n] = '\0';
    ns->chunk += need;
    ns->chunk_left -= need;
    return out;
}

const char *pool_keep(tc_pool *ns, char *s)
{
    if (!s) {
        ns->oom = 1;
        return "";
    }
    /* Copied into a chunk and freed now: a malloc'd name that is freed at
     * once is cheap to allocate again, one kept to the end is not. */
    const char *kept = pool_copy(ns, s, strlen(s));
    free(s);
    return kept;
}

const char *pool_printf(tc_pool *ns, const char *fmt, ...)
{
    tc_buf *t = &ns->scratch;
    t->len = 0;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(t, fmt, ap);
    va_end(ap);
    if (t->oom) {
        ns->oom = 1;
        return "";
    }
    return pool_copy(ns, t->data, t->len);
}

void pool_free(tc_pool *ns)
{
    for (size_t i = 0; i < ns->n; i++)
        free(ns->items[i]);
    free(ns->items);
    buf_free(&ns->scratch);
    memset(ns, 0, sizeof *ns);
}
