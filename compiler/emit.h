/*
 * emit.h - what every emitter shares: a growable text buffer, the set of files
 * a `tachc gen` run will write (kept in memory until every emitter succeeded, so
 * nothing is written on error), name-case helpers and doc-comment helpers.
 */
#ifndef TACHC_EMIT_H
#define TACHC_EMIT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define TACHC_VERSION "0.1.0"

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
/* Appends raw bytes / a string. */
void buf_put(tc_buf *b, const char *s, size_t n);
void buf_puts(tc_buf *b, const char *s);
/* Appends indentation (b->indent units), the formatted text and a newline.
 * An empty fmt ("") writes a bare newline (no trailing spaces). */
void buf_line(tc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_free(tc_buf *b);

typedef struct tc_output {
    char *relpath;   /* relative to the language folder, e.g. "market.h" or "market/market.go" */
    tc_buf text;
} tc_output;

typedef struct tc_outputs {
    tc_output *items;
    size_t n, cap;
} tc_outputs;

/* Adds a new, empty output file and returns its buffer (NULL on OOM). */
tc_buf *outputs_add(tc_outputs *o, const char *relpath);
void outputs_free(tc_outputs *o);

/* Name helpers: return a malloc'd string the caller frees (NULL on OOM).
 * Words split at '_', at lower/digit->upper and before the last capital of an
 * upper-case run ("MarketTick" -> market tick, "HTTPServer" -> http server). */
char *name_snake(const char *s); /* market_tick */
char *name_upper(const char *s); /* MARKET_TICK */
char *name_camel(const char *s); /* marketTick */
char *name_pascal(const char *s);/* MarketTick */

/* Writes a doc comment: each line of `doc` prefixed with `prefix` (e.g. "/// ",
 * "// ", "# "), at the buffer's indentation. Nothing when doc is NULL. */
void emit_doc(tc_buf *b, const char *doc, const char *prefix);

/* Primitive helpers. */
const char *prim_name(tc_prim p);      /* the schema spelling: "u32", "f64", "bool", "char" */
unsigned prim_size(tc_prim p);
int prim_is_signed(tc_prim p);
int prim_is_float(tc_prim p);

/* The emitters. Each appends its files for every schema in the program (imports
 * included, so the output folder is self-contained) and returns 0, or -1 after
 * printing a message to stderr (only on internal failure such as OOM). */
int emit_c(const tc_program *prog, tc_outputs *out);
int emit_rust(const tc_program *prog, tc_outputs *out);
int emit_python(const tc_program *prog, tc_outputs *out);
int emit_go(const tc_program *prog, tc_outputs *out);

/* The Go import path of generated/go (tachc gen --go-module; defined in main.c). */
extern const char *tachc_go_module;

#endif
