/*
 * emit_ts.c - the TypeScript/JavaScript emitter: per schema, DIR/ts/<schema>.js
 * (a CommonJS module Node runs as is) and DIR/ts/<schema>.d.ts (its types, with
 * the schema's doc comments as JSDoc).
 *
 * Each struct becomes a class over a DataView at a byte offset: one getter and
 * setter per field through the DataView's little-endian accessors, so every
 * access is in place and unaligned-safe; 64-bit integers are bigints; char[N]
 * reads and writes strings; arrays have indexed accessors and, where the
 * element type allows, a typed-array view over the bytes themselves. Enums and
 * flag sets become frozen objects of their values. The module exports SIZE and
 * FINGERPRINT per class, the message ids, SCHEMA_FINGERPRINT and decode().
 *
 * Names: classes and enums PascalCase, fields camelCase, constants and enum
 * values as written, message ids MSG_<UPPER>. The module's own helpers start
 * with '$', which no schema name can, so a schema type called DataView or
 * Object never hides the global the generated code uses. A constant whose name
 * is a JavaScript reserved word or one of the module's own exports, and a field
 * whose name is a member every generated class has, get '_' appended.
 */
#include "emit.h"
#include "emit_rpc.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The top-level names of one generated module, claimed in one scope in a
 * fixed order (imports, enums, structs, messages, constants), so that every
 * module that refers to them computes the same spelling. */
typedef struct ts_module {
    const tc_schema *s;
    const char *alias;         /* how importers name this module's require() */
    const char **enums;        /* per s->enums[i] */
    const char **structs;      /* per s->structs[i] */
    const char **msgs;         /* per s->messages[i]: MSG_... */
    const char **consts;       /* per s->consts[i] */
    struct ts_module *next;
} ts_module;

typedef struct ts_ctx {
    const tc_schema *s;
    tc_buf *js;
    tc_buf *dts;
    tc_pool names;
    int oom;
    const tc_schema **refs; /* schemas this one names */
    size_t nrefs;
    ts_module *modules;     /* computed on demand, freed at the end */
    ts_module none;         /* what module_of returns when out of memory (the run then fails) */
} ts_ctx;

/* Names a CommonJS module must not shadow, and the names every generated
 * module exports besides the schema's own: taken first in the module scope. */
static const char *const ts_module_fixed[] = {
    "exports", "require", "module", "globalThis", "__dirname", "__filename", "NaN", "Infinity",
    "SCHEMA_FINGERPRINT", "RESERVED", "decode", "messageName", "payloadSize", NULL,
};

/* Members every generated class has: taken first in each class scope. */
static const char *const ts_class_fixed[] = {
    "view", "offset", "bytes", "clear", "toObject", "constructor", "__proto__", NULL,
};

static const char *pascal(ts_ctx *c, const char *name) { return pool_keep(&c->names, name_pascal(name)); }

static const char *upper_first(ts_ctx *c, const char *name)
{
    char *t = strdup(name);
    if (t && t[0] >= 'a' && t[0] <= 'z')
        t[0] = (char)(t[0] - 'a' + 'A');
    return pool_keep(&c->names, t);
}

/* A field's accessor names in the class scope: camelCase, '_' appended until
 * it and the names derived from it (getX/setX/xArray for an array, xBytes for
 * text) are all free. Keywords need no mangling here: they are property names
 * (t.class, get delete()), never bindings. Returns the base name; *cap gets
 * its capitalised form for getX/setX. */
static const char *field_name(ts_ctx *c, tc_scope *scope, const tc_field *f, const char **cap)
{
    const char *n = pool_keep(&c->names, name_camel(f->name));
    for (;;) {
        const char *u = upper_first(c, n);
        const char *want[4] = {n, NULL, NULL, NULL};
        if (f->type.kind == TC_T_ARRAY) {
            want[0] = pool_printf(&c->names, "get%s", u);
            want[1] = pool_printf(&c->names, "set%s", u);
            want[2] = pool_printf(&c->names, "%sArray", n);
        } else if (f->type.kind == TC_T_CHARS) {
            want[1] = pool_printf(&c->names, "%sBytes", n);
        }
        bool free_all = true;
        for (int i = 0; i < 4 && want[i]; i++)
            free_all &= !scope_has(scope, want[i]);
        if (free_all) {
            for (int i = 0; i < 4 && want[i]; i++)
                scope_take(scope, want[i]);
            if (cap)
                *cap = u;
            return n;
        }
        n = pool_printf(&c->names, "%s_", n);
    }
}

static const char *schema_alias(ts_ctx *c, const tc_schema *s)
{
    return names_ident(&c->names, TC_NAMES_TS, s->name);
}

static const char *claim(ts_ctx *c, tc_scope *scope, const char *ident)
{
    return scope_claim(scope, &c->names, TC_NAMES_TS, ident, NULL);
}

static ts_module *module_of(ts_ctx *c, const tc_schema *s)
{
    for (ts_module *m = c->modules; m; m = m->next)
        if (m->s == s)
            return m;
    ts_module *m = calloc(1, sizeof *m);
    tc_scope scope;
    memset(&scope, 0, sizeof scope);
    if (!m || !(m->enums = calloc(s->nenums + 1, sizeof *m->enums)) ||
        !(m->structs = calloc(s->nstructs + 1, sizeof *m->structs)) ||
        !(m->msgs = calloc(s->nmessages + 1, sizeof *m->msgs)) ||
        !(m->consts = calloc(s->nconsts + 1, sizeof *m->consts))) {
        if (m) {
            free(m->enums);
            free(m->structs);
            free(m->msgs);
            free(m);
        }
        c->oom = 1;
        c->none.alias = s->name;
        return &c->none;
    }
    m->s = s;
    m->alias = schema_alias(c, s);
    for (size_t i = 0; ts_module_fixed[i]; i++)
        scope_take(&scope, ts_module_fixed[i]);
    for (size_t i = 0; i < s->nimports; i++)
        scope_take(&scope, schema_alias(c, s->imports[i]));
    for (size_t i = 0; i < s->nenums; i++)
        m->enums[i] = claim(c, &scope, pascal(c, s->enums[i].name));
    for (size_t i = 0; i < s->nstructs; i++)
        m->structs[i] = claim(c, &scope, pascal(c, s->structs[i].name));
    for (size_t i = 0; i < s->nmessages; i++)
        m->msgs[i] = claim(c, &scope, pool_printf(&c->names, "MSG_%s",
                                                  pool_keep(&c->names, name_upper(s->messages[i].name))));
    for (size_t i = 0; i < s->nconsts; i++)
        m->consts[i] = claim(c, &scope, s->consts[i].name);
    if (scope.oom)
        c->oom = 1;
    scope_free(&scope);
    m->next = c->modules;
    c->modules = m;
    return m;
}

/* names[i], or "" when the table could not be made (c->oom is then set). */
static const char *nth(const char **names, size_t i) { return names ? names[i] : ""; }

static void modules_free(ts_ctx *c)
{
    while (c->modules) {
        ts_module *m = c->modules;
        c->modules = m->next;
        free(m->enums);
        free(m->structs);
        free(m->msgs);
        free(m->consts);
        free(m);
    }
}

/* The generated name of an enum or struct, as its own module spells it. */
static const char *enum_name(ts_ctx *c, const tc_enum *en)
{
    ts_module *m = module_of(c, en->schema);
    for (size_t i = 0; i < en->schema->nenums; i++)
        if (&en->schema->enums[i] == en)
            return nth(m->enums, i);
    return pascal(c, en->name);
}

static const char *struct_name(ts_ctx *c, const tc_struct *st)
{
    ts_module *m = module_of(c, st->schema);
    for (size_t i = 0; i < st->schema->nstructs; i++)
        if (&st->schema->structs[i] == st)
            return nth(m->structs, i);
    return pascal(c, st->name);
}

/* A global type for the declarations: "DataView", or "globalThis.DataView"
 * when this module declares a name that hides it. */
static const char *gt(ts_ctx *c, const char *global)
{
    ts_module *m = module_of(c, c->s);
    const tc_schema *s = c->s;
    bool hidden = false;
    for (size_t i = 0; !hidden && i < s->nenums; i++)
        hidden = !strcmp(nth(m->enums, i), global);
    for (size_t i = 0; !hidden && i < s->nstructs; i++)
        hidden = !strcmp(nth(m->structs, i), global);
    for (size_t i = 0; !hidden && i < s->nconsts; i++)
        hidden = !strcmp(nth(m->consts, i), global);
    return hidden ? pool_printf(&c->names, "globalThis.%s", global) : global;
}

static void note_ref(ts_ctx *c, const tc_schema *s)
{
    if (s != c->s && schema_set_add(&c->refs, &c->nrefs, s))
        c->oom = 1;
}

/* A generated name declared in `owner`: "MarketTick" here, "common.Vec3" elsewhere. */
static const char *qualify(ts_ctx *c, const tc_schema *owner, const char *generated)
{
    if (owner && owner != c->s) {
        note_ref(c, owner);
        return pool_printf(&c->names, "%s.%s", module_of(c, owner)->alias, generated);
    }
    return generated;
}

static const char *qual_enum(ts_ctx *c, const tc_enum *en) { return qualify(c, en->schema, enum_name(c, en)); }
static const char *qual_struct(ts_ctx *c, const tc_struct *st) { return qualify(c, st->schema, struct_name(c, st)); }

/* The DataView method suffix of a primitive: Uint8, Float64, BigInt64, ... */
static const char *dv_kind(tc_prim p)
{
    switch (p) {
    case TC_U8: case TC_BOOL: case TC_CHAR: return "Uint8";
    case TC_U16: return "Uint16";
    case TC_U32: return "Uint32";
    case TC_U64: return "BigUint64";
    case TC_I8: return "Int8";
    case TC_I16: return "Int16";
    case TC_I32: return "Int32";
    case TC_I64: return "BigInt64";
    case TC_F32: return "Float32";
    case TC_F64: return "Float64";
    }
    return "Uint8";
}

static const char *typed_array(tc_prim p)
{
    switch (p) {
    case TC_U8: case TC_BOOL: case TC_CHAR: return "Uint8Array";
    case TC_U16: return "Uint16Array";
    case TC_U32: return "Uint32Array";
    case TC_U64: return "BigUint64Array";
    case TC_I8: return "Int8Array";
    case TC_I16: return "Int16Array";
    case TC_I32: return "Int32Array";
    case TC_I64: return "BigInt64Array";
    case TC_F32: return "Float32Array";
    case TC_F64: return "Float64Array";
    }
    return "Uint8Array";
}

static bool is_big(tc_prim p) { return p == TC_U64 || p == TC_I64; }

/* The TypeScript type an element reads as. */
static const char *ts_type(ts_ctx *c, const tc_type *t)
{
    switch (t->kind) {
    case TC_T_PRIM: return t->prim == TC_BOOL ? "boolean" : is_big(t->prim) ? "bigint" : "number";
    case TC_T_CHARS: return "string";
    case TC_T_ENUM:
    case TC_T_FLAGS: return qual_enum(c, t->en);
    case TC_T_STRUCT: return qual_struct(c, t->st);
    default: return "never";
    }
}

static void float_text(char *out, size_t n, double v)
{
    if (isnan(v)) {
        snprintf(out, n, "NaN");
        return;
    }
    if (isinf(v)) {
        snprintf(out, n, v < 0 ? "-Infinity" : "Infinity");
        return;
    }
    emit_float_text(out, n, v, false, true, false);
}

/* A JavaScript string literal (double quotes). */
static const char *js_string(ts_ctx *c, const char *s)
{
    tc_buf t;
    memset(&t, 0, sizeof t);
    emit_string_literal(&t, s, STR_JS);
    if (t.oom) {
        buf_free(&t);
        c->oom = 1;
        return "\"\"";
    }
    return pool_keep(&c->names, t.data);
}

/* A JSDoc block at the buffer's indentation: the doc lines, then `extra` lines. */
static void jsdoc(tc_buf *b, const char *doc, const char *extra)
{
    char *clean = doc_clean(doc, DOC_C_COMMENT);
    if (!clean && !extra)
        return;
    buf_line(b, "/**");
    for (int part = 0; part < 2; part++) {
        const char *text = part == 0 ? clean : extra;
        if (!text)
            continue;
        if (part == 1 && clean)
            buf_line(b, " *");
        for (const char *p = text; *p;) {
            const char *nl = strchr(p, '\n');
            size_t len = nl ? (size_t)(nl - p) : strlen(p);
            if (len)
                buf_line(b, " * %.*s", (int)len, p);
            else
                buf_line(b, " *");
            p += len;
            if (*p == '\n')
                p++;
        }
    }
    buf_line(b, " */");
    free(clean);
}

/* ---- constants, enums, flags ---------------------------------------------- */

static const char *int_literal(ts_ctx *c, tc_prim p, uint64_t bits, int64_t value, bool hex)
{
    if (is_big(p)) {
        if (prim_is_signed(p))
            return pool_printf(&c->names, "%" PRId64 "n", value);
        return pool_printf(&c->names, hex ? "0x%" PRIX64 "n" : "%" PRIu64 "n", bits);
    }
    if (prim_is_signed(p))
        return pool_printf(&c->names, "%" PRId64, value);
    return pool_printf(&c->names, hex ? "0x%" PRIx64 : "%" PRIu64, bits);
}

static void ts_consts(ts_ctx *c)
{
    const tc_schema *s = c->s;
    for (size_t i = 0; i < s->nconsts; i++) {
        const tc_const *k = &s->consts[i];
        const char *name = nth(module_of(c, s)->consts, i);
        const char *value, *type;
        char lit[64];
        switch (k->kind) {
        case TC_C_INT:
            value = int_literal(c, k->type, (uint64_t)k->i, k->i, false);
            type = is_big(k->type) ? "bigint" : "number";
            break;
        case TC_C_UINT:
            value = int_literal(c, k->type, k->u, (int64_t)k->u, false);
            type = is_big(k->type) ? "bigint" : "number";
            break;
        case TC_C_BOOL:
            value = k->u ? "true" : "false";
            type = "boolean";
            break;
        case TC_C_FLOAT:
            /* an f32 constant is the float's exact value, as JavaScript reads it back */
            float_text(lit, sizeof lit, k->type == TC_F32 ? (double)(float)k->f : k->f);
            value = pool_keep(&c->names, strdup(lit));
            type = "number";
            break;
        default:
            value = js_string(c, k->s);
            type = "string";
            break;
        }
        c->js->indent = 0;
        buf_line(c->js, "const %s = %s;", name, value);
        jsdoc(c->dts, k->doc, pool_printf(&c->names, "%s constant.", prim_name(k->type)));
        if (!strcmp(type, "bigint") || !strcmp(type, "number") || !strcmp(type, "boolean"))
            buf_line(c->dts, "export declare const %s: %s;", name,
                     strcmp(value, "NaN") && strcmp(value, "Infinity") && strcmp(value, "-Infinity") ? value : type);
        else
            buf_line(c->dts, "export declare const %s: %s;", name, value);
    }
    if (s->nconsts) {
        buf_blank(c->js);
        buf_blank(c->dts);
    }
}

/* An enum value's property key: any identifier, but "__proto__" in an object
 * literal would set the prototype. */
static const char *value_key(const char *name)
{
    return strcmp(name, "__proto__") ? name : "[\"__proto__\"]";
}

static void ts_enum(ts_ctx *c, const tc_enum *en)
{
    tc_buf *js = c->js, *dts = c->dts;
    const char *name = enum_name(c, en);
    bool big = is_big(en->underlying);
    buf_line(js, "const %s = $G.Object.freeze({", name);
    for (size_t i = 0; i < en->nvalues; i++) {
        const tc_enum_value *v = &en->values[i];
        buf_line(js, "  %s: %s,", value_key(v->name), int_literal(c, en->underlying, v->bits, v->value, en->is_flags));
    }
    buf_line(js, "});");
    buf_blank(js);

    jsdoc(dts, en->doc,
          pool_printf(&c->names, "%s of schema %s over %s%s", en->is_flags ? "A flag set" : "An enum", c->s->name,
                       prim_name(en->underlying),
                       en->is_flags ? ": combine values with |; a field may hold bits the schema does not name."
                                    : "; a field may hold a value the schema does not name."));
    buf_line(dts, "export declare const %s: {", name);
    for (size_t i = 0; i < en->nvalues; i++) {
        const tc_enum_value *v = &en->values[i];
        dts->indent = 1;
        jsdoc(dts, v->doc, NULL);
        buf_line(dts, "readonly %s: %s;", value_key(v->name), int_literal(c, en->underlying, v->bits, v->value, en->is_flags));
        dts->indent = 0;
    }
    buf_line(dts, "};");
    buf_line(dts, "export type %s = %s;", name, big ? "bigint" : "number");
    buf_blank(dts);
}

/* ---- structs ------------------------------------------------------------- */

/* The element's getter expression at byte expression `at` (e.g. "this.offset + 8"). */
static const char *read_expr(ts_ctx *c, const tc_type *t, const char *at)
{
    switch (t->kind) {
    case TC_T_PRIM:
        if (t->prim == TC_BOOL)
            return pool_printf(&c->names, "this.view.getUint8(%s) !== 0", at);
        if (t->prim == TC_U8 || t->prim == TC_I8)
            return pool_printf(&c->names, "this.view.get%s(%s)", dv_kind(t->prim), at);
        return pool_printf(&c->names, "this.view.get%s(%s, true)", dv_kind(t->prim), at);
    case TC_T_ENUM:
    case TC_T_FLAGS: {
        tc_prim p = t->en->underlying;
        if (p == TC_U8 || p == TC_I8)
            return pool_printf(&c->names, "this.view.get%s(%s)", dv_kind(p), at);
        return pool_printf(&c->names, "this.view.get%s(%s, true)", dv_kind(p), at);
    }
    case TC_T_STRUCT:
        return pool_printf(&c->names, "new %s(this.view, %s)", qual_struct(c, t->st), at);
    default:
        return "undefined";
    }
}

/* The statement writing `x` as element type t at byte expression `at`. */
static void write_stmt(ts_ctx *c, const tc_type *t, const char *at, const char *x)
{
    tc_buf *js = c->js;
    switch (t->kind) {
    case TC_T_PRIM:
        if (t->prim == TC_BOOL)
            buf_line(js, "this.view.setUint8(%s, %s ? 1 : 0);", at, x);
        else if (t->prim == TC_U8 || t->prim == TC_I8)
            buf_line(js, "this.view.set%s(%s, %s);", dv_kind(t->prim), at, x);
        else
            buf_line(js, "this.view.set%s(%s, %s, true);", dv_kind(t->prim), at, x);
        return;
    case TC_T_ENUM:
    case TC_T_FLAGS: {
        tc_prim p = t->en->underlying;
        if (p == TC_U8 || p == TC_I8)
            buf_line(js, "this.view.set%s(%s, %s);", dv_kind(p), at, x);
        else
            buf_line(js, "this.view.set%s(%s, %s, true);", dv_kind(p), at, x);
        return;
    }
    case TC_T_STRUCT:
        buf_line(js, "$copy(%s, this.view, %s, %" PRIu64 ");", x, at, t->st->size);
        return;
    default:
        return;
    }
}

/* "price: f64 at byte 8" then the field's own doc. */
static const char *field_doc_extra(ts_ctx *c, const tc_field *f)
{
    return pool_printf(&c->names, "`%s`: %s at byte %" PRIu64 " (%" PRIu64 " bytes).", f->name,
                        pool_type_spelling(&c->names, &f->type, c->s), f->offset, f->size);
}

static void ts_field(ts_ctx *c, const tc_struct *st, const tc_field *f, const char *name, const char *cap)
{
    tc_buf *js = c->js, *dts = c->dts;
    const tc_type *t = &f->type;
    if (t->kind == TC_T_PAD)
        return;
    const char *at = pool_printf(&c->names, "this.offset + %" PRIu64, f->offset);
    js->indent = 1;
    dts->indent = 1;
    switch (t->kind) {
    case TC_T_PRIM:
    case TC_T_ENUM:
    case TC_T_FLAGS:
    case TC_T_STRUCT: {
        const char *type = ts_type(c, t);
        buf_line(js, "get %s() {", name);
        buf_line(js, "  return %s;", read_expr(c, t, at));
        buf_line(js, "}");
        buf_blank(js);
        buf_line(js, "set %s(x) {", name);
        js->indent = 2;
        write_stmt(c, t, at, "x");
        js->indent = 1;
        buf_line(js, "}");
        buf_blank(js);
        jsdoc(dts, f->doc, field_doc_extra(c, f));
        buf_line(dts, "get %s(): %s;", name, type);
        buf_line(dts, "set %s(x: %s);", name, type);
        break;
    }
    case TC_T_CHARS: {
        const char *nb = pool_printf(&c->names, "%sBytes", name);
        buf_line(js, "get %s() {", name);
        buf_line(js, "  return $text(this.view, %s, %" PRIu64 ");", at, t->count);
        buf_line(js, "}");
        buf_blank(js);
        buf_line(js, "set %s(x) {", name);
        buf_line(js, "  $setText(this.view, %s, %" PRIu64 ", x, %s);", at, t->count,
                 js_string(c, pool_printf(&c->names, "%s.%s", st->name, f->name)));
        buf_line(js, "}");
        buf_blank(js);
        buf_line(js, "%s() {", nb);
        buf_line(js, "  return $bytes(this.view, %s, %" PRIu64 ");", at, t->count);
        buf_line(js, "}");
        buf_blank(js);
        jsdoc(dts, f->doc,
              pool_printf(&c->names, "%s\nText up to the first NUL (UTF-8). Setting it NUL-pads the field; "
                           "text longer than %" PRIu64 " bytes is a RangeError.", field_doc_extra(c, f), t->count));
        buf_line(dts, "get %s(): string;", name);
        buf_line(dts, "set %s(x: string);", name);
        buf_line(dts, "/** The %" PRIu64 " bytes of `%s`, in place. */", t->count, f->name);
        buf_line(dts, "%s(): %s;", nb, gt(c, "Uint8Array"));
        break;
    }
    case TC_T_ARRAY: {
        const tc_type *e = t->elem;
        const char *type = ts_type(c, e);
        const char *elem_at = pool_printf(&c->names, "this.offset + %" PRIu64 " + i * %" PRIu64, f->offset, e->size);
        const char *check = pool_printf(&c->names, "$index(i, %" PRIu64 ", %s);", t->count,
                                         js_string(c, pool_printf(&c->names, "%s.%s", st->name, f->name)));
        buf_line(js, "get%s(i) {", cap);
        buf_line(js, "  %s", check);
        buf_line(js, "  return %s;", read_expr(c, e, elem_at));
        buf_line(js, "}");
        buf_blank(js);
        buf_line(js, "set%s(i, x) {", cap);
        buf_line(js, "  %s", check);
        js->indent = 2;
        write_stmt(c, e, elem_at, "x");
        js->indent = 1;
        buf_line(js, "}");
        buf_blank(js);
        jsdoc(dts, f->doc, pool_printf(&c->names, "%s\nElement i (0 <= i < %" PRIu64 "; else RangeError).",
                                        field_doc_extra(c, f), t->count));
        buf_line(dts, "get%s(i: number): %s;", cap, type);
        buf_line(dts, "/** Sets element i of `%s`. */", f->name);
        buf_line(dts, "set%s(i: number, x: %s): void;", cap, type);
        /* A typed array over the elements themselves, when they are numbers. */
        tc_prim p = e->kind == TC_T_PRIM ? e->prim : (e->kind == TC_T_ENUM || e->kind == TC_T_FLAGS) ? e->en->underlying
                                                                                                     : TC_CHAR;
        if (e->kind != TC_T_STRUCT && p != TC_CHAR) {
            const char *ta = typed_array(p);
            buf_line(js, "%sArray() {", name);
            buf_line(js, "  return $typed(\"%s\", this.view, %s, %" PRIu64 ", %s);", ta, at, t->count,
                     js_string(c, pool_printf(&c->names, "%s.%s", st->name, f->name)));
            buf_line(js, "}");
            buf_blank(js);
            buf_line(dts, "/**");
            buf_line(dts, " * The %" PRIu64 " elements of `%s` as a %s over the same bytes (no copy). Needs the", t->count,
                     f->name, ta);
            buf_line(dts, " * field's address to be a multiple of %u bytes, else a RangeError: use get%s() then.",
                     prim_size(p), cap);
            if (p == TC_BOOL)
                buf_line(dts, " * Booleans read as bytes (0 or 1).");
            buf_line(dts, " */");
            buf_line(dts, "%sArray(): %s;", name, gt(c, ta));
        }
        break;
    }
    default:
        break;
    }
    js->indent = 0;
    dts->indent = 0;
}

/* The plain-object form of a value, for toObject(). */
static void to_object_entry(ts_ctx *c, const tc_field *f, const char *name, const char *cap)
{
    const tc_type *t = &f->type;
    switch (t->kind) {
    case TC_T_PAD: return;
    case TC_T_STRUCT: buf_line(c->js, "      %s: this.%s.toObject(),", name, name); return;
    case TC_T_ARRAY: {
        if (t->elem->kind == TC_T_STRUCT)
            buf_line(c->js, "      %s: $list(%" PRIu64 ", (i) => this.get%s(i).toObject()),", name, t->count, cap);
        else
            buf_line(c->js, "      %s: $list(%" PRIu64 ", (i) => this.get%s(i)),", name, t->count, cap);
        return;
    }
    default: buf_line(c->js, "      %s: this.%s,", name, name); return;
    }
}

static const char *object_type(ts_ctx *c, const tc_type *t)
{
    switch (t->kind) {
    case TC_T_STRUCT: return pool_printf(&c->names, "%s<%s['toObject']>", gt(c, "ReturnType"), ts_type(c, t));
    case TC_T_ARRAY: {
        const char *e = object_type(c, t->elem);
        return strchr(e, '<') ? pool_printf(&c->names, "%s<%s>", gt(c, "Array"), e) : pool_printf(&c->names, "%s[]", e);
    }
    default: return ts_type(c, t);
    }
}

static void ts_struct(ts_ctx *c, const tc_struct *st)
{
    tc_buf *js = c->js, *dts = c->dts;
    const char *name = struct_name(c, st);
    const char *qname = js_string(c, st->name);
    /* every field's accessor names, claimed in the class's scope */
    const char **fname = calloc(st->nfields + 1, sizeof *fname), **fcap = calloc(st->nfields + 1, sizeof *fcap);
    tc_scope scope;
    memset(&scope, 0, sizeof scope);
    if (!fname || !fcap) {
        free(fname);
        free(fcap);
        c->oom = 1;
        return;
    }
    for (size_t i = 0; ts_class_fixed[i]; i++)
        scope_take(&scope, ts_class_fixed[i]);
    for (size_t i = 0; i < st->nfields; i++)
        if (st->fields[i].type.kind != TC_T_PAD)
            fname[i] = field_name(c, &scope, &st->fields[i], &fcap[i]);
    if (scope.oom)
        c->oom = 1;
    scope_free(&scope);
    /* JavaScript */
    buf_line(js, "class %s {", name);
    buf_line(js, "  constructor(data, offset = 0) {");
    buf_line(js, "    this.view = $view(data, offset, %" PRIu64 ", %s);", st->size, qname);
    buf_line(js, "    this.offset = offset;");
    buf_line(js, "  }");
    buf_blank(js);
    buf_line(js, "  bytes() {");
    buf_line(js, "    return $bytes(this.view, this.offset, %" PRIu64 ");", st->size);
    buf_line(js, "  }");
    buf_blank(js);
    buf_line(js, "  clear() {");
    buf_line(js, "    this.bytes().fill(0);");
    buf_line(js, "  }");
    buf_blank(js);
    /* TypeScript */
    jsdoc(dts, st->doc,
          pool_printf(&c->names, "A view over the %" PRIu64 " bytes of one %s at `offset` in `view`: every\n"
                       "accessor reads or writes those bytes in place, little-endian.", st->size, st->name));
    buf_line(dts, "export declare class %s {", name);
    buf_line(dts, "  /** Bytes in one %s. */", st->name);
    buf_line(dts, "  static readonly SIZE: %" PRIu64 ";", st->size);
    buf_line(dts, "  /** Layout fingerprint: FNV-1a 64 of the struct's canonical lock text. */");
    buf_line(dts, "  static readonly FINGERPRINT: bigint;");
    buf_line(dts, "  readonly view: %s;", gt(c, "DataView"));
    buf_line(dts, "  readonly offset: number;");
    buf_line(dts, "  /**");
    buf_line(dts, "   * Views the %" PRIu64 " bytes at `offset` of `data` (a DataView, an ArrayBuffer or any", st->size);
    buf_line(dts, "   * TypedArray or Buffer, whose own offset counts too); fewer bytes there is a RangeError.");
    buf_line(dts, "   */");
    buf_line(dts, "  constructor(data: $Bytes, offset?: number);");
    buf_line(dts, "  /** The record's bytes, in place. */");
    buf_line(dts, "  bytes(): %s;", gt(c, "Uint8Array"));
    buf_line(dts, "  /** Zeroes every byte, padding included. */");
    buf_line(dts, "  clear(): void;");
    for (size_t i = 0; i < st->nfields; i++)
        ts_field(c, st, &st->fields[i], fname[i], fcap[i]);
    /* toObject */
    buf_line(js, "  toObject() {");
    buf_line(js, "    return {");
    for (size_t i = 0; i < st->nfields; i++)
        to_object_entry(c, &st->fields[i], fname[i], fcap[i]);
    buf_line(js, "    };");
    buf_line(js, "  }");
    buf_line(js, "}");
    buf_line(js, "%s.SIZE = %" PRIu64 ";", name, st->size);
    buf_line(js, "%s.FINGERPRINT = 0x%016" PRIx64 "n;", name, st->fingerprint);
    buf_blank(js);
    buf_line(dts, "  /** Every field as a plain object (bigints stay bigints). */");
    buf_line(dts, "  toObject(): {");
    for (size_t i = 0; i < st->nfields; i++) {
        const tc_field *f = &st->fields[i];
        if (f->type.kind == TC_T_PAD)
            continue;
        buf_line(dts, "    %s: %s;", fname[i], object_type(c, &f->type));
    }
    buf_line(dts, "  };");
    buf_line(dts, "}");
    buf_blank(dts);
    free(fname);
    free(fcap);
}

/* ---- messages -------------------------------------------------------------- */

static void ts_messages(ts_ctx *c)
{
    const tc_schema *s = c->s;
    tc_buf *js = c->js, *dts = c->dts;
    for (size_t i = 0; i < s->nmessages; i++) {
        const tc_message *m = &s->messages[i];
        const char *id = nth(module_of(c, s)->msgs, i);
        buf_line(js, "const %s = %" PRIu32 ";", id, m->id);
        jsdoc(dts, m->doc,
              pool_printf(&c->names, "Type id of message %s (%s).", m->name,
                           m->payload ? pool_printf(&c->names, "payload %s", qual_struct(c, m->payload))
                                      : "empty payload"));
        buf_line(dts, "export declare const %s: %" PRIu32 ";", id, m->id);
    }
    buf_blank(js);
    buf_blank(dts);

    /* name and payload class per id */
    buf_line(js, "const $messages = new $G.Map([");
    for (size_t i = 0; i < s->nmessages; i++) {
        const tc_message *m = &s->messages[i];
        buf_line(js, "  [%" PRIu32 ", [%s, %s]],", m->id, js_string(c, m->name),
                 m->payload ? qual_struct(c, m->payload) : "null");
    }
    buf_line(js, "]);");
    buf_blank(js);
    buf_line(js, "function decode(typeId, data, offset = 0, length = undefined) {");
    buf_line(js, "  const m = $messages.get(typeId);");
    buf_line(js, "  if (m === undefined) {");
    buf_line(js, "    throw new $G.RangeError(%s + typeId);", js_string(c, pool_printf(&c->names, "%s: unknown type id ",
                                                                                   s->name)));
    buf_line(js, "  }");
    buf_line(js, "  const cls = m[1];");
    buf_line(js, "  if (cls === null) {");
    buf_line(js, "    return null;");
    buf_line(js, "  }");
    buf_line(js, "  if (length !== undefined && length < cls.SIZE) {");
    buf_line(js, "    throw new $G.RangeError(%s + m[0] + \" (\" + cls.name + \") needs \" + cls.SIZE + \" bytes, got \" + "
                 "length);",
             js_string(c, pool_printf(&c->names, "%s: message ", s->name)));
    buf_line(js, "  }");
    buf_line(js, "  return new cls(data, offset);");
    buf_line(js, "}");
    buf_blank(js);
    buf_line(js, "function messageName(typeId) {");
    buf_line(js, "  const m = $messages.get(typeId);");
    buf_line(js, "  return m === undefined ? undefined : m[0];");
    buf_line(js, "}");
    buf_blank(js);
    buf_line(js, "function payloadSize(typeId) {");
    buf_line(js, "  const m = $messages.get(typeId);");
    buf_line(js, "  return m === undefined ? undefined : m[1] === null ? 0 : m[1].SIZE;");
    buf_line(js, "}");
    buf_blank(js);

    /* the union decode returns */
    tc_buf u;
    memset(&u, 0, sizeof u);
    const tc_struct **seen = calloc(s->nmessages + 1, sizeof *seen);
    size_t nseen = 0;
    for (size_t i = 0; seen && i < s->nmessages; i++) {
        const tc_struct *p = s->messages[i].payload;
        bool dup = false;
        for (size_t k = 0; k < nseen; k++)
            dup |= seen[k] == p;
        if (!p || dup)
            continue;
        seen[nseen++] = p;
        buf_printf(&u, "%s | ", qual_struct(c, p));
    }
    if (!seen)
        c->oom = 1;
    free(seen);
    buf_puts(&u, "null");
    buf_line(dts, "/**");
    buf_line(dts, " * The view of message `typeId`'s payload at `offset` in `data`, or null for an empty payload.");
    buf_line(dts, " * An unknown type id, or a payload (`length` bytes, when given) shorter than its type, is a");
    buf_line(dts, " * RangeError.");
    buf_line(dts, " */");
    buf_line(dts, "export declare function decode(typeId: number, data: $Bytes, offset?: number, length?: number): %s;",
             u.data ? u.data : "null");
    buf_free(&u);
    buf_line(dts, "/** The schema name of message `typeId`, or undefined for an unknown id. */");
    buf_line(dts, "export declare function messageName(typeId: number): string | undefined;");
    buf_line(dts, "/** Payload bytes of message `typeId` (0: empty), or undefined for an unknown id. */");
    buf_line(dts, "export declare function payloadSize(typeId: number): number | undefined;");
    buf_blank(dts);
}

/* The helpers every module carries ($-prefixed: never a schema name). */
/* A struct's view class as the service code names it (tc_struct_ref_fn). */
static const char *struct_ref(void *ctx, const tc_struct *st) { return qual_struct(ctx, st); }

static int cmp_schema_ptr(const void *a, const void *b)
{
    const tc_schema *x = *(const tc_schema *const *)a;
    const tc_schema *y = *(const tc_schema *const *)b;
    return strcmp(x->name, y->name);
}

static int ts_schema(const tc_schema *s, tc_outputs *out)
{
    ts_ctx c;
    memset(&c, 0, sizeof c);
    c.s = s;
    tc_buf js, dts;
    memset(&js, 0, sizeof js);
    memset(&dts, 0, sizeof dts);
    js.indent_unit = dts.indent_unit = "  ";
    c.js = &js;
    c.dts = &dts;
    int rc = 0;

    /* bodies first: they note which schemas they name */
    buf_line(&js, "const SCHEMA_FINGERPRINT = 0x%016" PRIx64 "n;", s->fingerprint);
    buf_blank(&js);
    buf_line(&dts, "/** The fingerprint of schema %s: bind a bus to it (options.schema) so that only peers", s->name);
    buf_line(&dts, " * built from the same messages can connect. */");
    buf_line(&dts, "export declare const SCHEMA_FINGERPRINT: bigint;");
    buf_blank(&dts);
    ts_consts(&c);
    for (size_t i = 0; i < s->nenums; i++)
        ts_enum(&c, &s->enums[i]);
    for (size_t i = 0; i < s->nstructs; i++)
        ts_struct(&c, &s->structs[i]);
    if (s->nmessages)
        ts_messages(&c);
    buf_printf(&js, "const RESERVED = $G.Object.freeze([");
    for (size_t i = 0; i < s->nreserved; i++)
        buf_printf(&js, "%s[%" PRIu32 ", %" PRIu32 "]", i ? ", " : "", s->reserved[i].lo, s->reserved[i].hi);
    buf_puts(&js, "]);\n\n");
    buf_line(&dts, "/** Retired type ids (inclusive ranges): never reuse them. */");
    buf_line(&dts, "export declare const RESERVED: %s<readonly [number, number]>;", gt(&c, "ReadonlyArray"));

    emit_rpc_ts(&js, &dts, &c.names, s, struct_ref, &c);
    static const char *const rpc_types[] = {"%sClient", "%sServer", NULL}; /* classes of the module */
    emit_rpc_check_types(&out->errors, &c.names, TC_NAMES_TS, s, true, rpc_types);

    /* module.exports */
    buf_puts(&js, "module.exports = {\n  SCHEMA_FINGERPRINT,\n");
    ts_module *mod = module_of(&c, s);
    for (size_t i = 0; i < s->nconsts; i++)
        buf_printf(&js, "  %s,\n", nth(mod->consts, i));
    for (size_t i = 0; i < s->nenums; i++)
        buf_printf(&js, "  %s,\n", nth(mod->enums, i));
    for (size_t i = 0; i < s->nstructs; i++)
        buf_printf(&js, "  %s,\n", nth(mod->structs, i));
    for (size_t i = 0; i < s->nmessages; i++)
        buf_printf(&js, "  %s,\n", nth(mod->msgs, i));
    if (s->nmessages)
        buf_puts(&js, "  decode,\n  messageName,\n  payloadSize,\n");
    emit_rpc_ts_exports(&js, &c.names, s);
    buf_puts(&js, "  RESERVED,\n};\n");

    char *rel_js = malloc(strlen(s->name) + 8), *rel_dts = malloc(strlen(s->name) + 8);
    tc_buf *bj = NULL, *bd = NULL;
    if (rel_js && rel_dts) {
        sprintf(rel_js, "%s.js", s->name);
        sprintf(rel_dts, "%s.d.ts", s->name);
        bj = outputs_add(out, rel_js);
        bd = bj ? outputs_add(out, rel_dts) : NULL;
    }
    free(rel_js);
    free(rel_dts);
    if (!bj || !bd) {
        rc = -1;
        goto done;
    }
    if (c.nrefs > 1)
        qsort(c.refs, c.nrefs, sizeof *c.refs, cmp_schema_ptr);

    emit_banner(bj, TC_NAMES_TS, s->path);
    buf_printf(bj, "// Views over the messages of schema %s (types and docs: %s.d.ts).\n", s->name, s->name);
    buf_puts(bj, "\"use strict\";\n\n");
    for (size_t i = 0; i < c.nrefs; i++)
        buf_printf(bj, "const %s = require(\"./%s\");\n", module_of(&c, c.refs[i])->alias, c.refs[i]->name);
    if (c.nrefs)
        buf_puts(bj, "\n");
    emit_support(bj, "ts", "helpers", NULL);
    buf_puts(bj, "\n");
    buf_put(bj, js.data ? js.data : "", js.len);

    emit_banner(bd, TC_NAMES_TS, s->path);
    {
        char *doc = doc_clean(s->doc, DOC_C_COMMENT);
        buf_puts(bd, "/**\n");
        buf_printf(bd, " * Views over the messages of schema %s: read and write every field of a payload in\n",
                   s->name);
        buf_puts(bd, " * place, with no copy.\n");
        if (doc) {
            buf_puts(bd, " *\n");
            for (const char *p = doc; *p;) {
                const char *nl = strchr(p, '\n');
                size_t len = nl ? (size_t)(nl - p) : strlen(p);
                if (len)
                    buf_printf(bd, " * %.*s\n", (int)len, p);
                else
                    buf_puts(bd, " *\n");
                p += len;
                if (*p == '\n')
                    p++;
            }
            free(doc);
        }
        buf_puts(bd, " * @module\n */\n\n");
    }
    for (size_t i = 0; i < c.nrefs; i++)
        buf_printf(bd, "import * as %s from \"./%s\";\n", module_of(&c, c.refs[i])->alias, c.refs[i]->name);
    if (c.nrefs)
        buf_puts(bd, "\n");
    buf_puts(bd, "/** What a view can be made over: a DataView, an ArrayBuffer, any TypedArray or Buffer. */\n");
    buf_printf(bd, "export type $Bytes = %s | %s | %s;\n\n", gt(&c, "DataView"), gt(&c, "ArrayBufferLike"),
               gt(&c, "ArrayBufferView"));
    buf_put(bd, dts.data ? dts.data : "", dts.len);

    if (bj->oom || bd->oom || js.oom || dts.oom || c.oom || c.names.oom)
        rc = -1;
done:
    buf_free(&js);
    buf_free(&dts);
    free(c.refs);
    modules_free(&c);
    pool_free(&c.names);
    return rc;
}

int emit_ts(const tc_program *prog, const tachc_options *opts, tc_outputs *out)
{
    (void)opts;
    for (size_t i = 0; i < prog->nschemas; i++) {
        if (ts_schema(prog->schemas[i], out)) {
            fprintf(stderr, "tachc: out of memory while generating TypeScript\n");
            return -1;
        }
    }
    return 0;
}
