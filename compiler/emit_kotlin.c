/*
 * emit_kotlin.c - the Kotlin emitter: one file per schema,
 * DIR/kotlin/io/tachyon/generated/<schema>/<Schema>.kt, package
 * io.tachyon.generated.<schema>.
 *
 * Each struct becomes a value class over a MemorySegment (no allocation when
 * it stays local) whose fields are properties, so `tick.price = 1.0` writes the
 * ring slot in place through a little-endian ValueLayout.*_UNALIGNED. Unsigned
 * schema types are Kotlin's unsigned types (u32 -> UInt). Arrays are indexed
 * functions (`samples(i)`, `setSamples(i, v)`), nested structs are views of a
 * slice, enums are enum classes with their stored value, flag sets objects of
 * constants. The file also has the constants, message ids, messageName,
 * payloadSize and decode by id.
 *
 * Names: a field is a camelCase property; one that is a Kotlin keyword or a
 * member the view already has (segment, clear, ...) takes a trailing "_"; so
 * does a type named like a Kotlin type the generated code uses.
 */
#include "emit.h"
#include "emit_jvm.h"
#include "emit_rpc.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KT_PACKAGE "io.tachyon.generated"
#define KT_DIR "io/tachyon/generated/"

typedef struct kt_ctx {
    const tc_schema *s;
    tc_buf *b;
    tc_pool names;
    int oom;
} kt_ctx;

/* Members every view has: a field property may not take these names. */
static const char *const kt_view_members[] = {
    "segment", "clear", "equals", "hashCode", "toString", "SIZE", "FINGERPRINT", "Companion", NULL,
};

/* Types the generated code names unqualified: a struct or enum may not shadow them. */
static const char *const kt_used_types[] = {
    "Any", "Boolean", "Byte", "ByteOrder", "Double", "Float", "IllegalArgumentException", "IllegalStateException",
    "Int", "JvmInline", "Long", "MemorySegment", "Objects", "Short", "String", "UByte", "UInt", "ULong",
    "UShort", "ValueLayout", NULL,
};

static bool in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (strcmp(*list, s) == 0)
            return true;
    return false;
}

static const char *type_name(kt_ctx *c, const char *name)
{
    const char *p = pool_keep(&c->names, name_pascal(name));
    if (in_list(kt_used_types, p) || names_is_keyword(TC_NAMES_KOTLIN, p))
        return pool_printf(&c->names, "%s_", p);
    return p;
}

/* A type as referred to: qualified by its package when another schema declares it. */
static const char *qual(kt_ctx *c, const tc_schema *owner, const char *name)
{
    if (owner != c->s)
        return pool_printf(&c->names, "%s.%s.%s", KT_PACKAGE, owner->name, type_name(c, name));
    return type_name(c, name);
}

static const char *field_name(kt_ctx *c, const char *name)
{
    const char *n = pool_keep(&c->names, name_camel(name));
    if (names_is_keyword(TC_NAMES_KOTLIN, n) || in_list(kt_view_members, n))
        return pool_printf(&c->names, "%s_", n);
    return n;
}

static const char *const_name(kt_ctx *c, const char *name)
{
    const char *u = pool_keep(&c->names, name_upper(name));
    if (names_is_keyword(TC_NAMES_KOTLIN, u) || strcmp(u, "SCHEMA_FINGERPRINT") == 0 ||
        strncmp(u, "MSG_", 4) == 0 || strncmp(u, "LE_", 3) == 0)
        return pool_printf(&c->names, "%s_", u);
    return u;
}

/* ---- primitives ------------------------------------------------------------ */

static const char *kprim(tc_prim p)
{
    switch (p) {
    case TC_U8: return "UByte";
    case TC_U16: return "UShort";
    case TC_U32: return "UInt";
    case TC_U64: return "ULong";
    case TC_I8: return "Byte";
    case TC_I16: return "Short";
    case TC_I32: return "Int";
    case TC_I64: return "Long";
    case TC_F32: return "Float";
    case TC_F64: return "Double";
    case TC_BOOL: return "Boolean";
    default: return "Byte";
    }
}

static const char *klayout(tc_prim p)
{
    switch (p) {
    case TC_U16: case TC_I16: return "LE_SHORT";
    case TC_U32: case TC_I32: return "LE_INT";
    case TC_U64: case TC_I64: return "LE_LONG";
    case TC_F32: return "LE_FLOAT";
    case TC_F64: return "LE_DOUBLE";
    default: return "ValueLayout.JAVA_BYTE";
    }
}

/* The expression reading primitive p at `at`. */
static const char *read_prim(kt_ctx *c, tc_prim p, const char *at)
{
    switch (p) {
    case TC_U8: return pool_printf(&c->names, "segment.get(ValueLayout.JAVA_BYTE, %s).toUByte()", at);
    case TC_U16: return pool_printf(&c->names, "segment.get(LE_SHORT, %s).toUShort()", at);
    case TC_U32: return pool_printf(&c->names, "segment.get(LE_INT, %s).toUInt()", at);
    case TC_U64: return pool_printf(&c->names, "segment.get(LE_LONG, %s).toULong()", at);
    case TC_BOOL: return pool_printf(&c->names, "segment.get(ValueLayout.JAVA_BYTE, %s) != 0.toByte()", at);
    default: return pool_printf(&c->names, "segment.get(%s, %s)", klayout(p), at);
    }
}

/* The expression writing `v` as primitive p at `at`. */
static const char *write_prim(kt_ctx *c, tc_prim p, const char *at, const char *v)
{
    switch (p) {
    case TC_U8: return pool_printf(&c->names, "segment.set(ValueLayout.JAVA_BYTE, %s, %s.toByte())", at, v);
    case TC_U16: return pool_printf(&c->names, "segment.set(LE_SHORT, %s, %s.toShort())", at, v);
    case TC_U32: return pool_printf(&c->names, "segment.set(LE_INT, %s, %s.toInt())", at, v);
    case TC_U64: return pool_printf(&c->names, "segment.set(LE_LONG, %s, %s.toLong())", at, v);
    case TC_BOOL:
        return pool_printf(&c->names, "segment.set(ValueLayout.JAVA_BYTE, %s, (if (%s) 1 else 0).toByte())", at, v);
    default: return pool_printf(&c->names, "segment.set(%s, %s, %s)", klayout(p), at, v);
    }
}

/* ---- literals and docs ----------------------------------------------------- */

static const char *string_literal(kt_ctx *c, const char *s)
{
    return jvm_string_literal(&c->names, s, true, &c->oom);
}

static const char *float_literal(kt_ctx *c, double v, bool single)
{
    return jvm_float_literal(&c->names, v, single);
}

/* A literal of integer type p holding `bits` (two's complement in p's width)
 * or the signed `value`. */
static const char *int_literal(kt_ctx *c, tc_prim p, uint64_t bits, int64_t value)
{
    switch (p) {
    case TC_U8: case TC_U16: case TC_U32:
        return pool_printf(&c->names, "%" PRIu64 "u", bits);
    case TC_U64:
        return pool_printf(&c->names, "0x%016" PRIx64 "uL", bits);
    case TC_I64:
        if (value == INT64_MIN)
            return "Long.MIN_VALUE";
        return pool_printf(&c->names, "%" PRId64 "L", value);
    case TC_I32:
        if (value == INT32_MIN)
            return "Int.MIN_VALUE";
        return pool_printf(&c->names, "%" PRId64, value);
    default:
        return pool_printf(&c->names, "%" PRId64, value);
    }
}

/* Whether the text so far is empty or ends with a blank line or a line that
 * opens a block: a documented declaration there needs no blank line first. */
static bool kt_at_block_start(const tc_buf *b)
{
    if (b->len < 2)
        return true;
    char last = b->data[b->len - 2];
    return last == '\n' || last == '{' || last == '(';
}

/* A KDoc comment. One that follows another declaration gets a blank line
 * before it (ktlint's spacing-between-declarations-with-comments). */
static void kt_doc(kt_ctx *c, const char *doc, const char *extra)
{
    if ((doc || extra) && !kt_at_block_start(c->b))
        buf_blank(c->b);
    jvm_doc(c->b, doc, extra, true, &c->oom);
}

/* ktlint's (and the repository's .editorconfig) longest line. */
#define KT_MAX_LINE 120u

/* Whether `text` fits on one line at indentation `indent`. */
static bool kt_fits(int indent, const char *text)
{
    return (size_t)indent * 4 + strlen(text) <= KT_MAX_LINE;
}

/* `head = expr`, with expr on the next line when one line would be too long
 * (the way ktlint --format wraps an expression body). */
static void kt_expr_body(kt_ctx *c, const char *head, const char *expr)
{
    tc_buf *b = c->b;
    const char *one = pool_printf(&c->names, "%s = %s", head, expr);
    if (kt_fits(b->indent, one)) {
        buf_line(b, "%s", one);
        return;
    }
    buf_line(b, "%s =", head);
    b->indent++;
    buf_line(b, "%s", expr);
    b->indent--;
}

/* `head = value ?: throw IllegalStateException("message")`, the throw on a
 * line of its own when one line would be too long. */
static void kt_or_throw(kt_ctx *c, const char *head, const char *value, const char *message)
{
    tc_buf *b = c->b;
    const char *thr = pool_printf(&c->names, "?: throw IllegalStateException(\"%s\")", message);
    const char *one = pool_printf(&c->names, "%s = %s %s", head, value, thr);
    if (kt_fits(b->indent, one)) {
        buf_line(b, "%s", one);
        return;
    }
    buf_line(b, "%s = %s", head, value);
    b->indent++;
    buf_line(b, "%s", thr);
    b->indent--;
}

/* ---- constants, messages, enums ------------------------------------------- */

static void emit_consts(kt_ctx *c)
{
    tc_buf *b = c->b;
    for (size_t i = 0; i < c->s->nconsts; i++) {
        const tc_const *k = &c->s->consts[i];
        const char *type, *value;
        switch (k->kind) {
        case TC_C_STRING:
            type = "String";
            value = string_literal(c, k->s);
            break;
        case TC_C_BOOL:
            type = "Boolean";
            value = k->u ? "true" : "false";
            break;
        case TC_C_FLOAT:
            type = k->type == TC_F32 ? "Float" : "Double";
            value = float_literal(c, k->f, k->type == TC_F32);
            break;
        default:
            type = kprim(k->type);
            value = int_literal(c, k->type, k->kind == TC_C_INT ? (uint64_t)k->i : k->u,
                                k->kind == TC_C_INT ? k->i : (int64_t)k->u);
            break;
        }
        kt_doc(c, k->doc, NULL);
        buf_line(b, "const val %s: %s = %s", const_name(c, k->name), type, value);
    }
    if (c->s->nconsts)
        buf_blank(b);
}

static const char *msg_const(kt_ctx *c, const tc_message *m)
{
    return pool_printf(&c->names, "MSG_%s", pool_keep(&c->names, name_upper(m->name)));
}

static void emit_messages(kt_ctx *c)
{
    tc_buf *b = c->b;
    const tc_schema *s = c->s;
    for (size_t i = 0; i < s->nmessages; i++) {
        const tc_message *m = &s->messages[i];
        const char *what = m->payload ? pool_printf(&c->names, "Message %s: a %s.", m->name,
                                                    qual(c, m->payload->schema, m->payload->name))
                                      : pool_printf(&c->names, "Message %s: an empty payload.", m->name);
        kt_doc(c, m->doc, what);
        buf_line(b, "const val %s: Int = %" PRIu32, msg_const(c, m), m->id);
    }
    if (s->nmessages)
        buf_blank(b);

    buf_line(b, "/** The schema name of message [typeId], or null for an id this schema does not have. */");
    buf_line(b, "fun messageName(typeId: Int): String? = when (typeId) {");
    b->indent++;
    for (size_t i = 0; i < s->nmessages; i++)
        buf_line(b, "%s -> %s", msg_const(c, &s->messages[i]), string_literal(c, s->messages[i].name));
    buf_line(b, "else -> null");
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);

    buf_line(b, "/** The payload size of message [typeId] (0: an empty payload), or -1 for an unknown id. */");
    buf_line(b, "fun payloadSize(typeId: Int): Int = when (typeId) {");
    b->indent++;
    for (size_t i = 0; i < s->nmessages; i++) {
        const tc_message *m = &s->messages[i];
        if (m->payload)
            buf_line(b, "%s -> %s.SIZE", msg_const(c, m), qual(c, m->payload->schema, m->payload->name));
        else
            buf_line(b, "%s -> 0", msg_const(c, m));
    }
    buf_line(b, "else -> -1");
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);

    buf_line(b, "/**");
    buf_line(b, " * The view of a payload of message [typeId]: null for a message with an empty payload, else the");
    buf_line(b, " * view of its struct. A short payload or an unknown id throws IllegalArgumentException.");
    buf_line(b, " */");
    buf_line(b, "fun decode(typeId: Int, payload: MemorySegment): Any? = when (typeId) {");
    b->indent++;
    for (size_t i = 0; i < s->nmessages; i++) {
        const tc_message *m = &s->messages[i];
        if (m->payload)
            buf_line(b, "%s -> %s(payload)", msg_const(c, m), qual(c, m->payload->schema, m->payload->name));
        else
            buf_line(b, "%s -> null", msg_const(c, m));
    }
    buf_line(b, "else -> throw IllegalArgumentException(\"%s: unknown type id ${typeId.toUInt()}\")", s->name);
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);
}

static void emit_enum(kt_ctx *c, const tc_enum *en)
{
    tc_buf *b = c->b;
    const char *name = type_name(c, en->name);
    const char *raw = kprim(en->underlying);
    if (en->is_flags) {
        kt_doc(c, en->doc, pool_printf(&c->names, "Flag set %s (%s bits): combine the constants with `or`.",
                                       en->name, prim_name(en->underlying)));
        buf_line(b, "object %s {", name);
        b->indent++;
        for (size_t i = 0; i < en->nvalues; i++) {
            kt_doc(c, en->values[i].doc, NULL);
            buf_line(b, "const val %s: %s = %s", const_name(c, en->values[i].name), raw,
                     int_literal(c, en->underlying, en->values[i].bits, en->values[i].value));
        }
        b->indent--;
        buf_line(b, "}");
        buf_blank(b);
        return;
    }
    kt_doc(c, en->doc, pool_printf(&c->names, "Enum %s, stored as %s.", en->name, prim_name(en->underlying)));
    buf_line(b, "enum class %s(val value: %s) {", name, raw);
    b->indent++;
    for (size_t i = 0; i < en->nvalues; i++) {
        kt_doc(c, en->values[i].doc, NULL);
        buf_line(b, "%s(%s),", const_name(c, en->values[i].name),
                 int_literal(c, en->underlying, en->values[i].bits, en->values[i].value));
    }
    buf_line(b, ";");
    buf_blank(b);
    buf_line(b, "companion object {");
    b->indent++;
    buf_line(b, "/** The constant of stored value [value], or null when the schema has none. */");
    buf_line(b, "fun of(value: %s): %s? = entries.firstOrNull { it.value == value }", raw, name);
    b->indent--;
    buf_line(b, "}");
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);
}

/* ---- struct views ------------------------------------------------------------ */

static const char *pascal_of(kt_ctx *c, const char *name)
{
    return pool_keep(&c->names, name_pascal(name));
}

/* One scalar field (not an array) as a property at byte offset `off`. */
static void emit_scalar_property(kt_ctx *c, const tc_struct *st, const tc_field *f)
{
    tc_buf *b = c->b;
    const char *name = field_name(c, f->name);
    const char *at = pool_printf(&c->names, "%" PRIu64 "L", f->offset);
    const char *what = pool_printf(&c->names, "%s.%s", st->name, f->name);
    const tc_type *t = &f->type;
    switch (t->kind) {
    case TC_T_PRIM:
        kt_doc(c, f->doc, NULL);
        buf_line(b, "var %s: %s", name, kprim(t->prim));
        b->indent++;
        buf_line(b, "get() = %s", read_prim(c, t->prim, at));
        buf_line(b, "set(value) = %s", write_prim(c, t->prim, at, "value"));
        b->indent--;
        break;
    case TC_T_CHARS:
        kt_doc(c, f->doc, pool_printf(&c->names, "Text up to its first NUL; at most %" PRIu64 " one-byte characters.",
                                      t->count));
        buf_line(b, "var %s: String", name);
        b->indent++;
        buf_line(b, "get() = readText(segment, %s, %" PRIu64 ")", at, t->count);
        buf_line(b, "set(value) = writeText(segment, %s, %" PRIu64 ", value, \"%s\")", at, t->count, what);
        b->indent--;
        break;
    case TC_T_ENUM: {
        const char *en = qual(c, t->en->schema, t->en->name);
        kt_doc(c, f->doc, pool_printf(&c->names, "Throws IllegalStateException when the stored value is not a %s.",
                                      t->en->name));
        buf_line(b, "var %s: %s", name, en);
        b->indent++;
        kt_or_throw(c, "get()", pool_printf(&c->names, "%s.of(%sRaw)", en, name),
                    pool_printf(&c->names, "%s: $%sRaw is not a %s", what, name, t->en->name));
        buf_line(b, "set(value) {");
        b->indent++;
        buf_line(b, "%sRaw = value.value", name);
        b->indent--;
        buf_line(b, "}");
        b->indent--;
        buf_blank(b);
        buf_line(b, "/** The stored value of [%s], known to %s or not. */", name, t->en->name);
        buf_line(b, "var %sRaw: %s", name, kprim(t->en->underlying));
        b->indent++;
        buf_line(b, "get() = %s", read_prim(c, t->en->underlying, at));
        buf_line(b, "set(value) = %s", write_prim(c, t->en->underlying, at, "value"));
        b->indent--;
        break;
    }
    case TC_T_FLAGS:
        kt_doc(c, f->doc, pool_printf(&c->names, "Bits of [%s].", qual(c, t->en->schema, t->en->name)));
        buf_line(b, "var %s: %s", name, kprim(t->en->underlying));
        b->indent++;
        buf_line(b, "get() = %s", read_prim(c, t->en->underlying, at));
        buf_line(b, "set(value) = %s", write_prim(c, t->en->underlying, at, "value"));
        b->indent--;
        break;
    case TC_T_STRUCT: {
        const char *sn = qual(c, t->st->schema, t->st->name);
        kt_doc(c, f->doc, pool_printf(&c->names, "A view of the nested %s, in place.", t->st->name));
        buf_line(b, "val %s: %s", name, sn);
        b->indent++;
        buf_line(b, "get() = %s(segment.asSlice(%s, %s.SIZE.toLong()))", sn, at, sn);
        b->indent--;
        break;
    }
    default:
        break;
    }
    buf_blank(b);
}

static void emit_array(kt_ctx *c, const tc_struct *st, const tc_field *f)
{
    tc_buf *b = c->b;
    const char *name = field_name(c, f->name);
    const char *setter = pool_printf(&c->names, "set%s", pascal_of(c, f->name));
    const char *len = pool_printf(&c->names, "%s_LEN", pool_keep(&c->names, name_upper(f->name)));
    const tc_type *e = f->type.elem;
    const char *at = pool_printf(&c->names, "%" PRIu64 "L + Objects.checkIndex(i, %s) * %" PRIu64 "L", f->offset, len,
                                 e->size);
    (void)st;
    switch (e->kind) {
    case TC_T_PRIM:
        kt_doc(c, f->doc, pool_printf(&c->names, "Element [i] of %" PRIu64 ".", f->type.count));
        kt_expr_body(c, pool_printf(&c->names, "fun %s(i: Int): %s", name, kprim(e->prim)), read_prim(c, e->prim, at));
        buf_blank(b);
        buf_line(b, "fun %s(i: Int, value: %s) {", setter, kprim(e->prim));
        b->indent++;
        buf_line(b, "%s", write_prim(c, e->prim, at, "value"));
        b->indent--;
        buf_line(b, "}");
        buf_blank(b);
        buf_line(b, "/** The %" PRIu64 " bytes of [%s], in place (for bulk copies). */", f->size, name);
        buf_line(b, "val %sSegment: MemorySegment", name);
        b->indent++;
        buf_line(b, "get() = segment.asSlice(%" PRIu64 "L, %" PRIu64 "L)", f->offset, f->size);
        b->indent--;
        break;
    case TC_T_ENUM: {
        const char *en = qual(c, e->en->schema, e->en->name);
        const char *rt = kprim(e->en->underlying);
        kt_doc(c, f->doc, pool_printf(&c->names, "Element [i]; throws IllegalStateException when it is not a %s.",
                                      e->en->name));
        kt_or_throw(c, pool_printf(&c->names, "fun %s(i: Int): %s", name, en),
                    pool_printf(&c->names, "%s.of(%sRaw(i))", en, name),
                    pool_printf(&c->names, "%s.%s[$i]: ${%sRaw(i)} is not a %s", st->name, f->name, name, e->en->name));
        buf_blank(b);
        buf_line(b, "fun %s(i: Int, value: %s) {", setter, en);
        b->indent++;
        buf_line(b, "%sRaw(i, value.value)", setter);
        b->indent--;
        buf_line(b, "}");
        buf_blank(b);
        kt_expr_body(c, pool_printf(&c->names, "fun %sRaw(i: Int): %s", name, rt), read_prim(c, e->en->underlying, at));
        buf_blank(b);
        buf_line(b, "fun %sRaw(i: Int, value: %s) {", setter, rt);
        b->indent++;
        buf_line(b, "%s", write_prim(c, e->en->underlying, at, "value"));
        b->indent--;
        buf_line(b, "}");
        break;
    }
    case TC_T_FLAGS: {
        const char *rt = kprim(e->en->underlying);
        kt_doc(c, f->doc, pool_printf(&c->names, "Element [i]: bits of [%s].", qual(c, e->en->schema, e->en->name)));
        kt_expr_body(c, pool_printf(&c->names, "fun %s(i: Int): %s", name, rt), read_prim(c, e->en->underlying, at));
        buf_blank(b);
        buf_line(b, "fun %s(i: Int, value: %s) {", setter, rt);
        b->indent++;
        buf_line(b, "%s", write_prim(c, e->en->underlying, at, "value"));
        b->indent--;
        buf_line(b, "}");
        break;
    }
    case TC_T_STRUCT: {
        const char *sn = qual(c, e->st->schema, e->st->name);
        kt_doc(c, f->doc, pool_printf(&c->names, "A view of element [i], in place."));
        buf_line(b, "fun %s(i: Int): %s {", name, sn);
        b->indent++;
        buf_line(b, "val at = %s", at);
        buf_line(b, "return %s(segment.asSlice(at, %s.SIZE.toLong()))", sn, sn);
        b->indent--;
        buf_line(b, "}");
        break;
    }
    default:
        break;
    }
    buf_blank(b);
}

/* The text of field f in toString. */
static const char *to_string_part(kt_ctx *c, const tc_field *f)
{
    const char *name = field_name(c, f->name);
    if (f->type.kind == TC_T_ARRAY) {
        const char *len = pool_printf(&c->names, "%s_LEN", pool_keep(&c->names, name_upper(f->name)));
        const char *elem = f->type.elem->kind == TC_T_ENUM ? pool_printf(&c->names, "%sRaw(it)", name)
                                                            : pool_printf(&c->names, "%s(it)", name);
        /* a List's text is the elements between [ and ], separated by ", " */
        return pool_printf(&c->names, "%s=${kotlin.collections.List(%s) { %s }}", f->name, len, elem);
    }
    if (f->type.kind == TC_T_ENUM)
        return pool_printf(&c->names, "%s=${%s.of(%sRaw) ?: %sRaw}", f->name,
                           qual(c, f->type.en->schema, f->type.en->name), name, name);
    return pool_printf(&c->names, "%s=$%s", f->name, name);
}

/* toString on one line when it fits (after `=` or on the next line), else
 * one field per line of a string concatenation. */
static void emit_to_string(kt_ctx *c, const tc_struct *st)
{
    tc_buf *b = c->b;
    const char *head = "override fun toString(): String";
    const char *all = pool_printf(&c->names, "%s(", st->name);
    size_t nparts = 0;
    for (size_t i = 0; i < st->nfields; i++) {
        const tc_field *f = &st->fields[i];
        if (f->type.kind == TC_T_PAD)
            continue;
        all = pool_printf(&c->names, "%s%s%s", all, nparts ? ", " : "", to_string_part(c, f));
        nparts++;
    }
    all = pool_printf(&c->names, "\"%s)\"", all);
    if (nparts == 0 || kt_fits(b->indent + 1, all)) {
        kt_expr_body(c, head, all);
        return;
    }
    buf_line(b, "%s = \"%s(\" +", head, st->name);
    b->indent++;
    size_t k = 0;
    for (size_t i = 0; i < st->nfields; i++) {
        const tc_field *f = &st->fields[i];
        if (f->type.kind == TC_T_PAD)
            continue;
        k++;
        if (k < nparts)
            buf_line(b, "\"%s, \" +", to_string_part(c, f));
        else
            buf_line(b, "\"%s)\"", to_string_part(c, f));
    }
    b->indent--;
}

static void emit_struct(kt_ctx *c, const tc_struct *st)
{
    tc_buf *b = c->b;
    const char *name = type_name(c, st->name);
    kt_doc(c, st->doc, pool_printf(&c->names,
                                   "A view over the %" PRIu64 " bytes of one %s: every property reads or writes them in place.",
                                   st->size, st->name));
    buf_line(b, "@JvmInline");
    buf_line(b, "value class %s(val segment: MemorySegment) {", name);
    b->indent++;
    buf_line(b, "init {");
    b->indent++;
    const char *req = pool_printf(&c->names,
                                  "require(segment.byteSize() >= SIZE) { \"%s needs $SIZE bytes, the segment has ${segment.byteSize()}\" }",
                                  st->name);
    if (kt_fits(b->indent, req)) {
        buf_line(b, "%s", req);
    } else {
        buf_line(b, "require(segment.byteSize() >= SIZE) {");
        b->indent++;
        buf_line(b, "\"%s needs $SIZE bytes, the segment has ${segment.byteSize()}\"", st->name);
        b->indent--;
        buf_line(b, "}");
    }
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);
    for (size_t i = 0; i < st->nfields; i++) {
        const tc_field *f = &st->fields[i];
        if (f->type.kind == TC_T_PAD)
            continue;
        if (f->type.kind == TC_T_ARRAY)
            emit_array(c, st, f);
        else
            emit_scalar_property(c, st, f);
    }
    buf_line(b, "/** Zeroes every byte, padding included. */");
    buf_line(b, "fun clear(): %s {", name);
    b->indent++;
    if (st->size <= 64) {
        /* a few word stores: cheaper than a slice and a fill for a small struct */
        uint64_t at = 0;
        for (; st->size - at >= 8; at += 8)
            buf_line(b, "segment.set(LE_LONG, %" PRIu64 "L, 0L)", at);
        for (; at < st->size; at++)
            buf_line(b, "segment.set(ValueLayout.JAVA_BYTE, %" PRIu64 "L, 0.toByte())", at);
    } else {
        buf_line(b, "segment.asSlice(0L, SIZE.toLong()).fill(0)");
    }
    buf_line(b, "return this");
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);
    emit_to_string(c, st);
    buf_blank(b);
    buf_line(b, "companion object {");
    b->indent++;
    buf_line(b, "/** Bytes in one %s. */", st->name);
    buf_line(b, "const val SIZE: Int = %" PRIu64, st->size);
    buf_blank(b);
    buf_line(b, "/** The layout fingerprint of %s: FNV-1a 64 of its canonical lock text. */", st->name);
    buf_line(b, "const val FINGERPRINT: ULong = 0x%016" PRIx64 "uL", st->fingerprint);
    for (size_t i = 0; i < st->nfields; i++) {
        const tc_field *f = &st->fields[i];
        if (f->type.kind != TC_T_ARRAY)
            continue;
        buf_blank(b);
        buf_line(b, "/** Elements in [%s]. */", field_name(c, f->name));
        buf_line(b, "const val %s_LEN: Int = %" PRIu64, pool_keep(&c->names, name_upper(f->name)), f->type.count);
    }
    b->indent--;
    buf_line(b, "}");
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);
}

/* ---- the file ---------------------------------------------------------------- */

/* The layouts and text helpers every schema file carries (compiler/support/tachyon_support.kt). */
/* A struct's view class as the service code names it (tc_struct_ref_fn). */
static const char *struct_ref(void *ctx, const tc_struct *st)
{
    kt_ctx *c = ctx;
    return qual(c, st->schema, st->name);
}

static void emit_helpers(kt_ctx *c)
{
    emit_support(c->b, "kotlin", "helpers", NULL);
}

static int emit_schema(const tc_schema *s, tc_outputs *out)
{
    kt_ctx c;
    memset(&c, 0, sizeof c);
    c.s = s;
    const char *file = pool_keep(&c.names, name_pascal(s->name));
    const char *path = pool_printf(&c.names, KT_DIR "%s/%s.kt", s->name, file);
    c.b = outputs_add(out, path);
    if (!c.b) {
        pool_free(&c.names);
        return -1;
    }
    tc_buf *b = c.b;
    emit_banner(b, TC_NAMES_KOTLIN, s->path);
    /* the package is the schema's name, which may have a '_' that ktlint's package naming refuses */
    buf_line(b, "@file:Suppress(\"unused\", \"RedundantVisibilityModifier\"%s)",
             strchr(s->name, '_') ? ", \"ktlint:standard:package-name\"" : "");
    buf_blank(b);
    /* a line comment: KDoc before `package` documents nothing (ktlint: dangling KDoc) */
    emit_doc_trimmed(b, s->doc, "// ");
    if (s->doc)
        buf_line(b, "//");
    buf_line(b, "// Views over the messages of schema %s: read and write every field in place.", s->name);
    buf_blank(b);
    buf_line(b, "package %s.%s", KT_PACKAGE, s->name);
    buf_blank(b);
    /* in ktlint's (IntelliJ's) order: others, then java.*, then kotlin.* */
    if (s->nservices)
        emit_rpc_kotlin_imports(b);
    buf_line(b, "import java.lang.foreign.MemorySegment");
    buf_line(b, "import java.lang.foreign.ValueLayout");
    buf_line(b, "import java.nio.ByteOrder");
    buf_line(b, "import java.util.Objects");
    if (s->nservices)
        buf_line(b, "import kotlin.time.Duration");
    buf_blank(b);
    buf_line(b, "/** The schema fingerprint: bind a bus to it so peers of another layout are refused. */");
    buf_line(b, "const val SCHEMA_FINGERPRINT: ULong = 0x%016" PRIx64 "uL", s->fingerprint);
    buf_blank(b);
    emit_consts(&c);
    emit_messages(&c);
    for (size_t i = 0; i < s->nenums; i++)
        emit_enum(&c, &s->enums[i]);
    for (size_t i = 0; i < s->nstructs; i++)
        emit_struct(&c, &s->structs[i]);
    emit_rpc_kotlin(b, &c.names, s, struct_ref, &c);
    static const char *const rpc_types[] = {"%sClient", "%sServer", NULL};
    emit_rpc_check_types(&out->errors, &c.names, TC_NAMES_KOTLIN, s, true, rpc_types);
    emit_helpers(&c);
    int rc = c.oom || c.names.oom ? -1 : 0;
    pool_free(&c.names);
    if (rc)
        fprintf(stderr, "tachc: out of memory\n");
    return rc;
}

int emit_kotlin(const tc_program *prog, const tachc_options *opts, tc_outputs *out)
{
    (void)opts;
    for (size_t i = 0; i < prog->nschemas; i++)
        if (emit_schema(prog->schemas[i], out) != 0)
            return -1;
    return 0;
}
