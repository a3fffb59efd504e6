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
/* Appends indentation, `s` verbatim (no printf: '%' is literal) and a newline.
 * Unlike buf_line, an empty `s` still writes the indentation. */
void buf_text_line(tc_buf *b, const char *s);
/* Appends a bare newline (buf_line with "" trips -Wformat-zero-length). */
void buf_blank(tc_buf *b);
void buf_free(tc_buf *b);

/* A pool of malloc'd strings (generated names) freed together at the end, so
 * the emitters can pass names around as plain const char *. Each emitter owns
 * its pool (no shared state between the emitter threads). Zero-initialise. */
typedef struct tc_names {
    char **items;
    size_t n, cap;
    int oom;    /* set when an allocation failed; the run then fails */
} tc_names;

/* Takes ownership of `s` and returns it. A NULL `s` (a failed allocation) or a
 * failure to grow the pool sets ns->oom and returns "" (and frees `s`). */
const char *names_keep(tc_names *ns, char *s);
/* Formats into a new string kept in the pool ("" and ns->oom on failure). */
const char *names_printf(tc_names *ns, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Frees every kept string and the pool itself; leaves the pool empty. */
void names_free(tc_names *ns);

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
/* emit_doc that also drops one leading space per line, trailing blanks and
 * leading/trailing empty lines (the Rust and Go emitters). */
void emit_doc_trimmed(tc_buf *b, const char *doc, const char *prefix);

/* What doc_clean escapes besides dedenting: C comment text ("*" "/" and "/" "*"
 * broken up with a space so the text neither ends nor nests a comment) or a
 * Python docstring (backslashes and triple quotes backslash-escaped). */
typedef enum tc_doc_esc { DOC_C_COMMENT, DOC_PY_DOCSTRING } tc_doc_esc;
/* Returns doc without the indentation its non-empty lines share, without
 * trailing blanks and trailing empty lines, escaped per `esc`; malloc'd (NULL
 * when doc is NULL or on OOM). */
char *doc_clean(const char *doc, tc_doc_esc esc);

/* Adds `s` to the set (*set)[0..*n) unless it is there already; 0, or -1 on
 * OOM (the set is then unchanged). */
int schema_set_add(const tc_schema ***set, size_t *n, const tc_schema *s);

/* Appends the schema spelling of a type, for comments: "f64", "char[8]",
 * "pad[4]", "Vec3[2]". A struct or enum declared in a schema other than `here`
 * is prefixed with that schema's name ("common.Vec3"); `here` NULL: never. */
void type_spelling(tc_buf *b, const tc_type *t, const tc_schema *here);
/* The same spelling as a string kept in `ns` ("" and ns->oom on failure). */
const char *names_type_spelling(tc_names *ns, const tc_type *t, const tc_schema *here);

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
