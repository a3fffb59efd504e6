/*
 * diag.h - diagnostics in the gcc style: "file:line:col: error: message", the
 * source line, and a caret under the column. Every error is counted; after
 * DIAG_LIMIT errors one "too many errors" line is printed and the rest are
 * counted silently, so the run still fails.
 */
#ifndef TACHC_DIAG_H
#define TACHC_DIAG_H

#include <stdio.h>

#include "arena.h"
#include "model.h"

#define DIAG_LIMIT 20

typedef struct tc_diag {
    FILE *out;     /* stderr */
    int errors;    /* every error, also those past the limit */
    tc_map sources; /* path -> source text (NUL-terminated), for the source line */
} tc_diag;

void diag_init(tc_diag *d, tc_arena *a, FILE *out);
/* Remembers the text of a file so that errors in it can quote their line. */
void diag_add_source(tc_diag *d, const char *path, const char *text);
/* Reports an error at loc (loc.file NULL: no position; loc.line 0: file only). */
void diag_error(tc_diag *d, tc_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
