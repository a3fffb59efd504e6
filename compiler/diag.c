/* diag.c - gcc-style error reports with the source line and a caret, printed
 * in source order. */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct diag_source {
    const char *text;
    int order;
};

struct diag_entry {
    tc_loc loc;
    int file_order; /* -1: no file */
    size_t seq;
    char *msg;      /* malloc'd */
};

void diag_init(tc_diag *d, tc_arena *a, FILE *out)
{
    memset(d, 0, sizeof *d);
    d->out = out;
    d->arena = a;
    map_init(&d->sources, a);
}

void diag_add_source(tc_diag *d, const char *path, const char *text)
{
    struct diag_source *s = arena_alloc(d->arena, sizeof *s);
    if (!s)
        return;
    s->text = text;
    s->order = d->nsources++;
    map_put(&d->sources, path, s);
}

void diag_error(tc_diag *d, tc_loc loc, const char *fmt, ...)
{
    d->errors++;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 32;
        struct diag_entry *e = realloc(d->entries, cap * sizeof *e);
        if (!e)
            return;
        d->entries = e;
        d->cap = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *msg = len >= 0 ? malloc((size_t)len + 1) : NULL;
    if (!msg)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, (size_t)len + 1, fmt, ap);
    va_end(ap);
    const struct diag_source *src = loc.file ? map_get(&d->sources, loc.file) : NULL;
    struct diag_entry *e = &d->entries[d->n];
    e->loc = loc;
    e->file_order = src ? src->order : -1;
    e->seq = d->n;
    e->msg = msg;
    d->n++;
}

static int cmp_entry(const void *a, const void *b)
{
    const struct diag_entry *x = a, *y = b;
    if (x->file_order != y->file_order)
        return x->file_order < y->file_order ? -1 : 1;
    if (x->loc.line != y->loc.line)
        return x->loc.line < y->loc.line ? -1 : 1;
    if (x->loc.col != y->loc.col)
        return x->loc.col < y->loc.col ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Prints the source line `line` of text and a caret line under column col;
 * tabs in the source are kept in the caret line so the caret lines up. */
static void print_caret(FILE *out, const char *text, int line, int col)
{
    const char *p = text;
    for (int l = 1; l < line && p; l++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    if (!p)
        return;
    size_t len = strcspn(p, "\n");
    if (len > 0 && p[len - 1] == '\r')
        len--;
    fprintf(out, "%.*s\n", (int)len, p);
    for (int c = 1; c < col && (size_t)(c - 1) < len; c++)
        fputc(p[c - 1] == '\t' ? '\t' : ' ', out);
    fputs("^\n", out);
}

void diag_flush(tc_diag *d)
{
    if (d->n > 1)
        qsort(d->entries, d->n, sizeof *d->entries, cmp_entry);
    for (size_t i = 0; i < d->n; i++) {
        const struct diag_entry *e = &d->entries[i];
        if (i == DIAG_LIMIT) {
            fprintf(d->out, "tachc: too many errors (%d in all; the first %d are shown)\n", d->errors, DIAG_LIMIT);
            break;
        }
        if (e->loc.file && e->loc.line > 0)
            fprintf(d->out, "%s:%d:%d: error: %s\n", e->loc.file, e->loc.line, e->loc.col, e->msg);
        else if (e->loc.file)
            fprintf(d->out, "%s: error: %s\n", e->loc.file, e->msg);
        else
            fprintf(d->out, "tachc: error: %s\n", e->msg);
        if (e->loc.file && e->loc.line > 0) {
            const struct diag_source *src = map_get(&d->sources, e->loc.file);
            if (src)
                print_caret(d->out, src->text, e->loc.line, e->loc.col);
        }
    }
    for (size_t i = 0; i < d->n; i++)
        free(d->entries[i].msg);
    free(d->entries);
    d->entries = NULL;
    d->n = d->cap = 0;
}
