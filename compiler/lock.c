/* lock.c - canonical ABI text, fingerprints, the lock file and the drift check.
 *
 * Lock file: one record per line, sorted (schemas by name; in each, messages by
 * id, reserved ranges, enums and structs by name, values by value, fields by
 * offset). A record may end with "# file:line": where the item was declared.
 * The check never compares those comments; it only quotes them, so moving a
 * declaration within a file does not count as drift. */
#include "lock.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = FNV_OFFSET;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= FNV_PRIME;
    }
    return h;
}

static const char *schema_of(const tc_schema *sc) { return sc ? sc->name : "?"; }

void lock_type_name(tc_buf *b, const tc_type *t)
{
    switch (t->kind) {
    case TC_T_PRIM:
        buf_puts(b, prim_name(t->prim));
        break;
    case TC_T_CHARS:
        buf_printf(b, "char[%" PRIu64 "]", t->count);
        break;
    case TC_T_PAD:
        buf_printf(b, "pad[%" PRIu64 "]", t->count);
        break;
    case TC_T_ARRAY:
        lock_type_name(b, t->elem);
        buf_printf(b, "[%" PRIu64 "]", t->count);
        break;
    case TC_T_STRUCT:
        buf_printf(b, "struct:%s.%s", schema_of(t->st->schema), t->st->name);
        break;
    case TC_T_ENUM:
    case TC_T_FLAGS:
        buf_printf(b, "%s:%s.%s:%s", t->kind == TC_T_FLAGS ? "flags" : "enum", schema_of(t->en->schema),
                   t->en->name, prim_name(t->en->underlying));
        break;
    }
}

static uint64_t enum_value_of(const tc_enum *e, const tc_enum_value *v)
{
    return prim_is_signed(e->underlying) ? (uint64_t)v->value : v->bits;
}

static void value_text(tc_buf *b, const tc_enum *e, const tc_enum_value *v)
{
    if (prim_is_signed(e->underlying))
        buf_printf(b, "%" PRId64, v->value);
    else
        buf_printf(b, "%" PRIu64, v->bits);
}

static uint64_t enum_fingerprint(const tc_enum *e)
{
    tc_buf b = {0};
    buf_printf(&b, "%s %s.%s %s\n", e->is_flags ? "flags" : "enum", schema_of(e->schema), e->name,
               prim_name(e->underlying));
    for (size_t i = 0; i < e->nvalues; i++) {
        buf_printf(&b, "%s ", e->values[i].name);
        value_text(&b, e, &e->values[i]);
        buf_puts(&b, "\n");
    }
    uint64_t h = fnv1a(b.data ? b.data : "", b.len);
    buf_free(&b);
    (void)enum_value_of;
    return h;
}

uint64_t lock_struct_fingerprint(const tc_struct *st)
{
    tc_buf b = {0};
    buf_printf(&b, "struct %s.%s size %" PRIu64 " align %u\n", schema_of(st->schema), st->name, st->size, st->align);
    for (size_t i = 0; i < st->nfields; i++) {
        const tc_field *f = &st->fields[i];
        buf_printf(&b, "field %s offset %" PRIu64 " size %" PRIu64 " type ", f->name, f->offset, f->size);
        lock_type_name(&b, &f->type);
        const tc_type *base = f->type.kind == TC_T_ARRAY ? f->type.elem : &f->type;
        if (base->kind == TC_T_STRUCT)
            buf_printf(&b, " #%016" PRIx64, base->st->fingerprint);
        else if (base->kind == TC_T_ENUM || base->kind == TC_T_FLAGS)
            buf_printf(&b, " #%016" PRIx64, enum_fingerprint(base->en));
        buf_puts(&b, "\n");
    }
    uint64_t h = fnv1a(b.data ? b.data : "", b.len);
    buf_free(&b);
    return h;
}

uint64_t lock_schema_fingerprint(const tc_schema *sc)
{
    tc_buf b = {0};
    for (size_t i = 0; i < sc->nmessages; i++) {
        const tc_message *m = &sc->messages[i];
        if (m->payload)
            buf_printf(&b, "%u %s %016" PRIx64 "\n", m->id, m->name, m->payload->fingerprint);
        else
            buf_printf(&b, "%u %s -\n", m->id, m->name);
    }
    for (size_t i = 0; i < sc->nreserved; i++)
        buf_printf(&b, "reserved %u %u\n", sc->reserved[i].lo, sc->reserved[i].hi);
    uint64_t h = fnv1a(b.data ? b.data : "", b.len);
    buf_free(&b);
    return h ? h : 1;
}

/* ---- lock text -------------------------------------------------------------- */

static int cmp_schema(const void *a, const void *b)
{
    return strcmp((*(const tc_schema *const *)a)->name, (*(const tc_schema *const *)b)->name);
}

static int cmp_enum(const void *a, const void *b)
{
    return strcmp((*(const tc_enum *const *)a)->name, (*(const tc_enum *const *)b)->name);
}

static int cmp_struct(const void *a, const void *b)
{
    return strcmp((*(const tc_struct *const *)a)->name, (*(const tc_struct *const *)b)->name);
}

static const tc_enum *sort_enum_ctx;

static int cmp_value(const void *a, const void *b)
{
    const tc_enum_value *x = *(const tc_enum_value *const *)a, *y = *(const tc_enum_value *const *)b;
    if (prim_is_signed(sort_enum_ctx->underlying))
        return x->value < y->value ? -1 : x->value > y->value;
    return x->bits < y->bits ? -1 : x->bits > y->bits;
}

/* Ends a record with its "# file:line" comment. */
static void record_end(tc_buf *b, tc_loc loc)
{
    buf_printf(b, "  # %s:%d\n", loc.file ? loc.file : "?", loc.line);
}

static void write_schema(tc_buf *b, const tc_schema *sc)
{
    tc_loc at = {sc->path, 1, 1};
    buf_printf(b, "schema %s fingerprint 0x%016" PRIx64, sc->name, sc->fingerprint);
    record_end(b, at);
    for (size_t i = 0; i < sc->nmessages; i++) {
        const tc_message *m = &sc->messages[i];
        buf_printf(b, "message %s %u %s ", sc->name, m->id, m->name);
        if (m->payload)
            buf_printf(b, "%s.%s", schema_of(m->payload->schema), m->payload->name);
        else
            buf_puts(b, "-");
        record_end(b, m->loc);
    }
    for (size_t i = 0; i < sc->nreserved; i++) {
        buf_printf(b, "reserved %s %u..%u", sc->name, sc->reserved[i].lo, sc->reserved[i].hi);
        record_end(b, sc->reserved[i].loc);
    }
    const tc_enum **enums = malloc((sc->nenums + 1) * sizeof *enums);
    const tc_struct **structs = malloc((sc->nstructs + 1) * sizeof *structs);
    if (!enums || !structs) {
        b->oom = 1;
        free(enums);
        free(structs);
        return;
    }
    for (size_t i = 0; i < sc->nenums; i++)
        enums[i] = &sc->enums[i];
    qsort(enums, sc->nenums, sizeof *enums, cmp_enum);
    for (size_t i = 0; i < sc->nenums; i++) {
        const tc_enum *e = enums[i];
        buf_printf(b, "%s %s.%s %s", e->is_flags ? "flags" : "enum", sc->name, e->name, prim_name(e->underlying));
        record_end(b, e->loc);
        const tc_enum_value **vals = malloc((e->nvalues + 1) * sizeof *vals);
        if (!vals) {
            b->oom = 1;
            break;
        }
        for (size_t j = 0; j < e->nvalues; j++)
            vals[j] = &e->values[j];
        sort_enum_ctx = e;
        qsort(vals, e->nvalues, sizeof *vals, cmp_value);
        for (size_t j = 0; j < e->nvalues; j++) {
            buf_printf(b, "value %s.%s.%s ", sc->name, e->name, vals[j]->name);
            value_text(b, e, vals[j]);
            record_end(b, vals[j]->loc);
        }
        free(vals);
    }
    for (size_t i = 0; i < sc->nstructs; i++)
        structs[i] = &sc->structs[i];
    qsort(structs, sc->nstructs, sizeof *structs, cmp_struct);
    for (size_t i = 0; i < sc->nstructs; i++) {
        const tc_struct *st = structs[i];
        buf_printf(b, "struct %s.%s size %" PRIu64 " align %u fingerprint 0x%016" PRIx64, sc->name, st->name,
                   st->size, st->align, st->fingerprint);
        record_end(b, st->loc);
        /* fields are already in offset order: layout is sequential */
        for (size_t j = 0; j < st->nfields; j++) {
            const tc_field *f = &st->fields[j];
            buf_printf(b, "field %s.%s.%s offset %" PRIu64 " size %" PRIu64 " type ", sc->name, st->name, f->name,
                       f->offset, f->size);
            lock_type_name(b, &f->type);
            record_end(b, f->loc);
        }
    }
    free(enums);
    free(structs);
}

void lock_write(tc_buf *b, const tc_program *prog)
{
    buf_puts(b, "# tach.lock: the ABI of these schemas, written by `tachc lock`; `tachc check --lock` compares\n"
                "# schemas against it. Update it deliberately (make lock). The trailing \"# file:line\" of each\n"
                "# record says where the item was declared; the check quotes it but never compares it.\n");
    const tc_schema **order = malloc((prog->nschemas + 1) * sizeof *order);
    if (!order) {
        b->oom = 1;
        return;
    }
    for (size_t i = 0; i < prog->nschemas; i++)
        order[i] = prog->schemas[i];
    qsort(order, prog->nschemas, sizeof *order, cmp_schema);
    for (size_t i = 0; i < prog->nschemas; i++)
        write_schema(b, order[i]);
    free(order);
}

int lock_check(const char *lock_path, const char *lock_text, const tc_program *prog, FILE *out, FILE *err)
{
    (void)lock_path;
    (void)lock_text;
    (void)prog;
    (void)out;
    fprintf(err, "tachc: check is not implemented yet\n");
    return -1;
}
