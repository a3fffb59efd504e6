/* emit.c - helpers shared by the emitters: buffers, name pools, output sets,
 * names, docs. */
#include "emit.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int buf_reserve(tc_buf *b, size_t extra)
{
    if (b->oom)
        return -1;
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d) {
        b->oom = 1;
        return -1;
    }
    b->data = d;
    b->cap = cap;
    return 0;
}

void buf_put(tc_buf *b, const char *s, size_t n)
{
    if (buf_reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_puts(tc_buf *b, const char *s) { buf_put(b, s, strlen(s)); }

void buf_vprintf(tc_buf *b, const char *fmt, va_list ap)
{
    /* Format straight into the free space; only when it does not fit, grow
     * and format again (the emitters print millions of short lines). */
    if (buf_reserve(b, 64))
        return;
    va_list ap2;
    va_copy(ap2, ap);
    size_t room = b->cap - b->len;
    int n = vsnprintf(b->data + b->len, room, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        b->data[b->len] = '\0';
        return;
    }
    if ((size_t)n >= room) {
        if (buf_reserve(b, (size_t)n))
            return;
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    }
    b->len += (size_t)n;
}

void buf_printf(tc_buf *b, const char *fmt, ...)
{
    if (!strchr(fmt, '%')) { /* most emitted lines are fixed text */
        buf_puts(b, fmt);
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

/* The buffer's current indentation (indent units, four spaces by default). */
static void buf_indent(tc_buf *b)
{
    const char *unit = b->indent_unit ? b->indent_unit : "    ";
    for (int i = 0; i < b->indent; i++)
        buf_puts(b, unit);
}

void buf_line(tc_buf *b, const char *fmt, ...)
{
    if (fmt[0] != '\0') {
        buf_indent(b);
        if (!strchr(fmt, '%')) {
            buf_puts(b, fmt);
        } else {
            va_list ap;
            va_start(ap, fmt);
            buf_vprintf(b, fmt, ap);
            va_end(ap);
        }
    }
    buf_put(b, "\n", 1);
}

void buf_text_line(tc_buf *b, const char *s)
{
    buf_indent(b);
    buf_puts(b, s);
    buf_put(b, "\n", 1);
}

void buf_blank(tc_buf *b) { buf_put(b, "\n", 1); }

void buf_free(tc_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

const char *names_keep(tc_names *ns, char *s)
{
    if (!s) {
        ns->oom = 1;
        return "";
    }
    if (ns->n == ns->cap) {
        size_t cap = ns->cap ? ns->cap * 2 : 64;
        char **items = realloc(ns->items, cap * sizeof *items);
        if (!items) {
            free(s);
            ns->oom = 1;
            return "";
        }
        ns->items = items;
        ns->cap = cap;
    }
    ns->items[ns->n++] = s;
    return s;
}

const char *names_printf(tc_names *ns, const char *fmt, ...)
{
    /* Most names fit the stack buffer: format once, then copy exactly. */
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) {
        ns->oom = 1;
        return "";
    }
    char *s = malloc((size_t)n + 1);
    if (s) {
        if ((size_t)n < sizeof tmp) {
            memcpy(s, tmp, (size_t)n + 1);
        } else {
            va_start(ap, fmt);
            vsnprintf(s, (size_t)n + 1, fmt, ap);
            va_end(ap);
        }
    }
    return names_keep(ns, s);
}

void names_free(tc_names *ns)
{
    for (size_t i = 0; i < ns->n; i++)
        free(ns->items[i]);
    free(ns->items);
    memset(ns, 0, sizeof *ns);
}

tc_buf *outputs_add(tc_outputs *o, const char *relpath)
{
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 16;
        tc_output *items = realloc(o->items, cap * sizeof *items);
        if (!items)
            return NULL;
        o->items = items;
        o->cap = cap;
    }
    tc_output *it = &o->items[o->n];
    memset(it, 0, sizeof *it);
    it->relpath = strdup(relpath);
    if (!it->relpath)
        return NULL;
    o->n++;
    return &it->text;
}

void outputs_free(tc_outputs *o)
{
    for (size_t i = 0; i < o->n; i++) {
        free(o->items[i].relpath);
        buf_free(&o->items[i].text);
    }
    free(o->items);
    memset(o, 0, sizeof *o);
}

/* Splits `s` into lower-case words and joins them: sep between words; `style`
 * 0 = lower, 1 = upper, 2 = camel, 3 = pascal. */
static char *name_join(const char *s, const char *sep, int style)
{
    size_t n = strlen(s);
    char *out = malloc(n * 2 + 2);
    if (!out)
        return NULL;
    size_t o = 0;
    int word = 0;      /* index of the current word */
    int at_start = 1;  /* at the start of a word */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '_') {
            if (!at_start)
                word++;
            at_start = 1;
            continue;
        }
        int boundary = i > 0 && isupper(c) && (islower((unsigned char)s[i - 1]) || isdigit((unsigned char)s[i - 1]));
        /* "HTTPServer": split before the last capital of an upper-case run. */
        if (i > 0 && isupper(c) && isupper((unsigned char)s[i - 1]) && i + 1 < n && islower((unsigned char)s[i + 1]))
            boundary = 1;
        if (boundary && !at_start) {
            word++;
            at_start = 1;
        }
        if (at_start && word > 0 && sep[0] && o > 0)
            out[o++] = sep[0];
        int up;
        switch (style) {
        case 1: up = 1; break;
        case 2: up = at_start && word > 0; break;
        case 3: up = at_start; break;
        default: up = 0; break;
        }
        out[o++] = (char)(up ? toupper(c) : tolower(c));
        at_start = 0;
    }
    out[o] = '\0';
    return out;
}

char *name_snake(const char *s) { return name_join(s, "_", 0); }
char *name_upper(const char *s) { return name_join(s, "_", 1); }
char *name_camel(const char *s) { return name_join(s, "", 2); }
char *name_pascal(const char *s) { return name_join(s, "", 3); }

/* One doc line at the buffer's indentation: prefix and text, or the prefix
 * without its trailing spaces when the line is empty. */
static void doc_line(tc_buf *b, const char *prefix, const char *text, size_t len)
{
    buf_indent(b);
    if (len == 0) {
        size_t pl = strlen(prefix);
        while (pl > 0 && prefix[pl - 1] == ' ')
            pl--;
        buf_put(b, prefix, pl);
    } else {
        buf_puts(b, prefix);
        buf_put(b, text, len);
    }
    buf_put(b, "\n", 1);
}

void emit_doc(tc_buf *b, const char *doc, const char *prefix)
{
    if (!doc)
        return;
    const char *p = doc;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        doc_line(b, prefix, p, len);
        if (!nl)
            break;
        p = nl + 1;
    }
}

char *doc_clean(const char *doc, tc_doc_esc esc)
{
    if (!doc)
        return NULL;
    size_t common = (size_t)-1;
    for (const char *p = doc; *p;) {
        size_t ind = 0;
        while (p[ind] == ' ' || p[ind] == '\t')
            ind++;
        if (p[ind] != '\n' && p[ind] != '\0' && ind < common)
            common = ind;
        const char *nl = strchr(p, '\n');
        if (!nl)
            break;
        p = nl + 1;
    }
    if (common == (size_t)-1)
        common = 0;
    size_t n = strlen(doc);
    char *out = malloc(n * 2 + 2); /* every character escaped at worst */
    if (!out)
        return NULL;
    size_t o = 0;
    for (const char *p = doc; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        size_t skip = 0;
        while (skip < common && skip < len && (p[skip] == ' ' || p[skip] == '\t'))
            skip++;
        size_t end = len;
        while (end > skip && (p[end - 1] == ' ' || p[end - 1] == '\t' || p[end - 1] == '\r'))
            end--;
        for (size_t i = skip; i < end; i++) {
            if (esc == DOC_PY_DOCSTRING &&
                (p[i] == '\\' || (p[i] == '"' && i + 2 < end && p[i + 1] == '"' && p[i + 2] == '"')))
                out[o++] = '\\';
            out[o++] = p[i];
            /* neither end a comment early nor open one inside it (-Wcomment) */
            if (esc == DOC_C_COMMENT &&
                ((p[i] == '*' && i + 1 < end && p[i + 1] == '/') || (p[i] == '/' && i + 1 < end && p[i + 1] == '*')))
                out[o++] = ' ';
        }
        if (!nl)
            break;
        out[o++] = '\n';
        p = nl + 1;
    }
    while (o > 0 && out[o - 1] == '\n')
        o--;
    out[o] = '\0';
    return out;
}

int schema_set_add(const tc_schema ***set, size_t *n, const tc_schema *s)
{
    for (size_t i = 0; i < *n; i++)
        if ((*set)[i] == s)
            return 0;
    const tc_schema **r = realloc(*set, (*n + 1) * sizeof *r);
    if (!r)
        return -1;
    *set = r;
    (*set)[(*n)++] = s;
    return 0;
}

void type_spelling(tc_buf *b, const tc_type *t, const tc_schema *here)
{
    switch (t->kind) {
    case TC_T_PRIM: buf_puts(b, prim_name(t->prim)); break;
    case TC_T_CHARS: buf_printf(b, "char[%" PRIu64 "]", t->count); break;
    case TC_T_PAD: buf_printf(b, "pad[%" PRIu64 "]", t->count); break;
    case TC_T_ARRAY:
        type_spelling(b, t->elem, here);
        buf_printf(b, "[%" PRIu64 "]", t->count);
        break;
    case TC_T_STRUCT:
        if (here && t->st->schema != here)
            buf_printf(b, "%s.", t->st->schema->name);
        buf_puts(b, t->st->name);
        break;
    case TC_T_ENUM:
    case TC_T_FLAGS:
        if (here && t->en->schema != here)
            buf_printf(b, "%s.", t->en->schema->name);
        buf_puts(b, t->en->name);
        break;
    }
}

const char *names_type_spelling(tc_names *ns, const tc_type *t, const tc_schema *here)
{
    /* most fields need no allocation */
    if (t->kind == TC_T_PRIM)
        return prim_name(t->prim);
    if (t->kind == TC_T_STRUCT && (!here || t->st->schema == here))
        return t->st->name;
    if ((t->kind == TC_T_ENUM || t->kind == TC_T_FLAGS) && (!here || t->en->schema == here))
        return t->en->name;
    tc_buf tb;
    memset(&tb, 0, sizeof tb);
    type_spelling(&tb, t, here);
    if (tb.oom || !tb.data) {
        buf_free(&tb);
        ns->oom = 1;
        return "";
    }
    char *s = realloc(tb.data, tb.len + 1); /* keep only what it needs */
    return names_keep(ns, s ? s : tb.data);
}

/* emit_doc for Rust and Go: one leading space per line and trailing blanks
 * removed, leading and trailing empty lines dropped. */
void emit_doc_trimmed(tc_buf *b, const char *doc, const char *prefix)
{
    if (!doc)
        return;
    const char *p = doc;
    while (*p == '\n' || *p == ' ' || *p == '\t' || *p == '\r') {
        /* skip leading empty lines (but keep indentation of the first text line) */
        const char *nl = strchr(p, '\n');
        const char *q = p;
        while (*q == ' ' || *q == '\t' || *q == '\r')
            q++;
        if (*q == '\n' && nl)
            p = nl + 1;
        else
            break;
    }
    size_t total = strlen(p);
    while (total > 0 && (p[total - 1] == '\n' || p[total - 1] == ' ' || p[total - 1] == '\t' ||
                         p[total - 1] == '\r'))
        total--;
    if (total == 0)
        return;
    const char *end = p + total;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *ls = p;
        if (ls < le && *ls == ' ')
            ls++;
        const char *te = le;
        while (te > ls && (te[-1] == ' ' || te[-1] == '\t' || te[-1] == '\r'))
            te--;
        doc_line(b, prefix, ls, (size_t)(te - ls));
        if (!nl)
            break;
        p = nl + 1;
    }
}

const char *prim_name(tc_prim p)
{
    static const char *const names[] = {"u8", "u16", "u32", "u64", "i8", "i16", "i32",
                                        "i64", "f32", "f64", "bool", "char"};
    return (unsigned)p < sizeof names / sizeof names[0] ? names[p] : "?";
}

unsigned prim_size(tc_prim p)
{
    switch (p) {
    case TC_U16: case TC_I16: return 2;
    case TC_U32: case TC_I32: case TC_F32: return 4;
    case TC_U64: case TC_I64: case TC_F64: return 8;
    default: return 1;
    }
}

int prim_is_signed(tc_prim p) { return p == TC_I8 || p == TC_I16 || p == TC_I32 || p == TC_I64; }
int prim_is_float(tc_prim p) { return p == TC_F32 || p == TC_F64; }
