/* abi.c - the canonical text of a layout and its fingerprints (FNV-1a 64).
 * Part of the front end: layout.c and sema.c stamp every struct and schema
 * with these; lock.c writes and checks the same text. */
#include "abi.h"

#include <inttypes.h>
#include <stdlib.h>

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

const char *abi_schema_name(const tc_schema *sc) { return sc ? sc->name : "?"; }

void abi_type_name(tc_buf *b, const tc_type *t)
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
        abi_type_name(b, t->elem);
        buf_printf(b, "[%" PRIu64 "]", t->count);
        break;
    case TC_T_STRUCT:
        buf_printf(b, "struct:%s.%s", abi_schema_name(t->st->schema), t->st->name);
        break;
    case TC_T_ENUM:
    case TC_T_FLAGS:
        buf_printf(b, "%s:%s.%s:%s", t->kind == TC_T_FLAGS ? "flags" : "enum", abi_schema_name(t->en->schema),
                   t->en->name, prim_name(t->en->underlying));
        break;
    }
}

void abi_value_text(tc_buf *b, const tc_enum *e, const tc_enum_value *v)
{
    if (prim_is_signed(e->underlying))
        buf_printf(b, "%" PRId64, v->value);
    else
        buf_printf(b, "%" PRIu64, v->bits);
}

static uint64_t enum_fingerprint(const tc_enum *e)
{
    tc_buf b = {0};
    buf_printf(&b, "%s %s.%s %s\n", e->is_flags ? "flags" : "enum", abi_schema_name(e->schema), e->name,
               prim_name(e->underlying));
    for (size_t i = 0; i < e->nvalues; i++) {
        buf_printf(&b, "%s ", e->values[i].name);
        abi_value_text(&b, e, &e->values[i]);
        buf_puts(&b, "\n");
    }
    uint64_t h = fnv1a(b.data ? b.data : "", b.len);
    buf_free(&b);
    return h;
}

uint64_t abi_struct_fingerprint(const tc_struct *st)
{
    tc_buf b = {0};
    buf_printf(&b, "struct %s.%s size %" PRIu64 " align %u\n", abi_schema_name(st->schema), st->name, st->size, st->align);
    for (size_t i = 0; i < st->nfields; i++) {
        const tc_field *f = &st->fields[i];
        buf_printf(&b, "field %s offset %" PRIu64 " size %" PRIu64 " type ", f->name, f->offset, f->size);
        abi_type_name(&b, &f->type);
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

uint64_t abi_schema_fingerprint(const tc_schema *sc)
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
    /* Services only add text, so a schema without one keeps its fingerprint. */
    for (size_t i = 0; i < sc->nservices; i++) {
        const tc_service *svc = &sc->services[i];
        buf_printf(&b, "service %s\n", svc->name);
        for (size_t j = 0; j < svc->nmethods; j++) {
            const tc_method *m = &svc->methods[j];
            buf_printf(&b, "rpc %u %s %016" PRIx64 " %016" PRIx64 "\n", m->id, m->name,
                       m->request ? m->request->fingerprint : 0, m->reply ? m->reply->fingerprint : 0);
        }
    }
    uint64_t h = fnv1a(b.data ? b.data : "", b.len);
    buf_free(&b);
    return h ? h : 1;
}
