/*
 * emit_go.c - the Go emitter: one package per schema, DIR/go/<schema>/<schema>.go.
 *
 * Each struct becomes a view type over a byte slice (`type MarketTick []byte`)
 * with a checked constructor and one getter / setter per field through
 * encoding/binary.LittleEndian, so every access is unaligned-safe and in place.
 * Enums and flag sets become typed integer constants with String().
 *
 * The output is gofmt's own: tabs, sorted imports, and aligned `Name Type =
 * value` columns within each run of constant lines (go_specs() computes them,
 * since gofmt aligns consecutive lines and a comment line ends a run).
 * Imported schemas are referenced through the module path opts->go_module
 * (`tachc gen --go-module PATH`): PATH/<schema>.
 */
#include "emit.h"
#include "emit_rpc.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct go_ctx {
    const tc_schema *s;
    tc_buf *b;
    tc_pool names;          /* names to free at the end */
    int oom;
    bool use_binary, use_math, use_strconv;
    bool use_size_error, use_text_error;
    const tc_schema **refs;
    size_t nrefs;
    const tc_struct *cur;   /* the struct being written, and its fields' Go bases */
    const char **bases;     /* (go_field_names: unique among the view's methods) */
} go_ctx;

static const char *pascal(go_ctx *c, const char *name) { return pool_keep(&c->names, name_pascal(name)); }

/* Gives every field of st its PascalCase base, unique among the methods of
 * its view (names.h): Clear first, then each field, in source order, with
 * Set<X> and <X>Bytes; a field whose names are taken gets "_". */
static void go_field_names(go_ctx *c, const tc_struct *st)
{
    static const char *const fixed[] = {"Clear", NULL};
    static const char *const derived[] = {"Set%s", "%sBytes", NULL};
    free(c->bases);
    c->cur = st;
    c->bases = emit_field_names(&c->names, st, TC_NAMES_GO, 'p', NULL, fixed, derived);
    if (!c->bases) {
        c->oom = 1;
        c->cur = NULL;
    }
}

/* The Go base of a field of the struct being written. */
static const char *go_base(go_ctx *c, const tc_field *f)
{
    if (c->cur && f >= c->cur->fields && f < c->cur->fields + c->cur->nfields && c->bases[f - c->cur->fields])
        return c->bases[f - c->cur->fields];
    return pascal(c, f->name);
}

static void note_ref(go_ctx *c, const tc_schema *s)
{
    if (s != c->s && schema_set_add(&c->refs, &c->nrefs, s))
        c->oom = 1;
}

/* A type declared in `owner`: "MarketTick" here, "common.Point" elsewhere. */
static const char *go_qual(go_ctx *c, const tc_schema *owner, const char *name)
{
    if (owner && owner != c->s) {
        note_ref(c, owner);
        return pool_printf(&c->names, "%s.%s", owner->name, pascal(c, name));
    }
    return pascal(c, name);
}

static const char *go_prim(tc_prim p)
{
    switch (p) {
    case TC_U8: return "uint8";
    case TC_U16: return "uint16";
    case TC_U32: return "uint32";
    case TC_U64: return "uint64";
    case TC_I8: return "int8";
    case TC_I16: return "int16";
    case TC_I32: return "int32";
    case TC_I64: return "int64";
    case TC_F32: return "float32";
    case TC_F64: return "float64";
    case TC_BOOL: return "bool";
    default: return "byte";
    }
}

/* ---- aligned constant blocks ------------------------------------------- */

typedef struct go_spec {
    const char *doc;  /* doc comment (ends an alignment run) or NULL */
    const char *name;
    const char *type; /* may be "" for an untyped constant */
    const char *value;
} go_spec;

/* Writes specs i .. j-1 as one gofmt alignment run (only sp[i] may carry a
 * doc): names padded to the longest name, types to the longest type. */
static void go_spec_run(tc_buf *b, const go_spec *sp, size_t i, size_t j)
{
    size_t wn = 0, wt = 0;
    for (size_t k = i; k < j; k++) {
        if (strlen(sp[k].name) > wn)
            wn = strlen(sp[k].name);
        if (strlen(sp[k].type) > wt)
            wt = strlen(sp[k].type);
    }
    if (sp[i].doc) {
        b->indent = 1;
        emit_doc_trimmed(b, sp[i].doc, "// ");
        b->indent = 0;
    }
    for (size_t k = i; k < j; k++) {
        if (wt)
            buf_printf(b, "\t%-*s %-*s = %s\n", (int)wn, sp[k].name, (int)wt, sp[k].type, sp[k].value);
        else
            buf_printf(b, "\t%-*s = %s\n", (int)wn, sp[k].name, sp[k].value);
    }
}

/* Writes `const ( ... )` with gofmt's column alignment: consecutive spec lines
 * form a run; a comment line ends the run. Within a run, names are padded to
 * the longest name and types to the longest type. */
static void go_specs(tc_buf *b, const go_spec *sp, size_t n)
{
    buf_puts(b, "const (\n");
    size_t i = 0;
    while (i < n) {
        size_t j = i + 1;
        while (j < n && !sp[j].doc)
            j++;
        go_spec_run(b, sp, i, j);
        i = j;
    }
    buf_puts(b, ")\n");
}

/* ---- helpers for values ------------------------------------------------- */

static const char *go_string_literal(go_ctx *c, const char *s)
{
    tc_buf t;
    memset(&t, 0, sizeof t);
    buf_puts(&t, "\"");
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '"': buf_puts(&t, "\\\""); break;
        case '\\': buf_puts(&t, "\\\\"); break;
        case '\n': buf_puts(&t, "\\n"); break;
        case '\r': buf_puts(&t, "\\r"); break;
        case '\t': buf_puts(&t, "\\t"); break;
        default:
            if (*p < 0x20 || *p >= 0x7f)
                buf_printf(&t, "\\x%02x", *p);
            else
                buf_put(&t, (const char *)p, 1);
        }
    }
    buf_puts(&t, "\"");
    if (t.oom) {
        buf_free(&t);
        c->oom = 1;
        return "\"\"";
    }
    return pool_keep(&c->names, t.data);
}

static const char *go_enum_value(go_ctx *c, const tc_enum *en, const tc_enum_value *v)
{
    if (prim_is_signed(en->underlying))
        return pool_printf(&c->names, "%" PRId64, v->value);
    if (en->is_flags)
        return pool_printf(&c->names, "0x%" PRIx64, v->bits);
    return pool_printf(&c->names, "%" PRIu64, v->bits);
}

/* ---- enums and flags ---------------------------------------------------- */

static void go_enum(go_ctx *c, const tc_enum *en)
{
    tc_buf *b = c->b;
    const char *name = pascal(c, en->name);
    c->use_strconv = true;
    buf_printf(b, "// %s is %s of schema %s.\n", name, en->is_flags ? "a flag set" : "an enum", c->s->name);
    if (en->doc) {
        buf_puts(b, "//\n");
        emit_doc_trimmed(b, en->doc, "// ");
    }
    buf_printf(b, "type %s %s\n\n", name, go_prim(en->underlying));
    if (en->nvalues) {
        go_spec *sp = calloc(en->nvalues, sizeof *sp);
        if (!sp) {
            c->oom = 1;
            return;
        }
        for (size_t i = 0; i < en->nvalues; i++) {
            const tc_enum_value *v = &en->values[i];
            sp[i].doc = v->doc;
            sp[i].name = pool_printf(&c->names, "%s%s", name, pascal(c, v->name));
            sp[i].type = name;
            sp[i].value = go_enum_value(c, en, v);
        }
        /* the first spec carries the block's doc line */
        buf_printf(b, "// Values of %s.\n", name);
        go_specs(b, sp, en->nvalues);
        free(sp);
        buf_blank(b);
    }

    if (!en->is_flags) {
        buf_printf(b, "// String returns the value's name in the schema, or %s(N) for an unknown value.\n", name);
        buf_printf(b, "func (x %s) String() string {\n", name);
        if (en->nvalues) {
            buf_puts(b, "\tswitch x {\n");
            for (size_t i = 0; i < en->nvalues; i++) {
                buf_printf(b, "\tcase %s%s:\n", name, pascal(c, en->values[i].name));
                buf_printf(b, "\t\treturn %s\n", go_string_literal(c, en->values[i].name));
            }
            buf_puts(b, "\t}\n");
        }
        if (prim_is_signed(en->underlying))
            buf_printf(b, "\treturn \"%s(\" + strconv.FormatInt(int64(x), 10) + \")\"\n", name);
        else
            buf_printf(b, "\treturn \"%s(\" + strconv.FormatUint(uint64(x), 10) + \")\"\n", name);
        buf_puts(b, "}\n\n");

        buf_printf(b, "// Valid reports whether x is one of the values the schema declares.\n");
        buf_printf(b, "func (x %s) Valid() bool {\n", name);
        if (en->nvalues) {
            buf_puts(b, "\tswitch x {\n\tcase ");
            for (size_t i = 0; i < en->nvalues; i++)
                buf_printf(b, "%s%s%s", i ? ", " : "", name, pascal(c, en->values[i].name));
            buf_puts(b, ":\n\t\treturn true\n\t}\n");
        }
        buf_puts(b, "\treturn false\n");
        buf_puts(b, "}\n\n");
        return;
    }

    buf_printf(b, "// Has reports whether every flag of y is set in x.\n");
    buf_printf(b, "func (x %s) Has(y %s) bool {\n\treturn x&y == y\n}\n\n", name, name);
    buf_printf(b, "// String lists the set flags by name, joined by |; unknown bits are shown in hex.\n");
    buf_printf(b, "func (x %s) String() string {\n", name);
    buf_puts(b, "\ts := \"\"\n");
    for (size_t i = 0; i < en->nvalues; i++) {
        if (en->values[i].bits == 0)
            continue;
        const char *v = pool_printf(&c->names, "%s%s", name, pascal(c, en->values[i].name));
        buf_printf(b, "\tif x&%s == %s {\n", v, v);
        buf_printf(b, "\t\ts += \"|%s\"\n", en->values[i].name);
        buf_printf(b, "\t\tx &^= %s\n", v);
        buf_puts(b, "\t}\n");
    }
    buf_puts(b, "\tif x != 0 {\n");
    buf_puts(b, "\t\ts += \"|0x\" + strconv.FormatUint(uint64(x), 16)\n");
    buf_puts(b, "\t}\n");
    buf_puts(b, "\tif s == \"\" {\n\t\treturn \"0\"\n\t}\n");
    buf_puts(b, "\treturn s[1:]\n");
    buf_puts(b, "}\n\n");
}

/* ---- structs ------------------------------------------------------------ */

/* Reads a primitive at slice expression `at` (e.g. "v[8:]"). */
static const char *go_read_prim(go_ctx *c, tc_prim p, const char *at, const char *at1)
{
    switch (p) {
    case TC_U8: return pool_printf(&c->names, "%s", at1);
    case TC_I8: return pool_printf(&c->names, "int8(%s)", at1);
    case TC_BOOL: return pool_printf(&c->names, "%s != 0", at1);
    case TC_U16: c->use_binary = true; return pool_printf(&c->names, "binary.LittleEndian.Uint16(%s)", at);
    case TC_U32: c->use_binary = true; return pool_printf(&c->names, "binary.LittleEndian.Uint32(%s)", at);
    case TC_U64: c->use_binary = true; return pool_printf(&c->names, "binary.LittleEndian.Uint64(%s)", at);
    case TC_I16: c->use_binary = true; return pool_printf(&c->names, "int16(binary.LittleEndian.Uint16(%s))", at);
    case TC_I32: c->use_binary = true; return pool_printf(&c->names, "int32(binary.LittleEndian.Uint32(%s))", at);
    case TC_I64: c->use_binary = true; return pool_printf(&c->names, "int64(binary.LittleEndian.Uint64(%s))", at);
    case TC_F32:
        c->use_binary = c->use_math = true;
        return pool_printf(&c->names, "math.Float32frombits(binary.LittleEndian.Uint32(%s))", at);
    case TC_F64:
        c->use_binary = c->use_math = true;
        return pool_printf(&c->names, "math.Float64frombits(binary.LittleEndian.Uint64(%s))", at);
    default: return "0";
    }
}

/* Writes statement(s) storing `x` (of the primitive's Go type) at `at`. */
static void go_write_prim(go_ctx *c, tc_prim p, const char *at, const char *at1, const char *x)
{
    tc_buf *b = c->b;
    switch (p) {
    case TC_U8: buf_printf(b, "\t%s = %s\n", at1, x); return;
    case TC_I8: buf_printf(b, "\t%s = byte(%s)\n", at1, x); return;
    case TC_BOOL:
        buf_printf(b, "\tif %s {\n\t\t%s = 1\n\t} else {\n\t\t%s = 0\n\t}\n", x, at1, at1);
        return;
    default: break;
    }
    c->use_binary = true;
    unsigned bits = prim_size(p) * 8;
    if (p == TC_F32 || p == TC_F64) {
        c->use_math = true;
        buf_printf(b, "\tbinary.LittleEndian.PutUint%u(%s, math.Float%ubits(%s))\n", bits, at, bits, x);
    } else if (prim_is_signed(p)) {
        buf_printf(b, "\tbinary.LittleEndian.PutUint%u(%s, uint%u(%s))\n", bits, at, bits, x);
    } else {
        buf_printf(b, "\tbinary.LittleEndian.PutUint%u(%s, %s)\n", bits, at, x);
    }
}

/* gofmt drops the spaces around a slice's colon inside a call with several
 * arguments: "v[0:8][8*i : 8*i+8]" -> "v[0:8][8*i:8*i+8]". */
static const char *go_compact(go_ctx *c, const char *span)
{
    char *t = strdup(span);
    if (t) {
        char *p;
        while ((p = strstr(t, " : ")) != NULL)
            memmove(p, p + 1, strlen(p + 1) + 1), p[0] = ':', memmove(p + 1, p + 2, strlen(p + 2) + 1);
    }
    return pool_keep(&c->names, t);
}

/* The Go type an element reads as. */
static const char *go_elem_type(go_ctx *c, const tc_type *t)
{
    switch (t->kind) {
    case TC_T_PRIM: return go_prim(t->prim);
    case TC_T_ENUM:
    case TC_T_FLAGS: return go_qual(c, t->en->schema, t->en->name);
    case TC_T_STRUCT: return go_qual(c, t->st->schema, t->st->name);
    default: return "byte";
    }
}

/* Getter and setter for one element of type t. For a scalar field `idx` is ""
 * and `at`/`at1`/`span` address the field; for an array element they use i. */
static void go_accessors(go_ctx *c, const char *view, const char *fname, const char *doc, const tc_type *t,
                         const char *idxp, const char *idxa, const char *at, const char *at1, const char *span)
{
    tc_buf *b = c->b;
    const char *gt = go_elem_type(c, t);
    (void)idxa;
    switch (t->kind) {
    case TC_T_PRIM:
        buf_puts(b, doc);
        buf_printf(b, "func (v %s) %s(%s) %s {\n", view, fname, idxp, gt);
        buf_printf(b, "\treturn %s\n}\n\n", go_read_prim(c, t->prim, at, at1));
        buf_printf(b, "// Set%s sets %s%s.\n", fname, fname, *idxp ? " element i" : "");
        buf_printf(b, "func (v %s) Set%s(%s%sx %s) {\n", view, fname, idxp, *idxp ? ", " : "", gt);
        go_write_prim(c, t->prim, at, at1, "x");
        buf_puts(b, "}\n\n");
        return;
    case TC_T_ENUM:
    case TC_T_FLAGS: {
        tc_prim p = t->en->underlying;
        buf_puts(b, doc);
        buf_printf(b, "func (v %s) %s(%s) %s {\n", view, fname, idxp, gt);
        buf_printf(b, "\treturn %s(%s)\n}\n\n", gt, go_read_prim(c, p, at, at1));
        buf_printf(b, "// Set%s sets %s%s.\n", fname, fname, *idxp ? " element i" : "");
        buf_printf(b, "func (v %s) Set%s(%s%sx %s) {\n", view, fname, idxp, *idxp ? ", " : "", gt);
        go_write_prim(c, p, at, at1, pool_printf(&c->names, "%s(x)", go_prim(p)));
        buf_puts(b, "}\n\n");
        return;
    }
    case TC_T_STRUCT:
        buf_puts(b, doc);
        buf_printf(b, "func (v %s) %s(%s) %s {\n", view, fname, idxp, gt);
        buf_printf(b, "\treturn %s(%s)\n}\n\n", gt, span);
        buf_printf(b, "// Set%s copies x over %s%s.\n", fname, fname, *idxp ? " element i" : "");
        buf_printf(b, "func (v %s) Set%s(%s%sx %s) {\n", view, fname, idxp, *idxp ? ", " : "", gt);
        buf_printf(b, "\tcopy(%s, x)\n}\n\n", go_compact(c, span));
        return;
    default:
        return;
    }
}

/* "// Price returns price (f64 at byte 8)." then the field's own doc, if any. */
static const char *go_field_doc(go_ctx *c, const char *fname, const tc_field *f, const char *what)
{
    tc_buf t;
    memset(&t, 0, sizeof t);
    buf_printf(&t, "// %s returns %s%s (%s at byte %" PRIu64 ").\n", fname, f->name, what,
            pool_type_spelling(&c->names, &f->type, c->s), f->offset);
    if (f->doc) {
        buf_puts(&t, "//\n");
        emit_doc_trimmed(&t, f->doc, "// ");
    }
    if (t.oom) {
        c->oom = 1;
        buf_free(&t);
        return "";
    }
    return pool_keep(&c->names, t.data);
}

static void go_field(go_ctx *c, const char *view, const tc_field *f)
{
    tc_buf *b = c->b;
    if (f->type.kind == TC_T_PAD)
        return;
    const char *fname = go_base(c, f);
    uint64_t o = f->offset, e = f->offset + f->size;
    switch (f->type.kind) {
    case TC_T_CHARS:
        buf_puts(b, go_field_doc(c, fname, f, " up to its first NUL"));
        buf_printf(b, "func (v %s) %s() string {\n", view, fname);
        buf_printf(b, "\tb := v[%" PRIu64 ":%" PRIu64 "]\n", o, e);
        buf_puts(b, "\tfor n, ch := range b {\n\t\tif ch == 0 {\n\t\t\treturn string(b[:n])\n\t\t}\n\t}\n");
        buf_puts(b, "\treturn string(b)\n}\n\n");
        buf_printf(b, "// %sBytes returns the %" PRIu64 " bytes of %s, in place.\n", fname, f->type.count, f->name);
        buf_printf(b, "func (v %s) %sBytes() []byte {\n", view, fname);
        buf_printf(b, "\treturn v[%" PRIu64 ":%" PRIu64 ":%" PRIu64 "]\n}\n\n", o, e, e);
        buf_printf(b, "// Set%s writes s NUL-padded; s longer than %" PRIu64 " bytes is an error and nothing is\n",
                   fname, f->type.count);
        buf_puts(b, "// written.\n");
        buf_printf(b, "func (v %s) Set%s(s string) error {\n", view, fname);
        buf_printf(b, "\tif len(s) > %" PRIu64 " {\n", f->type.count);
        buf_printf(b, "\t\treturn &TextError{Field: \"%s\", Cap: %" PRIu64 ", Len: len(s)}\n\t}\n", f->name,
                   f->type.count);
        buf_printf(b, "\tb := v[%" PRIu64 ":%" PRIu64 "]\n", o, e);
        buf_puts(b, "\tclear(b[copy(b, s):])\n\treturn nil\n}\n\n");
        c->use_text_error = true;
        return;
    case TC_T_ARRAY: {
        const tc_type *t = f->type.elem;
        uint64_t es = t->size;
        /* capacity capped at the array's end, so index len(array) is out of range */
        const char *base = pool_printf(&c->names, "v[%" PRIu64 ":%" PRIu64 ":%" PRIu64 "]", o, e, e);
        const char *at = es == 1 ? pool_printf(&c->names, "%s[i:]", base)
                                 : pool_printf(&c->names, "%s[%" PRIu64 "*i:]", base, es);
        const char *at1 = pool_printf(&c->names, "%s[i]", base);
        const char *span = es == 1 ? pool_printf(&c->names, "%s[i : i+1]", base)
                                   : pool_printf(&c->names, "%s[%" PRIu64 "*i : %" PRIu64 "*i+%" PRIu64 "]",
                                           base, es, es, es);
        const char *doc = go_field_doc(c, fname, f, " element i");
        go_accessors(c, view, fname, doc, t, "i int", "i", at, at1, span);
        if (t->kind == TC_T_PRIM && t->prim == TC_U8) {
            buf_printf(b, "// %sBytes returns the %" PRIu64 " bytes of %s, in place.\n", fname, f->type.count, f->name);
            buf_printf(b, "func (v %s) %sBytes() []byte {\n\treturn %s\n}\n\n", view, fname, base);
        }
        return;
    }
    default: {
        const char *at = pool_printf(&c->names, "v[%" PRIu64 ":]", o);
        const char *at1 = pool_printf(&c->names, "v[%" PRIu64 "]", o);
        const char *span = pool_printf(&c->names, "v[%" PRIu64 ":%" PRIu64 ":%" PRIu64 "]", o, e, e);
        go_accessors(c, view, fname, go_field_doc(c, fname, f, ""), &f->type, "", "", at, at1, span);
        return;
    }
    }
}

static void go_struct(go_ctx *c, const tc_struct *st)
{
    tc_buf *b = c->b;
    const char *name = pascal(c, st->name);
    go_field_names(c, st);
    c->use_size_error = true;

    buf_printf(b, "// %sSize is the number of bytes in one %s.\n", name, name);
    buf_printf(b, "const %sSize = %" PRIu64 "\n\n", name, st->size);
    buf_printf(b, "// %sFingerprint is the layout fingerprint of %s: FNV-1a 64 of its canonical lock\n", name, name);
    buf_puts(b, "// text.\n");
    buf_printf(b, "const %sFingerprint uint64 = 0x%016" PRIx64 "\n\n", name, st->fingerprint);
    /* array lengths, for loops over the indexed accessors */
    bool any_array = false;
    for (size_t i = 0; i < st->nfields; i++)
        if (st->fields[i].type.kind == TC_T_ARRAY)
            any_array = true;
    if (any_array) {
        size_t n = 0;
        go_spec *sp = calloc(st->nfields, sizeof *sp);
        if (!sp) {
            c->oom = 1;
            return;
        }
        for (size_t i = 0; i < st->nfields; i++) {
            const tc_field *f = &st->fields[i];
            if (f->type.kind != TC_T_ARRAY)
                continue;
            sp[n].name = pool_printf(&c->names, "%s%sLen", name, go_base(c, f));
            sp[n].type = "";
            sp[n].value = pool_printf(&c->names, "%" PRIu64, f->type.count);
            n++;
        }
        buf_printf(b, "// Element counts of the array fields of %s.\n", name);
        go_specs(b, sp, n);
        free(sp);
        buf_blank(b);
    }

    buf_printf(b, "// %s is a view over the %" PRIu64 " bytes of one %s: every getter and setter\n", name,
               st->size, st->name);
    buf_puts(b, "// reads or writes those bytes in place. Make one with New");
    buf_printf(b, "%s, which checks the size.\n", name);
    if (st->doc) {
        buf_puts(b, "//\n");
        emit_doc_trimmed(b, st->doc, "// ");
    }
    buf_printf(b, "type %s []byte\n\n", name);
    buf_printf(b, "// New%s views the first %sSize bytes of b; a shorter b is an error.\n", name, name);
    buf_printf(b, "func New%s(b []byte) (%s, error) {\n", name, name);
    buf_printf(b, "\tif len(b) < %sSize {\n", name);
    buf_printf(b, "\t\treturn nil, &SizeError{Type: \"%s\", Want: %sSize, Got: len(b)}\n", st->name, name);
    buf_puts(b, "\t}\n");
    buf_printf(b, "\treturn %s(b[:%sSize:%sSize]), nil\n", name, name, name);
    buf_puts(b, "}\n\n");
    buf_puts(b, "// Clear zeroes every byte of v, padding included.\n");
    buf_printf(b, "func (v %s) Clear() {\n\tclear(v[:%sSize])\n}\n\n", name, name);
    for (size_t i = 0; i < st->nfields; i++)
        go_field(c, name, &st->fields[i]);
}

/* ---- consts and messages ------------------------------------------------- */

/* Whether the schema declares a type whose Go name is `name`. */
static bool go_type_named(go_ctx *c, const char *name)
{
    for (size_t i = 0; i < c->s->nenums; i++)
        if (!strcmp(pascal(c, c->s->enums[i].name), name))
            return true;
    for (size_t i = 0; i < c->s->nstructs; i++)
        if (!strcmp(pascal(c, c->s->structs[i].name), name))
            return true;
    return false;
}

static void go_consts(go_ctx *c)
{
    const tc_schema *s = c->s;
    tc_buf *b = c->b;
    go_spec *sp = calloc(s->nconsts, sizeof *sp);
    if (!sp) {
        c->oom = 1;
        return;
    }
    for (size_t i = 0; i < s->nconsts; i++) {
        const tc_const *k = &s->consts[i];
        sp[i].doc = k->doc;
        sp[i].name = pascal(c, k->name);
        if (go_type_named(c, sp[i].name))
            sp[i].name = pool_printf(&c->names, "%sConst", sp[i].name); /* TINY next to enum Tiny */
        switch (k->kind) {
        case TC_C_INT:
            sp[i].type = go_prim(k->type);
            sp[i].value = pool_printf(&c->names, "%" PRId64, k->i);
            break;
        case TC_C_UINT:
            sp[i].type = go_prim(k->type);
            sp[i].value = pool_printf(&c->names, "%" PRIu64, k->u);
            break;
        case TC_C_BOOL:
            sp[i].type = "bool";
            sp[i].value = k->u ? "true" : "false";
            break;
        case TC_C_FLOAT: {
            char lit[64];
            sp[i].type = k->type == TC_F32 ? "float32" : "float64";
            if (isnan(k->f) || isinf(k->f)) {
                /* not representable as a Go constant: documented in a comment instead */
                sp[i].type = "";
                sp[i].value = "0";
                sp[i].doc = pool_printf(&c->names, "%s (NaN and infinities are not Go constants: see math.NaN/Inf)",
                                     k->doc ? k->doc : k->name);
                break;
            }
            emit_float_text(lit, sizeof lit, k->f, k->type == TC_F32, true, false);
            sp[i].value = pool_keep(&c->names, strdup(lit));
            break;
        }
        case TC_C_STRING:
            sp[i].type = "string";
            sp[i].value = go_string_literal(c, k->s);
            break;
        }
    }
    /* untyped and typed specs never share a run: separate them by giving the
     * first spec after a change of shape an (empty) doc line break */
    buf_printf(b, "// Constants of schema %s.\n", s->name);
    buf_puts(b, "const (\n");
    size_t i = 0;
    while (i < s->nconsts) {
        size_t j = i + 1;
        while (j < s->nconsts && !sp[j].doc && (*sp[j].type != 0) == (*sp[i].type != 0))
            j++;
        if (i > 0 && !sp[i].doc)
            buf_blank(b); /* a blank line ends the alignment run, as a comment does */
        go_spec_run(b, sp, i, j);
        i = j;
    }
    buf_puts(b, ")\n\n");
    free(sp);
}

static void go_messages(go_ctx *c)
{
    const tc_schema *s = c->s;
    tc_buf *b = c->b;
    go_spec *sp = calloc(s->nmessages, sizeof *sp);
    if (!sp) {
        c->oom = 1;
        return;
    }
    for (size_t i = 0; i < s->nmessages; i++) {
        const tc_message *m = &s->messages[i];
        sp[i].doc = m->doc;
        sp[i].name = pool_printf(&c->names, "Msg%s", pascal(c, m->name));
        sp[i].type = "uint32";
        sp[i].value = pool_printf(&c->names, "%" PRIu32, m->id);
    }
    buf_printf(b, "// Type ids of the messages of schema %s.\n", s->name);
    go_specs(b, sp, s->nmessages);
    free(sp);
    buf_blank(b);

    c->use_size_error = true;
    buf_puts(b, "// Decode checks b against the payload of message typeID and returns its view:\n");
    for (size_t i = 0; i < s->nmessages; i++) {
        const tc_message *m = &s->messages[i];
        buf_printf(b, "// %s for Msg%s%s\n", m->payload ? go_qual(c, m->payload->schema, m->payload->name) : "nil",
                   pascal(c, m->name), i + 1 < s->nmessages ? "," : ".");
    }
    buf_puts(b, "// An unknown type id or a short payload is an error.\n");
    buf_puts(b, "func Decode(typeID uint32, b []byte) (any, error) {\n");
    buf_puts(b, "\tswitch typeID {\n");
    for (size_t i = 0; i < s->nmessages; i++) {
        const tc_message *m = &s->messages[i];
        buf_printf(b, "\tcase Msg%s:\n", pascal(c, m->name));
        if (!m->payload) {
            buf_puts(b, "\t\treturn nil, nil\n");
            continue;
        }
        const char *t = go_qual(c, m->payload->schema, m->payload->name);
        const char *ctor = m->payload->schema != s ? pool_printf(&c->names, "%s.New%s", m->payload->schema->name,
                                                              pascal(c, m->payload->name))
                                                   : pool_printf(&c->names, "New%s", t);
        buf_printf(b, "\t\tv, err := %s(b)\n", ctor);
        buf_puts(b, "\t\tif err != nil {\n\t\t\treturn nil, err\n\t\t}\n\t\treturn v, nil\n");
    }
    buf_puts(b, "\t}\n");
    buf_puts(b, "\treturn nil, &UnknownTypeError{TypeID: typeID}\n");
    buf_puts(b, "}\n\n");

    buf_puts(b, "// PayloadSize returns the payload size of message typeID (0 for an empty payload) and\n");
    buf_puts(b, "// whether the id is known.\n");
    buf_puts(b, "func PayloadSize(typeID uint32) (int, bool) {\n");
    buf_puts(b, "\tswitch typeID {\n");
    for (size_t i = 0; i < s->nmessages; i++) {
        const tc_message *m = &s->messages[i];
        buf_printf(b, "\tcase Msg%s:\n", pascal(c, m->name));
        if (m->payload)
            buf_printf(b, "\t\treturn %s, true\n",
                       m->payload->schema != s ? pool_printf(&c->names, "%s.%sSize", m->payload->schema->name,
                                                          pascal(c, m->payload->name))
                                               : pool_printf(&c->names, "%sSize", pascal(c, m->payload->name)));
        else
            buf_puts(b, "\t\treturn 0, true\n");
    }
    buf_puts(b, "\t}\n\treturn 0, false\n}\n\n");

    buf_puts(b, "// MessageName returns the schema name of message typeID, or \"\" for an unknown id.\n");
    buf_puts(b, "func MessageName(typeID uint32) string {\n");
    buf_puts(b, "\tswitch typeID {\n");
    for (size_t i = 0; i < s->nmessages; i++) {
        const tc_message *m = &s->messages[i];
        buf_printf(b, "\tcase Msg%s:\n\t\treturn %s\n", pascal(c, m->name), go_string_literal(c, m->name));
    }
    buf_puts(b, "\t}\n\treturn \"\"\n}\n\n");

    c->use_strconv = true;
    buf_printf(b, "// UnknownTypeError reports a type id that no message of schema %s has.\n", s->name);
    buf_puts(b, "type UnknownTypeError struct {\n\tTypeID uint32\n}\n\n");
    buf_puts(b, "func (e *UnknownTypeError) Error() string {\n");
    buf_printf(b, "\treturn \"%s: unknown type id \" + strconv.FormatUint(uint64(e.TypeID), 10)\n", s->name);
    buf_puts(b, "}\n\n");
}

static void go_errors(go_ctx *c)
{
    if (c->use_size_error) {
        c->use_strconv = true;
        emit_support(c->b, "go", "size_error", c->s->name);
    }
    if (c->use_text_error) {
        c->use_strconv = true;
        emit_support(c->b, "go", "text_error", c->s->name);
    }
}

static int cmp_schema_ptr(const void *a, const void *b)
{
    const tc_schema *x = *(const tc_schema *const *)a;
    const tc_schema *y = *(const tc_schema *const *)b;
    return strcmp(x->name, y->name);
}

static int go_schema(const tc_schema *s, const tachc_options *opts, tc_outputs *out)
{
    go_ctx c;
    memset(&c, 0, sizeof c);
    c.s = s;
    tc_buf body;
    memset(&body, 0, sizeof body);
    body.indent_unit = "\t";
    c.b = &body;
    tc_defs defs = {0};
    size_t mark = 0;
#define GO_SCAN(loc, ...) \
    emit_defs_scan(&defs, &c.names, TC_NAMES_GO, body.data ? body.data + mark : "", loc, \
                   pool_printf(&c.names, __VA_ARGS__), &out->errors)
    emit_defs_support(&defs, &c.names, "go", TC_NAMES_GO, s->loc, &out->errors);

    buf_printf(&body, "// SchemaFingerprint is the fingerprint of schema %s: bind a bus to it so that only\n",
               s->name);
    buf_puts(&body, "// peers built from the same messages can connect.\n");
    buf_printf(&body, "const SchemaFingerprint uint64 = 0x%016" PRIx64 "\n\n", s->fingerprint);
    if (s->nmessages)
        go_messages(&c);
    if (s->nreserved) {
        buf_puts(&body, "// ReservedTypeIDs are retired type ids (inclusive ranges): never reuse them.\n");
        buf_puts(&body, "var ReservedTypeIDs = [][2]uint32{");
        for (size_t i = 0; i < s->nreserved; i++)
            buf_printf(&body, "%s{%" PRIu32 ", %" PRIu32 "}", i ? ", " : "", s->reserved[i].lo, s->reserved[i].hi);
        buf_puts(&body, "}\n\n");
    }
    GO_SCAN(s->loc, "the messages of schema %s", s->name);
    mark = body.len;
    if (s->nconsts) {
        go_consts(&c);
        GO_SCAN(s->consts[0].loc, "the constants of schema %s", s->name);
    }
    for (size_t i = 0; i < s->nenums; i++) {
        mark = body.len;
        go_enum(&c, &s->enums[i]);
        GO_SCAN(s->enums[i].loc, "%s %s", s->enums[i].is_flags ? "flags" : "enum", s->enums[i].name);
    }
    for (size_t i = 0; i < s->nstructs; i++) {
        mark = body.len;
        go_struct(&c, &s->structs[i]);
        GO_SCAN(s->structs[i].loc, "struct %s", s->structs[i].name);
    }
    for (size_t i = 0; i < s->nservices; i++) {
        mark = body.len;
        emit_rpc_go(&body, &c.names, s, &s->services[i]);
        GO_SCAN(s->services[i].loc, "service %s", s->services[i].name);
    }
    go_errors(&c);
#undef GO_SCAN

    size_t nl = strlen(s->name);
    char *rel = malloc(2 * nl + 5);
    tc_buf *b = NULL;
    if (rel) {
        sprintf(rel, "%s/%s.go", s->name, s->name);
        b = outputs_add(out, rel);
        free(rel);
    }
    int rc = 0;
    if (!b) {
        rc = -1;
        goto done;
    }
    b->indent_unit = "\t";
    emit_banner(b, TC_NAMES_GO, s->path);
    buf_blank(b);
    buf_printf(b, "// Package %s holds views over the messages of schema %s: read and write every\n", s->name,
               s->name);
    buf_puts(b, "// field of a payload in place, with no copy.\n");
    if (s->doc) {
        buf_puts(b, "//\n");
        emit_doc_trimmed(b, s->doc, "// ");
    }
    buf_printf(b, "package %s\n\n", s->name);

    /* imports: standard library first, then the other schemas; sorted */
    if (c.nrefs > 1)
        qsort(c.refs, c.nrefs, sizeof *c.refs, cmp_schema_ptr);
    int rpc = s->nservices > 0; /* "context" and the tachyon package */
    size_t nstd = (size_t)rpc + (size_t)c.use_binary + (size_t)c.use_math + (size_t)c.use_strconv;
    size_t nimp = nstd + c.nrefs + (size_t)rpc;
    if (nimp == 1 && nstd == 1) {
        buf_printf(b, "import \"%s\"\n\n",
                   c.use_binary ? "encoding/binary" : c.use_math ? "math" : "strconv");
    } else if (nimp > 0) {
        buf_puts(b, "import (\n");
        if (rpc)
            buf_puts(b, "\t\"context\"\n");
        if (c.use_binary)
            buf_puts(b, "\t\"encoding/binary\"\n");
        if (c.use_math)
            buf_puts(b, "\t\"math\"\n");
        if (c.use_strconv)
            buf_puts(b, "\t\"strconv\"\n");
        if (nstd && (c.nrefs || rpc))
            buf_puts(b, "\n");
        for (size_t i = 0; i < c.nrefs; i++)
            buf_printf(b, "\t\"%s/%s\"\n", opts->go_module ? opts->go_module : TACHC_GO_MODULE_DEFAULT, c.refs[i]->name);
        if (rpc) /* sorts after the generated module's paths ("tachyon.local/generated/...") */
            buf_puts(b, "\t\"" TACHC_GO_TACHYON_PACKAGE "\"\n");
        buf_puts(b, ")\n\n");
    }
    buf_append_take(b, &body);
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

int emit_go(const tc_program *prog, const tachc_options *opts, tc_outputs *out)
{
    for (size_t i = 0; i < prog->nschemas; i++) {
        if (go_schema(prog->schemas[i], opts, out)) {
            fprintf(stderr, "tachc: out of memory while generating Go\n");
            return -1;
        }
    }
    return 0;
}
