/*
 * emit_python.c - the Python emitter: DIR/python/<schema>.py for every schema
 * and DIR/python/__init__.py importing them all.
 *
 * Each struct becomes a class that views SIZE bytes of a buffer in place:
 * properties read and write one field through a precompiled struct.Struct at a
 * fixed offset, and the whole record packs and unpacks with one precompiled
 * struct.Struct (STRUCT, pack_into, unpack_from). The standard library is
 * enough; NumPy, when installed, adds a structured dtype with explicit offsets
 * so that a batch of records is an array without a copy.
 *
 * Names (for struct MarketTick, field price, message Bid in schema market):
 *   market.MarketTick(buf, offset=0).price, MarketTick.SIZE, MarketTick.pack_into
 *   market.MSG_BID, market.MESSAGES, market.decode(type_id, buf), market.FINGERPRINT
 */
#include "emit.h"
#include "emit_rpc.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *upper(tc_pool *ns, const char *s) { return pool_keep(ns, name_upper(s)); }

static int in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return 1;
    return 0;
}

/* Attribute names every generated class defines itself. */
static const char *const class_members[] = {
    "buffer", "offset", "new", "array", "clear", "to_dict", "to_bytes", "numpy_dtype", "pack_into", "unpack_from",
    NULL};

/* The Python attribute name of a field: snake_case, with "_" appended when it
 * would hit a keyword or a member of the generated class. */
static const char *field_attr(tc_pool *ns, const char *name)
{
    char *s = name_snake(name);
    if (!s) {
        ns->oom = 1;
        return "";
    }
    if (names_is_keyword(TC_NAMES_PYTHON, s) || in_list(s, class_members)) {
        size_t n = strlen(s);
        char *t = realloc(s, n + 2);
        if (!t) {
            free(s);
            ns->oom = 1;
            return "";
        }
        t[n] = '_';
        t[n + 1] = '\0';
        s = t;
    }
    return pool_keep(ns, s);
}

/* A member name of an enum class: UPPER_CASE (never a keyword). */
static const char *member_name(tc_pool *ns, const char *name) { return upper(ns, name); }

/* The struct module code of a primitive. */
static char prim_code(tc_prim p)
{
    switch (p) {
    case TC_U8: return 'B';
    case TC_U16: return 'H';
    case TC_U32: return 'I';
    case TC_U64: return 'Q';
    case TC_I8: return 'b';
    case TC_I16: return 'h';
    case TC_I32: return 'i';
    case TC_I64: return 'q';
    case TC_F32: return 'f';
    case TC_F64: return 'd';
    case TC_BOOL: return '?';
    case TC_CHAR: return 'c';
    }
    return '?';
}

/* The module-level Struct holding one primitive: "_U32", "_F64", "_BOOL". */
static const char *prim_struct(tc_prim p)
{
    switch (p) {
    case TC_U8: return "_U8";
    case TC_U16: return "_U16";
    case TC_U32: return "_U32";
    case TC_U64: return "_U64";
    case TC_I8: return "_I8";
    case TC_I16: return "_I16";
    case TC_I32: return "_I32";
    case TC_I64: return "_I64";
    case TC_F32: return "_F32";
    case TC_F64: return "_F64";
    case TC_BOOL: return "_BOOL";
    case TC_CHAR: return "_U8";
    }
    return "?";
}

/* The NumPy dtype string of a primitive. */
static const char *prim_numpy(tc_prim p)
{
    switch (p) {
    case TC_U8: return "u1";
    case TC_U16: return "<u2";
    case TC_U32: return "<u4";
    case TC_U64: return "<u8";
    case TC_I8: return "i1";
    case TC_I16: return "<i2";
    case TC_I32: return "<i4";
    case TC_I64: return "<i8";
    case TC_F32: return "<f4";
    case TC_F64: return "<f8";
    case TC_BOOL: return "?";
    case TC_CHAR: return "S1";
    }
    return "?";
}

static const char *prim_pytype(tc_prim p)
{
    if (prim_is_float(p))
        return "float";
    if (p == TC_BOOL)
        return "bool";
    return "int";
}

/* A Python string literal in double quotes. */
static void py_str(tc_buf *b, const char *s)
{
    emit_string_literal(b, s, STR_PYTHON);
}

/* The shortest decimal text that reads back as exactly `v`, as a Python float. */
static void py_float(tc_buf *b, double v)
{
    if (isnan(v)) {
        buf_puts(b, "float(\"nan\")");
        return;
    }
    if (isinf(v)) {
        buf_puts(b, v < 0 ? "float(\"-inf\")" : "float(\"inf\")");
        return;
    }
    char tmp[64];
    emit_float_text(tmp, sizeof tmp, v, false, true, true);
    buf_puts(b, tmp);
}

/* Writes each line of text at the buffer's indentation; empty lines stay empty. */
static void indented_lines(tc_buf *b, const char *text)
{
    while (*text) {
        const char *nl = strchr(text, '\n');
        int len = nl ? (int)(nl - text) : (int)strlen(text);
        if (len == 0)
            buf_blank(b);
        else
            buf_line(b, "%.*s", len, text);
        if (!nl)
            break;
        text = nl + 1;
    }
}

/* A docstring: the schema's doc text, then (after a blank line) `note`; either
 * may be NULL. One line when it fits on one, else the closing quotes on a line
 * of their own. */
static void py_docstring(tc_buf *b, const char *doc, const char *note)
{
    char *text = doc_clean(doc, DOC_PY_DOCSTRING);
    if (doc && !text) {
        b->oom = 1;
        return;
    }
    tc_buf all = {0};
    if (text && *text)
        buf_puts(&all, text);
    if (note && *note) {
        if (all.len)
            buf_puts(&all, "\n\n");
        buf_puts(&all, note);
    }
    free(text);
    if (all.oom)
        b->oom = 1;
    if (all.len == 0) {
        buf_free(&all);
        return;
    }
    /* `""""` would end the string early: a last quote is escaped */
    if (all.data[all.len - 1] == '"') {
        all.data[all.len - 1] = '\\';
        buf_puts(&all, "\"");
    }
    char *nl = strchr(all.data, '\n');
    if (!nl) {
        buf_line(b, "\"\"\"%s\"\"\"", all.data);
    } else {
        buf_line(b, "\"\"\"%.*s", (int)(nl - all.data), all.data);
        indented_lines(b, nl + 1);
        buf_text_line(b, "\"\"\"");
    }
    buf_free(&all);
}

/* `#: doc` comment lines (Sphinx's attribute comments). */
static void py_comment_doc(tc_buf *b, const char *doc)
{
    char *text = doc_clean(doc, DOC_PY_DOCSTRING);
    if (doc && !text) {
        b->oom = 1;
        return;
    }
    if (text && *text)
        emit_doc(b, text, "#: ");
    free(text);
}

/* `return expr`, the call's arguments on a line of their own when the whole
 * would pass 79 columns. */
static void py_return(tc_buf *b, const char *expr)
{
    const char *open = strchr(expr, '(');
    if ((size_t)b->indent * 4 + 7 + strlen(expr) <= 79 || !open) {
        buf_line(b, "return %s", expr);
        return;
    }
    buf_line(b, "return %.*s", (int)(open - expr + 1), expr);
    buf_line(b, "    %s", open + 1);
}

/* Writes `text` as `#: ` comment lines wrapped at 79 columns (at spaces). */
static void py_wrapped_comment(tc_buf *b, const char *text)
{
    size_t room = 79 - (size_t)b->indent * 4 - 3;
    while (*text) {
        size_t len = strlen(text);
        size_t cut = len;
        if (len > room) {
            cut = room;
            while (cut > 0 && text[cut] != ' ')
                cut--;
            if (cut == 0) { /* one long word: break after it */
                cut = room;
                while (text[cut] && text[cut] != ' ')
                    cut++;
            }
        }
        buf_line(b, "#: %.*s", (int)cut, text);
        text += cut;
        while (*text == ' ')
            text++;
    }
}

/* Writes `head`, the items (each ended by '\n' in `items`) joined by ", ", and
 * `tail` on one line when that fits in 79 columns; else `head`, one item per
 * line one level deeper with a trailing comma, and `tail`. A tuple of one item
 * on one line gets its comma. */
static void py_seq(tc_buf *b, const char *head, const tc_buf *items, const char *tail, int tuple)
{
    size_t n = 0, width = (size_t)b->indent * 4 + strlen(head) + strlen(tail);
    for (size_t i = 0; i < items->len; i++)
        if (items->data[i] == '\n') {
            n++;
            width += 2;
        } else {
            width++;
        }
    if (width <= 79) {
        tc_buf line = {0};
        buf_puts(&line, head);
        const char *p = items->data ? items->data : "";
        for (size_t i = 0; i < n; i++) {
            const char *nl = strchr(p, '\n');
            if (i)
                buf_puts(&line, ", ");
            buf_put(&line, p, (size_t)(nl - p));
            p = nl + 1;
        }
        if (tuple && n == 1)
            buf_puts(&line, ",");
        buf_puts(&line, tail);
        if (line.oom)
            b->oom = 1;
        buf_line(b, "%s", line.data ? line.data : "");
        buf_free(&line);
        return;
    }
    buf_line(b, "%s", head);
    b->indent++;
    const char *p = items->data;
    for (size_t i = 0; i < n; i++) {
        const char *nl = strchr(p, '\n');
        buf_line(b, "%.*s,", (int)(nl - p), p);
        p = nl + 1;
    }
    b->indent--;
    buf_line(b, "%s", tail);
}

typedef struct py_ctx {
    tc_buf *b;
    tc_pool *ns;
    const tc_schema *sc;
    /* struct formats for char[N] and arrays that the module needs, e.g. "_CHARS8" */
    char **fmts;
    char **fmt_names;
    size_t nfmts, capfmts;
} py_ctx;

/* Registers (once) a module-level Struct and returns its name. */
static const char *need_struct(py_ctx *c, const char *name, const char *fmt)
{
    for (size_t i = 0; i < c->nfmts; i++)
        if (strcmp(c->fmt_names[i], name) == 0)
            return c->fmt_names[i];
    if (c->nfmts == c->capfmts) {
        size_t cap = c->capfmts ? c->capfmts * 2 : 16;
        char **f = realloc(c->fmts, cap * sizeof *f);
        if (!f) {
            c->ns->oom = 1;
            return "";
        }
        c->fmts = f;
        char **n = realloc(c->fmt_names, cap * sizeof *n);
        if (!n) {
            c->ns->oom = 1;
            return "";
        }
        c->fmt_names = n;
        c->capfmts = cap;
    }
    c->fmts[c->nfmts] = strdup(fmt);
    c->fmt_names[c->nfmts] = strdup(name);
    if (!c->fmts[c->nfmts] || !c->fmt_names[c->nfmts]) {
        free(c->fmts[c->nfmts]);
        free(c->fmt_names[c->nfmts]);
        c->ns->oom = 1;
        return "";
    }
    return c->fmt_names[c->nfmts++];
}

/* The qualified Python name of a struct or enum declared in schema `owner`. */
static const char *qualified(py_ctx *c, const tc_schema *owner, const char *name)
{
    if (owner == c->sc || !owner)
        return name;
    return pool_printf(c->ns, "%s.%s", owner->name, name);
}

/* Appends the struct-module codes of a type (no byte-order prefix). */
static void struct_codes(tc_buf *f, const tc_type *t);

static void struct_codes_of(tc_buf *f, const tc_struct *st)
{
    for (size_t i = 0; i < st->nfields; i++)
        struct_codes(f, &st->fields[i].type);
}

static void struct_codes(tc_buf *f, const tc_type *t)
{
    switch (t->kind) {
    case TC_T_PRIM:
    case TC_T_ENUM:
    case TC_T_FLAGS: buf_printf(f, "%c", prim_code(t->prim)); break;
    case TC_T_CHARS: buf_printf(f, "%" PRIu64 "s", t->count); break;
    case TC_T_PAD: buf_printf(f, "%" PRIu64 "x", t->count); break;
    case TC_T_STRUCT: struct_codes_of(f, t->st); break;
    case TC_T_ARRAY:
        if (t->elem->kind == TC_T_STRUCT) {
            for (uint64_t i = 0; i < t->count; i++)
                struct_codes_of(f, t->elem->st);
        } else {
            buf_printf(f, "%" PRIu64 "%c", t->count, prim_code(t->elem->prim));
        }
        break;
    }
}

/* Merges neighbouring runs of one code in a struct format: "fff2f" -> "5f".
 * "s" runs stay apart: "3s3s" is two strings, "6s" would be one. */
static void compact_codes(tc_buf *f)
{
    if (!f->data || f->len < 2)
        return;
    char *src = f->data + 1; /* after the byte-order prefix */
    tc_buf out = {0};
    buf_put(&out, f->data, 1);
    uint64_t run = 0;
    char code = 0;
    while (*src) {
        uint64_t count = 0;
        int has_count = 0;
        while (*src >= '0' && *src <= '9') {
            count = count * 10 + (uint64_t)(*src++ - '0');
            has_count = 1;
        }
        char c = *src++;
        if (!has_count)
            count = 1;
        if (c == code && c != 's') {
            run += count;
            continue;
        }
        if (code) {
            if (run == 1 && code != 's')
                buf_printf(&out, "%c", code);
            else
                buf_printf(&out, "%" PRIu64 "%c", run, code);
        }
        code = c;
        run = count;
    }
    if (code) {
        if (run == 1 && code != 's')
            buf_printf(&out, "%c", code);
        else
            buf_printf(&out, "%" PRIu64 "%c", run, code);
    }
    if (out.oom) {
        f->oom = 1;
        buf_free(&out);
        return;
    }
    buf_free(f);
    *f = out;
}

/* "self._off + 8", or "self._off" at offset 0. */
static const char *at(py_ctx *c, uint64_t offset)
{
    /* a kept copy even at offset 0: returning the literal saves a malloc per
     * struct but shifts the heap layout so the 10,000-type schema's RSS grows
     * by ~9 MB */
    if (offset == 0)
        return pool_printf(c->ns, "self._off");
    return pool_printf(c->ns, "self._off + %" PRIu64, offset);
}

/* The Python type of a scalar field or element, for hints. */
static const char *scalar_hint(py_ctx *c, const tc_type *t)
{
    if (t->kind == TC_T_ENUM || t->kind == TC_T_FLAGS) {
        return pool_printf(c->ns, "%s | int", qualified(c, t->en->schema, t->en->name));
    }
    return prim_pytype(t->prim);
}

/* Whether a field's setter is one pack_into over its own bytes (a scalar, an
 * enum, text, an array of scalars), so it can zero padding next to it too. */
static bool packs_whole(const tc_type *t)
{
    return t->kind == TC_T_PRIM || t->kind == TC_T_ENUM || t->kind == TC_T_FLAGS || t->kind == TC_T_CHARS ||
           (t->kind == TC_T_ARRAY && t->elem->kind != TC_T_STRUCT);
}

/* The padding bytes right before / after field i that its setter writes as
 * zeros, so that a record written field by field over a reused buffer (a
 * ring slot) keeps no stale byte: a pad goes to the field before it, or to
 * the field after it when the one before cannot take it (the pad comes
 * first, or follows a nested struct). Padding next to no such field is left
 * to clear(). */
static void pad_around(const tc_struct *st, size_t i, uint64_t *before, uint64_t *after)
{
    *before = *after = 0;
    if (!packs_whole(&st->fields[i].type))
        return;
    if (i + 1 < st->nfields && st->fields[i + 1].type.kind == TC_T_PAD)
        *after = st->fields[i + 1].size;
    if (i > 0 && st->fields[i - 1].type.kind == TC_T_PAD &&
        (i == 1 || !packs_whole(&st->fields[i - 2].type)))
        *before = st->fields[i - 1].size;
}

/* The module Struct writing `core` (a struct format body such as "Q" or
 * "8s") with pad zero bytes around it: "_U64", or "_P4_U64_P2" for "<4xQ2x". */
static const char *padded_struct(py_ctx *c, const char *plain, const char *core, uint64_t before, uint64_t after)
{
    if (!before && !after)
        return plain;
    char name[96], fmt[96];
    snprintf(name, sizeof name, "%s%s%s", before ? pool_printf(c->ns, "_P%" PRIu64, before) : "", plain,
             after ? pool_printf(c->ns, "_P%" PRIu64, after) : "");
    snprintf(fmt, sizeof fmt, "<%s%s%s", before ? pool_printf(c->ns, "%" PRIu64 "x", before) : "", core,
             after ? pool_printf(c->ns, "%" PRIu64 "x", after) : "");
    return need_struct(c, name, fmt);
}

static void emit_property(py_ctx *c, const tc_struct *st, const tc_field *f)
{
    tc_buf *b = c->b;
    const tc_type *t = &f->type;
    const char *attr = field_attr(c->ns, f->name);
    const char *off = at(c, f->offset);
    uint64_t pad_before, pad_after;
    pad_around(st, (size_t)(f - st->fields), &pad_before, &pad_after);
    const char *pad_off = pad_before ? at(c, f->offset - pad_before) : off;
    const char *what = pool_printf(c->ns, "%s.%s", st->name, f->name);

    tc_buf note = {0};
    type_spelling(&note, t, NULL);
    buf_printf(&note, " at byte %" PRIu64 ".", f->offset);
    if (note.oom)
        b->oom = 1;

    const char *hint = "";
    switch (t->kind) {
    case TC_T_PRIM: hint = prim_pytype(t->prim); break;
    case TC_T_ENUM:
    case TC_T_FLAGS: hint = scalar_hint(c, t); break;
    case TC_T_CHARS: hint = "str"; break;
    case TC_T_STRUCT: hint = qualified(c, t->st->schema, t->st->name); break;
    case TC_T_ARRAY:
        hint = t->elem->kind == TC_T_STRUCT ? "_Views" : "_Scalars";
        break;
    case TC_T_PAD: break;
    }

    buf_blank(b);
    buf_text_line(b, "@property");
    buf_line(b, "def %s(self) -> %s:", attr, hint);
    b->indent++;
    py_docstring(b, f->doc, note.data ? note.data : "");
    buf_free(&note);
    tc_buf expr = {0};
    switch (t->kind) {
    case TC_T_PRIM:
        buf_printf(&expr, "%s.unpack_from(self._buf, %s)[0]", prim_struct(t->prim), off);
        break;
    case TC_T_ENUM:
    case TC_T_FLAGS:
        buf_line(b, "raw = %s.unpack_from(self._buf, %s)[0]", prim_struct(t->prim), off);
        buf_printf(&expr, "_enum_or_int(%s, raw)", qualified(c, t->en->schema, t->en->name));
        break;
    case TC_T_CHARS: {
        char name[64], fmt[64];
        snprintf(name, sizeof name, "_CHARS%" PRIu64, t->count);
        snprintf(fmt, sizeof fmt, "%" PRIu64 "s", t->count);
        buf_printf(&expr, "_text_out(%s.unpack_from(self._buf, %s)[0])", need_struct(c, name, fmt), off);
        break;
    }
    case TC_T_STRUCT:
        buf_printf(&expr, "%s(self._buf, %s)", hint, off);
        break;
    case TC_T_ARRAY:
        if (t->elem->kind == TC_T_STRUCT)
            buf_printf(&expr, "_Views(self._buf, %s, %" PRIu64 ", %s)", off, t->count,
                       qualified(c, t->elem->st->schema, t->elem->st->name));
        else if (t->elem->kind == TC_T_PRIM)
            buf_printf(&expr, "_Scalars(self._buf, %s, %" PRIu64 ", %s, \"%s\")", off, t->count,
                       prim_struct(t->elem->prim), prim_numpy(t->elem->prim));
        else
            buf_printf(&expr, "_Scalars(self._buf, %s, %" PRIu64 ", %s, \"%s\", %s)", off, t->count,
                       prim_struct(t->elem->prim), prim_numpy(t->elem->prim),
                       qualified(c, t->elem->en->schema, t->elem->en->name));
        break;
    case TC_T_PAD: break;
    }
    if (expr.oom)
        b->oom = 1;
    py_return(b, expr.data ? expr.data : "None");
    buf_free(&expr);
    b->indent--;

    /* setters: an array of structs is written element by element */
    if (t->kind == TC_T_ARRAY && t->elem->kind == TC_T_STRUCT)
        return;
    buf_blank(b);
    buf_line(b, "@%s.setter", attr);
    switch (t->kind) {
    case TC_T_PRIM:
    case TC_T_ENUM:
    case TC_T_FLAGS: {
        char code[2] = {prim_code(t->prim), '\0'};
        const char *sname = padded_struct(c, prim_struct(t->prim), code, pad_before, pad_after);
        buf_line(b, "def %s(self, value: %s) -> None:", attr, t->kind == TC_T_PRIM ? hint : "int");
        buf_line(b, "    %s.pack_into(self._buf, %s, value)", sname, pad_off);
        break;
    }
    case TC_T_CHARS: {
        char name[64], core[32];
        snprintf(name, sizeof name, "_CHARS%" PRIu64, t->count);
        snprintf(core, sizeof core, "%" PRIu64 "s", t->count);
        const char *sname = padded_struct(c, name, core, pad_before, pad_after);
        buf_line(b, "def %s(self, value: str | bytes) -> None:", attr);
        buf_line(b, "    raw = _text_in(value, %" PRIu64 ", \"%s\")", t->count, what);
        buf_line(b, "    %s.pack_into(self._buf, %s, raw)", sname, pad_off);
        break;
    }
    case TC_T_STRUCT:
        buf_line(b, "def %s(self, value: %s) -> None:", attr, hint);
        buf_line(b, "    _put_bytes(self._buf, %s, value.to_bytes())", off);
        break;
    case TC_T_ARRAY: {
        char name[64], fmt[64];
        snprintf(name, sizeof name, "%sX%" PRIu64, prim_struct(t->elem->prim), t->count);
        snprintf(fmt, sizeof fmt, "<%" PRIu64 "%c", t->count, prim_code(t->elem->prim));
        const char *sname = pad_before || pad_after ? padded_struct(c, name, fmt + 1, pad_before, pad_after)
                                                    : need_struct(c, name, fmt);
        buf_line(b, "def %s(self, value: Sequence[%s]) -> None:", attr,
                 t->elem->kind == TC_T_PRIM ? prim_pytype(t->elem->prim) : "int");
        buf_line(b, "    values = _exactly(value, %" PRIu64 ", \"%s\")", t->count, what);
        buf_line(b, "    %s.pack_into(self._buf, %s, *values)", sname, pad_off);
        break;
    }
    case TC_T_PAD: break;
    }
}

/* One entry of the NumPy dtype's formats list. */
static void numpy_format(py_ctx *c, tc_buf *b, const tc_type *t)
{
    switch (t->kind) {
    case TC_T_PRIM:
    case TC_T_ENUM:
    case TC_T_FLAGS: buf_printf(b, "\"%s\"", prim_numpy(t->prim)); break;
    case TC_T_CHARS: buf_printf(b, "\"S%" PRIu64 "\"", t->count); break;
    case TC_T_STRUCT: buf_printf(b, "%s.numpy_dtype()", qualified(c, t->st->schema, t->st->name)); break;
    case TC_T_ARRAY:
        if (t->elem->kind == TC_T_STRUCT)
            buf_printf(b, "(%s.numpy_dtype(), (%" PRIu64 ",))",
                       qualified(c, t->elem->st->schema, t->elem->st->name), t->count);
        else
            buf_printf(b, "(\"%s\", (%" PRIu64 ",))", prim_numpy(t->elem->prim), t->count);
        break;
    case TC_T_PAD: break;
    }
}

/* The argument list of pack_into, for its comment: "symbol: bytes, price: float". */
static void pack_args(py_ctx *c, tc_buf *b, const tc_struct *st)
{
    int first = 1;
    for (size_t i = 0; i < st->nfields; i++) {
        const tc_field *f = &st->fields[i];
        const tc_type *t = &f->type;
        if (t->kind == TC_T_PAD)
            continue;
        buf_puts(b, first ? "" : ", ");
        first = 0;
        switch (t->kind) {
        case TC_T_PRIM:
        case TC_T_ENUM:
        case TC_T_FLAGS: buf_printf(b, "%s: %s", f->name, prim_pytype(t->prim)); break;
        case TC_T_CHARS: buf_printf(b, "%s: bytes", f->name); break;
        case TC_T_STRUCT: buf_printf(b, "*%s (%s.STRUCT order)", f->name, t->st->name); break;
        case TC_T_ARRAY:
            if (t->elem->kind == TC_T_STRUCT)
                buf_printf(b, "*%s (%" PRIu64 " x %s.STRUCT order)", f->name, t->count, t->elem->st->name);
            else
                buf_printf(b, "*%s (%" PRIu64 " values)", f->name, t->count);
            break;
        case TC_T_PAD: break;
        }
    }
    (void)c;
}

static void emit_struct(py_ctx *c, const tc_struct *st)
{
    tc_buf *b = c->b;
    const char *sup = upper(c->ns, st->name);

    tc_buf fmt = {0};
    buf_puts(&fmt, "<");
    struct_codes_of(&fmt, st);
    compact_codes(&fmt);
    buf_blank(b);
    buf_blank(b);
    buf_line(b, "_%s = struct.Struct(\"%s\")", sup, fmt.data ? fmt.data : "<");
    if (fmt.oom)
        b->oom = 1;
    buf_free(&fmt);
    buf_blank(b);
    buf_blank(b);
    buf_line(b, "class %s:", st->name);
    b->indent++;
    char note[256];
    snprintf(note, sizeof note,
             "A view over %" PRIu64 " bytes at `offset` in `buf`: the properties\n"
             "read and write the fields in place.",
             st->size);
    py_docstring(b, st->doc, note);
    buf_blank(b);
    buf_text_line(b, "__slots__ = (\"_buf\", \"_off\")");
    buf_blank(b);
    buf_line(b, "SIZE: ClassVar[int] = %" PRIu64, st->size);
    buf_line(b, "FINGERPRINT: ClassVar[int] = 0x%016" PRIX64, st->fingerprint);
    buf_text_line(b, "#: The whole record, little-endian, padding as zero bytes.");
    buf_line(b, "STRUCT: ClassVar[struct.Struct] = _%s", sup);
    tc_buf names = {0}, offsets = {0}, formats = {0}, offsets_only = {0};
    size_t nreal = 0;
    for (size_t i = 0; i < st->nfields; i++) {
        const tc_field *f = &st->fields[i];
        if (f->type.kind == TC_T_PAD)
            continue;
        nreal++;
        buf_printf(&names, "\"%s\"\n", f->name);
        buf_printf(&offsets, "\"%s\": %" PRIu64 "\n", f->name, f->offset);
        buf_printf(&offsets_only, "%" PRIu64 "\n", f->offset);
        numpy_format(c, &formats, &f->type);
        buf_puts(&formats, "\n");
    }
    if (names.oom || offsets.oom || formats.oom || offsets_only.oom)
        b->oom = 1;
    py_seq(b, "FIELDS: ClassVar[tuple[str, ...]] = (", &names, ")", 1);
    py_seq(b, "OFFSETS: ClassVar[dict[str, int]] = {", &offsets, "}", 0);
    tc_buf args = {0};
    pack_args(c, &args, st);
    if (args.oom)
        b->oom = 1;
    tc_buf say = {0};
    buf_printf(&say, "pack_into(buf, offset, *values) writes every field with one precompiled "
                     "struct call: the fast path. Values in STRUCT order: %s.", args.data ? args.data : "");
    py_wrapped_comment(b, say.data ? say.data : "");
    if (say.oom)
        b->oom = 1;
    buf_free(&say);
    buf_free(&args);
    buf_line(b, "pack_into = staticmethod(_%s.pack_into)", sup);
    buf_text_line(b, "#: unpack_from(buf, offset=0) -> every field's raw value, in STRUCT order.");
    buf_line(b, "unpack_from = staticmethod(_%s.unpack_from)", sup);
    buf_text_line(b, "_dtype: ClassVar[Any] = None");

    buf_blank(b);
    buf_text_line(b, "def __init__(self, buf: Buffer, offset: int = 0) -> None:");
    buf_line(b, "    _check(buf, offset, %" PRIu64 ", \"%s\")", st->size, st->name);
    buf_text_line(b, "    self._buf = buf");
    buf_text_line(b, "    self._off = offset");
    buf_blank(b);
    buf_text_line(b, "@classmethod");
    buf_line(b, "def new(cls) -> %s:", st->name);
    buf_text_line(b, "    \"\"\"A view over a new zeroed bytearray of SIZE bytes.\"\"\"");
    buf_line(b, "    return cls(bytearray(%" PRIu64 "))", st->size);
    buf_blank(b);
    buf_text_line(b, "@property");
    buf_text_line(b, "def buffer(self) -> Buffer:");
    buf_text_line(b, "    \"\"\"The buffer this view reads and writes.\"\"\"");
    buf_text_line(b, "    return self._buf");
    buf_blank(b);
    buf_text_line(b, "@property");
    buf_text_line(b, "def offset(self) -> int:");
    buf_text_line(b, "    \"\"\"Where the record starts in the buffer.\"\"\"");
    buf_text_line(b, "    return self._off");
    buf_blank(b);
    buf_text_line(b, "def clear(self) -> None:");
    buf_text_line(b, "    \"\"\"Zeroes all SIZE bytes of the record, padding included.\"\"\"");
    buf_line(b, "    _put_bytes(self._buf, self._off, bytes(%" PRIu64 "))", st->size);
    buf_blank(b);
    buf_text_line(b, "def to_bytes(self) -> bytes:");
    buf_text_line(b, "    \"\"\"A copy of the record's SIZE bytes.\"\"\"");
    buf_text_line(b, "    with memoryview(self._buf) as view:");
    buf_line(b, "        return bytes(view.cast(\"B\")[self._off:self._off + %" PRIu64 "])", st->size);

    for (size_t i = 0; i < st->nfields; i++)
        if (st->fields[i].type.kind != TC_T_PAD)
            emit_property(c, st, &st->fields[i]);

    buf_blank(b);
    buf_text_line(b, "def to_dict(self) -> dict[str, Any]:");
    buf_text_line(b, "    \"\"\"Every field as plain values (arrays as lists, structs as dicts).\"\"\"");
    if (nreal == 0) {
        buf_text_line(b, "    return {}");
    } else {
        buf_text_line(b, "    return {");
        for (size_t i = 0; i < st->nfields; i++) {
            const tc_field *f = &st->fields[i];
            const tc_type *t = &f->type;
            const char *attr = field_attr(c->ns, f->name);
            switch (t->kind) {
            case TC_T_STRUCT: buf_line(b, "        \"%s\": self.%s.to_dict(),", f->name, attr); break;
            case TC_T_ARRAY:
                if (t->elem->kind == TC_T_STRUCT)
                    buf_line(b, "        \"%s\": [item.to_dict() for item in self.%s],", f->name, attr);
                else
                    buf_line(b, "        \"%s\": self.%s.tolist(),", f->name, attr);
                break;
            case TC_T_PAD: break;
            default: buf_line(b, "        \"%s\": self.%s,", f->name, attr); break;
            }
        }
        buf_text_line(b, "    }");
    }
    buf_blank(b);
    buf_text_line(b, "def __repr__(self) -> str:");
    buf_line(b, "    return f\"%s({self.to_dict()!r})\"", st->name);

    buf_blank(b);
    buf_text_line(b, "@classmethod");
    buf_text_line(b, "def numpy_dtype(cls) -> Any:");
    buf_text_line(b, "    \"\"\"The NumPy dtype of one record: explicit offsets, itemsize SIZE.\"\"\"");
    buf_text_line(b, "    if cls._dtype is None:");
    buf_text_line(b, "        if _np is None:");
    buf_line(b, "            raise ImportError(\"%s.numpy_dtype() needs NumPy\")", st->name);
    buf_text_line(b, "        cls._dtype = _np.dtype({");
    b->indent += 3;
    py_seq(b, "\"names\": [", &names, "],", 0);
    py_seq(b, "\"formats\": [", &formats, "],", 0);
    py_seq(b, "\"offsets\": [", &offsets_only, "],", 0);
    b->indent -= 3;
    buf_free(&names);
    buf_free(&offsets);
    buf_free(&formats);
    buf_free(&offsets_only);
    buf_line(b, "            \"itemsize\": %" PRIu64 ",", st->size);
    buf_text_line(b, "        })");
    buf_text_line(b, "    return cls._dtype");
    buf_blank(b);
    buf_text_line(b, "@classmethod");
    buf_text_line(b, "def array(cls, buf: Buffer, count: int = -1, offset: int = 0) -> Any:");
    buf_text_line(b, "    \"\"\"`count` records (-1: all that fit) at `offset` in `buf` as a NumPy");
    buf_text_line(b, "    structured array over the buffer itself, without a copy.");
    buf_text_line(b, "    \"\"\"");
    buf_text_line(b, "    return _np_frombuffer(buf, cls.numpy_dtype(), count, offset)");
    b->indent--;
}

static void emit_enum(py_ctx *c, const tc_enum *en)
{
    tc_buf *b = c->b;
    buf_blank(b);
    buf_blank(b);
    buf_line(b, "class %s(enum.%s):", en->name, en->is_flags ? "IntFlag" : "IntEnum");
    b->indent++;
    char note[128];
    snprintf(note, sizeof note, "Stored as %s.", prim_name(en->underlying));
    py_docstring(b, en->doc, note);
    if (en->nvalues)
        buf_blank(b);
    for (size_t i = 0; i < en->nvalues; i++) {
        const tc_enum_value *v = &en->values[i];
        py_comment_doc(b, v->doc);
        if (prim_is_signed(en->underlying))
            buf_line(b, "%s = %" PRId64, member_name(c->ns, v->name), v->value);
        else if (en->is_flags)
            buf_line(b, "%s = 0x%" PRIX64, member_name(c->ns, v->name), v->bits);
        else
            buf_line(b, "%s = %" PRIu64, member_name(c->ns, v->name), v->bits);
    }
    b->indent--;
}

static void emit_const(py_ctx *c, const tc_const *k)
{
    tc_buf *b = c->b;
    py_comment_doc(b, k->doc);
    const char *name = upper(c->ns, k->name);
    switch (k->kind) {
    case TC_C_INT: buf_line(b, "%s: Final = %" PRId64, name, k->i); break;
    case TC_C_UINT:
        if (k->u > 0xffff)
            buf_line(b, "%s: Final = 0x%" PRIX64, name, k->u);
        else
            buf_line(b, "%s: Final = %" PRIu64, name, k->u);
        break;
    case TC_C_BOOL: buf_line(b, "%s: Final = %s", name, k->u ? "True" : "False"); break;
    case TC_C_FLOAT:
        buf_printf(b, "%s: Final = ", name);
        py_float(b, k->f);
        buf_puts(b, "\n");
        break;
    case TC_C_STRING:
        buf_printf(b, "%s: Final = ", name);
        py_str(b, k->s);
        buf_puts(b, "\n");
        break;
    }
}

static void emit_messages(py_ctx *c, const tc_schema *sc)
{
    tc_buf *b = c->b;
    buf_blank(b);
    buf_blank(b);
    buf_line(b, "#: The fingerprint a bus carrying schema %s is bound to.", sc->name);
    buf_line(b, "FINGERPRINT: Final = 0x%016" PRIX64, sc->fingerprint);
    buf_blank(b);
    for (size_t i = 0; i < sc->nmessages; i++) {
        const tc_message *m = &sc->messages[i];
        py_comment_doc(b, m->doc);
        buf_line(b, "MSG_%s: Final = %" PRIu32, upper(c->ns, m->name), m->id);
    }
    if (sc->nmessages)
        buf_blank(b);
    buf_text_line(b, "#: type id -> (message name, payload class, or None for an empty payload)");
    if (sc->nmessages == 0) {
        buf_text_line(b, "MESSAGES: dict[int, tuple[str, Any | None]] = {}");
    } else {
        buf_text_line(b, "MESSAGES: dict[int, tuple[str, Any | None]] = {");
        for (size_t i = 0; i < sc->nmessages; i++) {
            const tc_message *m = &sc->messages[i];
            buf_line(b, "    MSG_%s: (\"%s\", %s),", upper(c->ns, m->name), m->name,
                     m->payload ? qualified(c, m->payload->schema, m->payload->name) : "None");
        }
        buf_text_line(b, "}");
    }
    buf_text_line(b, "#: Retired type ids, as inclusive (first, last) ranges.");
    tc_buf ranges = {0};
    for (size_t i = 0; i < sc->nreserved; i++)
        buf_printf(&ranges, "(%" PRIu32 ", %" PRIu32 ")\n", sc->reserved[i].lo, sc->reserved[i].hi);
    if (ranges.oom)
        b->oom = 1;
    py_seq(b, "RESERVED: tuple[tuple[int, int], ...] = (", &ranges, ")", 1);
    buf_free(&ranges);
    buf_blank(b);
    buf_blank(b);
    buf_text_line(b, "def payload_size(type_id: int) -> int:");
    buf_text_line(b, "    \"\"\"The payload size of type_id (0: empty), or -1 for an unknown id.\"\"\"");
    buf_text_line(b, "    entry = MESSAGES.get(type_id)");
    buf_text_line(b, "    if entry is None:");
    buf_text_line(b, "        return -1");
    buf_text_line(b, "    return 0 if entry[1] is None else entry[1].SIZE");
    buf_blank(b);
    buf_blank(b);
    buf_text_line(b, "def message_name(type_id: int) -> str | None:");
    buf_text_line(b, "    \"\"\"The message name of type_id, or None for an unknown id.\"\"\"");
    buf_text_line(b, "    entry = MESSAGES.get(type_id)");
    buf_text_line(b, "    return None if entry is None else entry[0]");
    buf_blank(b);
    buf_blank(b);
    buf_text_line(b, "def decode(type_id: int, buf: Buffer, offset: int = 0) -> Any:");
    buf_text_line(b, "    \"\"\"The typed view of a received payload, or None for an empty payload.");
    buf_blank(b);
    buf_text_line(b, "    Raises ValueError for a type id this schema does not define and for a");
    buf_text_line(b, "    payload shorter than its type.");
    buf_text_line(b, "    \"\"\"");
    buf_text_line(b, "    entry = MESSAGES.get(type_id)");
    buf_text_line(b, "    if entry is None:");
    buf_line(b, "        raise ValueError(f\"%s: unknown type id {type_id}\")", sc->name);
    buf_text_line(b, "    cls = entry[1]");
    buf_text_line(b, "    return None if cls is None else cls(buf, offset)");
}

/* isort-style order of __all__: CONSTANTS, then Classes, then functions. */
static int all_bucket(const char *s)
{
    int upper_only = 1;
    for (const char *p = s; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            upper_only = 0;
    if (upper_only)
        return 0;
    return *s >= 'A' && *s <= 'Z' ? 1 : 2;
}

static int cmp_all(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    int bx = all_bucket(x), by = all_bucket(y);
    return bx != by ? bx - by : strcmp(x, y);
}

static void emit_all(tc_buf *b, const tc_schema *sc, tc_pool *ns)
{
    size_t n = sc->nconsts + sc->nenums + sc->nstructs + sc->nmessages + 2 * sc->nservices + 6, k = 0;
    const char **names = malloc(n * sizeof *names);
    if (!names) {
        b->oom = 1;
        return;
    }
    for (size_t i = 0; i < sc->nconsts; i++)
        names[k++] = upper(ns, sc->consts[i].name);
    for (size_t i = 0; i < sc->nenums; i++)
        names[k++] = sc->enums[i].name;
    for (size_t i = 0; i < sc->nstructs; i++)
        names[k++] = sc->structs[i].name;
    for (size_t i = 0; i < sc->nmessages; i++) {
        names[k++] = pool_printf(ns, "MSG_%s", upper(ns, sc->messages[i].name));
    }
    emit_rpc_python_names(sc, names, &k, ns);
    static const char *const fixed[] = {"FINGERPRINT", "MESSAGES", "RESERVED", "decode", "message_name",
                                        "payload_size"};
    for (size_t i = 0; i < 6; i++)
        names[k++] = fixed[i];
    qsort(names, k, sizeof *names, cmp_all);
    buf_text_line(b, "__all__ = [");
    for (size_t i = 0; i < k; i++)
        buf_line(b, "    \"%s\",", names[i]);
    buf_text_line(b, "]");
    free(names);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int emit_schema(const tc_schema *sc, tc_outputs *out, tc_pool *ns)
{
    char rel[1024];
    snprintf(rel, sizeof rel, "%s.py", sc->name);
    tc_buf *b = outputs_add(out, rel);
    if (!b)
        return -1;
    tc_buf body = {0};
    py_ctx c = {&body, ns, sc, NULL, NULL, 0, 0};
    tc_defs defs = {0};
    size_t mark = 0, first;
#define PY_SCAN(text, loc, ...) \
    emit_defs_scan(&defs, ns, TC_NAMES_PYTHON, text, loc, pool_printf(ns, __VA_ARGS__), &out->errors)
    /* what the module header imports and the support code defines come first */
    static const char *const header_names[] = {"annotations", "enum", "struct", "Sequence", "Any", "ClassVar",
                                               "Final", "_np", "Iterator", "_rpc", NULL};
    for (size_t i = 0; header_names[i]; i++)
        defs_add(&defs, header_names[i], sc->loc, "the Python module header", &first);
    emit_defs_support(&defs, ns, "python", TC_NAMES_PYTHON, sc->loc, &out->errors);
    { /* the decode API's names first, so a clash is blamed on the declaration */
        tc_buf scratch = {0};
        c.b = &scratch;
        emit_messages(&c, sc);
        c.b = &body;
        PY_SCAN(scratch.data, sc->loc, "the decode API of schema %s", sc->name);
        buf_free(&scratch);
    }

    for (size_t i = 0; i < sc->nenums; i++) {
        mark = body.len;
        emit_enum(&c, &sc->enums[i]);
        PY_SCAN(body.data + mark, sc->enums[i].loc, "%s %s", sc->enums[i].is_flags ? "flags" : "enum",
                sc->enums[i].name);
    }
    for (size_t i = 0; i < sc->nstructs; i++) {
        mark = body.len;
        emit_struct(&c, &sc->structs[i]);
        PY_SCAN(body.data + mark, sc->structs[i].loc, "struct %s", sc->structs[i].name);
    }
    emit_messages(&c, sc);
    for (size_t i = 0; i < sc->nservices; i++) {
        mark = body.len;
        emit_rpc_python(&body, ns, sc, &sc->services[i]);
        PY_SCAN(body.data + mark, sc->services[i].loc, "service %s", sc->services[i].name);
    }

    emit_banner(b, TC_NAMES_PYTHON, sc->path);
    char note[512];
    snprintf(note, sizeof note,
             "Typed views for schema %s: each class reads and writes one message\n"
             "payload in place, in any buffer (bytearray, memoryview, mmap, a Tachyon\n"
             "message). Standard library only; NumPy adds zero-copy record arrays.",
             sc->name);
    py_docstring(b, sc->doc, note);
    buf_blank(b);
    buf_text_line(b, "from __future__ import annotations");
    buf_blank(b);
    if (sc->nenums)
        buf_text_line(b, "import enum");
    buf_text_line(b, "import struct");
    buf_line(b, "from collections.abc import %sSequence", sc->nservices ? "Iterator, " : "");
    buf_line(b, "from typing import Any, %sFinal", sc->nstructs ? "ClassVar, " : "");
    buf_blank(b);
    buf_text_line(b, "try:");
    buf_text_line(b, "    import numpy as _np");
    buf_text_line(b, "except ImportError:  # optional: only numpy_dtype() and array() need it");
    buf_text_line(b, "    _np = None");
    if (sc->nservices) {
        buf_blank(b);
        buf_text_line(b, "from tachyon import rpc as _rpc  # the services need the tachyon package");
    }
    if (sc->nimports) {
        buf_blank(b);
        buf_text_line(b, "if __package__:");
        for (size_t i = 0; i < sc->nimports; i++)
            buf_line(b, "    from . import %s", sc->imports[i]->name);
        buf_text_line(b, "else:  # the generated folder itself is on sys.path");
        for (size_t i = 0; i < sc->nimports; i++)
            buf_line(b, "    import %s", sc->imports[i]->name);
    }
    buf_blank(b);
    emit_all(b, sc, ns);
    buf_blank(b);
    emit_support(b, "python", "helpers", NULL);
    for (size_t i = 0; i < c.nfmts; i++) {
        if (i == 0) {
            buf_blank(b);
            buf_blank(b);
        }
        buf_line(b, "%s = struct.Struct(\"%s\")", c.fmt_names[i], c.fmts[i]);
    }
    if (sc->nconsts) {
        buf_blank(b);
        buf_blank(b);
        c.b = b;
        for (size_t i = 0; i < sc->nconsts; i++) {
            mark = b->len;
            emit_const(&c, &sc->consts[i]);
            PY_SCAN(b->data + mark, sc->consts[i].loc, "constant %s", sc->consts[i].name);
        }
        c.b = &body;
    }
    buf_append_take(b, &body);
    for (size_t i = 0; i < c.nfmts; i++) {
        free(c.fmts[i]);
        free(c.fmt_names[i]);
    }
    free(c.fmts);
    free(c.fmt_names);
#undef PY_SCAN
    int oom = defs.oom;
    defs_free(&defs);
    return b->oom || ns->oom || oom ? -1 : 0;
}

static int cmp_schema_name(const void *a, const void *b)
{
    const tc_schema *x = *(const tc_schema *const *)a;
    const tc_schema *y = *(const tc_schema *const *)b;
    return strcmp(x->name, y->name);
}

static int emit_init(const tc_program *prog, tc_outputs *out)
{
    tc_buf *b = outputs_add(out, "__init__.py");
    if (!b)
        return -1;
    const tc_schema **sorted = malloc((prog->nschemas ? prog->nschemas : 1) * sizeof *sorted);
    if (!sorted)
        return -1;
    for (size_t i = 0; i < prog->nschemas; i++)
        sorted[i] = prog->schemas[i];
    qsort(sorted, prog->nschemas, sizeof *sorted, cmp_schema_name);
    emit_banner(b, TC_NAMES_PYTHON, NULL);
    buf_puts(b, "# Schemas:");
    for (size_t i = 0; i < prog->nschemas; i++)
        buf_printf(b, " %s", base_name(sorted[i]->path));
    buf_puts(b, "\n");
    buf_text_line(b, "\"\"\"Typed message views generated by tachc, one module per schema.\"\"\"");
    buf_blank(b);
    tc_buf line = {0};
    buf_puts(&line, "from . import ");
    for (size_t i = 0; i < prog->nschemas; i++)
        buf_printf(&line, "%s%s", i ? ", " : "", sorted[i]->name);
    if (line.oom)
        b->oom = 1;
    if (line.len <= 79) {
        buf_line(b, "%s", line.data);
    } else {
        buf_text_line(b, "from . import (");
        for (size_t i = 0; i < prog->nschemas; i++)
            buf_line(b, "    %s,", sorted[i]->name);
        buf_text_line(b, ")");
    }
    buf_free(&line);
    buf_blank(b);
    buf_text_line(b, "__all__ = [");
    for (size_t i = 0; i < prog->nschemas; i++)
        buf_line(b, "    \"%s\",", sorted[i]->name);
    buf_text_line(b, "]");
    free(sorted);
    return b->oom ? -1 : 0;
}

int emit_python(const tc_program *prog, const tachc_options *opts, tc_outputs *out)
{
    (void)opts;
    tc_pool ns = {0};
    int rc = 0;
    for (size_t i = 0; i < prog->nschemas && rc == 0; i++)
        rc = emit_schema(prog->schemas[i], out, &ns);
    if (rc == 0)
        rc = emit_init(prog, out);
    pool_free(&ns);
    if (rc)
        fprintf(stderr, "tachc: out of memory while generating Python\n");
    return rc;
}
