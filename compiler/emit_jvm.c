/* emit_jvm.c - what the Java and Kotlin emitters share (emit_jvm.h): literals and
 * the outline of the services. */
#include "emit_jvm.h"

#include "emit.h"

#include <inttypes.h>
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

void jvm_doc(tc_buf *b, const char *doc, const char *extra, bool kotlin, int *oom)
{
    char *clean = doc_clean(doc, DOC_C_COMMENT);
    if (doc && !clean) {
        *oom = 1;
        return;
    }
    if (!clean && !extra)
        return;
    if (kotlin && (!clean || !extra)) {
        const char *one = clean ? clean : extra;
        if (!strchr(one, '\n')) {
            buf_line(b, "/** %s */", one[0] == ' ' ? one + 1 : one);
            free(clean);
            return;
        }
    }
    buf_line(b, "/**");
    for (char *line = clean; line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        const char *l = line[0] == ' ' ? line + 1 : line;
        buf_indent(b);
        buf_puts(b, *l ? " * " : " *");
        for (; *l; l++) {
            if (!kotlin && *l == '\\')
                buf_puts(b, "&#92;");
            else
                buf_put(b, l, 1);
        }
        buf_puts(b, "\n");
        line = nl ? nl + 1 : NULL;
    }
    if (clean && extra)
        buf_line(b, " *");
    if (extra)
        buf_line(b, " * %s", extra);
    buf_line(b, " */");
    free(clean);
}

const char *jvm_rpc_method_const(tc_pool *ns, const tc_service *svc, const tc_method *m)
{
    return pool_printf(ns, "%s_%s_METHOD", pool_keep(ns, name_upper(svc->name)), pool_keep(ns, name_upper(m->name)));
}

void jvm_rpc_services(tc_buf *b, tc_pool *ns, const tc_schema *sc, tc_struct_ref_fn ref, void *ctx,
                      const jvm_rpc_lang *lang)
{
    for (size_t s = 0; s < sc->nservices; s++) {
        const tc_service *svc = &sc->services[s];
        const char *pascal = pool_keep(ns, name_pascal(svc->name));

        buf_line(b, "// ---- service %s ----", svc->name);
        buf_blank(b);
        emit_doc_trimmed(b, svc->doc, "// ");
        for (size_t i = 0; i < svc->nmethods; i++) {
            const tc_method *m = &svc->methods[i];
            if (lang->spaced_docs && (i || svc->doc))
                buf_blank(b);
            buf_line(b, "/** Method %s of service %s: (%s) -> %s. */", m->name, svc->name,
                     m->request ? m->request->name : "", m->reply ? m->reply->name : "()");
            buf_line(b, "%s%s%s%" PRIu32 "%s", lang->const_open, jvm_rpc_method_const(ns, svc, m), lang->const_type,
                     m->id, lang->const_close);
        }
        buf_blank(b);
        const char **mn = emit_rpc_member_names(ns, svc, lang->keywords, 'c', lang->fixed, lang->derived);
        if (!mn)
            return;
        lang->client(b, ns, svc, pascal, mn, ref, ctx);
        buf_blank(b);
        lang->server(b, ns, svc, pascal, mn, ref, ctx);
        free(mn);
        buf_blank(b);
    }
}
