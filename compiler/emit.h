/*
 * emit.h - what every emitter shares: doc-comment writers, type spellings
 * for comments and the set of schemas a file refers to. Emitters build on
 * this, names.h (identifiers) and tachc.h (options, outputs); they read the
 * model and never the front end's insides.
 */
#ifndef TACHC_EMIT_H
#define TACHC_EMIT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "langs.h"
#include "model.h"
#include "names.h"
#include "tachc.h"

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
const char *pool_type_spelling(tc_pool *ns, const tc_type *t, const tc_schema *here);

#endif
