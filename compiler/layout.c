/* layout.c - field types, offsets and sizes of one struct: packed, little
 * endian, every byte covered by a field or by pad; explicit offsets and sizes
 * are checked, never obeyed silently. */
#include "layout.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "buf.h"
#include "scope.h"

#define STRUCT_SIZE_MAX UINT32_MAX

static bool prim_lookup(const char *name, tc_prim *out)
{
    static const char *const names[] = {"u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64", "f32", "f64", "bool"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i]) == 0) {
            *out = (tc_prim)i;
            return true;
        }
    }
    return false;
}

/* The "A -> B -> A" chain of structs that contain each other. */
static void report_recursion(sema *s, const sema_sym *target, tc_loc at)
{
    tc_buf chain = {0};
    size_t i = 0;
    while (i < s->nbusy && s->busy[i] != target)
        i++;
    for (; i < s->nbusy; i++)
        buf_printf(&chain, "%s -> ", s->busy[i]->decl->name);
    buf_puts(&chain, target->decl->name);
    diag_error(s->diag, at, "struct '%s' contains itself (%s)", target->decl->name, chain.data ? chain.data : "");
    buf_free(&chain);
}

/* Resolves the element part of a field type (no array): a primitive, an enum,
 * flags or a struct (laid out first). Returns -1 after reporting. */
static int resolve_base(sema *s, sema_schema *in, const ast_ref *ref, tc_type *t)
{
    if (!ref->qual && prim_lookup(ref->name, &t->prim)) {
        t->kind = TC_T_PRIM;
        t->size = prim_size(t->prim);
        t->align = (uint32_t)t->size;
        return 0;
    }
    sema_sym *sym = sema_lookup(s, in, ref, "type");
    if (!sym)
        return -1;
    switch (sym->kind) {
    case SYM_CONST:
        diag_error(s->diag, ref->loc, "'%s' is a constant, not a type", ref->name);
        return -1;
    case SYM_ENUM:
        if (!sym->en || !sym->en->values)
            return -1; /* the enum was in error */
        t->kind = sym->en->is_flags ? TC_T_FLAGS : TC_T_ENUM;
        t->en = sym->en;
        t->prim = sym->en->underlying;
        t->size = prim_size(t->prim);
        t->align = (uint32_t)t->size;
        return 0;
    case SYM_STRUCT:
        if (sym->state == ST_BUSY) {
            report_recursion(s, sym, ref->loc);
            return -1;
        }
        if (sym->state == ST_TODO)
            layout_struct(s, sym);
        if (sym->state != ST_DONE)
            return -1;
        t->kind = TC_T_STRUCT;
        t->st = sym->st;
        t->size = sym->st->size;
        t->align = sym->st->align;
        return 0;
    }
    return -1;
}

/* Resolves a field's full type into *t (elem storage from the arena). */
static int resolve_type(sema *s, sema_schema *in, const ast_type *at, tc_type *t)
{
    const char *base = at->base.qual ? NULL : at->base.name;
    bool is_char = base && strcmp(base, "char") == 0;
    bool is_pad = base && strcmp(base, "pad") == 0;
    if ((is_char || is_pad) && !at->is_array) {
        diag_error(s->diag, at->loc, "'%s' needs a length: %s[N]", base, base);
        return -1;
    }
    if (base && strcmp(base, "string") == 0) {
        diag_error(s->diag, at->loc, "a field cannot be a string; use char[N]");
        return -1;
    }
    uint64_t count = 0;
    if (at->is_array && sema_count(s, in, &at->len, "an array length", &count))
        return -1;
    if (is_char || is_pad) {
        t->kind = is_char ? TC_T_CHARS : TC_T_PAD;
        t->prim = is_char ? TC_CHAR : TC_U8;
        t->count = count;
        t->size = count;
        t->align = 1;
    } else if (!at->is_array) {
        return resolve_base(s, in, &at->base, t);
    } else {
        tc_type *elem = arena_alloc(s->arena, sizeof *elem);
        if (!elem || resolve_base(s, in, &at->base, elem))
            return -1;
        t->kind = TC_T_ARRAY;
        t->elem = elem;
        t->prim = elem->prim;
        t->st = elem->st;
        t->en = elem->en;
        t->count = count;
        t->align = elem->align;
        if (elem->size != 0 && count > STRUCT_SIZE_MAX / elem->size) {
            diag_error(s->diag, at->loc, "array of %llu x %llu bytes is larger than the %llu-byte limit of a struct",
                       (unsigned long long)count, (unsigned long long)elem->size, (unsigned long long)STRUCT_SIZE_MAX);
            return -1;
        }
        t->size = count * elem->size;
    }
    if (t->size > STRUCT_SIZE_MAX) {
        diag_error(s->diag, at->loc, "a field of %llu bytes is larger than the %llu-byte limit of a struct",
                   (unsigned long long)t->size, (unsigned long long)STRUCT_SIZE_MAX);
        return -1;
    }
    return 0;
}

static int push_busy(sema *s, sema_sym *sym)
{
    if (s->nbusy == s->busy_cap) {
        size_t cap = s->busy_cap ? s->busy_cap * 2 : 16;
        sema_sym **b = realloc(s->busy, cap * sizeof *b);
        if (!b)
            return -1;
        s->busy = b;
        s->busy_cap = cap;
    }
    s->busy[s->nbusy++] = sym;
    return 0;
}

void layout_struct(sema *s, sema_sym *sym)
{
    const ast_decl *d = sym->decl;
    sema_schema *in = sym->owner;
    tc_struct *st = sym->st;
    st->name = d->name;
    st->doc = d->doc;
    st->loc = d->name_loc;
    st->schema = in->model;
    sym->state = ST_BUSY;
    if (push_busy(s, sym)) {
        sym->state = ST_FAILED;
        return;
    }
    bool ok = true;
    st->fields = arena_alloc(s->arena, (d->items.n ? d->items.n : 1) * sizeof *st->fields);
    if (!st->fields)
        ok = false;
    tc_map names;
    map_init(&names, s->arena);
    uint64_t end = 0;          /* where the previous field ended */
    bool end_known = true;     /* false after a field whose size is unknown */
    const tc_field *prev = NULL;
    uint32_t align = 1;
    for (ast_link *l = d->items.head; l && st->fields; l = l->next) {
        const ast_field *af = (const ast_field *)l;
        tc_field *f = &st->fields[st->nfields];
        f->name = af->name;
        f->doc = af->doc;
        f->loc = af->loc;
        bool is_pad_name = strcmp(af->name, "_") == 0;
        if (!is_pad_name) {
            const tc_field *old = map_get(&names, af->name);
            if (old) {
                diag_error(s->diag, af->loc, "duplicate field '%s' in struct '%s' (first at line %d)", af->name,
                           d->name, old->loc.line);
                ok = false;
            }
        }
        if (resolve_type(s, in, &af->type, &f->type)) {
            ok = false;
            end_known = false;
            continue;
        }
        bool is_pad_type = f->type.kind == TC_T_PAD;
        if (is_pad_type && !is_pad_name) {
            diag_error(s->diag, af->loc, "padding field '%s' must be named '_'", af->name);
            ok = false;
        } else if (!is_pad_type && is_pad_name) {
            diag_error(s->diag, af->loc, "field '_' is padding: its type must be pad[N]");
            ok = false;
        }
        f->size = f->type.size;
        if (af->has_offset) {
            uint64_t at = af->offset.mag;
            if (end_known && at < end) {
                if (prev)
                    diag_error(s->diag, af->offset.loc,
                               "field '%s' at offset %llu overlaps field '%s' (offsets %llu..%llu)", af->name,
                               (unsigned long long)at, prev->name, (unsigned long long)prev->offset,
                               (unsigned long long)(end - 1));
                ok = false;
            } else if (end_known && at > end) {
                diag_error(s->diag, af->offset.loc,
                           "gap of %llu byte%s before field '%s' (offsets %llu..%llu); add `_ @%llu : pad[%llu];`",
                           (unsigned long long)(at - end), at - end == 1 ? "" : "s", af->name,
                           (unsigned long long)end, (unsigned long long)(at - 1), (unsigned long long)end,
                           (unsigned long long)(at - end));
                ok = false;
            }
            f->offset = at;
            end = at;
            end_known = true;
        } else {
            f->offset = end;
        }
        if (end_known && end + f->size > STRUCT_SIZE_MAX) {
            diag_error(s->diag, af->loc, "struct '%s' is larger than the %llu-byte limit at field '%s'", d->name,
                       (unsigned long long)STRUCT_SIZE_MAX, af->name);
            ok = false;
            end_known = false;
            continue;
        }
        end += f->size;
        if (f->type.align > align)
            align = f->type.align;
        if (!is_pad_name)
            map_put(&names, af->name, f);
        prev = f;
        st->nfields++;
    }
    if (d->items.n == 0) {
        diag_error(s->diag, d->name_loc, "struct '%s' has no fields", d->name);
        ok = false;
    }
    if (d->has_size) {
        uint64_t declared = 0;
        if (sema_count(s, in, &d->size, "a struct size", &declared)) {
            ok = false;
        } else if (ok && end_known && declared != end) {
            if (declared > end)
                diag_error(s->diag, d->size.loc,
                           "struct '%s' declares size %llu but its fields end at %llu; add `_ @%llu : pad[%llu];`",
                           d->name, (unsigned long long)declared, (unsigned long long)end, (unsigned long long)end,
                           (unsigned long long)(declared - end));
            else
                diag_error(s->diag, d->size.loc, "struct '%s' declares size %llu but its fields take %llu bytes",
                           d->name, (unsigned long long)declared, (unsigned long long)end);
            ok = false;
        }
    }
    s->nbusy--;
    st->size = end;
    st->align = align;
    if (!ok || !end_known) {
        sym->state = ST_FAILED;
        return;
    }
    st->fingerprint = abi_struct_fingerprint(st);
    sym->state = ST_DONE;
}
