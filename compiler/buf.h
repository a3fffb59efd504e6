/*
 * buf.h - a growable text buffer (every pass that writes text uses it) and a
 * pool of malloc'd strings freed together. Neither knows anything about
 * schemas: the front end, lock.c and the emitters all build on it.
 */
#ifndef TACHC_BUF_H
#define TACHC_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

typedef struct tc_buf {
    char *data; /* NUL-terminated */
    size_t len;
    size_t cap;
    int indent; /* current indentation level used by buf_line */
    const char *indent_unit; /* e.g. "    " or "\t"; default four spaces */
    int oom;    /* set when an allocation failed; the run then fails */
} tc_buf;

/* Appends formatted text. */
void buf_printf(tc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(tc_buf *b, const char *fmt, va_list ap);
/* Appends raw bytes / a string. The emitters append tens of millions of
 * short pieces: the common case (room left) is inline, growing is not. */
void buf_put_grow(tc_buf *b, const char *s, size_t n);
static inline void buf_put(tc_buf *b, const char *s, size_t n)
{
    if (b->len + n < b->cap && !b->oom) {
        memcpy(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len] = '\0';
        return;
    }
    buf_put_grow(b, s, n);
}
static inline void buf_puts(tc_buf *b, const char *s) { buf_put(b, s, strlen(s)); }
/* Appends the buffer's indentation (b->indent units). */
void buf_indent(tc_buf *b);
/* Appends indentation (b->indent units), the formatted text and a newline.
 * An empty fmt ("") writes a bare newline (no trailing spaces). */
void buf_line(tc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends indentation, `s` verbatim (no printf: '%' is literal) and a newline.
 * Unlike buf_line, an empty `s` still writes the indentation. */
void buf_text_line(tc_buf *b, const char *s);
/* Appends a bare newline (buf_line with "" trips -Wformat-zero-length). */
void buf_blank(tc_buf *b);
void buf_free(tc_buf *b);
/* Appends the text of `tail` to `b` and frees `tail` (its oom carries over).
 * A long tail behind a short head (a file's imports before its body) is
 * not copied: the head moves in front of it in the tail's own storage, which
 * `b` then takes over. */
void buf_append_take(tc_buf *b, tc_buf *tail);

/* A pool of strings (generated names) freed together at the end, so the
 * emitters can pass names around as plain const char *. pool_printf formats
 * into a scratch buffer and copies the result into large chunks (no malloc
 * per name); pool_keep adopts a malloc'd string. Each emitter owns its pool
 * (no shared state between the emitter threads). Zero-initialise. */
typedef struct tc_pool {
    char **items;      /* what pool_free frees: kept strings and chunks */
    size_t n, cap;
    char *chunk;       /* free space of the current chunk */
    size_t chunk_left;
    tc_buf scratch;    /* pool_printf formats here first */
    int oom;    /* set when an allocation failed; the run then fails */
} tc_pool;

/* Takes ownership of `s` and returns it. A NULL `s` (a failed allocation) or a
 * failure to grow the pool sets ns->oom and returns "" (and frees `s`). */
const char *pool_keep(tc_pool *ns, char *s);
/* Formats into a new string kept in the pool ("" and ns->oom on failure). */
const char *pool_printf(tc_pool *ns, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Frees every kept string and the pool itself; leaves the pool empty. */
void pool_free(tc_pool *ns);

#endif
