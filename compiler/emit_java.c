/*
 * emit_java.c - the Java emitter: one class per schema,
 * DIR/java/io/tachyon/generated/<Schema>.java (package io.tachyon.generated).
 *
 * The outer class holds the schema's constants, message ids, decoding by id,
 * enums (Java enums) and flag sets (int/long constants), and one nested view
 * class per struct. A view is a MemorySegment and an offset; every accessor
 * reads or writes in place through a little-endian ValueLayout.*_UNALIGNED, so
 * a view over a ring slot (io.tachyon.Tx.segment()) writes straight into the
 * slot and throws once the slot was committed. Each view also has a record of
 * its values (get/set, toString) and a Batch over several records back to back.
 *
 * Names: fields become camelCase accessors (`a_u8` -> aU8() / setAU8(..)); a
 * name that is a Java keyword or literal, or that a view itself uses (get,
 * segment, ...), takes a trailing underscore, and so does a type name that is
 * the outer class's or one the generated code uses from java.lang.
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

#define JAVA_PACKAGE "io.tachyon.generated"
#define JAVA_DIR "io/tachyon/generated/"

typedef struct jv_ctx {
    const tc_schema *s;
    tc_buf *b;
    tc_pool names;
    int oom;
} jv_ctx;

/* Methods every view (and Object) has: a field accessor may not take these names. */
static const char *const java_view_members[] = {
    "segment", "offset", "get", "set", "clear", "equals", "hashCode", "toString", "getClass", "notify",
    "notifyAll", "wait", "clone", "finalize", NULL,
};

/* Types the generated code names unqualified: a struct or enum may not shadow them. */
static const char *const java_used_types[] = {
    "Arrays", "Boolean", "Byte", "ByteOrder", "Double", "Float", "IllegalArgumentException", "Integer", "List",
    "Long", "MemorySegment", "Object", "Objects", "Override", "Short", "String", "StringBuilder", "ValueLayout",
    "Value", "Batch", NULL,
};

static bool in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (strcmp(*list, s) == 0)
            return true;
    return false;
}

static const char *outer_name(jv_ctx *c, const tc_schema *s)
{
    return pool_keep(&c->names, name_pascal(s->name));
}

/* A struct or enum's simple Java name. */
static const char *type_name(jv_ctx *c, const tc_schema *owner, const char *name)
{
    const char *p = pool_keep(&c->names, name_pascal(name));
    if (in_list(java_used_types, p) || names_is_keyword(TC_NAMES_JAVA, p) || strcmp(p, outer_name(c, owner)) == 0)
        return pool_printf(&c->names, "%s_", p);
    return p;
}

/* A type as referred to anywhere: always qualified by its outer class, so a
 * nested name (Value, Batch) never shadows it. */
static const char *qual(jv_ctx *c, const tc_schema *owner, const char *name)
{
    return pool_printf(&c->names, "%s.%s", outer_name(c, owner), type_name(c, owner, name));
}

/* A field's accessor name (camelCase, mangled). */
static const char *field_name(jv_ctx *c, const char *name)
{
    const char *n = pool_keep(&c->names, name_camel(name));
    if (names_is_keyword(TC_NAMES_JAVA, n) || in_list(java_view_members, n))
        return pool_printf(&c->names, "%s_", n);
    return n;
}

/* The setter's name: "set" + PascalCase (a keyword cannot follow "set"). */
static const char *setter_name(jv_ctx *c, const char *name)
{
    const char *p = pool_keep(&c->names, name_pascal(name));
    return pool_printf(&c->names, "set%s", p);
}

/* An upper-case constant name (constants, enum values, message ids). */
static const char *const_name(jv_ctx *c, const char *name)
{
    const char *u = pool_keep(&c->names, name_upper(name));
    if (names_is_keyword(TC_NAMES_JAVA, u) || strcmp(u, "SCHEMA_FINGERPRINT") == 0 || strncmp(u, "MSG_", 4) == 0 ||
        strncmp(u, "LE_", 3) == 0)
        return pool_printf(&c->names, "%s_", u);
    return u;
}

/* ---- primitives ------------------------------------------------------------ */

/* The Java type a primitive is read as: unsigned types widen so no value is negative. */
static const char *jprim(tc_prim p)
{
    switch (p) {
    case TC_U8: case TC_U16: case TC_I32: return "int";
    case TC_U32: case TC_U64: case TC_I64: return "long";
    case TC_I8: return "byte";
    case TC_I16: return "short";
    case TC_F32: return "float";
    case TC_F64: return "double";
    case TC_BOOL: return "boolean";
    default: return "byte";
    }
}

static const char *jboxed(tc_prim p)
{
    switch (p) {
    case TC_U8: case TC_U16: case TC_I32: return "Integer";
    case TC_U32: case TC_U64: case TC_I64: return "Long";
    case TC_I8: return "Byte";
    case TC_I16: return "Short";
    case TC_F32: return "Float";
    case TC_F64: return "Double";
    case TC_BOOL: return "Boolean";
    default: return "Byte";
    }
}

/* The layout constant (declared in every outer class) for a primitive. */
static const char *jlayout(tc_prim p)
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

/* Appends the expression reading primitive p at `at` (a Java long expression). */
static void read_prim(tc_buf *b, tc_prim p, const char *at)
{
    switch (p) {
    case TC_U8: buf_printf(b, "Byte.toUnsignedInt(segment.get(ValueLayout.JAVA_BYTE, %s))", at); break;
    case TC_U16: buf_printf(b, "Short.toUnsignedInt(segment.get(LE_SHORT, %s))", at); break;
    case TC_U32: buf_printf(b, "Integer.toUnsignedLong(segment.get(LE_INT, %s))", at); break;
    case TC_BOOL: buf_printf(b, "segment.get(ValueLayout.JAVA_BYTE, %s) != 0", at); break;
    default: buf_printf(b, "segment.get(%s, %s)", jlayout(p), at); break;
    }
}

/* Appends the statement(s) writing `v` (of type jprim(p)) as primitive p at `at`. */
static void write_prim(jv_ctx *c, tc_prim p, const char *at, const char *v, const char *what)
{
    tc_buf *b = c->b;
    switch (p) {
    case TC_U8:
    case TC_U16:
    case TC_U32:
        buf_line(b, "if ((%s >>> %u) != 0) {", v, prim_size(p) * 8);
        b->indent++;
        buf_line(b, "throw new IllegalArgumentException(\"%s: \" + %s + \" is out of range for %s\");", what, v,
                 prim_name(p));
        b->indent--;
        buf_line(b, "}");
        buf_line(b, "segment.set(%s, %s, (%s) %s);", jlayout(p), at,
                 p == TC_U8 ? "byte" : p == TC_U16 ? "short" : "int", v);
        break;
    case TC_BOOL:
        buf_line(b, "segment.set(ValueLayout.JAVA_BYTE, %s, (byte) (%s ? 1 : 0));", at, v);
        break;
    default:
        buf_line(b, "segment.set(%s, %s, %s);", jlayout(p), at, v);
        break;
    }
}

/* ---- literals and docs ----------------------------------------------------- */

/* A line "return <the stored p at `at`>;". */
static void return_read(tc_buf *b, tc_prim p, const char *at)
{
    buf_indent(b);
    buf_puts(b, "return ");
    read_prim(b, p, at);
    buf_puts(b, ";\n");
}

/* Stores `value` (of the API's type `raw`) as the enum or flag set's stored
 * type p at `at`: a signed p narrower than `raw` refuses what it cannot hold. */
static void store_raw(jv_ctx *c, tc_prim p, const char *raw, const char *at, const char *what)
{
    tc_buf *b = c->b;
    if (strcmp(jprim(p), raw) != 0 && prim_is_signed(p)) {
        buf_line(b, "if (value != (%s) value) {", jprim(p));
        b->indent++;
        buf_line(b, "throw new IllegalArgumentException(\"%s: \" + value + \" is out of range for %s\");", what,
                 prim_name(p));
        b->indent--;
        buf_line(b, "}");
        write_prim(c, p, at, pool_printf(&c->names, "(%s) value", jprim(p)), what);
    } else {
        write_prim(c, p, at, "value", what);
    }
}

/* The getter `get` and setter `set` of a stored integer p that the API
 * types as `raw` (an enum's raw value, a flag set's bits). */
static void raw_accessors(jv_ctx *c, tc_prim p, const char *raw, const char *get, const char *set,
                          const char *idx_param, const char *sep, const char *at, const char *what)
{
    tc_buf *b = c->b;
    buf_line(b, "public %s %s(%s) {", raw, get, idx_param);
    b->indent++;
    return_read(b, p, at);
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "public void %s(%s%s%s value) {", set, idx_param, sep, raw);
    b->indent++;
    store_raw(c, p, raw, at, what);
    b->indent--;
    buf_line(b, "}");
}

static const char *string_literal(jv_ctx *c, const char *s)
{
    return jvm_string_literal(&c->names, s, false, &c->oom);
}

static const char *float_literal(jv_ctx *c, double v, bool single)
{
    return jvm_float_literal(&c->names, v, single);
}

/* A 64-bit value as a Java long literal (hex when it does not fit a signed long). */
static const char *long_literal(jv_ctx *c, uint64_t bits)
{
    if (bits > (uint64_t)INT64_MAX)
        return pool_printf(&c->names, "0x%016" PRIx64 "L", bits);
    return pool_printf(&c->names, "%" PRIu64 "L", bits);
}

static void java_doc(jv_ctx *c, const char *doc, const char *extra)
{
    jvm_doc(c->b, doc, extra, false, &c->oom);
}

/* ---- constants, messages, enums ------------------------------------------- */

static void emit_consts(jv_ctx *c)
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
            type = "boolean";
            value = k->u ? "true" : "false";
            break;
        case TC_C_FLOAT:
            type = k->type == TC_F32 ? "float" : "double";
            value = float_literal(c, k->f, k->type == TC_F32);
            break;
        default: {
            type = jprim(k->type);
            uint64_t bits = k->kind == TC_C_INT ? (uint64_t)k->i : k->u;
            if (strcmp(type, "long") == 0)
                value = long_literal(c, bits);
            else if (k->kind == TC_C_INT)
                value = pool_printf(&c->names, "%" PRId64, k->i);
            else
                value = pool_printf(&c->names, "%" PRIu64, k->u);
            if (strcmp(type, "byte") == 0 || strcmp(type, "short") == 0)
                value = pool_printf(&c->names, "(%s) %s", type, value);
            break;
        }
        }
        java_doc(c, k->doc, NULL);
        buf_line(b, "public static final %s %s = %s;", type, const_name(c, k->name), value);
    }
    if (c->s->nconsts)
        buf_blank(b);
}

static const char *msg_const(jv_ctx *c, const tc_message *m)
{
    return pool_printf(&c->names, "MSG_%s", pool_keep(&c->names, name_upper(m->name)));
}

static void emit_messages(jv_ctx *c)
{
    tc_buf *b = c->b;
    const tc_schema *s = c->s;
    for (size_t i = 0; i < s->nmessages; i++) {
        const tc_message *m = &s->messages[i];
        const char *what = m->payload ? pool_printf(&c->names, "Message %s: a %s.", m->name,
                                                     qual(c, m->payload->schema, m->payload->name))
                                      : pool_printf(&c->names, "Message %s: an empty payload.", m->name);
        java_doc(c, m->doc, what);
        buf_line(b, "public static final int %s = %" PRIu32 ";", msg_const(c, m), m->id);
    }
    if (s->nmessages)
        buf_blank(b);

    if (s->nmessages == 0) {
        buf_line(b, "/** This schema declares no messages: always null. */");
        buf_line(b, "public static String messageName(int typeId) {");
        buf_line(b, "    return null;");
        buf_line(b, "}");
        buf_blank(b);
        buf_line(b, "/** This schema declares no messages: always -1. */");
        buf_line(b, "public static int payloadSize(int typeId) {");
        buf_line(b, "    return -1;");
        buf_line(b, "}");
        buf_blank(b);
        buf_line(b, "/** This schema declares no messages: every id is unknown (IllegalArgumentException). */");
        buf_line(b, "public static Object decode(int typeId, MemorySegment payload) {");
        buf_line(b, "    throw new IllegalArgumentException(\"%s: unknown type id \" + Integer.toUnsignedString(typeId));",
                 s->name);
        buf_line(b, "}");
        buf_blank(b);
        return;
    }
    buf_line(b, "/** The schema name of message {@code typeId}, or null for an id this schema does not have. */");
    buf_line(b, "public static String messageName(int typeId) {");
    b->indent++;
    buf_line(b, "return switch (typeId) {");
    b->indent++;
    for (size_t i = 0; i < s->nmessages; i++)
        buf_line(b, "case %s -> %s;", msg_const(c, &s->messages[i]), string_literal(c, s->messages[i].name));
    buf_line(b, "default -> null;");
    b->indent--;
    buf_line(b, "};");
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);

    buf_line(b, "/** The payload size of message {@code typeId} (0: an empty payload), or -1 for an unknown id. */");
    buf_line(b, "public static int payloadSize(int typeId) {");
    b->indent++;
    buf_line(b, "return switch (typeId) {");
    b->indent++;
    for (size_t i = 0; i < s->nmessages; i++) {
        const tc_message *m = &s->messages[i];
        if (m->payload)
            buf_line(b, "case %s -> %s.SIZE;", msg_const(c, m), qual(c, m->payload->schema, m->payload->name));
        else
            buf_line(b, "case %s -> 0;", msg_const(c, m));
    }
    buf_line(b, "default -> -1;");
    b->indent--;
    buf_line(b, "};");
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);

    buf_line(b, "/**");
    buf_line(b, " * The view of a payload of message {@code typeId}: null for a message with an empty payload,");
    buf_line(b, " * else the view of its struct. A short payload or an unknown id throws IllegalArgumentException.");
    buf_line(b, " */");
    buf_line(b, "public static Object decode(int typeId, MemorySegment payload) {");
    b->indent++;
    buf_line(b, "return switch (typeId) {");
    b->indent++;
    for (size_t i = 0; i < s->nmessages; i++) {
        const tc_message *m = &s->messages[i];
        if (m->payload)
            buf_line(b, "case %s -> new %s(payload);", msg_const(c, m), qual(c, m->payload->schema, m->payload->name));
        else
            buf_line(b, "case %s -> null;", msg_const(c, m));
    }
    buf_line(b, "default -> throw new IllegalArgumentException(\"%s: unknown type id \" + Integer.toUnsignedString(typeId));",
             s->name);
    b->indent--;
    buf_line(b, "};");
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);
}

static const char *enum_value_literal(jv_ctx *c, const tc_enum *en, const tc_enum_value *v)
{
    bool wide = strcmp(jprim(en->underlying), "long") == 0;
    if (wide)
        return long_literal(c, prim_is_signed(en->underlying) ? (uint64_t)v->value : v->bits);
    if (prim_is_signed(en->underlying))
        return pool_printf(&c->names, "%" PRId64, v->value);
    if (en->is_flags)
        return pool_printf(&c->names, "0x%" PRIx64, v->bits);
    return pool_printf(&c->names, "%" PRIu64, v->bits);
}

/* The Java type an enum's raw value is held in (int or long, never byte/short). */
static const char *enum_raw(const tc_enum *en)
{
    return strcmp(jprim(en->underlying), "long") == 0 ? "long" : "int";
}

static void emit_enum(jv_ctx *c, const tc_enum *en)
{
    tc_buf *b = c->b;
    const char *name = type_name(c, en->schema, en->name);
    const char *raw = enum_raw(en);
    if (en->is_flags) {
        java_doc(c, en->doc, pool_printf(&c->names, "Flag set %s (%s bits): combine the constants with |.",
                                          en->name, prim_name(en->underlying)));
        buf_line(b, "public static final class %s {", name);
        b->indent++;
        buf_line(b, "private %s() {}", name);
        buf_blank(b);
        for (size_t i = 0; i < en->nvalues; i++) {
            java_doc(c, en->values[i].doc, NULL);
            buf_line(b, "public static final %s %s = %s;", raw, const_name(c, en->values[i].name),
                     enum_value_literal(c, en, &en->values[i]));
        }
        buf_blank(b);
        buf_line(b, "/** The names of the single-bit flags set in {@code bits}, joined with |, and any unknown bits in hex. */");
        buf_line(b, "public static String toString(%s bits) {", raw);
        b->indent++;
        buf_line(b, "StringBuilder sb = new StringBuilder();");
        buf_line(b, "%s rest = bits;", raw);
        for (size_t i = 0; i < en->nvalues; i++) {
            uint64_t v = en->values[i].bits;
            if (v == 0 || (v & (v - 1)) != 0)
                continue; /* masks and zero are not single flags */
            const char *k = const_name(c, en->values[i].name);
            buf_line(b, "if ((bits & %s) != 0) {", k);
            b->indent++;
            buf_line(b, "sb.append(sb.isEmpty() ? \"\" : \"|\").append(%s);", string_literal(c, en->values[i].name));
            buf_line(b, "rest &= ~%s;", k);
            b->indent--;
            buf_line(b, "}");
        }
        buf_line(b, "if (rest != 0) {");
        b->indent++;
        buf_line(b, "sb.append(sb.isEmpty() ? \"\" : \"|\").append(\"0x\").append(%s.toHexString(rest));",
                 strcmp(raw, "long") == 0 ? "Long" : "Integer");
        b->indent--;
        buf_line(b, "}");
        buf_line(b, "return sb.isEmpty() ? \"0\" : sb.toString();");
        b->indent--;
        buf_line(b, "}");
        b->indent--;
        buf_line(b, "}");
        buf_blank(b);
        return;
    }
    java_doc(c, en->doc, pool_printf(&c->names, "Enum %s, stored as %s.", en->name, prim_name(en->underlying)));
    buf_line(b, "public enum %s {", name);
    b->indent++;
    for (size_t i = 0; i < en->nvalues; i++) {
        java_doc(c, en->values[i].doc, NULL);
        buf_line(b, "%s(%s)%s", const_name(c, en->values[i].name), enum_value_literal(c, en, &en->values[i]),
                 i + 1 < en->nvalues ? "," : ";");
    }
    if (en->nvalues == 0)
        buf_line(b, ";");
    buf_blank(b);
    buf_line(b, "private final %s value;", raw);
    buf_blank(b);
    buf_line(b, "%s(%s value) {", name, raw);
    b->indent++;
    buf_line(b, "this.value = value;");
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "/** The value as stored. */");
    buf_line(b, "public %s value() {", raw);
    b->indent++;
    buf_line(b, "return value;");
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "/** The constant of stored value {@code value}, or null when the schema has none. */");
    buf_line(b, "public static %s of(%s value) {", name, raw);
    b->indent++;
    /* Java cannot switch on a long: long-valued enums search their constants */
    if (strcmp(raw, "long") == 0) {
        buf_line(b, "for (%s e : values()) {", name);
        b->indent++;
        buf_line(b, "if (e.value == value) {");
        b->indent++;
        buf_line(b, "return e;");
        b->indent--;
        buf_line(b, "}");
        b->indent--;
        buf_line(b, "}");
        buf_line(b, "return null;");
    } else {
        buf_line(b, "return switch (value) {");
        b->indent++;
        for (size_t i = 0; i < en->nvalues; i++)
            buf_line(b, "case %s -> %s;", enum_value_literal(c, en, &en->values[i]), const_name(c, en->values[i].name));
        buf_line(b, "default -> null;");
        b->indent--;
        buf_line(b, "};");
    }
    b->indent--;
    buf_line(b, "}");
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);
}

/* ---- struct views ------------------------------------------------------------ */

/* The Java type of a field's value in the record. */
static const char *value_type(jv_ctx *c, const tc_type *t)
{
    switch (t->kind) {
    case TC_T_PRIM: return jprim(t->prim);
    case TC_T_CHARS: return "String";
    case TC_T_STRUCT: return pool_printf(&c->names, "%s.Value", qual(c, t->st->schema, t->st->name));
    case TC_T_ENUM: return qual(c, t->en->schema, t->en->name);
    case TC_T_FLAGS: return enum_raw(t->en);
    case TC_T_ARRAY: {
        const tc_type *e = t->elem;
        const char *et = e->kind == TC_T_PRIM ? jboxed(e->prim)
                         : e->kind == TC_T_FLAGS ? (strcmp(enum_raw(e->en), "long") == 0 ? "Long" : "Integer")
                                                 : value_type(c, e);
        return pool_printf(&c->names, "List<%s>", et);
    }
    default: return "void";
    }
}

/* The getter and setter of one element (or scalar field) at `at`. */
static void emit_scalar_access(jv_ctx *c, const tc_type *t, const char *doc, const char *get, const char *set,
                               const char *idx_param, const char *at, const char *what)
{
    tc_buf *b = c->b;
    const char *sep = *idx_param ? ", " : "";
    switch (t->kind) {
    case TC_T_PRIM:
        java_doc(c, doc, NULL);
        buf_line(b, "public %s %s(%s) {", jprim(t->prim), get, idx_param);
        b->indent++;
        return_read(b, t->prim, at);
        b->indent--;
        buf_line(b, "}");
        buf_blank(b);
        buf_line(b, "public void %s(%s%s%s value) {", set, idx_param, sep, jprim(t->prim));
        b->indent++;
        write_prim(c, t->prim, at, "value", what);
        b->indent--;
        buf_line(b, "}");
        break;
    case TC_T_ENUM: {
        const char *en = qual(c, t->en->schema, t->en->name);
        const char *raw = enum_raw(t->en);
        const char *call = *idx_param ? "i" : "";
        java_doc(c, doc, pool_printf(&c->names, "The stored value; throws IllegalStateException when it is not a %s.",
                                      t->en->name));
        buf_line(b, "public %s %s(%s) {", en, get, idx_param);
        b->indent++;
        buf_line(b, "%s raw = %sRaw(%s);", raw, get, call);
        buf_line(b, "%s e = %s.of(raw);", en, en);
        buf_line(b, "if (e == null) {");
        b->indent++;
        buf_line(b, "throw new IllegalStateException(\"%s: \" + raw + \" is not a %s\");", what, t->en->name);
        b->indent--;
        buf_line(b, "}");
        buf_line(b, "return e;");
        b->indent--;
        buf_line(b, "}");
        buf_blank(b);
        buf_line(b, "public void %s(%s%s%s value) {", set, idx_param, sep, en);
        b->indent++;
        buf_line(b, "%sRaw(%s%svalue.value());", set, call, *call ? ", " : "");
        b->indent--;
        buf_line(b, "}");
        buf_blank(b);
        buf_line(b, "/** The stored value, known to %s or not. */", t->en->name);
        raw_accessors(c, t->en->underlying, raw, pool_printf(&c->names, "%sRaw", get),
                      pool_printf(&c->names, "%sRaw", set), idx_param, sep, at, what);
        break;
    }
    case TC_T_FLAGS: {
        const char *raw = enum_raw(t->en);
        java_doc(c, doc, pool_printf(&c->names, "Bits of %s.", qual(c, t->en->schema, t->en->name)));
        raw_accessors(c, t->en->underlying, raw, get, set, idx_param, sep, at, what);
        break;
    }
    case TC_T_STRUCT: {
        const char *st = qual(c, t->st->schema, t->st->name);
        java_doc(c, doc, pool_printf(&c->names, "A view of the nested %s, in place.", t->st->name));
        buf_line(b, "public %s %s(%s) {", st, get, idx_param);
        b->indent++;
        buf_line(b, "return new %s(segment, %s);", st, at);
        b->indent--;
        buf_line(b, "}");
        break;
    }
    default:
        break;
    }
}

static void emit_field(jv_ctx *c, const tc_struct *st, const tc_field *f)
{
    tc_buf *b = c->b;
    const char *get = field_name(c, f->name);
    const char *set = setter_name(c, f->name);
    const char *what = pool_printf(&c->names, "%s.%s", st->name, f->name);
    const char *spelling = pool_type_spelling(&c->names, &f->type, c->s);
    buf_line(b, "// %s @%" PRIu64 " : %s", f->name, f->offset, spelling);
    switch (f->type.kind) {
    case TC_T_CHARS: {
        uint64_t n = f->type.count;
        java_doc(c, f->doc, "The text up to its first NUL (bytes as ISO-8859-1 characters).");
        buf_line(b, "public String %s() {", get);
        b->indent++;
        buf_line(b, "return readText$(segment, offset + %" PRIu64 ", %" PRIu64 ");", f->offset, n);
        b->indent--;
        buf_line(b, "}");
        buf_blank(b);
        buf_line(b, "/** Writes {@code value} NUL-padded; longer than %" PRIu64 " bytes or beyond ISO-8859-1 throws. */", n);
        buf_line(b, "public void %s(String value) {", set);
        b->indent++;
        buf_line(b, "writeText$(segment, offset + %" PRIu64 ", %" PRIu64 ", value, \"%s\");", f->offset, n, what);
        b->indent--;
        buf_line(b, "}");
        break;
    }
    case TC_T_ARRAY: {
        const tc_type *e = f->type.elem;
        const char *len = pool_printf(&c->names, "%s_LEN", pool_keep(&c->names, name_upper(f->name)));
        buf_line(b, "/** Elements in {@link #%s(int)}. */", get);
        buf_line(b, "public static final int %s = %" PRIu64 ";", len, f->type.count);
        buf_blank(b);
        const char *at = pool_printf(&c->names, "offset + %" PRIu64 " + (long) Objects.checkIndex(i, %s) * %" PRIu64,
                                      f->offset, len, e->size);
        emit_scalar_access(c, e, f->doc, get, set, "int i", at, what);
        if (e->kind == TC_T_PRIM) {
            buf_blank(b);
            buf_line(b, "/** The %" PRIu64 " bytes of the array, in place (for bulk copies). */", f->size);
            buf_line(b, "public MemorySegment %sSegment() {", get);
            b->indent++;
            buf_line(b, "return segment.asSlice(offset + %" PRIu64 ", %" PRIu64 ");", f->offset, f->size);
            b->indent--;
            buf_line(b, "}");
        }
        break;
    }
    default:
        emit_scalar_access(c, &f->type, f->doc, get, set, "", pool_printf(&c->names, "offset + %" PRIu64, f->offset), what);
        break;
    }
    buf_blank(b);
}

/* Appends the expression of field f's value, for the record. */
static void emit_get_value(jv_ctx *c, const tc_field *f)
{
    tc_buf *b = c->b;
    const char *get = field_name(c, f->name);
    if (f->type.kind != TC_T_ARRAY) {
        if (f->type.kind == TC_T_STRUCT)
            buf_printf(b, "%s().get()", get);
        else
            buf_printf(b, "%s()", get);
        return;
    }
    buf_printf(b, "%sList()", get);
}

static void emit_record(jv_ctx *c, const tc_struct *st)
{
    tc_buf *b = c->b;
    const char *self = type_name(c, st->schema, st->name);
    buf_line(b, "/** Every field of a %s, as values (a copy: it does not follow the bytes). */", st->name);
    buf_printf(b, "%*spublic record Value(", b->indent * 4, "");
    bool first = true;
    for (size_t i = 0; i < st->nfields; i++) {
        const tc_field *f = &st->fields[i];
        if (f->type.kind == TC_T_PAD)
            continue;
        buf_printf(b, "%s%s %s", first ? "" : ", ", value_type(c, &f->type), field_name(c, f->name));
        first = false;
    }
    buf_puts(b, ") {}\n");
    buf_blank(b);

    /* List getters for arrays, used by get(). */
    for (size_t i = 0; i < st->nfields; i++) {
        const tc_field *f = &st->fields[i];
        if (f->type.kind != TC_T_ARRAY)
            continue;
        const char *get = field_name(c, f->name);
        const char *lt = value_type(c, &f->type);
        const tc_type *e = f->type.elem;
        const char *len = pool_printf(&c->names, "%s_LEN", pool_keep(&c->names, name_upper(f->name)));
        buf_line(b, "/** The elements of %s, copied into a list. */", f->name);
        buf_line(b, "public %s %sList() {", lt, get);
        b->indent++;
        const char *et = lt + 5; /* "List<" */
        buf_line(b, "%.*s[] items = new %.*s[%s];", (int)strlen(et) - 1, et, (int)strlen(et) - 1, et, len);
        buf_line(b, "for (int i = 0; i < %s; i++) {", len);
        b->indent++;
        buf_line(b, "items[i] = %s(i)%s;", get, e->kind == TC_T_STRUCT ? ".get()" : "");
        b->indent--;
        buf_line(b, "}");
        buf_line(b, "return List.of(items);");
        b->indent--;
        buf_line(b, "}");
        buf_blank(b);
    }

    buf_line(b, "/** Reads every field. */");
    buf_line(b, "public Value get() {");
    b->indent++;
    buf_printf(b, "%*sreturn new Value(", b->indent * 4, "");
    first = true;
    for (size_t i = 0; i < st->nfields; i++) {
        const tc_field *f = &st->fields[i];
        if (f->type.kind == TC_T_PAD)
            continue;
        if (!first)
            buf_puts(b, ", ");
        emit_get_value(c, f);
        first = false;
    }
    buf_puts(b, ");\n");
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);

    buf_line(b, "/** Writes every field of {@code value}, and zeroes the padding. */");
    buf_line(b, "public %s set(Value value) {", self);
    b->indent++;
    for (size_t i = 0; i < st->nfields; i++) {
        const tc_field *f = &st->fields[i];
        const char *get = field_name(c, f->name);
        const char *set = setter_name(c, f->name);
        switch (f->type.kind) {
        case TC_T_PAD:
            buf_line(b, "segment.asSlice(offset + %" PRIu64 ", %" PRIu64 ").fill((byte) 0);", f->offset, f->size);
            break;
        case TC_T_STRUCT:
            buf_line(b, "%s().set(value.%s());", get, get);
            break;
        case TC_T_ARRAY: {
            const char *len = pool_printf(&c->names, "%s_LEN", pool_keep(&c->names, name_upper(f->name)));
            buf_line(b, "if (value.%s().size() != %s) {", get, len);
            b->indent++;
            buf_line(b, "throw new IllegalArgumentException(\"%s.%s: \" + value.%s().size() + \" elements, not %" PRIu64 "\");",
                     st->name, f->name, get, f->type.count);
            b->indent--;
            buf_line(b, "}");
            buf_line(b, "for (int i = 0; i < %s; i++) {", len);
            b->indent++;
            if (f->type.elem->kind == TC_T_STRUCT)
                buf_line(b, "%s(i).set(value.%s().get(i));", get, get);
            else
                buf_line(b, "%s(i, value.%s().get(i));", set, get);
            b->indent--;
            buf_line(b, "}");
            break;
        }
        default:
            buf_line(b, "%s(value.%s());", set, get);
            break;
        }
    }
    buf_line(b, "return this;");
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);
}

static void emit_struct(jv_ctx *c, const tc_struct *st)
{
    tc_buf *b = c->b;
    const char *name = type_name(c, st->schema, st->name);
    java_doc(c, st->doc, pool_printf(&c->names, "A view over the %" PRIu64 " bytes of one %s, in place.", st->size,
                                      st->name));
    buf_line(b, "public static final class %s {", name);
    b->indent++;
    buf_line(b, "/** Bytes in one %s. */", st->name);
    buf_line(b, "public static final int SIZE = %" PRIu64 ";", st->size);
    buf_line(b, "/** The layout fingerprint of %s: FNV-1a 64 of its canonical lock text. */", st->name);
    buf_line(b, "public static final long FINGERPRINT = %s;", long_literal(c, st->fingerprint));
    buf_blank(b);
    buf_line(b, "private final MemorySegment segment;");
    buf_line(b, "private final long offset;");
    buf_blank(b);
    buf_line(b, "/** Views the first {@link #SIZE} bytes of {@code segment}; a shorter one throws. */");
    buf_line(b, "public %s(MemorySegment segment) {", name);
    b->indent++;
    buf_line(b, "this(segment, 0);");
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "/** Views {@link #SIZE} bytes of {@code segment} at {@code offset}; too few throws. */");
    buf_line(b, "public %s(MemorySegment segment, long offset) {", name);
    b->indent++;
    buf_line(b, "if (offset < 0 || segment.byteSize() - offset < SIZE) {");
    b->indent++;
    buf_line(b, "throw new IllegalArgumentException(\"%s needs \" + SIZE + \" bytes at offset \" + offset", st->name);
    buf_line(b, "        + \", the segment has \" + segment.byteSize());");
    b->indent--;
    buf_line(b, "}");
    buf_line(b, "this.segment = segment;");
    buf_line(b, "this.offset = offset;");
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "/** The viewed bytes. */");
    buf_line(b, "public MemorySegment segment() {");
    b->indent++;
    buf_line(b, "return segment.asSlice(offset, SIZE);");
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "/** Zeroes every byte, padding included. */");
    buf_line(b, "public %s clear() {", name);
    b->indent++;
    if (st->size <= 64) {
        /* a few word stores: cheaper than a slice and a fill for a small struct */
        uint64_t at = 0;
        for (; st->size - at >= 8; at += 8)
            buf_line(b, "segment.set(LE_LONG, offset + %" PRIu64 ", 0L);", at);
        for (; at < st->size; at++)
            buf_line(b, "segment.set(ValueLayout.JAVA_BYTE, offset + %" PRIu64 ", (byte) 0);", at);
    } else {
        buf_line(b, "segment.asSlice(offset, SIZE).fill((byte) 0);");
    }
    buf_line(b, "return this;");
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);
    for (size_t i = 0; i < st->nfields; i++)
        if (st->fields[i].type.kind != TC_T_PAD)
            emit_field(c, st, &st->fields[i]);
    emit_record(c, st);
    buf_line(b, "@Override");
    buf_line(b, "public String toString() {");
    b->indent++;
    buf_line(b, "return \"%s\" + get().toString().substring(5);", st->name);
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "/** Several %s records back to back in one segment (e.g. a NumPy array's bytes). */", st->name);
    buf_line(b, "public static final class Batch {");
    b->indent++;
    buf_line(b, "private final MemorySegment segment;");
    buf_blank(b);
    buf_line(b, "/** A segment whose size is a multiple of {@link %s#SIZE}; anything else throws. */", name);
    buf_line(b, "public Batch(MemorySegment segment) {");
    b->indent++;
    buf_line(b, "if (segment.byteSize() %% SIZE != 0) {");
    b->indent++;
    buf_line(b, "throw new IllegalArgumentException(\"%s batch: \" + segment.byteSize() + \" bytes is not a multiple of \" + SIZE);",
             st->name);
    b->indent--;
    buf_line(b, "}");
    buf_line(b, "this.segment = segment;");
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "/** How many records. */");
    buf_line(b, "public int count() {");
    b->indent++;
    buf_line(b, "return (int) (segment.byteSize() / SIZE);");
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "/** The view of record {@code i}, in place. */");
    buf_line(b, "public %s get(int i) {", name);
    b->indent++;
    buf_line(b, "return new %s(segment, (long) Objects.checkIndex(i, count()) * SIZE);", name);
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "/** The records' bytes. */");
    buf_line(b, "public MemorySegment segment() {");
    b->indent++;
    buf_line(b, "return segment;");
    b->indent--;
    buf_line(b, "}");
    b->indent--;
    buf_line(b, "}");
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);
}

/* ---- the file ---------------------------------------------------------------- */

/* The layouts and text helpers every schema class carries (compiler/support/tachyon_support.java). */
/* A struct's view class as the service code names it (tc_struct_ref_fn). */
static const char *struct_ref(void *ctx, const tc_struct *st)
{
    jv_ctx *c = ctx;
    return qual(c, st->schema, st->name);
}

static void emit_helpers(jv_ctx *c)
{
    emit_support(c->b, "java", "helpers", NULL);
}

static int emit_schema(const tc_schema *s, tc_outputs *out)
{
    jv_ctx c;
    memset(&c, 0, sizeof c);
    c.s = s;
    const char *outer = outer_name(&c, s);
    const char *path = pool_printf(&c.names, JAVA_DIR "%s.java", outer);
    c.b = outputs_add(out, path);
    if (!c.b) {
        pool_free(&c.names);
        return -1;
    }
    tc_buf *b = c.b;
    emit_banner(b, TC_NAMES_JAVA, s->path);
    buf_line(b, "package %s;", JAVA_PACKAGE);
    buf_blank(b);
    buf_line(b, "import java.lang.foreign.MemorySegment;");
    buf_line(b, "import java.lang.foreign.ValueLayout;");
    buf_line(b, "import java.nio.ByteOrder;");
    buf_line(b, "import java.util.List;");
    buf_line(b, "import java.util.Objects;");
    if (s->nservices)
        emit_rpc_java_imports(b);
    buf_blank(b);
    java_doc(&c, s->doc, pool_printf(&c.names, "Views over the messages of schema %s: read and write every field in place.",
                                      s->name));
    buf_line(b, "public final class %s {", outer);
    b->indent++;
    buf_line(b, "private %s() {}", outer);
    buf_blank(b);
    buf_line(b, "/** The schema fingerprint: bind a bus to it so peers of another layout are refused. */");
    buf_line(b, "public static final long SCHEMA_FINGERPRINT = %s;", long_literal(&c, s->fingerprint));
    buf_blank(b);
    emit_consts(&c);
    emit_messages(&c);
    for (size_t i = 0; i < s->nenums; i++)
        emit_enum(&c, &s->enums[i]);
    for (size_t i = 0; i < s->nstructs; i++)
        emit_struct(&c, &s->structs[i]);
    emit_rpc_java(b, &c.names, s, struct_ref, &c);
    static const char *const rpc_types[] = {"%sClient", "%sServer", NULL};
    emit_rpc_check_types(&out->errors, &c.names, TC_NAMES_JAVA, s, true, rpc_types);
    emit_helpers(&c);
    b->indent--;
    buf_line(b, "}");
    int rc = c.oom || c.names.oom ? -1 : 0;
    pool_free(&c.names);
    if (rc)
        fprintf(stderr, "tachc: out of memory\n");
    return rc;
}

int emit_java(const tc_program *prog, const tachc_options *opts, tc_outputs *out)
{
    (void)opts;
    for (size_t i = 0; i < prog->nschemas; i++)
        if (emit_schema(prog->schemas[i], out) != 0)
            return -1;
    return 0;
}
