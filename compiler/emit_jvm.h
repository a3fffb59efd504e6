/*
 * emit_jvm.h - what the Java and Kotlin emitters write alike: string and
 * floating-point literals (both languages read the same JVM literal forms)
 * and the outline of a schema's services (emit_rpc_java.c, emit_rpc_kotlin.c).
 */
#ifndef TACHC_EMIT_JVM_H
#define TACHC_EMIT_JVM_H

#include <stdbool.h>

#include "buf.h"
#include "emit_rpc.h"

/* A double-quoted literal of `s` (NULL: empty) kept in `pool`: quote,
 * backslash and control characters escaped, every byte outside printable
 * ASCII as \u00XX; with `kotlin` also `$` (Kotlin's string templates).
 * "\"\"" and *oom set when memory ran out. */
const char *jvm_string_literal(tc_pool *pool, const char *s, bool kotlin, int *oom);

/* The shortest literal that reads back as exactly `v` (a float when
 * `single`: suffix f), always with a '.' or an exponent; NaN and the
 * infinities as Float./Double. constants. */
const char *jvm_float_literal(tc_pool *pool, double v, bool single);

/* A Javadoc (Java) or KDoc (Kotlin) comment at the buffer's indentation: the
 * schema's `doc` (doc_clean'd, one leading space per line dropped), then
 * `extra` (one line) as its own paragraph; nothing when both are NULL. Java
 * writes each backslash as &#92; (javac reads \u escapes even in comments);
 * Kotlin writes a comment of one line on one line. *oom set when memory ran
 * out. */
void jvm_doc(tc_buf *b, const char *doc, const char *extra, bool kotlin, int *oom);

/* Writes a service's client class or server interface: `pascal` is the
 * service's PascalCase name, mn[i] the member name of methods[i]. */
typedef void (*jvm_rpc_part_fn)(tc_buf *b, tc_pool *ns, const tc_service *svc, const char *pascal, const char **mn,
                                tc_struct_ref_fn ref, void *ctx);

/* How one JVM language writes its services. */
typedef struct jvm_rpc_lang {
    const char *const_open, *const_type; /* a method id: const_open NAME const_type ID const_close */
    const char *const_close;
    tc_names_lang keywords;              /* the keyword rule of method names (TC_NAMES_COUNT: none) */
    const char *const *fixed;            /* emit_rpc_member_names' fixed and derived names */
    const char *const *derived;
    jvm_rpc_part_fn client, server;
    bool spaced_docs;                    /* a blank line before each documented constant (Kotlin: ktlint) */
} jvm_rpc_lang;

/* Every service of `sc`: a banner comment, its doc, one documented method id
 * constant per method (jvm_rpc_method_const), then the client and the server. */
void jvm_rpc_services(tc_buf *b, tc_pool *ns, const tc_schema *sc, tc_struct_ref_fn ref, void *ctx,
                      const jvm_rpc_lang *lang);

/* The name of a method's id constant: <SERVICE>_<METHOD>_METHOD. */
const char *jvm_rpc_method_const(tc_pool *ns, const tc_service *svc, const tc_method *m);

#endif
