/* ast.c - syntax tree constructors (called from the grammar's one-line actions)
 * and the doc-comment bookkeeping that attaches `///` lines to declarations. */
#include "ast.h"

#include <stdlib.h>
#include <string.h>

tc_loc ast_loc(const tc_parse_ctx *ctx, int line, int col)
{
    tc_loc l = {ctx->path, line, col};
    return l;
}

ast_list ast_list_empty(void)
{
    ast_list l = {NULL, NULL, 0};
    return l;
}

ast_list ast_list_add(ast_list list, void *node)
{
    if (!node)
        return list;
    ast_link *link = node;
    link->next = NULL;
    if (list.head)
        *list.tail = link;
    else
        list.head = link;
    list.tail = &link->next;
    list.n++;
    return list;
}

ast_list ast_list_concat(ast_list a, ast_list b)
{
    if (!b.head)
        return a;
    if (!a.head)
        return b;
    *a.tail = b.head;
    a.tail = b.tail;
    a.n += b.n;
    return a;
}

/* --- doc comments ------------------------------------------------------- */

static void docs_push(ast_docs *d, int line, int col, const char *text)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 32;
        ast_doc *items = realloc(d->items, cap * sizeof *items);
        if (!items)
            return; /* the doc is lost; never the parse */
        d->items = items;
        d->cap = cap;
    }
    d->items[d->n].line = line;
    d->items[d->n].col = col;
    d->items[d->n].text = text;
    d->n++;
}

void ast_doc_line(tc_parse_ctx *ctx, const char *text, size_t len, bool trailing, int line)
{
    /* "/// text" -> "text": drop one space after the slashes and trailing blanks */
    if (len > 0 && text[0] == ' ')
        text++, len--;
    while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\r'))
        len--;
    if (trailing) {
        const char *t = arena_strndup(ctx->arena, text, len);
        /* a second trailing doc on one line cannot happen: the first ran to the end */
        if (t)
            docs_push(&ctx->trail, line, 0, t);
        return;
    }
    size_t need = ctx->pending_len + len + 2;
    char *p = realloc(ctx->pending_doc, need);
    if (!p)
        return;
    ctx->pending_doc = p;
    if (ctx->pending_len > 0)
        p[ctx->pending_len++] = '\n';
    memcpy(p + ctx->pending_len, text, len);
    ctx->pending_len += len;
    p[ctx->pending_len] = '\0';
}

void ast_doc_token(tc_parse_ctx *ctx, int line, int col)
{
    if (!ctx->pending_doc)
        return;
    const char *t = arena_strndup(ctx->arena, ctx->pending_doc, ctx->pending_len);
    if (t)
        docs_push(&ctx->lead, line, col, t);
    free(ctx->pending_doc);
    ctx->pending_doc = NULL;
    ctx->pending_len = 0;
}

static const ast_doc *docs_find(const ast_docs *d, int line, int col)
{
    size_t lo = 0, hi = d->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const ast_doc *x = &d->items[mid];
        if (x->line < line || (x->line == line && x->col < col))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < d->n && d->items[lo].line == line && d->items[lo].col == col)
        return &d->items[lo];
    return NULL;
}

/* The doc of an item that starts at `start` and ends on end_line: the leading
 * block right before it, then the trailing comment on its last line (end_line
 * 0: none). Resolved after the parse (ast_docs_resolve): when the parser
 * reduces an item it may not yet have read the trailing comment after it. */
static void doc_for(tc_parse_ctx *ctx, const char **slot, tc_loc start, int end_line)
{
    ast_doc_req *r = &ctx->reqs;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        struct ast_doc_slot *items = realloc(r->items, cap * sizeof *items);
        if (!items)
            return;
        r->items = items;
        r->cap = cap;
    }
    r->items[r->n].slot = slot;
    r->items[r->n].start = start;
    r->items[r->n].end_line = end_line;
    r->n++;
}

void ast_docs_resolve(tc_parse_ctx *ctx)
{
    for (size_t i = 0; i < ctx->reqs.n; i++) {
        const struct ast_doc_slot *q = &ctx->reqs.items[i];
        const ast_doc *lead = docs_find(&ctx->lead, q->start.line, q->start.col);
        const ast_doc *trail = q->end_line > 0 ? docs_find(&ctx->trail, q->end_line, 0) : NULL;
        if (lead && trail)
            *q->slot = arena_printf(ctx->arena, "%s\n%s", lead->text, trail->text);
        else if (lead)
            *q->slot = lead->text;
        else if (trail)
            *q->slot = trail->text;
    }
    free(ctx->reqs.items);
    free(ctx->lead.items);
    free(ctx->trail.items);
    free(ctx->pending_doc);
    memset(&ctx->reqs, 0, sizeof ctx->reqs);
    memset(&ctx->lead, 0, sizeof ctx->lead);
    memset(&ctx->trail, 0, sizeof ctx->trail);
    ctx->pending_doc = NULL;
}

/* --- constructors ------------------------------------------------------- */

void ast_set_schema(tc_parse_ctx *ctx, const char *name, tc_loc kw, tc_loc name_loc, int end_line)
{
    ctx->file->schema = name;
    ctx->file->schema_loc = name_loc;
    doc_for(ctx, &ctx->file->doc, kw, end_line);
}

void ast_add_decl(tc_parse_ctx *ctx, ast_decl *d)
{
    ctx->file->decls = ast_list_add(ctx->file->decls, d);
}

static ast_decl *decl_new(tc_parse_ctx *ctx, ast_decl_kind kind, const char *name, tc_loc kw, tc_loc name_loc)
{
    ast_decl *d = arena_alloc(ctx->arena, sizeof *d);
    if (!d)
        return NULL;
    d->kind = kind;
    d->name = name;
    d->loc = kw;
    d->name_loc = name_loc;
    return d;
}

ast_decl *ast_import(tc_parse_ctx *ctx, const char *path, tc_loc kw, tc_loc path_loc)
{
    return decl_new(ctx, D_IMPORT, path, kw, path_loc);
}

ast_decl *ast_const(tc_parse_ctx *ctx, const char *name, ast_ref type, ast_value v, tc_loc kw, tc_loc name_loc,
                    int end_line)
{
    ast_decl *d = decl_new(ctx, D_CONST, name, kw, name_loc);
    if (!d)
        return NULL;
    d->type = type;
    d->value = v;
    doc_for(ctx, &d->doc, kw, end_line);
    return d;
}

ast_decl *ast_enum(tc_parse_ctx *ctx, bool is_flags, const char *name, ast_ref type, ast_list values, tc_loc kw,
                   tc_loc name_loc, tc_loc end)
{
    ast_decl *d = decl_new(ctx, is_flags ? D_FLAGS : D_ENUM, name, kw, name_loc);
    if (!d)
        return NULL;
    d->type = type;
    d->items = values;
    d->end_loc = end;
    doc_for(ctx, &d->doc, kw, 0);
    return d;
}

ast_decl *ast_struct(tc_parse_ctx *ctx, const char *name, const ast_count *size, ast_list fields, tc_loc kw,
                     tc_loc name_loc, tc_loc end)
{
    ast_decl *d = decl_new(ctx, D_STRUCT, name, kw, name_loc);
    if (!d)
        return NULL;
    if (size) {
        d->has_size = true;
        d->size = *size;
    }
    d->items = fields;
    d->end_loc = end;
    doc_for(ctx, &d->doc, kw, 0);
    return d;
}

ast_decl *ast_messages(tc_parse_ctx *ctx, ast_list items, tc_loc kw, tc_loc end)
{
    ast_decl *d = decl_new(ctx, D_MESSAGES, NULL, kw, kw);
    if (!d)
        return NULL;
    d->items = items;
    d->end_loc = end;
    return d;
}

ast_decl *ast_service(tc_parse_ctx *ctx, const char *name, ast_list methods, tc_loc kw, tc_loc name_loc, tc_loc end)
{
    ast_decl *d = decl_new(ctx, D_SERVICE, name, kw, name_loc);
    if (!d)
        return NULL;
    d->items = methods;
    d->end_loc = end;
    doc_for(ctx, &d->doc, kw, 0);
    return d;
}

ast_method *ast_method_new(tc_parse_ctx *ctx, const char *name, const ast_ref *request, const ast_ref *reply,
                           ast_int id, tc_loc kw, tc_loc loc, int end_line)
{
    ast_method *m = arena_alloc(ctx->arena, sizeof *m);
    if (!m)
        return NULL;
    m->name = name;
    m->loc = loc;
    if (request) {
        m->has_request = true;
        m->request = *request;
    }
    if (reply) {
        m->has_reply = true;
        m->reply = *reply;
    }
    m->id = id;
    doc_for(ctx, &m->doc, kw, end_line); /* the doc leads the keyword, not the name */
    return m;
}

ast_field *ast_field_new(tc_parse_ctx *ctx, const char *name, const ast_int *offset, ast_type type, tc_loc loc,
                         int end_line)
{
    ast_field *f = arena_alloc(ctx->arena, sizeof *f);
    if (!f)
        return NULL;
    f->name = name;
    f->loc = loc;
    if (offset) {
        f->has_offset = true;
        f->offset = *offset;
    }
    f->type = type;
    doc_for(ctx, &f->doc, loc, end_line);
    return f;
}

ast_enum_value *ast_enum_value_new(tc_parse_ctx *ctx, const char *name, const ast_int *value, tc_loc loc,
                                   int end_line)
{
    ast_enum_value *v = arena_alloc(ctx->arena, sizeof *v);
    if (!v)
        return NULL;
    v->name = name;
    v->loc = loc;
    if (value) {
        v->has_value = true;
        v->value = *value;
    }
    doc_for(ctx, &v->doc, loc, end_line);
    return v;
}

ast_msg_item *ast_message(tc_parse_ctx *ctx, ast_int id, const char *name, const ast_ref *payload, tc_loc name_loc,
                          int end_line)
{
    ast_msg_item *m = arena_alloc(ctx->arena, sizeof *m);
    if (!m)
        return NULL;
    m->id = id;
    m->name = name;
    m->loc = id.loc;
    m->name_loc = name_loc;
    if (payload) {
        m->has_payload = true;
        m->payload = *payload;
    }
    doc_for(ctx, &m->doc, id.loc, end_line);
    return m;
}

ast_msg_item *ast_reserved_range(tc_parse_ctx *ctx, ast_int lo, ast_int hi)
{
    ast_msg_item *m = arena_alloc(ctx->arena, sizeof *m);
    if (!m)
        return NULL;
    m->is_reserved = true;
    m->lo = lo;
    m->hi = hi;
    m->loc = lo.loc;
    return m;
}

ast_ref ast_ref_new(const char *qual, const char *name, tc_loc loc)
{
    ast_ref r = {qual, name, loc};
    return r;
}

ast_int ast_int_neg(ast_int v, tc_loc minus)
{
    v.neg = v.mag != 0;
    v.loc = minus;
    return v;
}

ast_type ast_type_new(ast_ref base, const ast_count *len, tc_loc loc)
{
    ast_type t;
    memset(&t, 0, sizeof t);
    t.base = base;
    t.loc = loc;
    if (len) {
        t.is_array = true;
        t.len = *len;
    }
    return t;
}

ast_count ast_count_lit(ast_int v)
{
    ast_count c;
    memset(&c, 0, sizeof c);
    c.lit = v;
    c.loc = v.loc;
    return c;
}

ast_count ast_count_ref(ast_ref r)
{
    ast_count c;
    memset(&c, 0, sizeof c);
    c.is_ref = true;
    c.ref = r;
    c.loc = r.loc;
    return c;
}

ast_value ast_value_int(ast_int v)
{
    ast_value x;
    memset(&x, 0, sizeof x);
    x.kind = AV_INT;
    x.i = v;
    x.loc = v.loc;
    return x;
}

ast_value ast_value_float(double f, bool neg, tc_loc loc)
{
    ast_value x;
    memset(&x, 0, sizeof x);
    x.kind = AV_FLOAT;
    x.f = neg ? -f : f;
    x.loc = loc;
    return x;
}

ast_value ast_value_bool(bool b, tc_loc loc)
{
    ast_value x;
    memset(&x, 0, sizeof x);
    x.kind = AV_BOOL;
    x.b = b;
    x.loc = loc;
    return x;
}

ast_value ast_value_string(const char *s, tc_loc loc)
{
    ast_value x;
    memset(&x, 0, sizeof x);
    x.kind = AV_STRING;
    x.s = s;
    x.loc = loc;
    return x;
}
