/* emit_jvm.c - the literals the Java and Kotlin emitters share (emit_jvm.h). */
#include "emit_jvm.h"

#include "emit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *jvm_string_literal(tc_pool *pool, const char *s, bool kotlin, int *oom)
{
    tc_buf t;
    memset(&t, 0, sizeof t);
    emit_string_literal(&t, s, kotlin ? STR_KOTLIN : STR_UTF16);
    if (t.oom) {
        buf_free(&t);
        *oom = 1;
        return "\"\"";
    }
    return pool_keep(pool, t.data);
}

const char *jvm_float_literal(tc_pool *pool, double v, bool single)
{
    if (isnan(v))
        return single ? "Float.NaN" : "Double.NaN";
    if (isinf(v))
        return v > 0 ? (single ? "Float.POSITIVE_INFINITY" : "Double.POSITIVE_INFINITY")
                     : (single ? "Float.NEGATIVE_INFINITY" : "Double.NEGATIVE_INFINITY");
    char text[64];
    emit_float_text(text, sizeof text, v, single, true, true);
    return pool_printf(pool, "%s%s", text, single ? "f" : "");
}
