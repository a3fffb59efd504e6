/* diag.c - gcc-style error reports with the source line and a caret. */
#include "diag.h"

#include <stdarg.h>
#include <string.h>

void diag_init(tc_diag *d, tc_arena *a, FILE *out)
{
    d->out = out;
    d->errors = 0;
    map_init(&d->sources, a);
}

void diag_add_source(tc_diag *d, const char *path, const char *text)
{
    map_put(&d->sources, path, (void *)text);
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

void diag_error(tc_diag *d, tc_loc loc, const char *fmt, ...)
{
    d->errors++;
    if (d->errors > DIAG_LIMIT) {
        if (d->errors == DIAG_LIMIT + 1)
            fprintf(d->out, "tachc: too many errors (stopped after %d)\n", DIAG_LIMIT);
        return;
    }
    if (loc.file && loc.line > 0)
        fprintf(d->out, "%s:%d:%d: error: ", loc.file, loc.line, loc.col);
    else if (loc.file)
        fprintf(d->out, "%s: error: ", loc.file);
    else
        fputs("tachc: error: ", d->out);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(d->out, fmt, ap);
    va_end(ap);
    fputc('\n', d->out);
    if (loc.file && loc.line > 0) {
        const char *text = map_get(&d->sources, loc.file);
        if (text)
            print_caret(d->out, text, loc.line, loc.col);
    }
}
