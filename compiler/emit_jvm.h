/*
 * emit_jvm.h - what the Java and Kotlin emitters write alike: string and
 * floating-point literals (both languages read the same JVM literal forms).
 */
#ifndef TACHC_EMIT_JVM_H
#define TACHC_EMIT_JVM_H

#include <stdbool.h>

#include "buf.h"

/* A double-quoted literal of `s` (NULL: empty) kept in `pool`: quote,
 * backslash and control characters escaped, every byte outside printable
 * ASCII as \u00XX; with `kotlin` also `$` (Kotlin's string templates).
 * "\"\"" and *oom set when memory ran out. */
const char *jvm_string_literal(tc_pool *pool, const char *s, bool kotlin, int *oom);

/* The shortest literal that reads back as exactly `v` (a float when
 * `single`: suffix f), always with a '.' or an exponent; NaN and the
 * infinities as Float./Double. constants. */
const char *jvm_float_literal(tc_pool *pool, double v, bool single);

#endif
