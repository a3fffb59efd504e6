/*
 * support.h - the support code generated files carry, embedded at build time.
 *
 * The sources are real files in compiler/support/ (one per language, compiled
 * or linted as themselves by the compiler tests); compiler/embed_support.awk
 * turns the sections between their "tachc-support: begin NAME" and
 * "tachc-support: end" markers into the table below ($(BUILD)/compiler/
 * support_text.c). Emitters reach it through emit_support (emit.h).
 */
#ifndef TACHC_SUPPORT_H
#define TACHC_SUPPORT_H

#include <stddef.h>

typedef struct tc_support_section {
    const char *file; /* base name in compiler/support/, e.g. "tachyon_support.rs" */
    const char *name; /* the section, e.g. "at" */
    const char *text; /* its lines, each ending in '\n' */
} tc_support_section;

extern const tc_support_section tc_support_sections[];
extern const size_t tc_support_count;

/* The text of section `name` of support file `file`, or NULL. */
const char *support_section(const char *file, const char *name);

#endif
