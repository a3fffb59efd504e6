/*
 * emit_cpp.c - the C++20 emitter: one header per schema, DIR/cpp/<schema>.hpp,
 * everything in `namespace <schema>`.
 *
 * Per struct (MarketTick): a const view `MarketTick` and a mutable view
 * `MarketTickMut` over the payload bytes (std::span<const std::byte> /
 * std::span<std::byte>, size-checked at construction: a short payload throws
 * tachc::size_error). Every field reads and writes little-endian through
 * memcpy + std::bit_cast at its offset, so any alignment is fine. Constants:
 * SIZE, FINGERPRINT, NAME, and <field>_offset / _size / _count (lower case: an
 * upper-case name could be a system header's macro, as MOD_OFFSET is), all constexpr and
 * checked with static_assert. Arrays are tachc::array_view / array_mut (span-like,
 * element access by value) or tachc::struct_array[_mut]; nested structs return
 * their views; char[N] reads as std::string_view up to the first NUL.
 *
 * Enums are `enum class`; flag sets too, with | & ^ ~ and has()/any(). Messages:
 * MSG_<NAME> ids, SCHEMA_FINGERPRINT, one struct per message in `namespace msg`
 * (ID, NAME, SIZE, View/Mut, the payload view), `Message` = std::variant of them,
 * decode(type_id, bytes) and visit(type_id, bytes, f).
 *
 * Names (names.h, the C++ rule): types as written; fields, enumerators and
 * constants as written, with a trailing '_' when the name is a C++ keyword, a
 * member every view has (bytes, clear, view, SIZE, ...), or a name an earlier
 * field derived (set_x, x_bytes): `class` -> `class_()`. The support code every
 * header needs (namespace tachc, compiler/support/tachyon_support.hpp) sits in
 * each header behind an include guard.
 */
#include "emit.h"
#include "emit_rpc.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A C++ identifier for a schema name at namespace or enum scope: the names
 * module's C++ rule (a keyword gets a trailing '_'). */
static const char *ident(tc_pool *ns, const char *name) { return names_ident(ns, TC_NAMES_CPP, name); }

static const char *upper(tc_pool *ns, const char *s) { return pool_keep(ns, name_upper(s)); }

static const char *cpp_prim(tc_prim p)
{
    switch (p) {
    case TC_U8: return "std::uint8_t";
    case TC_U16: return "std::uint16_t";
    case TC_U32: return "std::uint32_t";
    case TC_U64: return "std::uint64_t";
    case TC_I8: return "std::int8_t";
    case TC_I16: return "std::int16_t";
    case TC_I32: return "std::int32_t";
    case TC_I64: return "std::int64_t";
    case TC_F32: return "float";
    case TC_F64: return "double";
    case TC_BOOL: return "bool";
    case TC_CHAR: return "char";
    }
    return "?";
}

/* The C++ type of a scalar, an enum or a struct view, qualified with its schema
 * namespace so that a member of the same name never hides it. */
static const char *cpp_type(tc_pool *ns, const tc_type *t, int mut)
{
    switch (t->kind) {
    case TC_T_ENUM:
    case TC_T_FLAGS: return pool_printf(ns, "::%s::%s", t->en->schema->name, t->en->name);
    case TC_T_STRUCT: return pool_printf(ns, "::%s::%s%s", t->st->schema->name, t->st->name, mut ? "Mut" : "");
    default: return cpp_prim(t->prim);
    }
}

/* An integer literal of type p holding the stored bits / written value. */
static void int_literal(tc_buf *b, tc_prim p, uint64_t bits, int64_t value)
{
    if (prim_is_signed(p)) {
        if (value == INT64_MIN)
            buf_puts(b, "(-9223372036854775807LL - 1)");
        else
            buf_printf(b, "%" PRId64 "%s", value, p == TC_I64 ? "LL" : "");
        return;
    }
    buf_printf(b, "%" PRIu64 "%s", bits, p == TC_U64 ? "ULL" : "u");
}

static void doc(tc_buf *b, const char *text) { emit_doc_trimmed(b, text, "/// "); }

typedef struct cpp_ctx {
    tc_buf *b;
    tc_pool *ns;
    const tc_schema *sc;
    const char **fnames; /* the struct being written: each field's accessor name (NULL for padding) */
} cpp_ctx;

static void emit_enum(cpp_ctx *c, const tc_enum *en)
{
    tc_buf *b = c->b;
    const char *ut = cpp_prim(en->underlying);
    doc(b, en->doc);
    buf_line(b, "enum class %s : %s {", en->name, ut);
    for (size_t i = 0; i < en->nvalues; i++) {
        const tc_enum_value *v = &en->values[i];
        b->indent++;
        doc(b, v->doc);
        b->indent--;
        buf_printf(b, "    %s = ", ident(c->ns, v->name));
        int_literal(b, en->underlying, v->bits, v->value);
        buf_puts(b, ",\n");
    }
    buf_text_line(b, "};");
    buf_line(b, "static_assert(sizeof(%s) == %u);", en->name, prim_size(en->underlying));
    buf_blank(b);
    if (!en->is_flags) {
        buf_line(b, "/// The schema name of a %s value; empty for a value the schema does not define.", en->name);
        buf_line(b, "constexpr std::string_view name_of(%s v) noexcept", en->name);
        buf_text_line(b, "{");
        /* ifs, not a switch: values of an enum may repeat */
        for (size_t i = 0; i < en->nvalues; i++)
            buf_line(b, "    if (v == %s::%s)\n        return \"%s\";", en->name, ident(c->ns, en->values[i].name),
                     en->values[i].name);
        buf_text_line(b, "    return {};");
        buf_text_line(b, "}");
        buf_blank(b);
        return;
    }
    uint64_t all = 0;
    for (size_t i = 0; i < en->nvalues; i++)
        all |= en->values[i].bits;
    const char *n = en->name;
    static const char *const ops[] = {"|", "&", "^"};
    for (size_t i = 0; i < 3; i++) {
        buf_line(b, "constexpr %s operator%s(%s a, %s b) noexcept", n, ops[i], n, n);
        buf_text_line(b, "{");
        buf_line(b, "    return static_cast<%s>(static_cast<%s>(static_cast<%s>(a) %s static_cast<%s>(b)));", n, ut, ut,
                 ops[i], ut);
        buf_text_line(b, "}");
        buf_line(b, "constexpr %s &operator%s=(%s &a, %s b) noexcept { return a = a %s b; }", n, ops[i], n, n, ops[i]);
    }
    buf_line(b, "constexpr %s operator~(%s a) noexcept", n, n);
    buf_text_line(b, "{");
    buf_line(b, "    return static_cast<%s>(static_cast<%s>(~static_cast<%s>(a)));", n, ut, ut);
    buf_text_line(b, "}");
    buf_line(b, "/// Every bit %s defines.", n);
    buf_line(b, "constexpr %s defined_bits(%s) noexcept", n, n);
    buf_text_line(b, "{");
    buf_printf(b, "    return static_cast<%s>(", n);
    int_literal(b, en->underlying, all, (int64_t)all);
    buf_puts(b, ");\n");
    buf_text_line(b, "}");
    buf_line(b, "/// Whether every bit of `bits` is set in `v`.");
    buf_line(b, "constexpr bool has(%s v, %s bits) noexcept { return (v & bits) == bits; }", n, n);
    buf_line(b, "/// Whether any bit is set.");
    buf_line(b, "constexpr bool any(%s v) noexcept { return static_cast<%s>(v) != 0; }", n, ut);
    buf_blank(b);
}

static void emit_const(cpp_ctx *c, const tc_const *k)
{
    tc_buf *b = c->b;
    doc(b, k->doc);
    const char *name = ident(c->ns, k->name);
    switch (k->kind) {
    case TC_C_INT:
    case TC_C_UINT:
        buf_printf(b, "inline constexpr %s %s = ", cpp_prim(k->type), name);
        if (k->kind == TC_C_INT)
            int_literal(b, k->type, (uint64_t)k->i, k->i);
        else
            int_literal(b, k->type, k->u, (int64_t)k->u);
        buf_puts(b, ";\n");
        break;
    case TC_C_BOOL: buf_line(b, "inline constexpr bool %s = %s;", name, k->u ? "true" : "false"); break;
    case TC_C_FLOAT: {
        const char *t = cpp_prim(k->type);
        buf_printf(b, "inline constexpr %s %s = ", t, name);
        if (isnan(k->f)) {
            buf_printf(b, "std::numeric_limits<%s>::quiet_NaN()", t);
        } else if (isinf(k->f)) {
            buf_printf(b, "%sstd::numeric_limits<%s>::infinity()", k->f < 0 ? "-" : "", t);
        } else {
            char tmp[64];
            emit_float_text(tmp, sizeof tmp, k->f, k->type == TC_F32, false, true);
            buf_printf(b, "%s%s", tmp, k->type == TC_F32 ? "f" : "");
        }
        buf_puts(b, ";\n");
        break;
    }
    case TC_C_STRING:
        buf_printf(b, "inline constexpr std::string_view %s = \"", name);
        for (const unsigned char *s = (const unsigned char *)k->s; *s; s++) {
            if (*s == '"' || *s == '\\')
                buf_printf(b, "\\%c", *s);
            else if (*s < 0x20 || *s >= 0x7f || *s == '?')
                buf_printf(b, "\\%03o", *s); /* '?': no trigraphs */
            else
                buf_printf(b, "%c", *s);
        }
        buf_puts(b, "\";\n");
        break;
    }
}

/* The accessors of one field in the const view (mut == 0) or the mutable one. */
static void emit_field(cpp_ctx *c, const tc_struct *st, const tc_field *f, const char *fn, int mut)
{
    tc_buf *b = c->b;
    tc_pool *ns = c->ns;
    const char *fu = fn; /* the layout constants are <accessor>_offset, _size, _count */
    const tc_type *t = &f->type;
    const char *cst = mut ? "" : "const ";
    (void)st;

    b->indent = 1;
    if (!mut) {
        doc(b, f->doc);
        tc_buf head = {0};
        type_spelling(&head, t, NULL);
        buf_line(b, "/// `%s`: %s at byte %" PRIu64 ".", f->name, head.data ? head.data : "", f->offset);
        if (head.oom)
            b->oom = 1;
        buf_free(&head);
    }
    switch (t->kind) {
    case TC_T_PRIM:
    case TC_T_ENUM:
    case TC_T_FLAGS: {
        const char *ty = cpp_type(ns, t, 0);
        buf_line(b, "%s %s() const noexcept { return tachc::detail::load<%s>(p_ + %s_offset); }", ty, fn, ty, fu);
        if (mut)
            buf_line(b, "void set_%s(%s v) const noexcept { tachc::detail::store<%s>(p_ + %s_offset, v); }", fn,
                     ty, ty, fu);
        break;
    }
    case TC_T_CHARS:
        buf_line(b, "/// The text before the first NUL (all %" PRIu64 " bytes when none).", t->count);
        buf_line(b, "std::string_view %s() const noexcept { return tachc::detail::load_text(p_ + %s_offset, %s_size); }",
                 fn, fu, fu);
        buf_line(b, "std::span<%sstd::byte, %s_size> %s_bytes() const noexcept", cst, fu, fn);
        buf_text_line(b, "{");
        buf_line(b, "    return std::span<%sstd::byte, %s_size>(p_ + %s_offset, %s_size);", cst, fu, fu, fu);
        buf_text_line(b, "}");
        if (mut) {
            buf_line(b, "/// Stores the text NUL-padded; longer than %" PRIu64 " bytes throws tachc::text_error.",
                     t->count);
            buf_line(b, "void set_%s(std::string_view text) const", fn);
            buf_text_line(b, "{");
            buf_line(b, "    tachc::detail::store_text(p_ + %s_offset, %s_size, text, \"%s.%s\");", fu, fu, st->name,
                     f->name);
            buf_text_line(b, "}");
        }
        break;
    case TC_T_STRUCT: {
        const char *ty = cpp_type(ns, t, mut);
        buf_line(b, "%s %s() const noexcept", ty, fn);
        buf_text_line(b, "{");
        buf_line(b, "    return %s(std::span<%sstd::byte>(p_ + %s_offset, %s_size));", ty, cst, fu, fu);
        buf_text_line(b, "}");
        break;
    }
    case TC_T_ARRAY: {
        const tc_type *e = t->elem;
        const char *ty;
        if (e->kind == TC_T_STRUCT)
            ty = pool_printf(ns, "tachc::struct_array<%s, %" PRIu64 "%s>", cpp_type(ns, e, mut), t->count,
                              mut ? ", std::byte" : "");
        else
            ty = pool_printf(ns, "tachc::array_%s<%s, %" PRIu64 ">", mut ? "mut" : "view", cpp_type(ns, e, 0),
                              t->count);
        buf_line(b, "%s %s() const noexcept { return %s(p_ + %s_offset); }", ty, fn, ty, fu);
        break;
    }
    case TC_T_PAD: break;
    }
    b->indent = 0;
}

/* The constants and layout checks of a struct's view class. */
static void emit_layout_constants(cpp_ctx *c, const tc_struct *st)
{
    tc_buf *b = c->b;
    buf_line(b, "    static constexpr std::size_t SIZE = %" PRIu64 ";", st->size);
    buf_line(b, "    static constexpr std::uint64_t FINGERPRINT = 0x%016" PRIx64 "ULL;", st->fingerprint);
    buf_line(b, "    static constexpr std::string_view NAME = \"%s\";", st->name);
    for (size_t i = 0; i < st->nfields; i++) {
        const tc_field *f = &st->fields[i];
        if (f->type.kind == TC_T_PAD)
            continue;
        const char *fu = c->fnames[i];
        buf_line(b, "    static constexpr std::size_t %s_offset = %" PRIu64 ";", fu, f->offset);
        buf_line(b, "    static constexpr std::size_t %s_size = %" PRIu64 ";", fu, f->size);
        if (f->type.kind == TC_T_ARRAY)
            buf_line(b, "    static constexpr std::size_t %s_count = %" PRIu64 ";", fu, f->type.count);
    }
}

static void emit_layout_asserts(cpp_ctx *c, const tc_struct *st)
{
    tc_buf *b = c->b;
    const char *s = st->name;
    const char *prev = NULL;
    for (size_t i = 0; i < st->nfields; i++) {
        const tc_field *f = &st->fields[i];
        if (f->type.kind == TC_T_PAD)
            continue;
        const char *fu = c->fnames[i];
        const tc_type *t = &f->type;
        if (prev)
            buf_line(b, "static_assert(%s::%s_offset + %s::%s_size <= %s::%s_offset, \"%s.%s overlaps\");", s, prev, s,
                     prev, s, fu, s, f->name);
        prev = fu;
        if (t->kind == TC_T_STRUCT)
            buf_line(b, "static_assert(%s::%s_size == %s::SIZE);", s, fu, cpp_type(c->ns, t, 0));
        else if (t->kind == TC_T_ARRAY && t->elem->kind == TC_T_STRUCT)
            buf_line(b, "static_assert(%s::%s_size == %s::%s_count * %s::SIZE);", s, fu, s, fu,
                     cpp_type(c->ns, t->elem, 0));
        else if (t->kind == TC_T_ARRAY)
            buf_line(b, "static_assert(%s::%s_size == %s::%s_count * sizeof(%s));", s, fu, s, fu,
                     cpp_type(c->ns, t->elem, 0));
        else if (t->kind != TC_T_CHARS)
            buf_line(b, "static_assert(%s::%s_size == sizeof(%s));", s, fu, cpp_type(c->ns, t, 0));
    }
    if (prev)
        buf_line(b, "static_assert(%s::%s_offset + %s::%s_size <= %s::SIZE, \"%s ends inside\");", s, prev, s, prev, s,
                 s);
}

/* The members every view class defines: a field may not take these names. */
static const char *const view_members[] = {"bytes", "view", "clear", "p_", "SIZE", "FINGERPRINT", "NAME", "View", NULL};
/* The names an accessor field `x` also defines. */
static const char *const field_derived[] = {"set_%s", "%s_bytes", "%s_offset", "%s_size", "%s_count", NULL};

static void emit_struct(cpp_ctx *c, const tc_struct *st)
{
    tc_buf *b = c->b;
    const char *s = st->name;
    /* one accessor name per field, the same in both view classes */
    const char **fnames = emit_field_names(c->ns, st, TC_NAMES_CPP, 0, NULL, view_members, field_derived);
    if (!fnames) {
        b->oom = 1;
        return;
    }
    c->fnames = fnames;

    buf_line(b, "// ---- %s (%" PRIu64 " bytes) ----", s, st->size);
    buf_blank(b);
    doc(b, st->doc);
    if (st->doc)
        buf_text_line(b, "///");
    buf_line(b, "/// A read view over the %" PRIu64 " bytes of one `%s`, in place.", st->size, s);
    buf_line(b, "class %s {", s);
    buf_text_line(b, "public:");
    emit_layout_constants(c, st);
    buf_blank(b);
    buf_text_line(b, "    /// Views the first SIZE bytes; fewer throws tachc::size_error.");
    buf_line(b, "    explicit %s(std::span<const std::byte> b) : p_(b.data()) { tachc::detail::check_size(NAME, SIZE, b.size()); }",
             s);
    buf_text_line(b, "    std::span<const std::byte, SIZE> bytes() const noexcept { return std::span<const std::byte, SIZE>(p_, SIZE); }");
    for (size_t i = 0; i < st->nfields; i++) {
        if (st->fields[i].type.kind == TC_T_PAD)
            continue;
        buf_blank(b);
        emit_field(c, st, &st->fields[i], fnames[i], 0);
    }
    buf_blank(b);
    buf_text_line(b, "private:");
    buf_text_line(b, "    const std::byte *p_;");
    buf_text_line(b, "};");
    emit_layout_asserts(c, st);
    buf_blank(b);

    buf_line(b, "/// A write view over the %" PRIu64 " bytes of one `%s`, in place.", st->size, s);
    buf_line(b, "class %sMut {", s);
    /* the layout constants, first: the accessors' return types use them */
    for (size_t i = 0; i < st->nfields; i++) {
        const tc_field *f = &st->fields[i];
        if (f->type.kind == TC_T_PAD)
            continue;
        const char *fu = c->fnames[i];
        buf_line(b, "    static constexpr std::size_t %s_offset = %s::%s_offset;", fu, s, fu);
        buf_line(b, "    static constexpr std::size_t %s_size = %s::%s_size;", fu, s, fu);
    }
    buf_blank(b);
    buf_text_line(b, "public:");
    buf_line(b, "    using View = %s;", s);
    buf_line(b, "    static constexpr std::size_t SIZE = %s::SIZE;", s);
    buf_blank(b);
    buf_text_line(b, "    /// Views the first SIZE bytes; fewer throws tachc::size_error.");
    buf_line(b, "    explicit %sMut(std::span<std::byte> b) : p_(b.data()) { tachc::detail::check_size(%s::NAME, SIZE, b.size()); }",
             s, s);
    buf_text_line(b, "    std::span<std::byte, SIZE> bytes() const noexcept { return std::span<std::byte, SIZE>(p_, SIZE); }");
    buf_line(b, "    %s view() const noexcept { return %s(std::span<const std::byte>(p_, SIZE)); }", s, s);
    buf_line(b, "    operator %s() const noexcept { return view(); }", s);
    buf_text_line(b, "    /// Zeroes every byte, padding included.");
    buf_text_line(b, "    void clear() const noexcept { std::memset(p_, 0, SIZE); }");
    for (size_t i = 0; i < st->nfields; i++) {
        const tc_field *f = &st->fields[i];
        if (f->type.kind == TC_T_PAD)
            continue;
        buf_blank(b);
        emit_field(c, st, f, fnames[i], 1);
    }
    buf_blank(b);
    buf_text_line(b, "private:");
    buf_text_line(b, "    std::byte *p_;");
    buf_text_line(b, "};");
    buf_blank(b);
    c->fnames = NULL;
    free(fnames);
}

static void emit_messages(cpp_ctx *c, const tc_schema *sc)
{
    tc_buf *b = c->b;
    tc_pool *ns = c->ns;
    buf_line(b, "// ---- messages of schema %s ----", sc->name);
    buf_blank(b);
    buf_line(b, "/// Fingerprint of schema `%s`: bind a bus to it (tachyon::Options::schema_fingerprint) so", sc->name);
    buf_text_line(b, "/// that only peers built from the same messages can connect.");
    buf_line(b, "inline constexpr std::uint64_t SCHEMA_FINGERPRINT = 0x%016" PRIx64 "ULL;", sc->fingerprint);
    buf_blank(b);
    for (size_t i = 0; i < sc->nmessages; i++) {
        const tc_message *m = &sc->messages[i];
        doc(b, m->doc);
        buf_line(b, "inline constexpr std::uint32_t MSG_%s = %" PRIu32 "; // %s", upper(ns, m->name), m->id,
                 m->payload ? m->payload->name : "empty payload");
    }
    if (sc->nmessages)
        buf_blank(b);

    buf_text_line(b, "/// One type per message: its id, name, payload size and views; decode() returns one.");
    buf_text_line(b, "namespace msg {");
    for (size_t i = 0; i < sc->nmessages; i++) {
        const tc_message *m = &sc->messages[i];
        doc(b, m->doc);
        buf_line(b, "struct %s {", ident(ns, m->name));
        buf_line(b, "    static constexpr std::uint32_t ID = %" PRIu32 ";", m->id);
        buf_line(b, "    static constexpr std::string_view NAME = \"%s\";", m->name);
        if (m->payload) {
            const char *v = pool_printf(ns, "::%s::%s", m->payload->schema->name, m->payload->name);
            buf_line(b, "    static constexpr std::size_t SIZE = %s::SIZE;", v);
            buf_line(b, "    using View = %s;", v);
            buf_line(b, "    using Mut = %sMut;", v);
            buf_line(b, "    %s payload;", v);
        } else {
            buf_text_line(b, "    static constexpr std::size_t SIZE = 0;");
        }
        buf_text_line(b, "};");
    }
    buf_text_line(b, "} // namespace msg");
    buf_blank(b);

    buf_line(b, "/// A message of schema `%s`, decoded by its type id.", sc->name);
    if (sc->nmessages == 0) {
        buf_text_line(b, "using Message = std::variant<std::monostate>; // the schema has no messages");
    } else {
        buf_puts(b, "using Message = std::variant<");
        for (size_t i = 0; i < sc->nmessages; i++)
            buf_printf(b, "%smsg::%s", i ? ", " : "", ident(ns, sc->messages[i].name));
        buf_puts(b, ">;\n");
    }
    buf_blank(b);

    buf_text_line(b, "/// The payload size of message `type_id` (0: empty payload), or nullopt for an unknown id.");
    buf_text_line(b, "constexpr std::optional<std::size_t> payload_size(std::uint32_t type_id) noexcept");
    buf_text_line(b, "{");
    if (sc->nmessages) {
        buf_text_line(b, "    switch (type_id) {");
        for (size_t i = 0; i < sc->nmessages; i++)
            buf_line(b, "    case msg::%s::ID: return msg::%s::SIZE;", ident(ns, sc->messages[i].name),
                     ident(ns, sc->messages[i].name));
        buf_text_line(b, "    default: return std::nullopt;");
        buf_text_line(b, "    }");
    } else {
        buf_text_line(b, "    (void)type_id;");
        buf_text_line(b, "    return std::nullopt;");
    }
    buf_text_line(b, "}");
    buf_blank(b);
    buf_text_line(b, "/// The schema name of message `type_id`; empty for an unknown id.");
    buf_text_line(b, "constexpr std::string_view message_name(std::uint32_t type_id) noexcept");
    buf_text_line(b, "{");
    if (sc->nmessages) {
        buf_text_line(b, "    switch (type_id) {");
        for (size_t i = 0; i < sc->nmessages; i++)
            buf_line(b, "    case msg::%s::ID: return msg::%s::NAME;", ident(ns, sc->messages[i].name),
                     ident(ns, sc->messages[i].name));
        buf_text_line(b, "    default: return {};");
        buf_text_line(b, "    }");
    } else {
        buf_text_line(b, "    (void)type_id;");
        buf_text_line(b, "    return {};");
    }
    buf_text_line(b, "}");
    buf_blank(b);
    buf_text_line(b, "/// Whether `type_id` is retired (reserved): no message may use it.");
    buf_text_line(b, "constexpr bool type_id_reserved(std::uint32_t type_id) noexcept");
    buf_text_line(b, "{");
    if (sc->nreserved == 0) {
        buf_text_line(b, "    (void)type_id;");
        buf_text_line(b, "    return false;");
    } else {
        buf_puts(b, "    return ");
        emit_reserved_test(b, sc, "type_id", "u", " ||\n           ");
        buf_puts(b, ";\n");
    }
    buf_text_line(b, "}");
    buf_blank(b);

    buf_text_line(b, "/// Decodes the payload of a message of `type_id` in place (no copy): an unknown id");
    buf_text_line(b, "/// throws tachc::unknown_type_error, a payload shorter than its struct tachc::size_error.");
    buf_text_line(b, "inline Message decode(std::uint32_t type_id, std::span<const std::byte> bytes)");
    buf_text_line(b, "{");
    if (sc->nmessages) {
        buf_text_line(b, "    switch (type_id) {");
        for (size_t i = 0; i < sc->nmessages; i++) {
            const tc_message *m = &sc->messages[i];
            const char *mn = ident(ns, m->name);
            if (m->payload)
                buf_line(b, "    case msg::%s::ID: return msg::%s{msg::%s::View(bytes)};", mn, mn, mn);
            else
                buf_line(b, "    case msg::%s::ID: return msg::%s{};", mn, mn);
        }
        buf_text_line(b, "    default: break;");
        buf_text_line(b, "    }");
    } else {
        buf_text_line(b, "    (void)bytes;");
    }
    buf_line(b, "    throw tachc::unknown_type_error(\"%s\", type_id);", sc->name);
    buf_text_line(b, "}");
    buf_blank(b);
    buf_text_line(b, "/// decode() of anything with type_id() and bytes(): a tachyon::RxGuard or tachyon::Message.");
    buf_text_line(b, "template <class Received>");
    buf_text_line(b, "    requires requires(const Received &r) { r.type_id(); r.bytes(); }");
    buf_text_line(b, "Message decode(const Received &r)");
    buf_text_line(b, "{");
    buf_text_line(b, "    return decode(r.type_id(), r.bytes());");
    buf_text_line(b, "}");
    buf_blank(b);
    buf_text_line(b, "/// Calls f with the decoded message (one overload per msg:: type, or a generic lambda).");
    buf_text_line(b, "template <class F> decltype(auto) visit(std::uint32_t type_id, std::span<const std::byte> bytes, F &&f)");
    buf_text_line(b, "{");
    buf_text_line(b, "    return std::visit(std::forward<F>(f), decode(type_id, bytes));");
    buf_text_line(b, "}");
    buf_blank(b);
    buf_text_line(b, "/// The type id a decoded message travels under.");
    buf_text_line(b, "inline std::uint32_t type_id_of(const Message &m) noexcept");
    buf_text_line(b, "{");
    if (sc->nmessages)
        buf_text_line(b, "    return std::visit([](const auto &x) { return std::decay_t<decltype(x)>::ID; }, m);");
    else {
        buf_text_line(b, "    (void)m;");
        buf_text_line(b, "    return 0;");
    }
    buf_text_line(b, "}");
}

static int emit_schema(const tc_schema *sc, tc_outputs *out, tc_pool *ns)
{
    char rel[1024];
    snprintf(rel, sizeof rel, "%s.hpp", sc->name);
    tc_buf *b = outputs_add(out, rel);
    if (!b)
        return -1;
    cpp_ctx c = {b, ns, sc, NULL};

    emit_banner(b, TC_NAMES_CPP, sc->path);
    doc(b, sc->doc);
    buf_line(b, "// Views over the messages of schema %s: read and write every field in place,", sc->name);
    buf_text_line(b, "// little-endian, at any alignment (C++20).");
    buf_line(b, "#ifndef TACHC_%s_HPP", upper(ns, sc->name));
    buf_line(b, "#define TACHC_%s_HPP", upper(ns, sc->name));
    buf_blank(b);
    static const char *const includes[] = {"bit", "compare", "cstddef", "cstdint", "cstring", "iterator", "limits",
                                           "optional", "span", "stdexcept", "string", "string_view", "type_traits",
                                           "utility", "variant"};
    for (size_t i = 0; i < sizeof includes / sizeof includes[0]; i++)
        buf_line(b, "#include <%s>", includes[i]);
    if (sc->nimports)
        buf_blank(b);
    for (size_t i = 0; i < sc->nimports; i++)
        buf_line(b, "#include \"%s.hpp\"", sc->imports[i]->name);
    if (sc->nservices) {
        buf_blank(b);
        buf_text_line(b, "#include <array>");
        buf_text_line(b, "#include \"tachyon_rpc.hpp\"");
    }
    buf_blank(b);
    emit_support(b, "cpp", "helpers", NULL);
    buf_blank(b);
    buf_line(b, "namespace %s {", sc->name);
    buf_blank(b);
    if (sc->nconsts) {
        buf_text_line(b, "// ---- constants ----");
        buf_blank(b);
        for (size_t i = 0; i < sc->nconsts; i++)
            emit_const(&c, &sc->consts[i]);
        buf_blank(b);
    }
    if (sc->nenums) {
        buf_text_line(b, "// ---- enums and flags ----");
        buf_blank(b);
        for (size_t i = 0; i < sc->nenums; i++)
            emit_enum(&c, &sc->enums[i]);
    }
    for (size_t i = 0; i < sc->nstructs; i++)
        emit_struct(&c, &sc->structs[i]);
    emit_messages(&c, sc);
    emit_rpc_cpp(b, ns, sc);
    static const char *const rpc_types[] = {"%s", NULL}; /* struct <Service> holds Client and Server */
    emit_rpc_check_types(&out->errors, ns, TC_NAMES_CPP, sc, false, rpc_types);
    buf_blank(b);
    buf_line(b, "} // namespace %s", sc->name);
    buf_blank(b);
    buf_line(b, "#endif // TACHC_%s_HPP", upper(ns, sc->name));
    return b->oom || ns->oom ? -1 : 0;
}

int emit_cpp(const tc_program *prog, const tachc_options *opts, tc_outputs *out)
{
    (void)opts;
    tc_pool ns = {0};
    int rc = 0;
    for (size_t i = 0; i < prog->nschemas && rc == 0; i++)
        rc = emit_schema(prog->schemas[i], out, &ns);
    pool_free(&ns);
    if (rc)
        fprintf(stderr, "tachc: out of memory while generating C++\n");
    return rc;
}
