/*
 * emit_csharp.c - the C# emitter (C# 7, Mono's mcs and modern .NET alike): one
 * file per schema, DIR/csharp/<schema>.cs, in `namespace <Schema>` (PascalCase),
 * and DIR/csharp/Tachc.cs, the support code (compiler/support/tachyon_support.cs).
 *
 * Per struct (MarketTick): an `unsafe struct MarketTick`, a view over a pointer
 * and a length (a length below Size throws Tachc.SizeException). Every field
 * is a property that reads and writes little-endian explicitly, byte by byte,
 * at its offset (any alignment): Price, Symbol (a string up to the first NUL;
 * too long throws Tachc.TextException), SymbolBytes (a Span<byte>), nested
 * structs as their views, arrays as Samples(i) / SetSamples(i, v) with
 * SamplesCount. Constants: Size, Fingerprint, Name, <Field>Offset, <Field>Size.
 *
 * Enums are C# enums of the underlying type; flag sets carry [Flags]. Per
 * schema, a static class `Schema`: Fingerprint, Msg<Name> ids, the schema's
 * constants, PayloadSize(id), MessageName(id), IsReserved(id) and Decode(id,
 * pointer, length), which returns the payload's view boxed (null for an empty
 * payload) so that a `switch` with type patterns picks it up.
 *
 * Names (names.h, the C# rule): types and properties in PascalCase; enum
 * values and constants as written; a keyword, a member every view has (Size,
 * Pointer, Bytes, Clear, ...), the struct's own name or a name an earlier field
 * derived (SetX, XOffset, ...) gets a trailing '_'.
 */
#include "emit.h"
#include "emit_rpc.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct cs_ctx {
    tc_buf *b;
    tc_pool *ns;
    const tc_schema *sc;
} cs_ctx;

static const char *pascal(tc_pool *ns, const char *s) { return pool_keep(ns, name_pascal(s)); }
static const char *ident(tc_pool *ns, const char *s) { return names_ident(ns, TC_NAMES_CSHARP, s); }

/* The namespace of a schema's generated code. */
static const char *schema_ns(tc_pool *ns, const tc_schema *sc) { return ident(ns, pascal(ns, sc->name)); }

static const char *cs_prim(tc_prim p)
{
    switch (p) {
    case TC_U8: return "byte";
    case TC_U16: return "ushort";
    case TC_U32: return "uint";
    case TC_U64: return "ulong";
    case TC_I8: return "sbyte";
    case TC_I16: return "short";
    case TC_I32: return "int";
    case TC_I64: return "long";
    case TC_F32: return "float";
    case TC_F64: return "double";
    case TC_BOOL: return "bool";
    case TC_CHAR: return "byte";
    }
    return "?";
}

/* The Tachc.Le suffix of a primitive: U32, F64, Bool. */
static const char *le_suffix(tc_prim p)
{
    switch (p) {
    case TC_U8: return "U8";
    case TC_U16: return "U16";
    case TC_U32: return "U32";
    case TC_U64: return "U64";
    case TC_I8: return "I8";
    case TC_I16: return "I16";
    case TC_I32: return "I32";
    case TC_I64: return "I64";
    case TC_F32: return "F32";
    case TC_F64: return "F64";
    case TC_BOOL: return "Bool";
    case TC_CHAR: return "U8";
    }
    return "?";
}

/* A struct or enum, fully qualified (global::Everything.Color): a property of the
 * same name never hides it. */
static const char *cs_type(tc_pool *ns, const tc_type *t)
{
    if (t->kind == TC_T_ENUM || t->kind == TC_T_FLAGS)
        return pool_printf(ns, "global::%s.%s", schema_ns(ns, t->en->schema), ident(ns, t->en->name));
    if (t->kind == TC_T_STRUCT)
        return pool_printf(ns, "global::%s.%s", schema_ns(ns, t->st->schema), ident(ns, t->st->name));
    return cs_prim(t->prim);
}

static void int_literal(tc_buf *b, tc_prim p, uint64_t bits, int64_t value)
{
    if (prim_is_signed(p)) {
        if (value == INT64_MIN)
            buf_puts(b, "long.MinValue");
        else
            buf_printf(b, "%" PRId64 "%s", value, p == TC_I64 ? "L" : "");
        return;
    }
    buf_printf(b, "%" PRIu64 "%s", bits, p == TC_U64 ? "UL" : p == TC_U32 ? "U" : "");
}

/* An XML doc comment (<summary>) from schema doc text, escaped. */
static void doc(tc_buf *b, const char *text)
{
    if (!text)
        return;
    tc_buf esc = {0};
    emit_xml_escaped(&esc, text, strlen(text));
    if (esc.oom)
        b->oom = 1;
    buf_text_line(b, "/// <summary>");
    emit_doc_trimmed(b, esc.data ? esc.data : "", "/// ");
    buf_text_line(b, "/// </summary>");
    buf_free(&esc);
}

static void emit_enum(cs_ctx *c, const tc_enum *en)
{
    tc_buf *b = c->b;
    b->indent = 1;
    doc(b, en->doc);
    if (en->is_flags)
        buf_text_line(b, "[Flags]");
    buf_line(b, "public enum %s : %s", ident(c->ns, en->name), cs_prim(en->underlying));
    buf_text_line(b, "{");
    b->indent = 2;
    for (size_t i = 0; i < en->nvalues; i++) {
        const tc_enum_value *v = &en->values[i];
        doc(b, v->doc);
        buf_indent(b);
        buf_printf(b, "%s = ", ident(c->ns, v->name));
        int_literal(b, en->underlying, v->bits, v->value);
        buf_puts(b, ",\n");
    }
    b->indent = 1;
    buf_text_line(b, "}");
    buf_blank(b);
    b->indent = 0;
}

/* One field's members; `fp` is its property name. */
static void emit_field(cs_ctx *c, const tc_struct *st, const tc_field *f, const char *fp)
{
    tc_buf *b = c->b;
    tc_pool *ns = c->ns;
    const tc_type *t = &f->type;
    tc_buf head = {0};
    type_spelling(&head, t, NULL);
    if (head.oom)
        b->oom = 1;
    buf_blank(b);
    if (f->doc) {
        tc_buf d = {0};
        buf_printf(&d, "%s\n`%s`: %s at byte %" PRIu64 ".", f->doc, f->name, head.data ? head.data : "", f->offset);
        doc(b, d.data);
        if (d.oom)
            b->oom = 1;
        buf_free(&d);
    } else {
        buf_line(b, "/// <summary>`%s`: %s at byte %" PRIu64 ".</summary>", f->name, head.data ? head.data : "",
                 f->offset);
    }
    buf_free(&head);
    const char *at = pool_printf(ns, "p + %sOffset", fp);
    switch (t->kind) {
    case TC_T_PRIM:
        buf_line(b, "public %s %s", cs_prim(t->prim), fp);
        buf_text_line(b, "{");
        buf_line(b, "    get { return global::Tachc.Le.Read%s(%s); }", le_suffix(t->prim), at);
        buf_line(b, "    set { global::Tachc.Le.Write%s(%s, value); }", le_suffix(t->prim), at);
        buf_text_line(b, "}");
        break;
    case TC_T_ENUM:
    case TC_T_FLAGS: {
        const char *ty = cs_type(ns, t);
        buf_line(b, "public %s %s", ty, fp);
        buf_text_line(b, "{");
        buf_line(b, "    get { return (%s)global::Tachc.Le.Read%s(%s); }", ty, le_suffix(t->prim), at);
        buf_line(b, "    set { global::Tachc.Le.Write%s(%s, (%s)value); }", le_suffix(t->prim), at, cs_prim(t->prim));
        buf_text_line(b, "}");
        break;
    }
    case TC_T_CHARS:
        buf_line(b, "public string %s", fp);
        buf_text_line(b, "{");
        buf_line(b, "    get { return global::Tachc.Le.ReadText(%s, %sSize); }", at, fp);
        buf_line(b, "    set { global::Tachc.Le.WriteText(%s, %sSize, value, \"%s.%s\"); }", at, fp, st->name, f->name);
        buf_text_line(b, "}");
        buf_blank(b);
        buf_line(b, "/// <summary>The %" PRIu64 " bytes of `%s`, in place.</summary>", t->count, f->name);
        buf_line(b, "public Span<byte> %sBytes { get { return new Span<byte>(%s, %sSize); } }", fp, at, fp);
        break;
    case TC_T_STRUCT:
        buf_line(b, "public %s %s { get { return new %s(%s, %sSize); } }", cs_type(ns, t), fp, cs_type(ns, t), at, fp);
        break;
    case TC_T_ARRAY: {
        const tc_type *e = t->elem;
        const char *ty = cs_type(ns, e);
        const char *stride = pool_printf(ns, "%" PRIu64, e->size);
        if (e->kind == TC_T_STRUCT) {
            buf_line(b, "public %s %s(int i)", ty, fp);
            buf_text_line(b, "{");
            buf_line(b, "    global::Tachc.Le.CheckIndex(i, %sCount);", fp);
            buf_line(b, "    return new %s(%s + i * %s, %s);", ty, at, stride, stride);
            buf_text_line(b, "}");
            break;
        }
        buf_line(b, "public %s %s(int i)", ty, fp);
        buf_text_line(b, "{");
        buf_line(b, "    global::Tachc.Le.CheckIndex(i, %sCount);", fp);
        if (e->kind == TC_T_PRIM)
            buf_line(b, "    return global::Tachc.Le.Read%s(%s + i * %s);", le_suffix(e->prim), at, stride);
        else
            buf_line(b, "    return (%s)global::Tachc.Le.Read%s(%s + i * %s);", ty, le_suffix(e->prim), at, stride);
        buf_text_line(b, "}");
        buf_blank(b);
        buf_line(b, "public void Set%s(int i, %s v)", fp, ty);
        buf_text_line(b, "{");
        buf_line(b, "    global::Tachc.Le.CheckIndex(i, %sCount);", fp);
        if (e->kind == TC_T_PRIM)
            buf_line(b, "    global::Tachc.Le.Write%s(%s + i * %s, v);", le_suffix(e->prim), at, stride);
        else
            buf_line(b, "    global::Tachc.Le.Write%s(%s + i * %s, (%s)v);", le_suffix(e->prim), at, stride, cs_prim(e->prim));
        buf_text_line(b, "}");
        buf_blank(b);
        buf_line(b, "/// <summary>The %" PRIu64 " elements' bytes, in place.</summary>", t->count);
        buf_line(b, "public Span<byte> %sBytes { get { return new Span<byte>(%s, %sSize); } }", fp, at, fp);
        break;
    }
    case TC_T_PAD: break;
    }
}

/* Members every view defines: a field's property may not take these names. */
static const char *const view_members[] = {"Size", "Fingerprint", "Name", "Pointer", "Bytes", "Clear", "p",
                                           "Equals", "GetHashCode", "ToString", "GetType", NULL};
/* The names a field `X` also defines. */
static const char *const field_derived[] = {"%sOffset", "%sSize", "%sCount", "%sBytes", "Set%s", NULL};

static void emit_struct(cs_ctx *c, const tc_struct *st)
{
    tc_buf *b = c->b;
    tc_pool *ns = c->ns;
    const char *name = ident(ns, st->name);
    /* a member may not have its struct's name */
    const char **props = emit_field_names(ns, st, TC_NAMES_CSHARP, 'p', name, view_members, field_derived);
    if (!props) {
        b->oom = 1;
        return;
    }

    b->indent = 1;
    tc_buf d = {0};
    if (st->doc)
        buf_printf(&d, "%s\n", st->doc);
    buf_printf(&d, "A view over the %" PRIu64 " bytes of one `%s`, read and written in place.", st->size, st->name);
    if (d.oom)
        b->oom = 1;
    doc(b, d.data);
    buf_free(&d);
    buf_line(b, "public unsafe struct %s", name);
    buf_text_line(b, "{");
    b->indent = 2;
    buf_line(b, "public const int Size = %" PRIu64 ";", st->size);
    buf_line(b, "public const ulong Fingerprint = 0x%016" PRIx64 "UL;", st->fingerprint);
    buf_line(b, "public const string Name = \"%s\";", st->name);
    for (size_t i = 0; i < st->nfields; i++) {
        const tc_field *f = &st->fields[i];
        if (f->type.kind == TC_T_PAD)
            continue;
        buf_line(b, "public const int %sOffset = %" PRIu64 ";", props[i], f->offset);
        buf_line(b, "public const int %sSize = %" PRIu64 ";", props[i], f->size);
        if (f->type.kind == TC_T_ARRAY)
            buf_line(b, "public const int %sCount = %" PRIu64 ";", props[i], f->type.count);
    }
    buf_blank(b);
    buf_text_line(b, "private readonly byte* p;");
    buf_blank(b);
    buf_text_line(b, "/// <summary>Views `length` bytes at `pointer`; fewer than Size throws Tachc.SizeException.</summary>");
    buf_line(b, "public %s(byte* pointer, int length)", name);
    buf_text_line(b, "{");
    buf_text_line(b, "    global::Tachc.Le.CheckSize(Name, Size, length);");
    buf_text_line(b, "    p = pointer;");
    buf_text_line(b, "}");
    buf_blank(b);
    buf_text_line(b, "/// <summary>The first byte of the view.</summary>");
    buf_text_line(b, "public byte* Pointer { get { return p; } }");
    buf_text_line(b, "/// <summary>The Size bytes of the view, in place.</summary>");
    buf_text_line(b, "public Span<byte> Bytes { get { return new Span<byte>(p, Size); } }");
    buf_text_line(b, "/// <summary>Zeroes every byte, padding included.</summary>");
    buf_text_line(b, "public void Clear() { Bytes.Clear(); }");
    for (size_t i = 0; i < st->nfields; i++)
        if (st->fields[i].type.kind != TC_T_PAD)
            emit_field(c, st, &st->fields[i], props[i]);
    b->indent = 1;
    buf_text_line(b, "}");
    buf_blank(b);
    b->indent = 0;
    free(props);
}

static void emit_const(cs_ctx *c, const tc_const *k)
{
    tc_buf *b = c->b;
    doc(b, k->doc);
    const char *name = ident(c->ns, k->name);
    buf_indent(b);
    switch (k->kind) {
    case TC_C_INT:
    case TC_C_UINT:
        buf_printf(b, "public const %s %s = ", cs_prim(k->type), name);
        if (k->kind == TC_C_INT)
            int_literal(b, k->type, (uint64_t)k->i, k->i);
        else
            int_literal(b, k->type, k->u, (int64_t)k->u);
        buf_puts(b, ";\n");
        break;
    case TC_C_BOOL: buf_printf(b, "public const bool %s = %s;\n", name, k->u ? "true" : "false"); break;
    case TC_C_FLOAT: {
        const char *t = cs_prim(k->type);
        buf_printf(b, "public const %s %s = ", t, name);
        if (isnan(k->f))
            buf_printf(b, "%s.NaN", t);
        else if (isinf(k->f))
            buf_printf(b, "%s.%s", t, k->f < 0 ? "NegativeInfinity" : "PositiveInfinity");
        else {
            char tmp[64];
            emit_float_text(tmp, sizeof tmp, k->f, k->type == TC_F32, false, true);
            buf_printf(b, "%s%s", tmp, k->type == TC_F32 ? "f" : "");
        }
        buf_puts(b, ";\n");
        break;
    }
    case TC_C_STRING:
        buf_printf(b, "public const string %s = ", name);
        emit_string_literal(b, k->s, STR_UTF16);
        buf_puts(b, ";\n");
        break;
    }
}

static void emit_schema_class(cs_ctx *c, const tc_schema *sc)
{
    tc_buf *b = c->b;
    tc_pool *ns = c->ns;
    b->indent = 1;
    buf_line(b, "/// <summary>Schema `%s`: its fingerprint, constants, message ids and decoding by id.</summary>",
             sc->name);
    buf_text_line(b, "public static unsafe class Schema");
    buf_text_line(b, "{");
    b->indent = 2;
    buf_text_line(b, "/// <summary>Bind a bus to it (Options.SchemaFingerprint) so that only peers built from the");
    buf_text_line(b, "/// same messages can connect.</summary>");
    buf_line(b, "public const ulong Fingerprint = 0x%016" PRIx64 "UL;", sc->fingerprint);
    for (size_t i = 0; i < sc->nconsts; i++)
        emit_const(c, &sc->consts[i]);
    buf_blank(b);
    for (size_t i = 0; i < sc->nmessages; i++) {
        const tc_message *m = &sc->messages[i];
        if (m->doc)
            doc(b, m->doc);
        buf_line(b, "public const uint Msg%s = %" PRIu32 "; // %s", pascal(ns, m->name), m->id,
                 m->payload ? m->payload->name : "empty payload");
    }
    if (sc->nmessages)
        buf_blank(b);

    buf_text_line(b, "/// <summary>The payload size of message `typeId` (0: empty payload), or -1 for an unknown id.</summary>");
    buf_text_line(b, "public static int PayloadSize(uint typeId)");
    buf_text_line(b, "{");
    buf_text_line(b, "    switch (typeId)");
    buf_text_line(b, "    {");
    for (size_t i = 0; i < sc->nmessages; i++) {
        const tc_message *m = &sc->messages[i];
        if (m->payload)
            buf_line(b, "        case Msg%s: return global::%s.%s.Size;", pascal(ns, m->name),
                     schema_ns(ns, m->payload->schema), ident(ns, m->payload->name));
        else
            buf_line(b, "        case Msg%s: return 0;", pascal(ns, m->name));
    }
    buf_text_line(b, "        default: return -1;");
    buf_text_line(b, "    }");
    buf_text_line(b, "}");
    buf_blank(b);
    buf_text_line(b, "/// <summary>The schema name of message `typeId`, or null for an unknown id.</summary>");
    buf_text_line(b, "public static string MessageName(uint typeId)");
    buf_text_line(b, "{");
    buf_text_line(b, "    switch (typeId)");
    buf_text_line(b, "    {");
    for (size_t i = 0; i < sc->nmessages; i++)
        buf_line(b, "        case Msg%s: return \"%s\";", pascal(ns, sc->messages[i].name), sc->messages[i].name);
    buf_text_line(b, "        default: return null;");
    buf_text_line(b, "    }");
    buf_text_line(b, "}");
    buf_blank(b);
    buf_text_line(b, "/// <summary>Whether `typeId` is retired (reserved): no message may use it.</summary>");
    buf_text_line(b, "public static bool IsReserved(uint typeId)");
    buf_text_line(b, "{");
    buf_indent(b);
    buf_puts(b, "    return ");
    if (sc->nreserved == 0)
        buf_puts(b, "false");
    emit_reserved_test(b, sc, "typeId", "U", " || ");
    buf_puts(b, ";\n");
    buf_text_line(b, "}");
    buf_blank(b);
    buf_text_line(b, "/// <summary>");
    buf_text_line(b, "/// The payload of a message of `typeId` at `pointer` as its view (boxed; null for an empty");
    buf_text_line(b, "/// payload), in place: `if (view is MarketTick tick) ...`. An unknown id throws");
    buf_text_line(b, "/// Tachc.UnknownTypeException, a payload shorter than its struct Tachc.SizeException.");
    buf_text_line(b, "/// </summary>");
    buf_text_line(b, "public static object Decode(uint typeId, byte* pointer, int length)");
    buf_text_line(b, "{");
    buf_text_line(b, "    switch (typeId)");
    buf_text_line(b, "    {");
    for (size_t i = 0; i < sc->nmessages; i++) {
        const tc_message *m = &sc->messages[i];
        if (m->payload)
            buf_line(b, "        case Msg%s: return new global::%s.%s(pointer, length);", pascal(ns, m->name),
                     schema_ns(ns, m->payload->schema), ident(ns, m->payload->name));
        else
            buf_line(b, "        case Msg%s: return null;", pascal(ns, m->name));
    }
    buf_line(b, "        default: throw new global::Tachc.UnknownTypeException(\"%s\", typeId);", sc->name);
    buf_text_line(b, "    }");
    buf_text_line(b, "}");
    b->indent = 1;
    buf_text_line(b, "}");
    b->indent = 0;
}

/* A struct's view type as the service code names it (tc_struct_ref_fn). */
static const char *struct_ref(void *ctx, const tc_struct *st)
{
    tc_pool *ns = ctx;
    return pool_printf(ns, "global::%s.%s", schema_ns(ns, st->schema), ident(ns, st->name));
}

static int emit_schema(const tc_schema *sc, tc_outputs *out, tc_pool *ns)
{
    char rel[1024];
    snprintf(rel, sizeof rel, "%s.cs", sc->name);
    tc_buf *b = outputs_add(out, rel);
    if (!b)
        return -1;
    cs_ctx c = {b, ns, sc};
    emit_banner(b, TC_NAMES_CSHARP, sc->path);
    if (sc->doc) {
        emit_doc_trimmed(b, sc->doc, "// ");
    }
    buf_line(b, "// Views over the messages of schema %s: read and write every field in place,", sc->name);
    buf_text_line(b, "// little-endian, at any alignment. Needs Tachc.cs (written next to this file).");
    buf_text_line(b, "using System;");
    buf_blank(b);
    buf_line(b, "namespace %s", schema_ns(ns, sc));
    buf_text_line(b, "{");
    for (size_t i = 0; i < sc->nenums; i++)
        emit_enum(&c, &sc->enums[i]);
    for (size_t i = 0; i < sc->nstructs; i++)
        emit_struct(&c, &sc->structs[i]);
    emit_schema_class(&c, sc);
    emit_rpc_csharp(b, ns, sc, struct_ref, ns);
    static const char *const rpc_types[] = {"%sMethods", "%sClient", "%sServer", NULL};
    emit_rpc_check_types(&out->errors, ns, TC_NAMES_CSHARP, sc, true, rpc_types);
    buf_text_line(b, "}");
    return b->oom || ns->oom ? -1 : 0;
}

int emit_csharp(const tc_program *prog, const tachc_options *opts, tc_outputs *out)
{
    (void)opts;
    tc_pool ns = {0};
    int rc = 0;
    tc_buf *b = outputs_add(out, "Tachc.cs");
    if (!b)
        rc = -1;
    else {
        emit_banner(b, TC_NAMES_CSHARP, NULL);
        emit_support(b, "csharp", "helpers", NULL);
        if (b->oom)
            rc = -1;
    }
    for (size_t i = 0; i < prog->nschemas && rc == 0; i++)
        rc = emit_schema(prog->schemas[i], out, &ns);
    pool_free(&ns);
    if (rc)
        fprintf(stderr, "tachc: out of memory while generating C#\n");
    return rc;
}
