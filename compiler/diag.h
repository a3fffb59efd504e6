/*
 * diag.h - diagnostics in the gcc style: "file:line:col: error: message", the
 * source line, and a caret under the column. Errors are collected while the
 * compiler runs and printed by diag_flush in source order (files in the order
 * they were read, then line and column), so that the report reads top to
 * bottom whatever pass found each error. After DIAG_LIMIT errors one "too many
 * errors" line ends the report; every error still counts, so the run fails.
 */
#ifndef TACHC_DIAG_H
#define TACHC_DIAG_H

#include <stdio.h>

#include "arena.h"
#include "model.h"

#define DIAG_LIMIT 20

struct diag_entry;

typedef struct tc_diag {
    FILE *out;       /* stderr */
    int errors;      /* every error reported so far */
    tc_arena *arena;
    tc_map sources;  /* path -> struct diag_source (text and reading order) */
    int nsources;
    struct diag_entry *entries; /* not yet printed */
    size_t n, cap;
} tc_diag;

void diag_init(tc_diag *d, tc_arena *a, FILE *out);
/* Remembers the text of a file so that errors in it can quote their line. */
void diag_add_source(tc_diag *d, const char *path, const char *text);
/* Records an error at loc (loc.file NULL: no position; loc.line 0: file only). */
void diag_error(tc_diag *d, tc_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prints the recorded errors in source order (up to the limit) and forgets
 * them; the count stays. */
void diag_flush(tc_diag *d);

#endif
