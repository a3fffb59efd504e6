/*
 * emit_c.c - the C emitter: one header-only file per schema, DIR/c/<schema>.h.
 *
 * The header holds no C structs (a packed layout cannot be spelled portably in
 * C); it holds offset constants and `static inline` accessors that load and
 * store little-endian values with memcpy at those offsets, so every access is
 * unaligned-safe and reads exactly the bytes the schema names. The header
 * compiles as C11 and as C++ (static_assert instead of _Static_assert).
 *
 * Names (for struct MarketTick, field price, schema market):
 *   MARKET_TICK_SIZE, MARKET_TICK_PRICE_OFFSET, MARKET_TICK_FINGERPRINT
 *   market_tick_from(p, n), market_tick_from_mut(p, n), market_tick_clear(p)
 *   market_tick_get_price(p), market_tick_set_price(p, v)
 *   arrays: _get_F(p, i), _set_F(p, i, v), _copy_F_out(p, dst), _copy_F_in(p, src)
 *   nested structs: _get_F(p) (const), _mut_F(p) (writable); arrays of them: (p, i)
 *   MARKET_MSG_BID, MARKET_SCHEMA_FINGERPRINT, market_payload_size(id), market_decode(id, p, n)
 * Per-field names always carry a verb (get, set, mut, copy), so they cannot
 * collide with the per-struct ones (from, from_mut, clear).
 */
#include "emit.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *snake(tc_pool *ns, const char *s) { return pool_keep(ns, name_snake(s)); }
static const char *upper(tc_pool *ns, const char *s) { return pool_keep(ns, name_upper(s)); }

static const char *c_prim_type(tc_prim p)
{
    switch (p) {
    case TC_U8: return "uint8_t";
    case TC_U16: return "uint16_t";
    case TC_U32: return "uint32_t";
    case TC_U64: return "uint64_t";
    case TC_I8: return "int8_t";
    case TC_I16: return "int16_t";
    case TC_I32: return "int32_t";
    case TC_I64: return "int64_t";
    case TC_F32: return "float";
    case TC_F64: return "double";
    case TC_BOOL: return "bool";
    case TC_CHAR: return "char";
    }
    return "?";
}

/* The name of an enum's typedef: PixelFormat -> pixel_format_t. */
static const char *enum_typedef(tc_pool *ns, const tc_enum *en)
{
    char *s = name_snake(en->name);
    if (!s) {
        ns->oom = 1;
        return "";
    }
    size_t n = strlen(s);
    char *t = malloc(n + 3);
    if (t) {
        memcpy(t, s, n);
        memcpy(t + n, "_t", 3);
    }
    free(s);
    return pool_keep(ns, t);
}

/* The C type a scalar (primitive, enum or flags) is read as. */
static const char *c_scalar_type(tc_pool *ns, const tc_type *t)
{
    if (t->kind == TC_T_ENUM || t->kind == TC_T_FLAGS)
        return enum_typedef(ns, t->en);
    return c_prim_type(t->prim);
}

/* A doc comment: heading (may be NULL) and the schema's doc text (may be NULL).
 * Without doc text the heading is a plain comment. */
static void c_doc_with(tc_buf *b, const char *heading, const char *doc)
{
    char *safe = doc_clean(doc, DOC_C_COMMENT);
    if (doc && !safe) {
        b->oom = 1;
        return;
    }
    if (!safe || !*safe) {
        if (heading)
            buf_line(b, "/* %s */", heading);
    } else if (!heading && !strchr(safe, '\n')) {
        buf_line(b, "/** %s */", safe);
    } else {
        buf_text_line(b, "/**");
        if (heading)
            buf_line(b, " * %s", heading);
        emit_doc(b, safe, " * ");
        buf_text_line(b, " */");
    }
    free(safe);
}

static void c_doc(tc_buf *b, const char *doc) { c_doc_with(b, NULL, doc); }

/* An integer literal of the given primitive type with the value's stored bits. */
static void c_int_literal(tc_buf *b, tc_prim p, uint64_t bits, int64_t value)
{
    if (prim_is_signed(p)) {
        if (value == INT64_MIN)
            buf_puts(b, "(-INT64_C(9223372036854775807) - 1)");
        else if (p == TC_I64)
            buf_printf(b, "INT64_C(%" PRId64 ")", value);
        else
            buf_printf(b, "%" PRId64, value);
        return;
    }
    if (p == TC_U64)
        buf_printf(b, "UINT64_C(%" PRIu64 ")", bits);
    else
        buf_printf(b, "%" PRIu64 "u", bits);
}

/* The load/store helpers every generated header shares; guarded so that
 * several generated headers can be included in one translation unit. */
static void emit_helpers(tc_buf *b) { emit_support(b, "c", "helpers", NULL); }

/* The load/store helper suffix of a scalar: "u32", "f64", "bool". */
static const char *ld_suffix(const tc_type *t) { return prim_name(t->prim); }

typedef struct c_ctx {
    tc_buf *b;
    tc_pool *ns;
    const tc_schema *sc;
    tc_defs *defs;   /* every name the program's headers define (C has one namespace) */
    tc_buf *errors;
} c_ctx;

/* Records the names the code written since `mark` defines for `what`. */
static void c_scan(c_ctx *c, size_t mark, tc_loc loc, const char *what)
{
    emit_defs_scan(c->defs, c->ns, TC_NAMES_C, c->b->data ? c->b->data + mark : "", loc, what, c->errors);
}

static void emit_enum(c_ctx *c, const tc_enum *en)
{
    tc_buf *b = c->b;
    const char *td = enum_typedef(c->ns, en);
    const char *up = upper(c->ns, en->name);
    c_doc(b, en->doc);
    buf_line(b, "typedef %s %s; /* %s %s : %s */", c_prim_type(en->underlying), td,
             en->is_flags ? "flags" : "enum", en->name, prim_name(en->underlying));
    for (size_t i = 0; i < en->nvalues; i++) {
        const tc_enum_value *v = &en->values[i];
        c_doc(b, v->doc);
        buf_printf(b, "#define %s_%s ((%s)", up, upper(c->ns, v->name), td);
        c_int_literal(b, en->underlying, v->bits, v->value);
        buf_puts(b, ")\n");
    }
    buf_line(b, "TACHC_STATIC_ASSERT(sizeof(%s) == %u, \"%s is stored in %u byte(s)\");", td,
             prim_size(en->underlying), en->name, prim_size(en->underlying));
    if (!en->is_flags) {
        buf_blank(b);
        buf_line(b, "/* Returns the name of a %s value, or NULL for a value the schema does not define. */",
                 en->name);
        buf_line(b, "static inline const char *%s_name(%s v)", snake(c->ns, en->name), td);
        buf_text_line(b, "{");
        /* A chain of ifs, not a switch: values of an enum may repeat. */
        for (size_t i = 0; i < en->nvalues; i++)
            buf_line(b, "    if (v == %s_%s)\n        return \"%s\";", up, upper(c->ns, en->values[i].name),
                     en->values[i].name);
        buf_text_line(b, "    return NULL;");
        buf_text_line(b, "}");
    } else {
        uint64_t all = 0;
        for (size_t i = 0; i < en->nvalues; i++)
            all |= en->values[i].bits;
        /* MASK, unless the flag set has a value of that name */
        const char *mask = "MASK";
        for (size_t i = 0; i < en->nvalues; i++)
            if (strcmp(upper(c->ns, en->values[i].name), "MASK") == 0)
                mask = "ALL_DEFINED_BITS";
        buf_line(b, "/* Every bit %s defines. */", en->name);
        buf_printf(b, "#define %s_%s ((%s)", up, mask, td);
        c_int_literal(b, en->underlying, all, (int64_t)all);
        buf_puts(b, ")\n");
    }
    buf_blank(b);
}

static void emit_const(c_ctx *c, const char *schema_up, const tc_const *k)
{
    tc_buf *b = c->b;
    c_doc(b, k->doc);
    buf_printf(b, "#define %s_%s ", schema_up, upper(c->ns, k->name));
    switch (k->kind) {
    case TC_C_INT:
        buf_printf(b, "((%s)", c_prim_type(k->type));
        c_int_literal(b, k->type, (uint64_t)k->i, k->i);
        buf_puts(b, ")");
        break;
    case TC_C_UINT:
        buf_printf(b, "((%s)", c_prim_type(k->type));
        c_int_literal(b, k->type, k->u, (int64_t)k->u);
        buf_puts(b, ")");
        break;
    case TC_C_BOOL: buf_puts(b, k->u ? "true" : "false"); break;
    case TC_C_FLOAT:
        if (isnan(k->f))
            buf_printf(b, "((%s)NAN)", c_prim_type(k->type));
        else if (isinf(k->f))
            buf_printf(b, "((%s)%sINFINITY)", c_prim_type(k->type), k->f < 0 ? "-" : "");
        else {
            char tmp[64];
            emit_float_text(tmp, sizeof tmp, k->f, k->type == TC_F32, false, true);
            buf_printf(b, "%s%s", tmp, k->type == TC_F32 ? "f" : "");
        }
        break;
    case TC_C_STRING:
        buf_puts(b, "\"");
        for (const unsigned char *s = (const unsigned char *)k->s; *s; s++) {
            if (*s == '"' || *s == '\\')
                buf_printf(b, "\\%c", *s);
            else if (*s < 0x20 || *s >= 0x7f)
                buf_printf(b, "\\%03o", *s);
            else
                buf_printf(b, "%c", *s);
        }
        buf_puts(b, "\"");
        break;
    }
    buf_puts(b, "\n");
}

static int schema_has_float_special(const tc_schema *sc)
{
    for (size_t i = 0; i < sc->nconsts; i++)
        if (sc->consts[i].kind == TC_C_FLOAT && !isfinite(sc->consts[i].f))
            return 1;
    return 0;
}

/* Accessors for one field; `pre` is the struct's snake prefix, `up` the struct's
 * upper-case prefix, `fu` the field's upper-case name. */
static void emit_field(c_ctx *c, const tc_struct *st, const tc_field *f)
{
    tc_buf *b = c->b;
    const char *pre = snake(c->ns, st->name);
    const char *up = upper(c->ns, st->name);
    const char *fs = snake(c->ns, f->name);
    const char *fu = upper(c->ns, f->name);
    const tc_type *t = &f->type;
    const char *off = pool_printf(c->ns, "%s_%s_OFFSET", up, fu);

    switch (t->kind) {
    case TC_T_PRIM:
    case TC_T_ENUM:
    case TC_T_FLAGS: {
        const char *ty = c_scalar_type(c->ns, t);
        buf_line(b, "static inline %s %s_get_%s(const void *p)", ty, pre, fs);
        buf_text_line(b, "{");
        if (t->kind == TC_T_PRIM)
            buf_line(b, "    return tachc_ld_%s((const unsigned char *)p + %s);", ld_suffix(t), off);
        else
            buf_line(b, "    return (%s)tachc_ld_%s((const unsigned char *)p + %s);", ty, ld_suffix(t), off);
        buf_text_line(b, "}");
        buf_blank(b);
        buf_line(b, "static inline void %s_set_%s(void *p, %s v)", pre, fs, ty);
        buf_text_line(b, "{");
        buf_line(b, "    tachc_st_%s((unsigned char *)p + %s, v);", ld_suffix(t), off);
        buf_text_line(b, "}");
        break;
    }
    case TC_T_CHARS:
        buf_line(b, "/* Copies the text (at most %s_%s_SIZE bytes) into dst, NUL-terminated; returns its length. */",
                 up, fu);
        buf_line(b, "static inline size_t %s_get_%s(const void *p, char *dst, size_t dst_size)", pre, fs);
        buf_text_line(b, "{");
        buf_line(b, "    return tachc_ld_text((const unsigned char *)p + %s, %s_%s_SIZE, dst, dst_size);", off, up,
                 fu);
        buf_text_line(b, "}");
        buf_blank(b);
        buf_line(b, "/* Stores s NUL-padded; returns 0, or -1 (writing nothing) when s is longer than %" PRIu64
                    " bytes. */",
                 t->count);
        buf_line(b, "static inline int %s_set_%s(void *p, const char *s)", pre, fs);
        buf_text_line(b, "{");
        buf_line(b, "    return tachc_st_text((unsigned char *)p + %s, %s_%s_SIZE, s);", off, up, fu);
        buf_text_line(b, "}");
        buf_blank(b);
        buf_line(b, "/* The raw %" PRIu64 " bytes (not NUL-terminated when the text fills them). */", t->count);
        buf_line(b, "static inline const char *%s_%s_bytes(const void *p)", pre, fs);
        buf_text_line(b, "{");
        buf_line(b, "    return (const char *)p + %s;", off);
        buf_text_line(b, "}");
        break;
    case TC_T_STRUCT:
        buf_line(b, "/* The %s inside, read with the %s_* accessors. */", t->st->name, snake(c->ns, t->st->name));
        buf_line(b, "static inline const void *%s_get_%s(const void *p)", pre, fs);
        buf_text_line(b, "{");
        buf_line(b, "    return (const unsigned char *)p + %s;", off);
        buf_text_line(b, "}");
        buf_blank(b);
        buf_line(b, "static inline void *%s_mut_%s(void *p)", pre, fs);
        buf_text_line(b, "{");
        buf_line(b, "    return (unsigned char *)p + %s;", off);
        buf_text_line(b, "}");
        break;
    case TC_T_ARRAY: {
        const tc_type *e = t->elem;
        const char *count = pool_printf(c->ns, "%s_%s_COUNT", up, fu);
        /* the address expression of element i, after the cast */
        const char *at_i = e->size == 1 ? pool_printf(c->ns, "%s + i", off)
                                        : pool_printf(c->ns, "%s + i * %" PRIu64 "u", off, e->size);
        if (e->kind == TC_T_STRUCT) {
            buf_line(b, "/* Element i (a %s), or NULL when i >= %s. */", e->st->name, count);
            buf_line(b, "static inline const void *%s_get_%s(const void *p, size_t i)", pre, fs);
            buf_text_line(b, "{");
            buf_line(b, "    return i < %s ? (const unsigned char *)p + %s : NULL;", count, at_i);
            buf_text_line(b, "}");
            buf_blank(b);
            buf_line(b, "static inline void *%s_mut_%s(void *p, size_t i)", pre, fs);
            buf_text_line(b, "{");
            buf_line(b, "    return i < %s ? (unsigned char *)p + %s : NULL;", count, at_i);
            buf_text_line(b, "}");
            break;
        }
        const char *ty = c_scalar_type(c->ns, e);
        buf_line(b, "/* Element i, or 0 when i >= %s. */", count);
        buf_line(b, "static inline %s %s_get_%s(const void *p, size_t i)", ty, pre, fs);
        buf_text_line(b, "{");
        if (e->kind == TC_T_PRIM)
            buf_line(b, "    return i < %s ? tachc_ld_%s((const unsigned char *)p + %s) : 0;",
                     count, ld_suffix(e), at_i);
        else
            buf_line(b,
                     "    return i < %s ? (%s)tachc_ld_%s((const unsigned char *)p + %s) : (%s)0;",
                     count, ty, ld_suffix(e), at_i, ty);
        buf_text_line(b, "}");
        buf_blank(b);
        buf_line(b, "/* Stores element i; returns 0, or -1 (writing nothing) when i >= %s. */", count);
        buf_line(b, "static inline int %s_set_%s(void *p, size_t i, %s v)", pre, fs, ty);
        buf_text_line(b, "{");
        buf_line(b, "    if (i >= %s)", count);
        buf_text_line(b, "        return -1;");
        buf_line(b, "    tachc_st_%s((unsigned char *)p + %s, v);", ld_suffix(e), at_i);
        buf_text_line(b, "    return 0;");
        buf_text_line(b, "}");
        buf_blank(b);
        /* Whole-array copies: one memcpy on little-endian hosts (bool excepted:
         * each byte is normalised to 0/1 on the way out). */
        int bulk = e->prim != TC_BOOL;
        buf_line(b, "/* Copies all %s elements out to dst. */", count);
        buf_line(b, "static inline void %s_copy_%s_out(const void *p, %s dst[%s])", pre, fs, ty, count);
        buf_text_line(b, "{");
        if (bulk) {
            buf_text_line(b, "#if TACHC_HOST_LE");
            buf_line(b, "    memcpy(dst, (const unsigned char *)p + %s, %s_%s_SIZE);", off, up, fu);
            buf_text_line(b, "#else");
        }
        buf_line(b, "    for (size_t i = 0; i < %s; i++)", count);
        buf_line(b, "        dst[i] = %s_get_%s(p, i);", pre, fs);
        if (bulk)
            buf_text_line(b, "#endif");
        buf_text_line(b, "}");
        buf_blank(b);
        buf_line(b, "/* Stores all %s elements from src. */", count);
        buf_line(b, "static inline void %s_copy_%s_in(void *p, const %s src[%s])", pre, fs, ty, count);
        buf_text_line(b, "{");
        if (bulk) {
            buf_text_line(b, "#if TACHC_HOST_LE");
            buf_line(b, "    memcpy((unsigned char *)p + %s, src, %s_%s_SIZE);", off, up, fu);
            buf_text_line(b, "#else");
        }
        buf_line(b, "    for (size_t i = 0; i < %s; i++)", count);
        buf_line(b, "        tachc_st_%s((unsigned char *)p + %s, src[i]);", ld_suffix(e), at_i);
        if (bulk)
            buf_text_line(b, "#endif");
        buf_text_line(b, "}");
        break;
    }
    case TC_T_PAD:
        break;
    }
}

static void emit_struct(c_ctx *c, const tc_struct *st)
{
    tc_buf *b = c->b;
    const char *pre = snake(c->ns, st->name);
    const char *up = upper(c->ns, st->name);

    buf_line(b, "/* ---- %s (%" PRIu64 " bytes) ---- */", st->name, st->size);
    c_doc(b, st->doc);
    buf_line(b, "#define %s_SIZE %" PRIu64, up, st->size);
    buf_line(b, "#define %s_FINGERPRINT UINT64_C(0x%016" PRIx64 ")", up, st->fingerprint);
    for (size_t i = 0; i < st->nfields; i++) {
        const tc_field *f = &st->fields[i];
        if (f->type.kind == TC_T_PAD)
            continue;
        const char *fu = upper(c->ns, f->name);
        buf_printf(b, "#define %s_%s_OFFSET %" PRIu64 " /* ", up, fu, f->offset);
        type_spelling(b, &f->type, NULL);
        buf_puts(b, " */\n");
        buf_line(b, "#define %s_%s_SIZE %" PRIu64, up, fu, f->size);
        if (f->type.kind == TC_T_ARRAY)
            buf_line(b, "#define %s_%s_COUNT %" PRIu64, up, fu, f->type.count);
    }

    /* The layout the accessors rely on, checked by the compiler that builds the
     * user's program: fields in order without overlap, inside the struct, and
     * nested types (possibly from another header) of the size this header
     * assumed when it was generated. */
    const char *prev = NULL; /* upper-case name of the previous accessor field */
    const char *prev_name = NULL;
    for (size_t i = 0; i < st->nfields; i++) {
        const tc_field *f = &st->fields[i];
        if (f->type.kind == TC_T_PAD)
            continue;
        const char *fu = upper(c->ns, f->name);
        if (prev)
            buf_line(b, "TACHC_STATIC_ASSERT(%s_%s_OFFSET + %s_%s_SIZE <= %s_%s_OFFSET, \"%s.%s overlaps\");", up, prev,
                     up, prev, up, fu, st->name, f->name);
        prev = fu;
        prev_name = f->name;
        const tc_type *t = &f->type;
        if (t->kind == TC_T_STRUCT)
            buf_line(b, "TACHC_STATIC_ASSERT(%s_%s_SIZE == %s_SIZE, \"%s.%s is one %s\");", up, fu,
                     upper(c->ns, t->st->name), st->name, f->name, t->st->name);
        else if (t->kind == TC_T_ARRAY && t->elem->kind == TC_T_STRUCT)
            buf_line(b, "TACHC_STATIC_ASSERT(%s_%s_SIZE == %s_%s_COUNT * %s_SIZE, \"%s.%s holds %" PRIu64 " %s\");",
                     up, fu, up, fu, upper(c->ns, t->elem->st->name), st->name, f->name, t->count, t->elem->st->name);
        else if (t->kind == TC_T_ARRAY && t->elem->prim != TC_BOOL)
            buf_line(b, "TACHC_STATIC_ASSERT(%s_%s_SIZE == %s_%s_COUNT * sizeof(%s), \"%s.%s holds %" PRIu64
                        " elements\");",
                     up, fu, up, fu, c_scalar_type(c->ns, t->elem), st->name, f->name, t->count);
        else if (t->kind != TC_T_CHARS && t->kind != TC_T_ARRAY && t->prim != TC_BOOL)
            buf_line(b, "TACHC_STATIC_ASSERT(%s_%s_SIZE == sizeof(%s), \"%s.%s is one %s\");", up, fu,
                     c_scalar_type(c->ns, t), st->name, f->name, c_scalar_type(c->ns, t));
    }
    if (prev)
        buf_line(b, "TACHC_STATIC_ASSERT(%s_%s_OFFSET + %s_%s_SIZE <= %s_SIZE, \"%s.%s ends inside %s\");", up, prev,
                 up, prev, up, st->name, prev_name, st->name);
    buf_blank(b);

    buf_line(b, "/* Returns p when a payload of `size` bytes holds a whole %s, else NULL. */", st->name);
    buf_line(b, "static inline const void *%s_from(const void *p, size_t size)", pre);
    buf_text_line(b, "{");
    buf_line(b, "    return p != NULL && size >= %s_SIZE ? p : NULL;", up);
    buf_text_line(b, "}");
    buf_blank(b);
    buf_line(b, "static inline void *%s_from_mut(void *p, size_t size)", pre);
    buf_text_line(b, "{");
    buf_line(b, "    return p != NULL && size >= %s_SIZE ? p : NULL;", up);
    buf_text_line(b, "}");
    buf_blank(b);
    buf_line(b, "/* Zeroes all %s_SIZE bytes (every field 0, padding included). */", up);
    buf_line(b, "static inline void %s_clear(void *p)", pre);
    buf_text_line(b, "{");
    buf_line(b, "    memset(p, 0, %s_SIZE);", up);
    buf_text_line(b, "}");

    for (size_t i = 0; i < st->nfields; i++) {
        const tc_field *f = &st->fields[i];
        if (f->type.kind == TC_T_PAD)
            continue;
        buf_blank(b);
        tc_buf head = {0};
        buf_printf(&head, "%s.%s @%" PRIu64 " : ", st->name, f->name, f->offset);
        type_spelling(&head, &f->type, NULL);
        if (head.oom)
            b->oom = 1;
        c_doc_with(b, head.data ? head.data : "", f->doc);
        buf_free(&head);
        emit_field(c, st, f);
    }
    buf_blank(b);
}

static void emit_messages(c_ctx *c, const tc_schema *sc, const char *sup, const char *slo)
{
    tc_buf *b = c->b;
    buf_line(b, "/* ---- messages of schema %s ---- */", sc->name);
    buf_text_line(b, "/* The fingerprint a bus carrying this schema is bound to (tachyon_options_t.schema_fingerprint). */");
    buf_line(b, "#define %s_SCHEMA_FINGERPRINT UINT64_C(0x%016" PRIx64 ")", sup, sc->fingerprint);
    buf_blank(b);
    for (size_t i = 0; i < sc->nmessages; i++) {
        const tc_message *m = &sc->messages[i];
        c_doc(b, m->doc);
        buf_line(b, "#define %s_MSG_%s %" PRIu32 "u /* %s */", sup, upper(c->ns, m->name), m->id,
                 m->payload ? m->payload->name : "empty payload");
    }
    if (sc->nmessages)
        buf_blank(b);

    buf_text_line(b, "/* Returns the payload size of message type_id (0: empty payload), or -1 for an id");
    buf_text_line(b, " * this schema does not define. A received payload shorter than this is an error. */");
    buf_line(b, "static inline int64_t %s_payload_size(uint32_t type_id)", slo);
    buf_text_line(b, "{");
    if (sc->nmessages) {
        buf_text_line(b, "    switch (type_id) {");
        for (size_t i = 0; i < sc->nmessages; i++) {
            const tc_message *m = &sc->messages[i];
            if (m->payload)
                buf_line(b, "    case %s_MSG_%s: return %s_SIZE;", sup, upper(c->ns, m->name),
                         upper(c->ns, m->payload->name));
            else
                buf_line(b, "    case %s_MSG_%s: return 0;", sup, upper(c->ns, m->name));
        }
        buf_text_line(b, "    default: return -1;");
        buf_text_line(b, "    }");
    } else {
        buf_text_line(b, "    (void)type_id;");
        buf_text_line(b, "    return -1;");
    }
    buf_text_line(b, "}");
    buf_blank(b);
    buf_text_line(b, "/* Returns the message name of type_id (\"Bid\"), or NULL for an id this schema does not define. */");
    buf_line(b, "static inline const char *%s_message_name(uint32_t type_id)", slo);
    buf_text_line(b, "{");
    if (sc->nmessages) {
        buf_text_line(b, "    switch (type_id) {");
        for (size_t i = 0; i < sc->nmessages; i++)
            buf_line(b, "    case %s_MSG_%s: return \"%s\";", sup, upper(c->ns, sc->messages[i].name),
                     sc->messages[i].name);
        buf_text_line(b, "    default: return NULL;");
        buf_text_line(b, "    }");
    } else {
        buf_text_line(b, "    (void)type_id;");
        buf_text_line(b, "    return NULL;");
    }
    buf_text_line(b, "}");
    buf_blank(b);
    buf_text_line(b, "/* Returns the payload of a received message when its type id is known and");
    buf_text_line(b, " * `size` holds the whole payload, else NULL (an empty payload gives p itself). */");
    buf_line(b, "static inline const void *%s_decode(uint32_t type_id, const void *p, size_t size)", slo);
    buf_text_line(b, "{");
    buf_line(b, "    int64_t need = %s_payload_size(type_id);", slo);
    buf_text_line(b, "    return need >= 0 && (uint64_t)size >= (uint64_t)need ? p : NULL;");
    buf_text_line(b, "}");
    buf_blank(b);
    buf_text_line(b, "/* Returns true for a retired (reserved) type id, which no message may use. */");
    buf_line(b, "static inline bool %s_type_id_reserved(uint32_t type_id)", slo);
    buf_text_line(b, "{");
    if (sc->nreserved == 0)
        buf_text_line(b, "    (void)type_id;");
    for (size_t i = 0; i < sc->nreserved; i++) {
        buf_indent(b);
        buf_puts(b, "    if (");
        emit_reserved_range(b, &sc->reserved[i], "type_id", "u", false);
        buf_puts(b, ")\n");
        buf_text_line(b, "        return true;");
    }
    buf_text_line(b, "    return false;");
    buf_text_line(b, "}");
}

/* The size constant of a method's request or reply, "0" when empty. */
static const char *body_size(c_ctx *c, const tc_struct *st)
{
    return st ? pool_printf(c->ns, "%s_SIZE", upper(c->ns, st->name)) : "0";
}

/* A service: its method ids, a typed client stub per method, and a server
 * interface (a struct of handlers) with its dispatch loop over
 * tachyon_rpc_serve_until. */
static void emit_service(c_ctx *c, const tc_service *svc)
{
    tc_buf *b = c->b;
    const char *pre = snake(c->ns, svc->name);
    const char *up = upper(c->ns, svc->name);
    /* What each method defines is scanned as that method's, so that a clash
     * between two methods names both; the rest as the service's. */
    const char **what = calloc(svc->nmethods ? svc->nmethods : 1, sizeof *what);
    if (!what) {
        b->oom = 1;
        return;
    }
    for (size_t i = 0; i < svc->nmethods; i++)
        what[i] = pool_printf(c->ns, "method %s.%s", svc->name, svc->methods[i].name);
    const char *svc_what = pool_printf(c->ns, "service %s", svc->name);
    size_t mark = b->len;

    buf_line(b, "/* ---- service %s ---- */", svc->name);
    c_doc(b, svc->doc);
    c_scan(c, mark, svc->loc, svc_what);
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        mark = b->len;
        c_doc(b, m->doc);
        buf_line(b, "#define %s_%s_METHOD %" PRIu32 "u /* (%s) -> %s */", up, upper(c->ns, m->name), m->id,
                 m->request ? m->request->name : "", m->reply ? m->reply->name : "()");
        c_scan(c, mark, m->loc, what[i]);
    }
    buf_blank(b);
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        mark = b->len;
        const char *mu = upper(c->ns, m->name);
        const char *ms = snake(c->ns, m->name);
        if (m->request)
            buf_line(b, "/* Calls %s.%s: sends the %s bytes at `request` and waits until deadline_ns", svc->name,
                     m->name, body_size(c, m->request));
        else
            buf_line(b, "/* Calls %s.%s (an empty request) and waits until deadline_ns", svc->name, m->name);
        buf_line(b, " * for the reply, left in place in *reply (%s bytes at reply->data; release it with",
                 body_size(c, m->reply));
        buf_text_line(b, " * tachyon_rpc_release). Transport failures are the return value; what the server");
        buf_text_line(b, " * answered is reply->status (TACHYON_RPC_OK, UNKNOWN_METHOD, APP_ERROR + app_code).");
        buf_text_line(b, " * A reply of the wrong size is TACHYON_ERR_CORRUPT (larger: TOO_LARGE). */");
        int indent = (int)(strlen("static inline tachyon_error_t __client_(") + strlen(pre) + strlen(ms));
        buf_line(b, "static inline tachyon_error_t %s_client_%s(tachyon_rpc_t *rpc,%s", pre, ms,
                 m->request ? " const void *request," : "");
        buf_line(b, "%*stachyon_rpc_msg_t *reply, int64_t deadline_ns)", indent - 1, "");
        buf_text_line(b, "{");
        buf_line(b, "    tachyon_error_t err = tachyon_rpc_call_until(rpc, %s_%s_METHOD, %s, %s, %s, reply,", up, mu,
                 m->request ? "request" : "NULL", body_size(c, m->request), body_size(c, m->reply));
        buf_line(b, "%*sdeadline_ns);", (int)strlen("    tachyon_error_t err = tachyon_rpc_call_until("), "");
        buf_blank(b);
        buf_line(b, "    if (err == TACHYON_OK && reply->status == TACHYON_RPC_OK && reply->size != %s) {",
                 body_size(c, m->reply));
        buf_text_line(b, "        tachyon_rpc_release(rpc);");
        buf_text_line(b, "        return TACHYON_ERR_CORRUPT;");
        buf_text_line(b, "    }");
        buf_text_line(b, "    return err;");
        buf_text_line(b, "}");
        buf_blank(b);
        buf_line(b, "/* Pipelined %s.%s: sends the call and returns at once (*call_id names its reply in", svc->name,
                 m->name);
        buf_text_line(b, " * tachyon_rpc_next_reply_until); the call fails with TIMEOUT once deadline_ns passed. */");
        buf_line(b, "static inline tachyon_error_t %s_client_%s_send(tachyon_rpc_t *rpc,%s", pre, ms,
                 m->request ? " const void *request," : "");
        buf_line(b, "%*sint64_t deadline_ns, uint64_t *call_id)", indent + 4, "");
        buf_text_line(b, "{");
        buf_line(b, "    return tachyon_rpc_send_until(rpc, %s_%s_METHOD, %s, %s, %s, deadline_ns,", up, mu,
                 m->request ? "request" : "NULL", body_size(c, m->request), body_size(c, m->reply));
        buf_line(b, "%*scall_id);", (int)strlen("    return tachyon_rpc_send_until("), "");
        buf_text_line(b, "}");
        buf_blank(b);
        c_scan(c, mark, m->loc, what[i]);
    }
    mark = b->len;
    buf_line(b, "/* The server side of %s: one handler per method (NULL: answered UNKNOWN_METHOD).", svc->name);
    buf_text_line(b, " * A handler reads the request and writes the whole reply in place, then returns 0");
    buf_text_line(b, " * or its own nonzero error code (sent as TACHYON_RPC_APP_ERROR); a slow one returns");
    buf_text_line(b, " * TACHYON_RPC_DEFERRED and answers later, from any thread, with tachyon_rpc_post_reply");
    buf_text_line(b, " * for tachyon_rpc_current_call(rpc), so that it holds up only its own call. */");
    buf_line(b, "typedef struct %s_server {", pre);
    buf_text_line(b, "    void *ctx; /* passed to every handler */");
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        buf_line(b, "    /* %s: request %s bytes, reply %s bytes */", m->name, body_size(c, m->request),
                 body_size(c, m->reply));
        buf_line(b, "    uint32_t (*%s)(void *ctx, const void *request, void *reply);", snake(c->ns, m->name));
    }
    buf_line(b, "} %s_server_t;", pre);
    buf_blank(b);
    buf_line(b, "/* Answers %s calls on `rpc` with `impl` until the client goes (PEER_GONE),", svc->name);
    buf_text_line(b, " * deadline_ns passes (TIMEOUT) or a wait is interrupted. */");
    buf_line(b, "static inline tachyon_error_t %s_serve(tachyon_rpc_t *rpc, const %s_server_t *impl, int64_t deadline_ns)",
             pre, pre);
    buf_text_line(b, "{");
    buf_line(b, "    tachyon_rpc_method_t methods[%zu];", svc->nmethods ? svc->nmethods : 1);
    buf_text_line(b, "    size_t n = 0;");
    buf_text_line(b, "");
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        const char *ms = snake(c->ns, m->name);
        buf_line(b, "    if (impl->%s) {", ms);
        buf_line(b, "        tachyon_rpc_method_t one = {%s_%s_METHOD, %s, %s, impl->%s};", up, upper(c->ns, m->name),
                 body_size(c, m->request), body_size(c, m->reply), ms);
        buf_text_line(b, "        methods[n++] = one;");
        buf_text_line(b, "    }");
    }
    buf_text_line(b, "    return tachyon_rpc_serve_until(rpc, methods, n, impl->ctx, deadline_ns);");
    buf_text_line(b, "}");
    buf_blank(b);
    c_scan(c, mark, svc->loc, svc_what);
    free(what);
}

static int emit_schema(const tc_schema *sc, tc_outputs *out, tc_pool *ns, tc_defs *defs)
{
    char rel[1024];
    snprintf(rel, sizeof rel, "%s.h", sc->name);
    tc_buf *b = outputs_add(out, rel);
    if (!b)
        return -1;
    c_ctx c = {b, ns, sc, defs, &out->errors};
    size_t mark;
    const char *sup = upper(ns, sc->name);
    const char *slo = snake(ns, sc->name);

    emit_banner(b, TC_NAMES_C, sc->path);
    c_doc(b, sc->doc);
    buf_text_line(b, "/*");
    buf_line(b, " * Accessors for schema %s: each reads or writes one field of a message in place,", sc->name);
    buf_text_line(b, " * little-endian, at any alignment. `p` is the first byte of the payload; check its");
    buf_line(b, " * size first with <type>_from(p, size) or %s_decode(type_id, p, size).", slo);
    buf_text_line(b, " */");
    mark = b->len;
    buf_line(b, "#ifndef TACHC_%s_H", sup);
    buf_line(b, "#define TACHC_%s_H", sup);
    c_scan(&c, mark, sc->loc, pool_printf(ns, "schema %s", sc->name));
    buf_blank(b);
    if (schema_has_float_special(sc))
        buf_text_line(b, "#include <math.h>");
    buf_text_line(b, "#include <stdbool.h>");
    buf_text_line(b, "#include <stddef.h>");
    buf_text_line(b, "#include <stdint.h>");
    buf_text_line(b, "#include <string.h>");
    buf_blank(b);
    if (sc->nservices) {
        buf_text_line(b, "#include \"tachyon.h\"");
        buf_blank(b);
    }
    for (size_t i = 0; i < sc->nimports; i++)
        buf_line(b, "#include \"%s.h\"", sc->imports[i]->name);
    if (sc->nimports)
        buf_blank(b);
    buf_text_line(b, "#ifdef __cplusplus");
    buf_text_line(b, "extern \"C\" {");
    buf_text_line(b, "#endif");
    buf_blank(b);
    emit_helpers(b);
    buf_blank(b);

    if (sc->nconsts) {
        buf_text_line(b, "/* ---- constants ---- */");
        for (size_t i = 0; i < sc->nconsts; i++) {
            mark = b->len;
            emit_const(&c, sup, &sc->consts[i]);
            c_scan(&c, mark, sc->consts[i].loc, pool_printf(ns, "constant %s", sc->consts[i].name));
        }
        buf_blank(b);
    }
    if (sc->nenums) {
        buf_text_line(b, "/* ---- enums and flags ---- */");
        for (size_t i = 0; i < sc->nenums; i++) {
            const tc_enum *en = &sc->enums[i];
            mark = b->len;
            emit_enum(&c, en);
            c_scan(&c, mark, en->loc, pool_printf(ns, "%s %s", en->is_flags ? "flags" : "enum", en->name));
        }
    }
    for (size_t i = 0; i < sc->nstructs; i++) {
        mark = b->len;
        emit_struct(&c, &sc->structs[i]);
        c_scan(&c, mark, sc->structs[i].loc, pool_printf(ns, "struct %s", sc->structs[i].name));
    }
    mark = b->len;
    emit_messages(&c, sc, sup, slo);
    c_scan(&c, mark, sc->loc, pool_printf(ns, "the messages of schema %s", sc->name));
    buf_blank(b);
    for (size_t i = 0; i < sc->nservices; i++)
        emit_service(&c, &sc->services[i]); /* scans what it writes */
    buf_text_line(b, "#ifdef __cplusplus");
    buf_text_line(b, "}");
    buf_text_line(b, "#endif");
    buf_blank(b);
    buf_line(b, "#endif /* TACHC_%s_H */", sup);
    return b->oom || ns->oom ? -1 : 0;
}

int emit_c(const tc_program *prog, const tachc_options *opts, tc_outputs *out)
{
    (void)opts;
    tc_pool ns = {0};
    tc_defs defs = {0};
    int rc = 0;
    for (size_t i = 0; i < prog->nschemas && rc == 0; i++)
        rc = emit_schema(prog->schemas[i], out, &ns, &defs);
    if (defs.oom)
        rc = -1;
    defs_free(&defs);
    pool_free(&ns);
    if (rc)
        fprintf(stderr, "tachc: out of memory while generating C\n");
    return rc;
}
