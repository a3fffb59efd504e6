/*
 * emit_rust.c - the Rust emitter: one module per schema (DIR/rust/<schema>.rs)
 * and a DIR/rust/mod.rs that declares them all.
 *
 * Each struct becomes a read view over `&[u8; N]` and a write view over
 * `&mut [u8; N]` with one getter / setter per field (from_le_bytes /
 * to_le_bytes on fixed sub-arrays, so every access is unaligned-safe and no
 * `unsafe` is needed). Enums become `#[repr(uN)]` enums with TryFrom (an
 * unknown value is an error), flag sets a newtype with consts and bit ops.
 *
 * The output is written in rustfmt's own style (four spaces, 100 columns,
 * trailing commas, one item per line) so that `rustfmt --check` is clean; the
 * few lines whose length depends on user names go through rs_call(), which
 * breaks them the way rustfmt does.
 */
#include "emit.h"
#include "emit_rpc.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RS_MAX_WIDTH 100   /* rustfmt max_width */
#define RS_CALL_WIDTH 60   /* rustfmt fn_call_width: args of one call on one line */

typedef struct rs_ctx {
    const tc_program *prog;
    const tc_schema *s;
    tc_buf *b;               /* where the schema's items go */
    tc_pool names;          /* names to free at the end */
    int oom;
    /* which private helpers the items used, emitted at the end of the file */
    bool use_at, use_at_mut, use_view, use_view_mut, use_text, use_put_text, use_list;
    bool use_fmt;            /* `use core::fmt;` */
    bool use_size_error, use_enum_error, use_text_error;
    const tc_schema **refs;  /* other schemas this one names (`use super::x;`) */
    const tc_struct *cur;    /* the struct being written, and its fields' snake bases */
    const char **bases;      /* (rs_field_names: unique among the views' members) */
    size_t nrefs;
} rs_ctx;

/* ---- small utilities ------------------------------------------------- */

/* Gives every field of st its snake base, unique among the members of its
 * views (names.h): the views' own methods and the trait methods they
 * derive come first, then each field, in source order, with every method
 * name Rust derives from it; a field whose names are taken gets "_". */
static void rs_field_names(rs_ctx *c, const tc_struct *st)
{
    static const char *const fixed[] = {
        "new", "from_bytes", "as_bytes", "as_view", "clear", "clone", "clone_from", "eq", "ne", "hash", "fmt",
        "to_owned", "into", "from", "try_from", "try_into", "type_id", "borrow", "borrow_mut", NULL};
    static const char *const derived[] = {"set_%s", "%s_raw", "set_%s_raw", "%s_mut", "%s_str", "set_%s_str",
                                          "%s_iter", "%s_bytes", "%s_bytes_mut", "%s_array", "set_%s_array",
                                          NULL};
    free(c->bases);
    c->cur = st;
    c->bases = emit_field_names(&c->names, st, TC_NAMES_COUNT, 's', NULL, fixed, derived);
    if (!c->bases) {
        c->oom = true;
        c->cur = NULL;
    }
}

/* The snake base of a field of the struct being written. */
static const char *rs_base(rs_ctx *c, const tc_field *f)
{
    if (c->cur && f >= c->cur->fields && f < c->cur->fields + c->cur->nfields && c->bases[f - c->cur->fields])
        return c->bases[f - c->cur->fields];
    return pool_keep(&c->names, name_snake(f->name));
}

/* A field's method name: its base with the Rust keyword rule. */
static const char *rs_field_method(rs_ctx *c, const tc_field *f)
{
    return names_ident(&c->names, TC_NAMES_RUST, rs_base(c, f));
}


static const char *rs_prim(tc_prim p)
{
    switch (p) {
    case TC_BOOL: return "bool";
    case TC_CHAR: return "u8";
    default: return prim_name(p);
    }
}

static void note_ref(rs_ctx *c, const tc_schema *s)
{
    if (s != c->s && schema_set_add(&c->refs, &c->nrefs, s))
        c->oom = 1;
}

/* "MarketTick" or "common::Point" for a struct/enum declared elsewhere. */
static const char *rs_qual(rs_ctx *c, const tc_schema *owner, const char *name, const char *suffix)
{
    const char *p = pool_keep(&c->names, name_pascal(name));
    if (owner && owner != c->s) {
        note_ref(c, owner);
        return pool_printf(&c->names, "%s::%s%s", owner->name, p, suffix);
    }
    return pool_printf(&c->names, "%s%s", p, suffix);
}

static const char *rs_struct_ref(rs_ctx *c, const tc_struct *st, const char *suffix)
{
    return rs_qual(c, st->schema, st->name, suffix);
}

static const char *rs_size_const(rs_ctx *c, const tc_struct *st)
{
    const char *u = pool_keep(&c->names, name_upper(st->name));
    if (st->schema != c->s) {
        note_ref(c, st->schema);
        return pool_printf(&c->names, "%s::%s_SIZE", st->schema->name, u);
    }
    return pool_printf(&c->names, "%s_SIZE", u);
}

static const char *rs_enum_ref(rs_ctx *c, const tc_enum *en) { return rs_qual(c, en->schema, en->name, ""); }

static const char *rs_enum_error_ref(rs_ctx *c, const tc_enum *en)
{
    if (en->schema != c->s) {
        note_ref(c, en->schema);
        return pool_printf(&c->names, "%s::UnknownValue", en->schema->name);
    }
    c->use_enum_error = true;
    return "UnknownValue";
}

/* Writes a signature that is too long for one line as rustfmt breaks it:
 * one parameter a line (`line` holds its '('). */
static void rs_sig_split(tc_buf *b, const char *line)
{
    int depth = 0;
    const char *close = NULL, *open = strchr(line, '(');
    for (const char *p = open; *p && !close; p++) {
        if (*p == '(' || *p == '<' || *p == '[')
            depth++;
        else if (*p == ')' || *p == '>' || *p == ']') {
            if (--depth == 0 && *p == ')')
                close = p;
        }
    }
    if (!close) {
        buf_line(b, "%s", line);
        return;
    }
    buf_line(b, "%.*s", (int)(open - line + 1), line);
    b->indent++;
    const char *p = open + 1, *start = p;
    depth = 0;
    for (; p <= close; p++) {
        if (*p == '(' || *p == '<' || *p == '[')
            depth++;
        else if ((*p == ')' || *p == '>' || *p == ']') && p != close)
            depth--;
        if ((p == close || (*p == ',' && depth == 0)) && p > start) {
            buf_line(b, "%.*s,", (int)(p - start), start);
            start = p + 1;
            while (*start == ' ')
                start++;
        }
    }
    b->indent--;
    size_t cl = strlen(close);
    /* rustfmt keeps ") -> T {" on one line only below the full width */
    if ((size_t)b->indent * 4 + cl >= RS_MAX_WIDTH && cl >= 2 && !strcmp(close + cl - 2, " {")) {
        buf_line(b, "%.*s", (int)(cl - 2), close);
        buf_line(b, "{");
    } else {
        buf_line(b, "%s", close);
    }
}

/* Writes a `fn` signature line (ending in " {") the way rustfmt does: on one
 * line when it fits in 100 columns, else one parameter per line. */
static void rs_sig(tc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rs_sig(tc_buf *b, const char *fmt, ...)
{
    /* A public function is a few instructions over bytes in place: #[inline]
     * lets a crate that uses the generated module (the usual case) inline it,
     * as a C caller of the generated header does; without it every accessor
     * is a call across crates unless the user turns on LTO. */
    if (strncmp(fmt, "pub ", 4) == 0)
        buf_line(b, "#[inline]");
    /* Written in place first: most signatures fit on one line. */
    size_t start = b->len;
    buf_indent(b);
    size_t text = b->len;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
    if (b->oom)
        return;
    size_t len = b->len - text;
    if ((size_t)b->indent * 4 + len <= RS_MAX_WIDTH || !memchr(b->data + text, '(', len)) {
        buf_put(b, "\n", 1);
        return;
    }
    char *line = strndup(b->data + text, len);
    b->len = start;
    b->data[start] = '\0';
    if (!line) {
        b->oom = 1;
        return;
    }
    rs_sig_split(b, line);
    free(line);
}

/* Writes `lhs = rhs;`, breaking after `=` when the line is too long, as rustfmt does. */
static void rs_assign(tc_buf *b, const char *lhs, const char *rhs)
{
    if ((size_t)b->indent * 4 + strlen(lhs) + 3 + strlen(rhs) + 1 <= RS_MAX_WIDTH) {
        buf_line(b, "%s = %s;", lhs, rhs);
        return;
    }
    buf_line(b, "%s =", lhs);
    b->indent++;
    buf_line(b, "%s;", rhs);
    b->indent--;
}

/* Writes the match arm `pat => expr,`, or its block form when it is too long. */
static void rs_arm(tc_buf *b, const char *pat, const char *expr)
{
    if ((size_t)b->indent * 4 + strlen(pat) + 4 + strlen(expr) + 1 <= RS_MAX_WIDTH) {
        buf_line(b, "%s => %s,", pat, expr);
        return;
    }
    buf_line(b, "%s => {", pat);
    b->indent++;
    buf_line(b, "%s", expr);
    b->indent--;
    buf_line(b, "}");
}

/* Writes `head(arg, arg, ...)tail` on one line when rustfmt would, else one
 * argument per line with a trailing comma. Arguments must not nest calls that
 * rustfmt would break themselves (callers keep them short). */
static void rs_call(tc_buf *b, const char *head, const char *const *args, size_t nargs, const char *tail)
{
    size_t argw = 0;
    for (size_t i = 0; i < nargs; i++)
        argw += strlen(args[i]) + (i ? 2 : 0);
    size_t linew = (size_t)b->indent * 4 + strlen(head) + 2 + argw + strlen(tail);
    if (argw <= RS_CALL_WIDTH && linew <= RS_MAX_WIDTH) {
        const char *unit = b->indent_unit ? b->indent_unit : "    ";
        for (int i = 0; i < b->indent; i++)
            buf_puts(b, unit);
        buf_printf(b, "%s(", head);
        for (size_t i = 0; i < nargs; i++)
            buf_printf(b, "%s%s", i ? ", " : "", args[i]);
        buf_printf(b, ")%s\n", tail);
        return;
    }
    buf_line(b, "%s(", head);
    b->indent++;
    for (size_t i = 0; i < nargs; i++)
        buf_line(b, "%s,", args[i]);
    b->indent--;
    buf_line(b, ")%s", tail);
}

static void rs_float_literal(char *out, size_t n, double v, tc_prim p)
{
    const char *t = p == TC_F32 ? "f32" : "f64";
    if (isnan(v))
        snprintf(out, n, "%s::NAN", t);
    else if (isinf(v))
        snprintf(out, n, "%s::%s", t, v > 0 ? "INFINITY" : "NEG_INFINITY");
    else
        emit_float_text(out, n, v, p == TC_F32, true, true);
}

/* A Rust string literal. */
static void rs_str_literal(tc_buf *b, const char *s)
{
    emit_string_literal(b, s, STR_RUST);
}

/* "8 + index * 4", "index * 4", "8 + index", "index": element offset text. */
static const char *rs_elem_offset(rs_ctx *c, uint64_t base, uint64_t elem)
{
    if (base == 0)
        return elem == 1 ? "index" : pool_printf(&c->names, "index * %" PRIu64, elem);
    if (elem == 1)
        return pool_printf(&c->names, "%" PRIu64 " + index", base);
    return pool_printf(&c->names, "%" PRIu64 " + index * %" PRIu64, base, elem);
}

/* The index check of an array accessor, wrapped as rustfmt wraps it. */
static const char *rs_check(rs_ctx *c, uint64_t n, const char *sm)
{
    /* indentation of a method body: two levels */
    const char *one = pool_printf(&c->names, "assert!(index < %" PRIu64 ", \"%s index out of range\");", n, sm);
    size_t argw = strlen(one) - strlen("assert!();");
    if (8 + strlen(one) <= RS_MAX_WIDTH && argw <= RS_CALL_WIDTH)
        return one;
    return pool_printf(&c->names, "assert!(\n            index < %" PRIu64 ",\n            \"%s index out of range\"\n        );", n, sm);
}

/* ---- enums and flags --------------------------------------------------- */

static void rs_enum(rs_ctx *c, const tc_enum *en)
{
    tc_buf *b = c->b;
    const char *name = pool_keep(&c->names, name_pascal(en->name));
    const char *raw = rs_prim(en->underlying);
    c->use_enum_error = true;
    c->use_fmt = true;

    emit_doc_trimmed(b, en->doc, "/// ");
    buf_line(b, "#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]");
    buf_line(b, "#[repr(%s)]", raw);
    buf_line(b, "pub enum %s {", name);
    b->indent++;
    for (size_t i = 0; i < en->nvalues; i++) {
        const tc_enum_value *v = &en->values[i];
        emit_doc_trimmed(b, v->doc, "/// ");
        if (prim_is_signed(en->underlying))
            buf_line(b, "%s = %" PRId64 ",", pool_keep(&c->names, name_pascal(v->name)), v->value);
        else
            buf_line(b, "%s = %" PRIu64 ",", pool_keep(&c->names, name_pascal(v->name)), v->bits);
    }
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);

    buf_line(b, "impl %s {", name);
    b->indent++;
    buf_line(b, "/// Every value, in declaration order.");
    const char *all_head = pool_printf(&c->names, "pub const ALL: [Self; %zu] = [", en->nvalues);
    /* one line when it fits rustfmt's array width (60), else one per line */
    size_t w = 0;
    for (size_t i = 0; i < en->nvalues; i++)
        w += strlen("Self::") + strlen(pool_keep(&c->names, name_pascal(en->values[i].name))) + (i ? 2 : 0);
    if (w <= RS_CALL_WIDTH && 4 + strlen(all_head) + w + 2 <= RS_MAX_WIDTH) {
        buf_printf(b, "    %s", all_head);
        for (size_t i = 0; i < en->nvalues; i++)
            buf_printf(b, "%sSelf::%s", i ? ", " : "", pool_keep(&c->names, name_pascal(en->values[i].name)));
        buf_puts(b, "];\n");
    } else {
        buf_line(b, "%s", all_head);
        b->indent++;
        for (size_t i = 0; i < en->nvalues; i++)
            buf_line(b, "Self::%s,", pool_keep(&c->names, name_pascal(en->values[i].name)));
        b->indent--;
        buf_line(b, "];");
    }
    buf_blank(b);
    buf_line(b, "/// The value as stored.");
    rs_sig(b, "pub const fn to_raw(self) -> %s {", raw);
    buf_line(b, "    self as %s", raw);
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "/// The value's name in the schema.");
    rs_sig(b, "pub const fn name(self) -> &'static str {");
    b->indent++;
    buf_line(b, "match self {");
    b->indent++;
    for (size_t i = 0; i < en->nvalues; i++)
        buf_line(b, "Self::%s => \"%s\",", pool_keep(&c->names, name_pascal(en->values[i].name)), en->values[i].name);
    b->indent--;
    buf_line(b, "}");
    b->indent--;
    buf_line(b, "}");
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);

    buf_line(b, "impl TryFrom<%s> for %s {", raw, name);
    b->indent++;
    buf_line(b, "type Error = UnknownValue;");
    buf_blank(b);
    buf_line(b, "fn try_from(raw: %s) -> Result<Self, UnknownValue> {", raw);
    b->indent++;
    buf_line(b, "match raw {");
    b->indent++;
    for (size_t i = 0; i < en->nvalues; i++) {
        const tc_enum_value *v = &en->values[i];
        if (prim_is_signed(en->underlying))
            buf_line(b, "%" PRId64 " => Ok(Self::%s),", v->value, pool_keep(&c->names, name_pascal(v->name)));
        else
            buf_line(b, "%" PRIu64 " => Ok(Self::%s),", v->bits, pool_keep(&c->names, name_pascal(v->name)));
    }
    if (strlen(name) <= 28) {
        buf_line(b, "_ => Err(UnknownValue::new(\"%s\", raw.into())),", name);
    } else {
        buf_line(b, "_ => {");
        buf_line(b, "    let name = \"%s\";", name);
        buf_line(b, "    Err(UnknownValue::new(name, raw.into()))");
        buf_line(b, "}");
    }
    b->indent--;
    buf_line(b, "}");
    b->indent--;
    buf_line(b, "}");
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);

    buf_line(b, "impl From<%s> for %s {", name, raw);
    buf_line(b, "    fn from(value: %s) -> Self {", name);
    buf_line(b, "        value.to_raw()");
    buf_line(b, "    }");
    buf_line(b, "}");
    buf_blank(b);

    buf_line(b, "impl fmt::Display for %s {", name);
    buf_line(b, "    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {");
    buf_line(b, "        f.write_str(self.name())");
    buf_line(b, "    }");
    buf_line(b, "}");
    buf_blank(b);
}

/* `bits` of a `size`-byte two's complement integer, as a signed value. */
static int64_t sign_extend(uint64_t bits, unsigned size)
{
    if (size >= 8)
        return (int64_t)bits;
    uint64_t sign = UINT64_C(1) << (8 * size - 1);
    uint64_t v = bits & ((sign << 1) - 1);
    return (v & sign) ? (int64_t)(v | ~((sign << 1) - 1)) : (int64_t)v;
}

static void rs_flags(rs_ctx *c, const tc_enum *en)
{
    tc_buf *b = c->b;
    const char *name = pool_keep(&c->names, name_pascal(en->name));
    const char *raw = rs_prim(en->underlying);
    uint64_t mask = prim_size(en->underlying) == 8 ? UINT64_MAX : ((UINT64_C(1) << (8 * prim_size(en->underlying))) - 1);
    uint64_t all = 0;
    for (size_t i = 0; i < en->nvalues; i++)
        all |= en->values[i].bits;
    all &= mask;
    c->use_fmt = true;

    emit_doc_trimmed(b, en->doc, "/// ");
    buf_line(b, "#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]");
    buf_line(b, "pub struct %s(%s);", name, raw);
    buf_blank(b);
    buf_line(b, "impl %s {", name);
    b->indent++;
    for (size_t i = 0; i < en->nvalues; i++) {
        const tc_enum_value *v = &en->values[i];
        emit_doc_trimmed(b, v->doc, "/// ");
        if (prim_is_signed(en->underlying))
            buf_line(b, "pub const %s: Self = Self(%" PRId64 ");", pool_keep(&c->names, name_upper(v->name)),
                    v->value);
        else
            buf_line(b, "pub const %s: Self = Self(0x%" PRIx64 ");", pool_keep(&c->names, name_upper(v->name)),
                    v->bits);
    }
    if (en->nvalues)
        buf_blank(b);
    buf_line(b, "/// No flag set.");
    rs_sig(b, "pub const fn empty() -> Self {");
    buf_line(b, "    Self(0)");
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "/// Every declared flag set.");
    rs_sig(b, "pub const fn all() -> Self {");
    if (prim_is_signed(en->underlying))
        buf_line(b, "    Self(%" PRId64 ")", sign_extend(all, prim_size(en->underlying)));
    else
        buf_line(b, "    Self(0x%" PRIx64 ")", all);
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "/// The flags of `bits`, unknown bits kept.");
    rs_sig(b, "pub const fn from_bits_retain(bits: %s) -> Self {", raw);
    buf_line(b, "    Self(bits)");
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "/// The bits as stored.");
    rs_sig(b, "pub const fn bits(self) -> %s {", raw);
    buf_line(b, "    self.0");
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "/// Whether no flag is set.");
    rs_sig(b, "pub const fn is_empty(self) -> bool {");
    buf_line(b, "    self.0 == 0");
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "/// Whether every flag of `other` is set in `self`.");
    rs_sig(b, "pub const fn contains(self, other: Self) -> bool {");
    buf_line(b, "    self.0 & other.0 == other.0");
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "/// Whether any flag of `other` is set in `self`.");
    rs_sig(b, "pub const fn intersects(self, other: Self) -> bool {");
    buf_line(b, "    self.0 & other.0 != 0");
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "/// Sets the flags of `other`.");
    rs_sig(b, "pub fn insert(&mut self, other: Self) {");
    buf_line(b, "    self.0 |= other.0;");
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "/// Clears the flags of `other`.");
    rs_sig(b, "pub fn remove(&mut self, other: Self) {");
    buf_line(b, "    self.0 &= !other.0;");
    buf_line(b, "}");
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);

    static const char *const ops[][4] = {
        {"BitOr", "bitor", "|", "BitOrAssign"},
        {"BitAnd", "bitand", "&", "BitAndAssign"},
        {"BitXor", "bitxor", "^", "BitXorAssign"},
    };
    for (size_t i = 0; i < 3; i++) {
        buf_line(b, "impl core::ops::%s for %s {", ops[i][0], name);
        buf_line(b, "    type Output = Self;");
        buf_blank(b);
        buf_line(b, "    fn %s(self, other: Self) -> Self {", ops[i][1]);
        buf_line(b, "        Self(self.0 %s other.0)", ops[i][2]);
        buf_line(b, "    }");
        buf_line(b, "}");
        buf_blank(b);
        buf_line(b, "impl core::ops::%s for %s {", ops[i][3], name);
        buf_line(b, "    fn %s_assign(&mut self, other: Self) {", ops[i][1]);
        buf_line(b, "        self.0 %s= other.0;", ops[i][2]);
        buf_line(b, "    }");
        buf_line(b, "}");
        buf_blank(b);
    }
    buf_line(b, "impl core::ops::Not for %s {", name);
    buf_line(b, "    type Output = Self;");
    buf_blank(b);
    buf_line(b, "    fn not(self) -> Self {");
    buf_line(b, "        Self(!self.0)");
    buf_line(b, "    }");
    buf_line(b, "}");
    buf_blank(b);

    /* Debug: the set flags by name, unknown bits in hex. */
    buf_line(b, "impl fmt::Debug for %s {", name);
    b->indent++;
    buf_line(b, "fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {");
    b->indent++;
    buf_line(b, "let mut rest = self.0;");
    buf_line(b, "let mut first = true;");
    buf_line(b, "f.write_str(\"%s(\")?;", name);
    {
        size_t w = 0;
        for (size_t i = 0; i < en->nvalues; i++)
            w += 2 * strlen(pool_keep(&c->names, name_upper(en->values[i].name))) + 12 + (i ? 2 : 0);
        if (w <= RS_CALL_WIDTH && 8 + 22 + w + 3 <= RS_MAX_WIDTH) {
            buf_printf(b, "        for (flag, name) in [");
            for (size_t i = 0; i < en->nvalues; i++) {
                const char *vu = pool_keep(&c->names, name_upper(en->values[i].name));
                buf_printf(b, "%s(Self::%s, \"%s\")", i ? ", " : "", vu, vu);
            }
            buf_puts(b, "] {\n");
        } else {
            buf_line(b, "for (flag, name) in [");
            b->indent++;
            for (size_t i = 0; i < en->nvalues; i++) {
                const char *vu = pool_keep(&c->names, name_upper(en->values[i].name));
                buf_line(b, "(Self::%s, \"%s\"),", vu, vu);
            }
            b->indent--;
            buf_line(b, "] {");
        }
    }
    b->indent++;
    buf_line(b, "if flag.0 != 0 && self.contains(flag) {");
    buf_line(b, "    f.write_str(if first { \"\" } else { \" | \" })?;");
    buf_line(b, "    f.write_str(name)?;");
    buf_line(b, "    rest &= !flag.0;");
    buf_line(b, "    first = false;");
    buf_line(b, "}");
    b->indent--;
    buf_line(b, "}");
    buf_line(b, "if rest != 0 {");
    buf_line(b, "    let sep = if first { \"\" } else { \" | \" };");
    buf_line(b, "    write!(f, \"{sep}{rest:#x}\")?;");
    buf_line(b, "}");
    buf_line(b, "f.write_str(\")\")");
    b->indent--;
    buf_line(b, "}");
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);
}

/* ---- structs ------------------------------------------------------------- */

/* The Rust type a scalar (non-array) element reads as, for docs and Debug. */
static bool rs_field_visible(const tc_field *f) { return f->type.kind != TC_T_PAD; }

/* Opens an accessor's body, after its signature: one level in, then the
 * bounds check of its index (`check`; "" for a field that is not an array). */
static void rs_body(tc_buf *b, const char *check)
{
    b->indent++;
    if (*check)
        buf_line(b, "%s", check);
}

/* Getter(s) for one element kind at a fixed offset text `off` (may contain
 * `index`). `fn_head` is the signature head ("pub fn price(&self"), `idx`
 * either "" or ", index: usize". */
static void rs_scalar_getter(rs_ctx *c, const tc_type *t, const char *m, const char *sm, const char *idxp,
                             const char *idxa, const char *off, const char *check)
{
    tc_buf *b = c->b;
    switch (t->kind) {
    case TC_T_PRIM:
        if (t->prim == TC_BOOL) {
            rs_sig(b, "pub fn %s(&self%s) -> bool {", m, idxp);
            rs_body(b, check);
            buf_line(b, "self.bytes[%s] != 0", off);
        } else {
            c->use_at = true;
            rs_sig(b, "pub fn %s(&self%s) -> %s {", m, idxp, rs_prim(t->prim));
            rs_body(b, check);
            buf_line(b, "%s::from_le_bytes(*at(self.bytes, %s))", rs_prim(t->prim), off);
        }
        b->indent--;
        buf_line(b, "}");
        break;
    case TC_T_ENUM: {
        const char *et = rs_enum_ref(c, t->en);
        const char *err = rs_enum_error_ref(c, t->en);
        rs_sig(b, "pub fn %s(&self%s) -> Result<%s, %s> {", m, idxp, et, err);
        {
            const char *args[] = {pool_printf(&c->names, "self.%s_raw(%s)", sm, idxa)};
            b->indent++;
            rs_call(b, pool_printf(&c->names, "%s::try_from", et), args, 1, "");
            b->indent--;
        }
        buf_line(b, "}");
        buf_blank(b);
        buf_line(b, "/// `%s` as stored, a declared value or not.", sm);
        c->use_at = true;
        rs_sig(b, "pub fn %s_raw(&self%s) -> %s {", sm, idxp, rs_prim(t->prim));
        rs_body(b, check);
        buf_line(b, "%s::from_le_bytes(*at(self.bytes, %s))", rs_prim(t->prim), off);
        b->indent--;
        buf_line(b, "}");
        break;
    }
    case TC_T_FLAGS: {
        const char *ft = rs_enum_ref(c, t->en);
        c->use_at = true;
        rs_sig(b, "pub fn %s(&self%s) -> %s {", m, idxp, ft);
        rs_body(b, check);
        buf_line(b, "let bits = %s::from_le_bytes(*at(self.bytes, %s));", rs_prim(t->prim), off);
        buf_line(b, "%s::from_bits_retain(bits)", ft);
        b->indent--;
        buf_line(b, "}");
        break;
    }
    case TC_T_STRUCT: {
        const char *vt = rs_struct_ref(c, t->st, "");
        c->use_at = true;
        rs_sig(b, "pub fn %s(&self%s) -> %s<'a> {", m, idxp, vt);
        rs_body(b, check);
        buf_line(b, "let bytes = at(self.bytes, %s);", off);
        buf_line(b, "%s::new(bytes)", vt);
        b->indent--;
        buf_line(b, "}");
        break;
    }
    default:
        break;
    }
}

static void rs_scalar_setter(rs_ctx *c, const tc_type *t, const char *sm, const char *idxp, const char *idxa,
                             const char *off, const char *check)
{
    tc_buf *b = c->b;
    switch (t->kind) {
    case TC_T_PRIM:
        rs_sig(b, "pub fn set_%s(&mut self%s, value: %s) {", sm, idxp, rs_prim(t->prim));
        rs_body(b, check);
        if (t->prim == TC_BOOL) {
            buf_line(b, "self.bytes[%s] = u8::from(value);", off);
        } else {
            c->use_at_mut = true;
            buf_line(b, "*at_mut(self.bytes, %s) = value.to_le_bytes();", off);
        }
        b->indent--;
        buf_line(b, "}");
        break;
    case TC_T_ENUM: {
        const char *et = rs_enum_ref(c, t->en);
        rs_sig(b, "pub fn set_%s(&mut self%s, value: %s) {", sm, idxp, et);
        {
            const char *args[] = {idxa, "value.to_raw()"};
            b->indent++;
            rs_call(b, pool_printf(&c->names, "self.set_%s_raw", sm), *idxa ? args : args + 1, *idxa ? 2 : 1, ";");
            b->indent--;
        }
        buf_line(b, "}");
        buf_blank(b);
        buf_line(b, "/// Stores `value` as is, a declared value or not.");
        c->use_at_mut = true;
        rs_sig(b, "pub fn set_%s_raw(&mut self%s, value: %s) {", sm, idxp, rs_prim(t->prim));
        rs_body(b, check);
        buf_line(b, "*at_mut(self.bytes, %s) = value.to_le_bytes();", off);
        b->indent--;
        buf_line(b, "}");
        break;
    }
    case TC_T_FLAGS: {
        const char *ft = rs_enum_ref(c, t->en);
        c->use_at_mut = true;
        rs_sig(b, "pub fn set_%s(&mut self%s, value: %s) {", sm, idxp, ft);
        rs_body(b, check);
        buf_line(b, "*at_mut(self.bytes, %s) = value.bits().to_le_bytes();", off);
        b->indent--;
        buf_line(b, "}");
        break;
    }
    case TC_T_STRUCT: {
        const char *vt = rs_struct_ref(c, t->st, "");
        const char *mt = rs_struct_ref(c, t->st, "Mut");
        c->use_at_mut = true;
        rs_sig(b, "pub fn %s_mut(&mut self%s) -> %s<'_> {", sm, idxp, mt);
        rs_body(b, check);
        buf_line(b, "let bytes = at_mut(self.bytes, %s);", off);
        buf_line(b, "%s::new(bytes)", mt);
        b->indent--;
        buf_line(b, "}");
        buf_blank(b);
        buf_line(b, "/// Copies `value` over `%s`%s.", sm, *idxa ? " element `index`" : "");
        rs_sig(b, "pub fn set_%s(&mut self%s, value: %s<'_>) {", sm, idxp, vt);
        rs_body(b, check);
        buf_line(b, "*at_mut(self.bytes, %s) = *value.as_bytes();", off);
        b->indent--;
        buf_line(b, "}");
        break;
    }
    default:
        break;
    }
}

/* The item type an element getter returns, for iterator signatures. */
static const char *rs_elem_type(rs_ctx *c, const tc_type *t)
{
    switch (t->kind) {
    case TC_T_PRIM: return rs_prim(t->prim);
    case TC_T_ENUM: return pool_printf(&c->names, "Result<%s, %s>", rs_enum_ref(c, t->en),
            rs_enum_error_ref(c, t->en));
    case TC_T_FLAGS: return rs_enum_ref(c, t->en);
    case TC_T_STRUCT: return pool_printf(&c->names, "%s<'a>", rs_struct_ref(c, t->st, ""));
    default: return "()";
    }
}

static void rs_read_field(rs_ctx *c, const tc_struct *st, const tc_field *f)
{
    tc_buf *b = c->b;
    const char *m = rs_field_method(c, f);
    const char *sm = rs_base(c, f);
    const char *off = pool_printf(&c->names, "%" PRIu64, f->offset);
    (void)st;
    switch (f->type.kind) {
    case TC_T_PAD:
        return;
    case TC_T_CHARS:
        c->use_at = true;
        c->use_text = true;
        emit_doc_trimmed(b, f->doc, "/// ");
        if (f->doc)
            buf_line(b, "///");
        buf_line(b, "/// `%s`: `%s` at byte %" PRIu64 ", NUL-padded text.", f->name,
                pool_type_spelling(&c->names, &f->type, c->s),
                 f->offset);
        rs_sig(b, "pub fn %s(&self) -> &'a [u8; %" PRIu64 "] {", m, f->type.count);
        buf_line(b, "    at(self.bytes, %s)", off);
        buf_line(b, "}");
        buf_blank(b);
        buf_line(b, "/// `%s` as text: the bytes before the first NUL, if they are UTF-8.", sm);
        rs_sig(b, "pub fn %s_str(&self) -> Result<&'a str, core::str::Utf8Error> {", sm);
        buf_line(b, "    text(self.%s())", m);
        buf_line(b, "}");
        buf_blank(b);
        return;
    case TC_T_ARRAY: {
        const tc_type *e = f->type.elem;
        uint64_t n = f->type.count;
        const char *eoff = rs_elem_offset(c, f->offset, e->size);
        const char *check = rs_check(c, n, sm);
        emit_doc_trimmed(b, f->doc, "/// ");
        if (f->doc)
            buf_line(b, "///");
        buf_line(b, "/// Element `index` of `%s`: `%s` at byte %" PRIu64 ".", f->name,
                pool_type_spelling(&c->names, &f->type, c->s),
                 f->offset);
        buf_line(b, "///");
        buf_line(b, "/// # Panics");
        buf_line(b, "///");
        buf_line(b, "/// If `index >= %" PRIu64 "`.", n);
        rs_scalar_getter(c, e, m, sm, ", index: usize", "index", eoff, check);
        buf_blank(b);
        buf_line(b, "/// Every element of `%s`, in order.", sm);
        rs_sig(b, "pub fn %s_iter(self) -> impl Iterator<Item = %s> + 'a {", sm, rs_elem_type(c, e));
        buf_line(b, "    (0..%" PRIu64 ").map(move |index| self.%s(index))", n, m);
        buf_line(b, "}");
        buf_blank(b);
        if (e->kind == TC_T_PRIM && e->prim == TC_U8) {
            c->use_at = true;
            buf_line(b, "/// The bytes of `%s`, in place.", sm);
            rs_sig(b, "pub fn %s_bytes(&self) -> &'a [u8; %" PRIu64 "] {", sm, n);
            buf_line(b, "    at(self.bytes, %s)", off);
            buf_line(b, "}");
            buf_blank(b);
        }
        if (e->kind == TC_T_PRIM || e->kind == TC_T_FLAGS) {
            buf_line(b, "/// A copy of `%s`.", sm);
            rs_sig(b, "pub fn %s_array(&self) -> [%s; %" PRIu64 "] {", sm, rs_elem_type(c, e), n);
            buf_line(b, "    core::array::from_fn(|index| self.%s(index))", m);
            buf_line(b, "}");
            buf_blank(b);
        }
        return;
    }
    default:
        emit_doc_trimmed(b, f->doc, "/// ");
        if (f->doc)
            buf_line(b, "///");
        buf_line(b, "/// `%s`: `%s` at byte %" PRIu64 ".", f->name,
                pool_type_spelling(&c->names, &f->type, c->s), f->offset);
        rs_scalar_getter(c, &f->type, m, sm, "", "", off, "");
        buf_blank(b);
        return;
    }
}

static void rs_write_field(rs_ctx *c, const tc_field *f)
{
    tc_buf *b = c->b;
    const char *sm = rs_base(c, f);
    const char *off = pool_printf(&c->names, "%" PRIu64, f->offset);
    switch (f->type.kind) {
    case TC_T_PAD:
        return;
    case TC_T_CHARS:
        c->use_at_mut = true;
        c->use_put_text = true;
        c->use_text_error = true;
        buf_line(b, "/// Sets `%s` to exactly these bytes.", sm);
        rs_sig(b, "pub fn set_%s(&mut self, value: &[u8; %" PRIu64 "]) {", sm, f->type.count);
        buf_line(b, "    *at_mut(self.bytes, %s) = *value;", off);
        buf_line(b, "}");
        buf_blank(b);
        buf_line(b, "/// Sets `%s` to `value`, NUL-padded; text longer than %" PRIu64 " bytes is an error", sm,
                 f->type.count);
        buf_line(b, "/// and writes nothing.");
        rs_sig(b, "pub fn set_%s_str(&mut self, value: &str) -> Result<(), TextError> {", sm);
        {
            const char *args[] = {pool_printf(&c->names, "\"%s\"", f->name), pool_printf(&c->names, "&mut self.bytes[%s..%" PRIu64 "]", off, f->offset + f->type.count),
                                  "value"};
            b->indent++;
            rs_call(b, "put_text", args, 3, "");
            b->indent--;
        }
        buf_line(b, "}");
        buf_blank(b);
        return;
    case TC_T_ARRAY: {
        const tc_type *e = f->type.elem;
        uint64_t n = f->type.count;
        const char *eoff = rs_elem_offset(c, f->offset, e->size);
        const char *check = rs_check(c, n, sm);
        if (e->kind == TC_T_STRUCT)
            buf_line(b, "/// A write view of element `index` of `%s`, in place.", sm);
        else
            buf_line(b, "/// Sets element `index` of `%s`.", sm);
        buf_line(b, "///");
        buf_line(b, "/// # Panics");
        buf_line(b, "///");
        buf_line(b, "/// If `index >= %" PRIu64 "`.", n);
        rs_scalar_setter(c, e, sm, ", index: usize", "index", eoff, check);
        buf_blank(b);
        if (e->kind == TC_T_PRIM && e->prim == TC_U8) {
            c->use_at_mut = true;
            buf_line(b, "/// The bytes of `%s`, writable in place.", sm);
            rs_sig(b, "pub fn %s_bytes_mut(&mut self) -> &mut [u8; %" PRIu64 "] {", sm, n);
            buf_line(b, "    at_mut(self.bytes, %" PRIu64 ")", f->offset);
            buf_line(b, "}");
            buf_blank(b);
        }
        if (e->kind == TC_T_PRIM || e->kind == TC_T_FLAGS) {
            buf_line(b, "/// Sets every element of `%s`.", sm);
            rs_sig(b, "pub fn set_%s_array(&mut self, values: &[%s; %" PRIu64 "]) {", sm, rs_elem_type(c, e), n);
            buf_line(b, "    for (index, value) in values.iter().enumerate() {");
            buf_line(b, "        self.set_%s(index, *value);", sm);
            buf_line(b, "    }");
            buf_line(b, "}");
            buf_blank(b);
        }
        return;
    }
    default:
        if (f->type.kind == TC_T_STRUCT)
            buf_line(b, "/// A write view of `%s`, in place.", sm);
        else
            buf_line(b, "/// Sets `%s`.", sm);
        rs_scalar_setter(c, &f->type, sm, "", "", off, "");
        buf_blank(b);
        return;
    }
}

/* Removes the blank line that ends an impl body (rustfmt allows none there). */
static void rs_trim_blank(tc_buf *b)
{
    if (b->len >= 2 && b->data[b->len - 1] == '\n' && b->data[b->len - 2] == '\n') {
        b->len--;
        b->data[b->len] = '\0';
    }
}

static void rs_struct(rs_ctx *c, const tc_struct *st)
{
    tc_buf *b = c->b;
    const char *name = pool_keep(&c->names, name_pascal(st->name));
    const char *upper = pool_keep(&c->names, name_upper(st->name));
    rs_field_names(c, st);
    c->use_size_error = true;
    c->use_view = c->use_view_mut = true;
    c->use_fmt = true;

    buf_line(b, "/// Bytes in one [`%s`].", name);
    rs_assign(b, pool_printf(&c->names, "pub const %s_SIZE: usize", upper),
            pool_printf(&c->names, "%" PRIu64, st->size));
    buf_line(b, "/// Layout fingerprint of [`%s`]: FNV-1a 64 of its canonical lock text.", name);
    rs_assign(b, pool_printf(&c->names, "pub const %s_FINGERPRINT: u64", upper),
            pool_printf(&c->names, "0x%016" PRIx64, st->fingerprint));
    buf_blank(b);
    buf_line(b, "const _: () = assert!(%s_SIZE == %" PRIu64 ");", upper, st->size);
    /* The nested views this layout embeds must have the sizes it assumed. */
    for (size_t i = 0; i < st->nfields; i++) {
        const tc_type *t = &st->fields[i].type;
        const tc_struct *ns = t->kind == TC_T_STRUCT ? t->st
                              : (t->kind == TC_T_ARRAY && t->elem->kind == TC_T_STRUCT) ? t->elem->st
                                                                                         : NULL;
        if (!ns)
            continue;
        bool seen = false;
        for (size_t j = 0; j < i; j++) {
            const tc_type *u = &st->fields[j].type;
            const tc_struct *os = u->kind == TC_T_STRUCT ? u->st
                                  : (u->kind == TC_T_ARRAY && u->elem->kind == TC_T_STRUCT) ? u->elem->st
                                                                                             : NULL;
            if (os == ns)
                seen = true;
        }
        if (!seen)
            buf_line(b, "const _: () = assert!(%s == %" PRIu64 ");", rs_size_const(c, ns), ns->size);
    }
    buf_blank(b);

    /* read view */
    if (st->doc) {
        emit_doc_trimmed(b, st->doc, "/// ");
        buf_line(b, "///");
    }
    buf_line(b, "/// A read view over the %" PRIu64 " bytes of one `%s`, in place.", st->size, st->name);
    buf_line(b, "#[derive(Clone, Copy, PartialEq, Eq, Hash)]");
    buf_line(b, "pub struct %s<'a> {", name);
    buf_line(b, "    bytes: &'a [u8; %s_SIZE],", upper);
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "impl<'a> %s<'a> {", name);
    b->indent++;
    buf_line(b, "/// Bytes in one `%s`.", name);
    rs_assign(b, "pub const SIZE: usize", pool_printf(&c->names, "%s_SIZE", upper));
    buf_line(b, "/// Layout fingerprint of `%s`.", name);
    rs_assign(b, "pub const FINGERPRINT: u64", pool_printf(&c->names, "%s_FINGERPRINT", upper));
    buf_line(b, "/// The struct's name in the schema.");
    rs_assign(b, "pub const NAME: &'static str", pool_printf(&c->names, "\"%s\"", st->name));
    buf_blank(b);
    buf_line(b, "/// Views exactly `SIZE` bytes.");
    rs_sig(b, "pub const fn new(bytes: &'a [u8; %s_SIZE]) -> Self {", upper);
    buf_line(b, "    Self { bytes }");
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "/// Views the first `SIZE` bytes of `bytes`; a shorter slice is an error.");
    rs_sig(b, "pub fn from_bytes(bytes: &'a [u8]) -> Result<Self, SizeError> {");
    buf_line(b, "    Ok(Self::new(view(Self::NAME, bytes)?))");
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "/// The bytes this view reads.");
    rs_sig(b, "pub const fn as_bytes(&self) -> &'a [u8; %s_SIZE] {", upper);
    buf_line(b, "    self.bytes");
    buf_line(b, "}");
    buf_blank(b);
    for (size_t i = 0; i < st->nfields; i++)
        rs_read_field(c, st, &st->fields[i]);
    rs_trim_blank(b);
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);

    /* Debug */
    buf_line(b, "impl fmt::Debug for %s<'_> {", name);
    b->indent++;
    buf_line(b, "fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {");
    b->indent++;
    buf_line(b, "let mut s = f.debug_struct(\"%s\");", st->name);
    for (size_t i = 0; i < st->nfields; i++) {
        const tc_field *f = &st->fields[i];
        if (!rs_field_visible(f))
            continue;
        const char *m = rs_field_method(c, f);
        const char *val;
        if (f->type.kind == TC_T_CHARS)
            val = pool_printf(&c->names, "&self.%s_str()", rs_base(c, f));
        else if (f->type.kind == TC_T_ARRAY) {
            c->use_list = true;
            val = pool_printf(&c->names, "&List(%" PRIu64 ", |i| self.%s(i))", f->type.count, m);
        } else
            val = pool_printf(&c->names, "&self.%s()", m);
        const char *args[] = {pool_printf(&c->names, "\"%s\"", f->name), val};
        rs_call(b, "s.field", args, 2, ";");
    }
    buf_line(b, "s.finish()");
    b->indent--;
    buf_line(b, "}");
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);

    /* write view */
    buf_line(b, "/// A write view over the %" PRIu64 " bytes of one `%s`, in place.", st->size, st->name);
    buf_line(b, "pub struct %sMut<'a> {", name);
    buf_line(b, "    bytes: &'a mut [u8; %s_SIZE],", upper);
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "impl<'a> %sMut<'a> {", name);
    b->indent++;
    buf_line(b, "/// Bytes in one `%s`.", name);
    rs_assign(b, "pub const SIZE: usize", pool_printf(&c->names, "%s_SIZE", upper));
    buf_blank(b);
    buf_line(b, "/// Views exactly `SIZE` bytes.");
    rs_sig(b, "pub fn new(bytes: &'a mut [u8; %s_SIZE]) -> Self {", upper);
    buf_line(b, "    Self { bytes }");
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "/// Views the first `SIZE` bytes of `bytes`; a shorter slice is an error.");
    rs_sig(b, "pub fn from_bytes(bytes: &'a mut [u8]) -> Result<Self, SizeError> {");
    {
        size_t argw = strlen(name) + strlen("::NAME, bytes");
        if (argw <= RS_CALL_WIDTH && 8 + strlen("Ok(Self::new(view_mut(::NAME, bytes)?))") + strlen(name) <= RS_MAX_WIDTH) {
            buf_line(b, "    Ok(Self::new(view_mut(%s::NAME, bytes)?))", name);
        } else {
            buf_line(b, "    Ok(Self::new(view_mut(");
            buf_line(b, "        %s::NAME,", name);
            buf_line(b, "        bytes,");
            buf_line(b, "    )?))");
        }
    }
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "/// Reads through this view.");
    rs_sig(b, "pub fn as_view(&self) -> %s<'_> {", name);
    buf_line(b, "    %s::new(self.bytes)", name);
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "/// The bytes this view writes.");
    rs_sig(b, "pub fn as_bytes(&self) -> &[u8; %s_SIZE] {", upper);
    buf_line(b, "    self.bytes");
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "/// Zeroes every byte, padding included.");
    rs_sig(b, "pub fn clear(&mut self) {");
    buf_line(b, "    self.bytes.fill(0);");
    buf_line(b, "}");
    buf_blank(b);
    for (size_t i = 0; i < st->nfields; i++)
        rs_write_field(c, &st->fields[i]);
    rs_trim_blank(b);
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "impl fmt::Debug for %sMut<'_> {", name);
    buf_line(b, "    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {");
    buf_line(b, "        fmt::Debug::fmt(&self.as_view(), f)");
    buf_line(b, "    }");
    buf_line(b, "}");
    buf_blank(b);
}

/* ---- constants and messages --------------------------------------------- */

static void rs_const(rs_ctx *c, const tc_const *k)
{
    tc_buf *b = c->b;
    const char *name = pool_keep(&c->names, name_upper(k->name));
    emit_doc_trimmed(b, k->doc, "/// ");
    switch (k->kind) {
    case TC_C_INT:
        buf_line(b, "pub const %s: %s = %" PRId64 ";", name, rs_prim(k->type), k->i);
        break;
    case TC_C_UINT:
        buf_line(b, "pub const %s: %s = %" PRIu64 ";", name, rs_prim(k->type), k->u);
        break;
    case TC_C_BOOL:
        buf_line(b, "pub const %s: bool = %s;", name, k->u ? "true" : "false");
        break;
    case TC_C_FLOAT: {
        char lit[64];
        rs_float_literal(lit, sizeof lit, k->f, k->type == TC_F32 ? TC_F32 : TC_F64);
        buf_line(b, "pub const %s: %s = %s;", name, k->type == TC_F32 ? "f32" : "f64", lit);
        break;
    }
    case TC_C_STRING:
        buf_printf(b, "%*spub const %s: &str = ", b->indent * 4, "", name);
        rs_str_literal(b, k->s ? k->s : "");
        buf_puts(b, ";\n");
        break;
    }
}

static void rs_messages(rs_ctx *c)
{
    const tc_schema *s = c->s;
    tc_buf *b = c->b;
    bool any_payload = false;
    for (size_t i = 0; i < s->nmessages; i++)
        if (s->messages[i].payload)
            any_payload = true;

    buf_line(b, "/// A message of schema `%s`, decoded by its type id.", s->name);
    buf_line(b, "#[derive(Clone, Copy, Debug, PartialEq, Eq)]");
    buf_line(b, "pub enum Message%s {", any_payload ? "<'a>" : "");
    b->indent++;
    for (size_t i = 0; i < s->nmessages; i++) {
        const tc_message *m = &s->messages[i];
        emit_doc_trimmed(b, m->doc, "/// ");
        if (m->payload)
        {
            const char *args[] = {pool_printf(&c->names, "%s<'a>", rs_struct_ref(c, m->payload, ""))};
            rs_call(b, pool_keep(&c->names, name_pascal(m->name)), args, 1, ",");
        }
        else
            buf_line(b, "%s,", pool_keep(&c->names, name_pascal(m->name)));
    }
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);

    c->use_size_error = true;
    if (any_payload) {
        c->use_view = true;
        buf_line(b, "impl<'a> Message<'a> {");
    } else {
        buf_line(b, "impl Message {");
    }
    b->indent++;
    buf_line(b, "/// Decodes the payload of a message of type `type_id`; an unknown id or a payload");
    buf_line(b, "/// shorter than its struct is an error.");
    rs_sig(b, "pub fn decode(type_id: u32, %s: &%s[u8]) -> Result<Self, DecodeError> {",
             any_payload ? "bytes" : "_bytes", any_payload ? "'a " : "");
    b->indent++;
    buf_line(b, "let message = match type_id {");
    b->indent++;
    for (size_t i = 0; i < s->nmessages; i++) {
        const tc_message *m = &s->messages[i];
        const char *mu = pool_keep(&c->names, name_upper(m->name));
        const char *mp = pool_keep(&c->names, name_pascal(m->name));
        if (!m->payload) {
            rs_arm(b, pool_printf(&c->names, "MSG_%s", mu), pool_printf(&c->names, "Self::%s", mp));
            continue;
        }
        buf_line(b, "MSG_%s => {", mu);
        {
            const char *vargs[] = {pool_printf(&c->names, "\"%s\"", m->payload->name), "bytes"};
            const char *sargs[] = {pool_printf(&c->names, "%s::new(payload)", rs_struct_ref(c, m->payload, ""))};
            b->indent++;
            rs_call(b, "let payload = view", vargs, 2, "?;");
            rs_call(b, pool_printf(&c->names, "Self::%s", mp), sargs, 1, "");
            b->indent--;
        }
        buf_line(b, "}");
    }
    buf_line(b, "_ => return Err(DecodeError::UnknownTypeId(type_id)),");
    b->indent--;
    buf_line(b, "};");
    buf_line(b, "Ok(message)");
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "/// The type id this message travels under.");
    rs_sig(b, "pub fn type_id(&self) -> u32 {");
    b->indent++;
    buf_line(b, "match self {");
    b->indent++;
    for (size_t i = 0; i < s->nmessages; i++) {
        const tc_message *m = &s->messages[i];
        const char *pat = pool_printf(&c->names, "Self::%s%s", pool_keep(&c->names, name_pascal(m->name)),
                m->payload ? "(_)" : "");
        rs_arm(b, pat, pool_printf(&c->names, "MSG_%s", pool_keep(&c->names, name_upper(m->name))));
    }
    b->indent--;
    buf_line(b, "}");
    b->indent--;
    buf_line(b, "}");
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);

    buf_line(b, "/// The payload size of message `type_id` (0 for an empty payload), or `None` for an");
    buf_line(b, "/// unknown id.");
    rs_sig(b, "pub const fn payload_size(type_id: u32) -> Option<usize> {");
    b->indent++;
    buf_line(b, "match type_id {");
    b->indent++;
    for (size_t i = 0; i < s->nmessages; i++) {
        const tc_message *m = &s->messages[i];
        const char *mu = pool_keep(&c->names, name_upper(m->name));
        if (m->payload)
            rs_arm(b, pool_printf(&c->names, "MSG_%s", mu),
                    pool_printf(&c->names, "Some(%s)", rs_size_const(c, m->payload)));
        else
            buf_line(b, "MSG_%s => Some(0),", mu);
    }
    buf_line(b, "_ => None,");
    b->indent--;
    buf_line(b, "}");
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "/// The schema name of message `type_id`, or `None` for an unknown id.");
    rs_sig(b, "pub const fn message_name(type_id: u32) -> Option<&'static str> {");
    b->indent++;
    buf_line(b, "match type_id {");
    b->indent++;
    for (size_t i = 0; i < s->nmessages; i++) {
        const tc_message *m = &s->messages[i];
        rs_arm(b, pool_printf(&c->names, "MSG_%s", pool_keep(&c->names, name_upper(m->name))),
                pool_printf(&c->names, "Some(\"%s\")", m->name));
    }
    buf_line(b, "_ => None,");
    b->indent--;
    buf_line(b, "}");
    b->indent--;
    buf_line(b, "}");
    buf_blank(b);

    buf_line(b, "/// Why [`Message::decode`] failed.");
    buf_line(b, "#[derive(Clone, Copy, Debug, PartialEq, Eq)]");
    buf_line(b, "pub enum DecodeError {");
    buf_line(b, "    /// No message of schema `%s` has this type id.", s->name);
    buf_line(b, "    UnknownTypeId(u32),");
    buf_line(b, "    /// The payload is shorter than its struct.");
    buf_line(b, "    Size(SizeError),");
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "impl From<SizeError> for DecodeError {");
    buf_line(b, "    fn from(err: SizeError) -> Self {");
    buf_line(b, "        Self::Size(err)");
    buf_line(b, "    }");
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "impl fmt::Display for DecodeError {");
    buf_line(b, "    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {");
    buf_line(b, "        match self {");
    buf_line(b, "            Self::UnknownTypeId(id) => write!(f, \"unknown %s type id {id}\"),", s->name);
    buf_line(b, "            Self::Size(err) => fmt::Display::fmt(err, f),");
    buf_line(b, "        }");
    buf_line(b, "    }");
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "impl std::error::Error for DecodeError {}");
    buf_blank(b);
}

/* ---- file assembly --------------------------------------------------------- */

static void rs_helpers(rs_ctx *c, tc_buf *b)
{
    /* only the sections this module uses, in a fixed order */
    if (c->use_size_error)
        emit_support(b, "rust", "size_error", NULL);
    if (c->use_enum_error)
        emit_support(b, "rust", "enum_error", NULL);
    if (c->use_text_error)
        emit_support(b, "rust", "text_error", NULL);
    if (c->use_view)
        emit_support(b, "rust", "view", NULL);
    if (c->use_view_mut)
        emit_support(b, "rust", "view_mut", NULL);
    if (c->use_at)
        emit_support(b, "rust", "at", NULL);
    if (c->use_at_mut)
        emit_support(b, "rust", "at_mut", NULL);
    if (c->use_text)
        emit_support(b, "rust", "text", NULL);
    if (c->use_put_text)
        emit_support(b, "rust", "put_text", NULL);
    if (c->use_list)
        emit_support(b, "rust", "list", NULL);
}

static int rs_schema(const tc_program *prog, const tc_schema *s, tc_outputs *out)
{
    rs_ctx c;
    memset(&c, 0, sizeof c);
    c.prog = prog;
    c.s = s;
    tc_buf body;
    memset(&body, 0, sizeof body);
    c.b = &body;
    tc_defs defs = {0};
    size_t mark = 0;
#define RS_SCAN(loc, ...) \
    emit_defs_scan(&defs, &c.names, TC_NAMES_RUST, body.data ? body.data + mark : "", loc, \
                   pool_printf(&c.names, __VA_ARGS__), &out->errors)
    emit_defs_support(&defs, &c.names, "rust", TC_NAMES_RUST, s->loc, &out->errors);

    /* fingerprint and message ids */
    buf_line(&body, "/// Fingerprint of schema `%s`: bind a bus to it so that only peers built from the", s->name);
    buf_line(&body, "/// same messages can connect.");
    buf_line(&body, "pub const SCHEMA_FINGERPRINT: u64 = 0x%016" PRIx64 ";", s->fingerprint);
    buf_blank(&body);
    if (s->nmessages) {
        for (size_t i = 0; i < s->nmessages; i++) {
            const tc_message *m = &s->messages[i];
            emit_doc_trimmed(&body, m->doc, "/// ");
            if (!m->doc) {
                if (m->payload)
                    buf_line(&body, "/// Type id of `%s` (payload [`%s`]).", m->name,
                             rs_struct_ref(&c, m->payload, ""));
                else
                    buf_line(&body, "/// Type id of `%s` (empty payload).", m->name);
            }
            buf_line(&body, "pub const MSG_%s: u32 = %" PRIu32 ";", pool_keep(&c.names, name_upper(m->name)), m->id);
        }
        buf_blank(&body);
    }
    if (s->nreserved) {
        buf_line(&body, "/// Retired type ids (inclusive ranges): never reuse them.");
        buf_printf(&body, "pub const RESERVED_TYPE_IDS: [(u32, u32); %zu] = [", s->nreserved);
        /* short lists fit on one line; rustfmt breaks longer ones */
        tc_buf items;
        memset(&items, 0, sizeof items);
        for (size_t i = 0; i < s->nreserved; i++)
            buf_printf(&items, "%s(%" PRIu32 ", %" PRIu32 ")", i ? ", " : "", s->reserved[i].lo, s->reserved[i].hi);
        size_t head = strlen("pub const RESERVED_TYPE_IDS: [(u32, u32); ] = [") + 20;
        if (items.len <= RS_CALL_WIDTH && head + items.len + 2 <= RS_MAX_WIDTH) {
            buf_printf(&body, "%s];\n", items.data ? items.data : "");
        } else {
            buf_puts(&body, "\n");
            for (size_t i = 0; i < s->nreserved; i++)
                buf_printf(&body, "    (%" PRIu32 ", %" PRIu32 "),\n", s->reserved[i].lo, s->reserved[i].hi);
            buf_puts(&body, "];\n");
        }
        buf_free(&items);
        buf_blank(&body);
    }
    RS_SCAN(s->loc, "the messages of schema %s", s->name);
    if (s->nmessages) { /* the decode enum's names first, so a clash is blamed on the declaration */
        tc_buf scratch = {0};
        c.b = &scratch;
        rs_messages(&c);
        c.b = &body;
        emit_defs_scan(&defs, &c.names, TC_NAMES_RUST, scratch.data, s->loc,
                       pool_printf(&c.names, "the decode enum of schema %s", s->name), &out->errors);
        buf_free(&scratch);
    }
    for (size_t i = 0; i < s->nconsts; i++) {
        mark = body.len;
        rs_const(&c, &s->consts[i]);
        RS_SCAN(s->consts[i].loc, "constant %s", s->consts[i].name);
    }
    if (s->nconsts)
        buf_blank(&body);
    for (size_t i = 0; i < s->nenums; i++) {
        mark = body.len;
        if (s->enums[i].is_flags)
            rs_flags(&c, &s->enums[i]);
        else
            rs_enum(&c, &s->enums[i]);
        RS_SCAN(s->enums[i].loc, "%s %s", s->enums[i].is_flags ? "flags" : "enum", s->enums[i].name);
    }
    for (size_t i = 0; i < s->nstructs; i++) {
        mark = body.len;
        rs_struct(&c, &s->structs[i]);
        RS_SCAN(s->structs[i].loc, "struct %s", s->structs[i].name);
    }
    if (s->nmessages)
        rs_messages(&c);
    for (size_t i = 0; i < s->nservices; i++) {
        mark = body.len;
        emit_rpc_rust(&body, &c.names, s, &s->services[i]);
        RS_SCAN(s->services[i].loc, "service %s", s->services[i].name);
    }

    /* header, then body, then the helpers the body used */
    char *rel = malloc(strlen(s->name) + 4);
    tc_buf *b = rel ? (sprintf(rel, "%s.rs", s->name), outputs_add(out, rel)) : NULL;
    free(rel);
    int rc = 0;
    if (!b) {
        rc = -1;
        goto done;
    }
    emit_banner(b, TC_NAMES_RUST, s->path);
    if (s->doc) {
        emit_doc_trimmed(b, s->doc, "//! ");
        buf_puts(b, "//!\n");
    }
    buf_printf(b, "//! Views over the messages of schema `%s`: read and write every field in place.\n", s->name);
    buf_puts(b, "\n");
    bool any_use = c.use_fmt || c.nrefs;
    /* `use` lines, sorted as rustfmt sorts them: `core::fmt` before `super::x` */
    {
        /* sort refs by name */
        for (size_t i = 1; i < c.nrefs; i++)
            for (size_t j = i; j > 0 && strcmp(c.refs[j - 1]->name, c.refs[j]->name) > 0; j--) {
                const tc_schema *t = c.refs[j];
                c.refs[j] = c.refs[j - 1];
                c.refs[j - 1] = t;
            }
        for (size_t i = 0; i < c.nrefs; i++)
            buf_printf(b, "use super::%s;\n", c.refs[i]->name);
    }
    if (c.use_fmt)
        buf_puts(b, "use core::fmt;\n");
    if (any_use)
        buf_puts(b, "\n");
    buf_append_take(b, &body);
    tc_buf helpers;
    memset(&helpers, 0, sizeof helpers);
    rs_helpers(&c, &helpers);
#undef RS_SCAN
    buf_put(b, helpers.data ? helpers.data : "", helpers.len);
    buf_free(&helpers);
    /* exactly one newline at the end */
    while (b->len >= 2 && b->data[b->len - 1] == '\n' && b->data[b->len - 2] == '\n')
        b->data[--b->len] = '\0';
    if (b->oom || body.oom || c.oom || c.names.oom)
        rc = -1;
    if (defs.oom)
        rc = -1;
done:
    defs_free(&defs);
    free(c.bases);
    buf_free(&body);
    free(c.refs);
    pool_free(&c.names);
    return rc;
}

static int cmp_schema_name(const void *a, const void *b)
{
    const tc_schema *x = *(const tc_schema *const *)a;
    const tc_schema *y = *(const tc_schema *const *)b;
    return strcmp(x->name, y->name);
}

int emit_rust(const tc_program *prog, const tachc_options *opts, tc_outputs *out)
{
    (void)opts;
    for (size_t i = 0; i < prog->nschemas; i++) {
        if (rs_schema(prog, prog->schemas[i], out)) {
            fprintf(stderr, "tachc: out of memory while generating Rust\n");
            return -1;
        }
    }
    const tc_schema **sorted = malloc((prog->nschemas ? prog->nschemas : 1) * sizeof *sorted);
    tc_buf *b = sorted ? outputs_add(out, "mod.rs") : NULL;
    if (!b) {
        free(sorted);
        fprintf(stderr, "tachc: out of memory while generating Rust\n");
        return -1;
    }
    memcpy(sorted, prog->schemas, prog->nschemas * sizeof *sorted);
    qsort(sorted, prog->nschemas, sizeof *sorted, cmp_schema_name);
    emit_banner(b, TC_NAMES_RUST, NULL);
    buf_puts(b, "//! Views over Tachyon message payloads, one module per schema.\n\n");
    for (size_t i = 0; i < prog->nschemas; i++)
        buf_printf(b, "pub mod %s;\n", sorted[i]->name);
    free(sorted);
    if (b->oom) {
        fprintf(stderr, "tachc: out of memory while generating Rust\n");
        return -1;
    }
    return 0;
}
