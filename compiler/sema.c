/* sema.c - the front end's driver (tachc_compile_*): loads files and imports, declares names, checks constants, enums and
 * messages, orders schemas, and drives layout.c and the fingerprints. */
#include "tachc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "layout.h"
#include "names.h"
#include "scope.h"

static tc_loc no_loc(void)
{
    tc_loc l = {NULL, 0, 0};
    return l;
}

/* ---- loading ---------------------------------------------------------------- */

/* Reads a whole file into the arena (NUL-terminated); returns NULL and sets errno. */
static char *read_file(tc_arena *a, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int err = ferror(f) ? errno : 0;
    fclose(f);
    if (!buf || err) {
        free(buf);
        errno = err ? err : ENOMEM;
        return NULL;
    }
    char *text = arena_strndup(a, buf, n);
    free(buf);
    *len = n;
    if (!text)
        errno = ENOMEM;
    return text;
}

/* The path of `rel` as seen from the file `from`: "schemas/x.tach" + "c.tach"
 * -> "schemas/c.tach". Absolute paths stay as they are. */
static const char *path_join(tc_arena *a, const char *from, const char *rel)
{
    if (rel[0] == '/')
        return arena_strdup(a, rel);
    const char *slash = strrchr(from, '/');
    if (!slash)
        return arena_strdup(a, rel);
    return arena_printf(a, "%.*s/%s", (int)(slash - from), from, rel);
}

static int push(void ***arr, size_t *n, size_t *cap, void *item)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        void **na = realloc(*arr, nc * sizeof *na);
        if (!na)
            return -1;
        *arr = na;
        *cap = nc;
    }
    (*arr)[(*n)++] = item;
    return 0;
}

static sema_schema *load(sema *s, const char *path, tc_loc from, int *syntax_errors);

static void load_imports(sema *s, sema_schema *ss, int *syntax_errors)
{
    size_t nimp = 0;
    for (ast_link *l = ss->ast->decls.head; l; l = l->next)
        nimp += ((ast_decl *)l)->kind == D_IMPORT;
    ss->imports = arena_alloc(s->arena, (nimp ? nimp : 1) * sizeof *ss->imports);
    if (!ss->imports)
        return;
    for (ast_link *l = ss->ast->decls.head; l; l = l->next) {
        ast_decl *d = (ast_decl *)l;
        if (d->kind != D_IMPORT)
            continue;
        const char *child_path = path_join(s->arena, ss->path, d->name);
        if (!child_path)
            return;
        sema_schema *child = load(s, child_path, d->name_loc, syntax_errors);
        if (!child)
            continue;
        if (child->load == ST_BUSY) {
            tc_buf chain = {0};
            size_t i = 0;
            while (i < s->depth && s->stack[i] != child)
                i++;
            for (; i < s->depth; i++)
                buf_printf(&chain, "%s -> ", s->stack[i]->path);
            buf_puts(&chain, child->path);
            diag_error(s->diag, d->name_loc, "import cycle: %s", chain.data ? chain.data : "");
            buf_free(&chain);
            continue;
        }
        bool dup = false;
        for (size_t i = 0; i < ss->nimports; i++)
            dup |= ss->imports[i] == child;
        if (dup)
            diag_error(s->diag, d->name_loc, "'%s' is imported twice", d->name);
        else if (child == ss)
            diag_error(s->diag, d->name_loc, "a schema cannot import itself");
        else
            ss->imports[ss->nimports++] = child;
    }
}

/* The source held in memory under `path`, or NULL. */
static const tachc_source *find_source(const sema *s, const char *path)
{
    for (size_t i = 0; i < s->nsources; i++)
        if (strcmp(s->sources[i].path, path) == 0)
            return &s->sources[i];
    return NULL;
}

/* The identity of a file (its real path on disk; its path in memory), in the
 * arena; NULL after reporting that it does not exist. */
static const char *file_key(sema *s, const char *path, tc_loc from)
{
    if (s->sources) {
        if (find_source(s, path))
            return path;
        diag_error(s->diag, from.file ? from : no_loc(), "cannot open '%s': %s", path, strerror(ENOENT));
        return NULL;
    }
    char *real = realpath(path, NULL);
    if (!real) {
        diag_error(s->diag, from.file ? from : no_loc(), "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    char *key = arena_strdup(s->arena, real);
    free(real);
    return key;
}

static sema_schema *load(sema *s, const char *path, tc_loc from, int *syntax_errors)
{
    const char *key = file_key(s, path, from);
    if (!key)
        return NULL;
    sema_schema *ss = map_get(&s->files, key);
    if (ss)
        return ss;
    size_t len = 0;
    const char *text;
    if (s->sources) {
        const tachc_source *src = find_source(s, path);
        len = src->len;
        text = arena_strndup(s->arena, src->text, len);
        if (!text)
            return NULL;
    } else {
        text = read_file(s->arena, path, &len);
        if (!text) {
            diag_error(s->diag, from, "cannot read '%s': %s", path, strerror(errno));
            return NULL;
        }
    }
    diag_add_source(s->diag, path, text);
    int errs = 0;
    ast_file *ast = tc_parse(s->arena, s->diag, path, text, len, &errs);
    ss = arena_alloc(s->arena, sizeof *ss);
    if (!ast || !ss)
        return NULL;
    *syntax_errors += errs;
    ss->path = path;
    ss->ast = ast;
    ss->load = ST_BUSY;
    map_init(&ss->names, s->arena);
    map_put(&s->files, key, ss);
    if (push((void ***)&s->stack, &s->depth, &s->stack_cap, ss))
        return NULL;
    load_imports(s, ss, syntax_errors);
    s->depth--;
    ss->load = ST_DONE;
    if (push((void ***)&s->order, &s->n, &s->cap, ss))
        return NULL;
    return ss;
}

/* ---- names ------------------------------------------------------------------ */

static const char *const builtin_names[] = {"u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64",
                                            "f32", "f64", "bool", "char", "pad", "string"};

static bool is_builtin(const char *name)
{
    for (size_t i = 0; i < sizeof builtin_names / sizeof builtin_names[0]; i++)
        if (strcmp(name, builtin_names[i]) == 0)
            return true;
    return false;
}

static void declare(sema *s, sema_schema *ss)
{
    for (ast_link *l = ss->ast->decls.head; l; l = l->next) {
        const ast_decl *d = (const ast_decl *)l;
        sema_sym_kind kind;
        switch (d->kind) {
        case D_CONST: kind = SYM_CONST; break;
        case D_ENUM: case D_FLAGS: kind = SYM_ENUM; break;
        case D_STRUCT: kind = SYM_STRUCT; break;
        default: continue;
        }
        if (is_builtin(d->name)) {
            diag_error(s->diag, d->name_loc, "'%s' is a built-in type name", d->name);
            continue;
        }
        sema_sym *sym = arena_alloc(s->arena, sizeof *sym);
        if (!sym)
            return;
        sym->kind = kind;
        sym->decl = d;
        sym->owner = ss;
        sema_sym *old = map_put(&ss->names, d->name, sym);
        if (old)
            diag_error(s->diag, d->name_loc, "'%s' is already declared at %s:%d", d->name, old->decl->name_loc.file,
                       old->decl->name_loc.line);
    }
}

/* ---- constants -------------------------------------------------------------- */

static bool prim_by_name(const char *name, tc_prim *out)
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

static bool prim_is_int(tc_prim p) { return p <= TC_I64; }

/* Whether the written integer fits an integer primitive. */
static bool int_fits(const ast_int *v, tc_prim p)
{
    unsigned bits = prim_size(p) * 8;
    if (prim_is_signed(p)) {
        uint64_t lim = (uint64_t)1 << (bits - 1);
        return v->neg ? v->mag <= lim : v->mag < lim;
    }
    if (v->neg)
        return false;
    return bits == 64 || v->mag < ((uint64_t)1 << bits);
}

static int64_t int_value(const ast_int *v)
{
    return v->neg ? (int64_t)(0 - v->mag) : (int64_t)v->mag;
}

static const char *int_text(tc_arena *a, const ast_int *v)
{
    return arena_printf(a, "%s%llu", v->neg ? "-" : "", (unsigned long long)v->mag);
}

static void check_const(sema *s, sema_schema *ss, sema_sym *sym, tc_const *k)
{
    const ast_decl *d = sym->decl;
    const ast_value *v = &d->value;
    tc_prim p;
    if (d->type.qual || (!prim_by_name(d->type.name, &p) && strcmp(d->type.name, "string") != 0)) {
        diag_error(s->diag, d->type.loc, "a constant's type is an integer, float, bool or string type, not '%s'",
                   d->type.name);
        return;
    }
    const char *tn = d->type.name;
    if (strcmp(tn, "string") == 0) {
        if (v->kind != AV_STRING) {
            diag_error(s->diag, v->loc, "constant '%s' of type string needs a string value", d->name);
            return;
        }
        k->kind = TC_C_STRING;
        k->type = TC_CHAR;
        k->s = v->s;
    } else if (p == TC_BOOL) {
        if (v->kind != AV_BOOL) {
            diag_error(s->diag, v->loc, "constant '%s' of type bool needs true or false", d->name);
            return;
        }
        k->kind = TC_C_BOOL;
        k->u = v->b;
    } else if (prim_is_float(p)) {
        if (v->kind == AV_INT)
            k->f = v->i.neg ? -(double)v->i.mag : (double)v->i.mag;
        else if (v->kind == AV_FLOAT)
            k->f = v->f;
        else {
            diag_error(s->diag, v->loc, "constant '%s' of type %s needs a number", d->name, tn);
            return;
        }
        k->kind = TC_C_FLOAT;
    } else {
        if (v->kind != AV_INT) {
            diag_error(s->diag, v->loc, "constant '%s' of type %s needs an integer", d->name, tn);
            return;
        }
        if (!int_fits(&v->i, p)) {
            diag_error(s->diag, v->loc, "value %s does not fit in %s", int_text(s->arena, &v->i), tn);
            return;
        }
        if (prim_is_signed(p)) {
            k->kind = TC_C_INT;
            k->i = int_value(&v->i);
        } else {
            k->kind = TC_C_UINT;
            k->u = v->i.mag;
        }
    }
    if (k->kind != TC_C_STRING)
        k->type = p;
    k->doc = d->doc;
    k->loc = d->name_loc;
    k->name = d->name; /* set last: a named const is a valid one */
    (void)ss;
}

/* ---- enums and flags -------------------------------------------------------- */

static void check_enum(sema *s, sema_sym *sym, tc_enum *e)
{
    const ast_decl *d = sym->decl;
    bool is_flags = d->kind == D_FLAGS;
    const char *what = is_flags ? "flags" : "enum";
    e->name = d->name;
    e->doc = d->doc;
    e->loc = d->name_loc;
    e->schema = sym->owner->model;
    e->is_flags = is_flags;
    tc_prim p = TC_U8;
    if (d->type.qual || !prim_by_name(d->type.name, &p) || !prim_is_int(p)) {
        diag_error(s->diag, d->type.loc, "the underlying type of %s '%s' must be an integer type, not '%s'", what,
                   d->name, d->type.name);
        return;
    }
    if (is_flags && prim_is_signed(p)) {
        diag_error(s->diag, d->type.loc, "the underlying type of flags '%s' must be unsigned, not '%s'", d->name,
                   d->type.name);
        return;
    }
    e->underlying = p;
    if (d->items.n == 0) {
        diag_error(s->diag, d->name_loc, "%s '%s' has no values", what, d->name);
        return;
    }
    e->values = arena_alloc(s->arena, d->items.n * sizeof *e->values);
    if (!e->values)
        return;
    tc_map names, values;
    map_init(&names, s->arena);
    map_init(&values, s->arena);
    ast_int next = {0, false, d->name_loc};
    unsigned bits = prim_size(p) * 8;
    uint64_t mask = bits == 64 ? ~(uint64_t)0 : ((uint64_t)1 << bits) - 1;
    for (ast_link *l = d->items.head; l; l = l->next) {
        const ast_enum_value *v = (const ast_enum_value *)l;
        ast_int val = next;
        if (v->has_value) {
            val = v->value;
        } else if (is_flags) {
            diag_error(s->diag, v->loc, "flag '%s' needs a value (a bit mask such as 0x%llx)", v->name,
                       (unsigned long long)(e->nvalues < 64 ? (uint64_t)1 << e->nvalues : 1));
            continue;
        }
        tc_loc vloc = v->has_value ? v->value.loc : v->loc;
        if (!int_fits(&val, p)) {
            if (is_flags)
                diag_error(s->diag, vloc, "flag value %s of '%s' does not fit in %s", int_text(s->arena, &val),
                           v->name, prim_name(p));
            else
                diag_error(s->diag, vloc, "value %s of '%s' is out of range for %s", int_text(s->arena, &val),
                           v->name, prim_name(p));
            continue;
        }
        /* the next implicit value */
        next = val;
        if (next.neg) {
            next.mag--;
            next.neg = next.mag != 0;
        } else {
            next.mag++;
        }
        const tc_enum_value *old = map_get(&names, v->name);
        if (old) {
            diag_error(s->diag, v->loc, "duplicate %s value name '%s' (first at line %d)", what, v->name,
                       old->loc.line);
            continue;
        }
        tc_enum_value *ev = &e->values[e->nvalues];
        ev->name = v->name;
        ev->doc = v->doc;
        ev->loc = v->loc;
        ev->value = int_value(&val);
        ev->bits = (uint64_t)ev->value & mask;
        const char *key = arena_printf(s->arena, "%llu", (unsigned long long)ev->bits);
        if (!key)
            return;
        old = map_put(&values, key, ev);
        if (old) {
            diag_error(s->diag, vloc, "'%s' has the same value as '%s' (%s)", v->name, old->name,
                       int_text(s->arena, &val));
            continue;
        }
        map_put(&names, v->name, ev);
        e->nvalues++;
    }
}

/* ---- messages --------------------------------------------------------------- */

static int cmp_message(const void *a, const void *b)
{
    const tc_message *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

static bool id_fits(sema *s, const ast_int *v)
{
    if (v->neg || v->mag > UINT32_MAX) {
        diag_error(s->diag, v->loc, "type id %s does not fit in 32 bits", int_text(s->arena, v));
        return false;
    }
    return true;
}

static void check_messages(sema *s, sema_schema *ss, const ast_decl *block)
{
    tc_schema *m = ss->model;
    size_t nmsg = 0, nres = 0;
    for (ast_link *l = block->items.head; l; l = l->next)
        ((ast_msg_item *)l)->is_reserved ? nres++ : nmsg++;
    m->messages = arena_alloc(s->arena, (nmsg ? nmsg : 1) * sizeof *m->messages);
    m->reserved = arena_alloc(s->arena, (nres ? nres : 1) * sizeof *m->reserved);
    if (!m->messages || !m->reserved)
        return;
    /* reserved ranges first: a message id inside one is an error */
    for (ast_link *l = block->items.head; l; l = l->next) {
        const ast_msg_item *it = (const ast_msg_item *)l;
        if (!it->is_reserved)
            continue;
        if (!id_fits(s, &it->lo) || !id_fits(s, &it->hi))
            continue;
        if (it->hi.mag < it->lo.mag) {
            diag_error(s->diag, it->hi.loc, "reserved range %llu..%llu is empty (the end is below the start)",
                       (unsigned long long)it->lo.mag, (unsigned long long)it->hi.mag);
            continue;
        }
        bool clash = false;
        for (size_t i = 0; i < m->nreserved && !clash; i++) {
            const tc_reserved *r = &m->reserved[i];
            if (it->lo.mag <= r->hi && it->hi.mag >= r->lo) {
                diag_error(s->diag, it->lo.loc, "reserved range %llu..%llu overlaps %u..%u (line %d)",
                           (unsigned long long)it->lo.mag, (unsigned long long)it->hi.mag, r->lo, r->hi, r->loc.line);
                clash = true;
            }
        }
        if (clash)
            continue;
        tc_reserved *r = &m->reserved[m->nreserved++];
        r->lo = (uint32_t)it->lo.mag;
        r->hi = (uint32_t)it->hi.mag;
        r->loc = it->lo.loc;
    }
    tc_map names, ids;
    map_init(&names, s->arena);
    map_init(&ids, s->arena);
    for (ast_link *l = block->items.head; l; l = l->next) {
        const ast_msg_item *it = (const ast_msg_item *)l;
        if (it->is_reserved || !id_fits(s, &it->id))
            continue;
        uint32_t id = (uint32_t)it->id.mag;
        bool bad = false;
        for (size_t i = 0; i < m->nreserved; i++) {
            if (id >= m->reserved[i].lo && id <= m->reserved[i].hi) {
                diag_error(s->diag, it->loc, "type id %u of '%s' is reserved (line %d)", id, it->name,
                           m->reserved[i].loc.line);
                bad = true;
                break;
            }
        }
        const tc_message *old = map_get(&names, it->name);
        if (old) {
            diag_error(s->diag, it->name_loc, "duplicate message name '%s' (first at line %d)", it->name, old->loc.line);
            bad = true;
        }
        const char *key = arena_printf(s->arena, "%u", id);
        if (!key)
            return;
        old = map_get(&ids, key);
        if (old) {
            diag_error(s->diag, it->loc, "duplicate type id %u: '%s' and '%s' (line %d)", id, it->name, old->name,
                       old->loc.line);
            bad = true;
        }
        const tc_struct *payload = NULL;
        if (it->has_payload) {
            sema_sym *sym = sema_lookup(s, ss, &it->payload, "type");
            if (!sym) {
                bad = true;
            } else if (sym->kind != SYM_STRUCT) {
                diag_error(s->diag, it->payload.loc, "the payload of '%s' must be a struct; '%s' is %s", it->name,
                           it->payload.name, sema_sym_kind_name(sym->kind));
                bad = true;
            } else if (sym->state != ST_DONE) {
                bad = true; /* its error was reported with the struct */
            } else {
                payload = sym->st;
            }
        }
        if (bad)
            continue;
        tc_message *msg = &m->messages[m->nmessages++];
        msg->id = id;
        msg->name = it->name;
        msg->doc = it->doc;
        msg->loc = it->loc;
        msg->payload = payload;
        map_put(&names, it->name, msg);
        map_put(&ids, key, msg);
    }
    qsort(m->messages, m->nmessages, sizeof *m->messages, cmp_message);
}

/* ---- services ----------------------------------------------------------------- */

static int cmp_method(const void *a, const void *b)
{
    const tc_method *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* A method's request or reply: a struct of any schema in scope, or empty. */
static bool method_type(sema *s, sema_schema *ss, const ast_method *it, bool has, const ast_ref *ref, const char *what,
                        const tc_struct **out)
{
    *out = NULL;
    if (!has)
        return true;
    sema_sym *sym = sema_lookup(s, ss, ref, "type");
    if (!sym)
        return false;
    if (sym->kind != SYM_STRUCT) {
        diag_error(s->diag, ref->loc, "the %s of method '%s' must be a struct or (); '%s' is %s", what, it->name,
                   ref->name, sema_sym_kind_name(sym->kind));
        return false;
    }
    if (sym->state != ST_DONE)
        return false; /* its error was reported with the struct */
    *out = sym->st;
    return true;
}

static void check_service(sema *s, sema_schema *ss, const ast_decl *d, tc_service *svc)
{
    size_t n = 0;
    for (ast_link *l = d->items.head; l; l = l->next)
        n++;
    svc->name = d->name;
    svc->doc = d->doc;
    svc->loc = d->name_loc;
    svc->methods = arena_alloc(s->arena, (n ? n : 1) * sizeof *svc->methods);
    if (!svc->methods)
        return;
    tc_map names, ids;
    map_init(&names, s->arena);
    map_init(&ids, s->arena);
    for (ast_link *l = d->items.head; l; l = l->next) {
        const ast_method *it = (const ast_method *)l;
        bool bad = false;
        if (it->id.mag > UINT32_MAX) {
            diag_error(s->diag, it->id.loc, "method id %llu does not fit in 32 bits",
                       (unsigned long long)it->id.mag);
            bad = true;
        }
        uint32_t id = (uint32_t)it->id.mag;
        const ast_method *old = map_get(&names, it->name);
        if (old) {
            diag_error(s->diag, it->loc, "duplicate method name '%s' in service '%s' (first at line %d)", it->name,
                       d->name, old->loc.line);
            bad = true;
        } else {
            map_put(&names, it->name, (void *)it);
        }
        const char *key = arena_printf(s->arena, "%u", id);
        if (!key)
            return;
        old = bad ? NULL : map_get(&ids, key);
        if (old) {
            diag_error(s->diag, it->id.loc, "duplicate method id %u in service '%s': '%s' and '%s' (line %d)", id,
                       d->name, it->name, old->name, old->loc.line);
            bad = true;
        } else if (!bad) {
            map_put(&ids, key, (void *)it);
        }
        const tc_struct *req = NULL, *rep = NULL;
        if (!method_type(s, ss, it, it->has_request, &it->request, "request", &req))
            bad = true;
        if (!method_type(s, ss, it, it->has_reply, &it->reply, "reply", &rep))
            bad = true;
        if (bad)
            continue;
        tc_method *m = &svc->methods[svc->nmethods++];
        m->id = id;
        m->name = it->name;
        m->doc = it->doc;
        m->loc = it->loc;
        m->request = req;
        m->reply = rep;
    }
    qsort(svc->methods, svc->nmethods, sizeof *svc->methods, cmp_method);
}

static void check_services(sema *s, sema_schema *ss)
{
    tc_schema *m = ss->model;
    size_t n = 0;
    for (ast_link *l = ss->ast->decls.head; l; l = l->next)
        n += ((const ast_decl *)l)->kind == D_SERVICE;
    m->services = arena_alloc(s->arena, (n ? n : 1) * sizeof *m->services);
    if (!m->services)
        return;
    tc_map seen;
    map_init(&seen, s->arena);
    for (ast_link *l = ss->ast->decls.head; l; l = l->next) {
        const ast_decl *d = (const ast_decl *)l;
        if (d->kind != D_SERVICE)
            continue;
        const sema_sym *sym = map_get(&ss->names, d->name);
        const tc_service *old = map_get(&seen, d->name);
        if (sym) {
            diag_error(s->diag, d->name_loc, "service '%s' has the name of a type declared at %s:%d", d->name,
                       sym->decl->name_loc.file, sym->decl->name_loc.line);
            continue;
        }
        if (old) {
            diag_error(s->diag, d->name_loc, "duplicate service '%s' (first at line %d)", d->name, old->loc.line);
            continue;
        }
        tc_service *svc = &m->services[m->nservices++];
        check_service(s, ss, d, svc);
        map_put(&seen, d->name, svc);
    }
}

/* ---- one schema ------------------------------------------------------------- */

/* Gives a struct its slot in the model after the structs of the same schema it
 * contains, so that emitting in array order never refers forward (C needs a
 * size before its use); otherwise source order. A cycle is left to layout.c to
 * report. */
static void order_struct(sema_schema *ss, sema_sym *sym)
{
    if (sym->ordered)
        return;
    sym->ordered = true;
    for (ast_link *l = sym->decl->items.head; l; l = l->next) {
        const ast_ref *ref = &((const ast_field *)l)->type.base;
        if (ref->qual && strcmp(ref->qual, ss->ast->schema) != 0)
            continue;
        sema_sym *dep = map_get(&ss->names, ref->name);
        if (dep && dep->kind == SYM_STRUCT && dep->owner == ss)
            order_struct(ss, dep);
    }
    sym->st = &ss->model->structs[ss->model->nstructs++];
}

static void check_schema(sema *s, sema_schema *ss)
{
    tc_schema *m = ss->model;
    size_t nconst = 0, nenum = 0, nstruct = 0;
    for (ast_link *l = ss->ast->decls.head; l; l = l->next) {
        const ast_decl *d = (const ast_decl *)l;
        nconst += d->kind == D_CONST;
        nenum += d->kind == D_ENUM || d->kind == D_FLAGS;
        nstruct += d->kind == D_STRUCT;
    }
    m->consts = arena_alloc(s->arena, (nconst ? nconst : 1) * sizeof *m->consts);
    m->enums = arena_alloc(s->arena, (nenum ? nenum : 1) * sizeof *m->enums);
    m->structs = arena_alloc(s->arena, (nstruct ? nstruct : 1) * sizeof *m->structs);
    if (!m->consts || !m->enums || !m->structs)
        return;
    /* Give every declared symbol its model slot (in source order) first, so a
     * struct may use a struct declared after it. */
    for (ast_link *l = ss->ast->decls.head; l; l = l->next) {
        const ast_decl *d = (const ast_decl *)l;
        if (d->kind == D_IMPORT || d->kind == D_MESSAGES || d->kind == D_SERVICE)
            continue;
        sema_sym *sym = map_get(&ss->names, d->name);
        tc_const *kslot = d->kind == D_CONST ? &m->consts[m->nconsts++] : NULL;
        tc_enum *eslot = d->kind == D_ENUM || d->kind == D_FLAGS ? &m->enums[m->nenums++] : NULL;
        if (!sym || sym->decl != d)
            continue; /* a duplicate: reported by declare() */
        sym->cnst = kslot;
        sym->en = eslot;
    }
    for (ast_link *l = ss->ast->decls.head; l; l = l->next) {
        const ast_decl *d = (const ast_decl *)l;
        sema_sym *sym = d->kind == D_STRUCT ? map_get(&ss->names, d->name) : NULL;
        if (sym && sym->decl == d)
            order_struct(ss, sym);
    }
    for (ast_link *l = ss->ast->decls.head; l; l = l->next) {
        const ast_decl *d = (const ast_decl *)l;
        sema_sym *sym = d->kind == D_CONST ? map_get(&ss->names, d->name) : NULL;
        if (sym && sym->decl == d)
            check_const(s, ss, sym, sym->cnst);
    }
    for (ast_link *l = ss->ast->decls.head; l; l = l->next) {
        const ast_decl *d = (const ast_decl *)l;
        sema_sym *sym = d->kind == D_ENUM || d->kind == D_FLAGS ? map_get(&ss->names, d->name) : NULL;
        if (sym && sym->decl == d)
            check_enum(s, sym, sym->en);
    }
    for (ast_link *l = ss->ast->decls.head; l; l = l->next) {
        const ast_decl *d = (const ast_decl *)l;
        sema_sym *sym = d->kind == D_STRUCT ? map_get(&ss->names, d->name) : NULL;
        if (sym && sym->decl == d && sym->state == ST_TODO)
            layout_struct(s, sym);
    }
    const ast_decl *block = NULL;
    for (ast_link *l = ss->ast->decls.head; l; l = l->next) {
        const ast_decl *d = (const ast_decl *)l;
        if (d->kind != D_MESSAGES)
            continue;
        if (block) {
            diag_error(s->diag, d->loc, "a schema has one messages block (the first is at line %d)", block->loc.line);
            continue;
        }
        block = d;
        check_messages(s, ss, d);
    }
    check_services(s, ss);
    if (!m->messages)
        m->messages = arena_alloc(s->arena, sizeof *m->messages);
    if (!m->reserved)
        m->reserved = arena_alloc(s->arena, sizeof *m->reserved);
}

/* ---- spellings ---------------------------------------------------------- */

/* One scope of names that generated code spells in snake_case, PascalCase,
 * camelCase or UPPER_CASE: two different names with one spelling would
 * collide in some language, so the later one is refused. */
typedef struct spell_scope {
    sema *s;
    tc_map seen; /* "s:snake" / "p:Pascal" -> the first name's index + 1 */
} spell_scope;

/* How a name's PascalCase spelling is used alone: not at all; as a type in
 * every target; as a Rust enum variant (enum values, messages). */
typedef enum spell_pascal { PASCAL_UNUSED, PASCAL_TYPE, PASCAL_VARIANT } spell_pascal;

static void spell_check(spell_scope *sc, spell_pascal pascal, const char *name, tc_loc loc, const char *what)
{
    static const char prefixes[2] = {'s', 'p'};
    char *forms[2] = {name_snake(name), name_pascal(name)};
    /* Self (Rust), None, True, False (Python) cannot name a type or variant */
    if (forms[1] && ((pascal == PASCAL_TYPE && names_is_any_keyword(forms[1])) ||
                     (pascal == PASCAL_VARIANT && names_is_keyword(TC_NAMES_RUST, forms[1])))) {
        diag_error(sc->s->diag, loc, "%s '%s' is spelled '%s' in generated code, a keyword; rename it", what, name,
                   forms[1]);
        free(forms[0]);
        free(forms[1]);
        return;
    }
    for (int k = 0; k < 2; k++) {
        if (!forms[k]) {
            sc->s->arena->oom = 1;
            continue;
        }
        size_t n = strlen(forms[k]);
        char *key = arena_alloc(sc->s->arena, n + 3);
        if (!key)
            continue;
        key[0] = prefixes[k];
        key[1] = ':';
        memcpy(key + 2, forms[k], n + 1);
        struct spell_seen {
            const char *name;
            tc_loc loc;
        } *first = map_get(&sc->seen, key);
        if (first) {
            if (strcmp(first->name, name) != 0) {
                diag_error(sc->s->diag, loc, "%s '%s' and '%s' (line %d) are both spelled '%s' in generated code; rename one",
                           what, name, first->name, first->loc.line, forms[k]);
                break;
            }
            continue;
        }
        first = arena_alloc(sc->s->arena, sizeof *first);
        if (first) {
            first->name = name;
            first->loc = loc;
            map_put(&sc->seen, key, first);
        }
    }
    free(forms[0]);
    free(forms[1]);
}

static void spell_scope_init(spell_scope *sc, sema *s)
{
    memset(sc, 0, sizeof *sc);
    sc->s = s;
    map_init(&sc->seen, s->arena);
}

/* Names every target language must tell apart: a schema's types and
 * constants, each struct's fields, each enum's values, its messages. */
static void check_spellings(sema *s, const tc_schema *m)
{
    spell_scope top, msgs;
    spell_scope_init(&top, s);
    spell_scope_init(&msgs, s);
    for (size_t i = 0; i < m->nconsts; i++)
        if (m->consts[i].name)
            spell_check(&top, PASCAL_UNUSED, m->consts[i].name, m->consts[i].loc, "constant");
    for (size_t i = 0; i < m->nenums; i++)
        if (m->enums[i].name)
            spell_check(&top, PASCAL_TYPE, m->enums[i].name, m->enums[i].loc, m->enums[i].is_flags ? "flags" : "enum");
    for (size_t i = 0; i < m->nstructs; i++)
        if (m->structs[i].name)
            spell_check(&top, PASCAL_TYPE, m->structs[i].name, m->structs[i].loc, "struct");
    for (size_t i = 0; i < m->nmessages; i++)
        spell_check(&msgs, PASCAL_VARIANT, m->messages[i].name, m->messages[i].loc, "message");
    for (size_t i = 0; i < m->nenums; i++) {
        spell_scope vals;
        spell_scope_init(&vals, s);
        for (size_t j = 0; j < m->enums[i].nvalues; j++)
            spell_check(&vals, m->enums[i].is_flags ? PASCAL_UNUSED : PASCAL_VARIANT, m->enums[i].values[j].name, m->enums[i].values[j].loc, "value");
    }
    for (size_t i = 0; i < m->nstructs; i++) {
        spell_scope fields;
        spell_scope_init(&fields, s);
        for (size_t j = 0; j < m->structs[i].nfields; j++)
            if (m->structs[i].fields[j].type.kind != TC_T_PAD)
                spell_check(&fields, PASCAL_UNUSED, m->structs[i].fields[j].name, m->structs[i].fields[j].loc, "field");
    }
}

/* Schema names become module, package and namespace names in every target:
 * none may be a keyword of one, or a module the generated code imports or a
 * name it relies on (Go's predeclared identifiers, Python's and Rust's
 * standard modules). */
static void check_schema_name(sema *s, const sema_schema *ss)
{
    static const char *const reserved[] = {
        /* Rust paths and crates */ "core", "std", "alloc", "fmt",
        /* Python modules the generated code imports, and builtins it uses */ "annotations", "collections",
        "enum", "struct", "typing", "numpy", "builtins", "sys",
        /* Go packages the generated code imports, and predeclared identifiers */ "binary", "math", "strconv",
        "encoding", "any", "append", "bool", "byte", "cap", "clear", "close", "comparable", "complex",
        "complex64", "complex128", "copy", "delete", "error", "float32", "float64", "imag", "int", "int8",
        "int16", "int32", "int64", "iota", "len", "make", "max", "min", "new", "nil", "panic", "print",
        "println", "real", "recover", "rune", "string", "uint", "uint8", "uint16", "uint32", "uint64",
        "uintptr",
        /* the bindings */ "tachyon", NULL};
    const char *name = ss->ast->schema;
    bool bad = names_is_any_keyword(name);
    for (size_t i = 0; !bad && reserved[i]; i++)
        bad = strcmp(name, reserved[i]) == 0;
    if (bad)
        diag_error(s->diag, ss->ast->schema_loc,
                   "schema name '%s' is reserved: it names a module or package in every generated language "
                   "(see README, Names in generated code)",
                   name);
}

/* Compiles the roots `paths` (read from s->sources, or from disk when NULL). */
static tc_program *compile(sema *sp, const char *const *paths, size_t npaths)
{
    sema s = *sp;
    tc_arena *a = s.arena;
    tc_diag *d = s.diag;
    map_init(&s.files, a);
    tc_program *prog = NULL;
    int syntax_errors = 0;
    sema_schema **roots = calloc(npaths ? npaths : 1, sizeof *roots);
    if (!roots)
        goto out;
    for (size_t i = 0; i < npaths; i++)
        roots[i] = load(&s, paths[i], no_loc(), &syntax_errors);
    if (d->errors || syntax_errors || a->oom)
        goto out;
    /* schema names are the namespaces of every generated language: unique */
    tc_map names;
    map_init(&names, a);
    for (size_t i = 0; i < s.n; i++) {
        sema_schema *ss = s.order[i];
        sema_schema *old = map_put(&names, ss->ast->schema, ss);
        if (old)
            diag_error(d, ss->ast->schema_loc, "duplicate schema name '%s' (also declared in %s:%d)", ss->ast->schema,
                       old->ast->schema_loc.file, old->ast->schema_loc.line);
    }
    prog = arena_alloc(a, sizeof *prog);
    if (!prog)
        goto out;
    prog->schemas = arena_alloc(a, (s.n ? s.n : 1) * sizeof *prog->schemas);
    if (!prog->schemas)
        goto out;
    for (size_t i = 0; i < s.n; i++) {
        sema_schema *ss = s.order[i];
        tc_schema *m = arena_alloc(a, sizeof *m);
        if (!m)
            goto out;
        m->name = ss->ast->schema;
        m->doc = ss->ast->doc;
        m->path = ss->path;
        m->loc = ss->ast->schema_loc;
        m->imports = arena_alloc(a, (ss->nimports ? ss->nimports : 1) * sizeof *m->imports);
        if (!m->imports)
            goto out;
        for (size_t j = 0; j < ss->nimports; j++)
            m->imports[j] = ss->imports[j]->model;
        m->nimports = ss->nimports;
        ss->model = m;
        prog->schemas[prog->nschemas++] = m;
        declare(&s, ss);
    }
    for (size_t i = 0; i < npaths; i++)
        if (roots[i])
            roots[i]->model->is_root = true;
    for (size_t i = 0; i < s.n; i++) {
        check_schema_name(&s, s.order[i]);
        check_schema(&s, s.order[i]);
        check_spellings(&s, s.order[i]->model);
    }
    if (d->errors || a->oom)
        goto out;
    for (size_t i = 0; i < s.n; i++)
        s.order[i]->model->fingerprint = abi_schema_fingerprint(s.order[i]->model);
out:
    if (a->oom)
        diag_error(d, no_loc(), "out of memory");
    free(roots);
    free(s.order);
    free(s.stack);
    free(s.busy);
    diag_flush(d);
    return d->errors ? NULL : prog;
}

tc_program *tachc_compile_files(tc_arena *a, tc_diag *d, const char *const *paths, size_t npaths)
{
    sema s;
    memset(&s, 0, sizeof s);
    s.arena = a;
    s.diag = d;
    return compile(&s, paths, npaths);
}

tc_program *tachc_compile_memory(tc_arena *a, tc_diag *d, const tachc_source *sources, size_t nsources,
                                 size_t nroots)
{
    sema s;
    memset(&s, 0, sizeof s);
    s.arena = a;
    s.diag = d;
    s.sources = sources;
    s.nsources = nsources;
    const char **paths = calloc(nroots ? nroots : 1, sizeof *paths);
    if (!paths) {
        diag_error(d, no_loc(), "out of memory");
        diag_flush(d);
        return NULL;
    }
    for (size_t i = 0; i < nroots && i < nsources; i++)
        paths[i] = sources[i].path;
    tc_program *prog = compile(&s, paths, nroots < nsources ? nroots : nsources);
    free(paths);
    return prog;
}
