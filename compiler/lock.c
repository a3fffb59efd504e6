/* lock.c - the lock file (`tachc lock`) and the drift check (`tachc check`),
 * both over the canonical text of abi.c.
 *
 * Lock file: one record per line, sorted (schemas by name; in each, messages by
 * id, reserved ranges, enums and structs by name, values by value, fields by
 * offset). A record may end with "# file:line": where the item was declared.
 * The check never compares those comments; it only quotes them, so moving a
 * declaration within a file does not count as drift. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* qsort_r */
#endif
#include "lock.h"

#include "abi.h"
#include "arena.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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

/* qsort_r comparator: values of the enum `ctx`, by number. */
static int cmp_value(const void *a, const void *b, void *ctx)
{
    const tc_enum *e = ctx;
    const tc_enum_value *x = *(const tc_enum_value *const *)a, *y = *(const tc_enum_value *const *)b;
    if (prim_is_signed(e->underlying))
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
            buf_printf(b, "%s.%s", abi_schema_name(m->payload->schema), m->payload->name);
        else
            buf_puts(b, "-");
        record_end(b, m->loc);
    }
    for (size_t i = 0; i < sc->nreserved; i++) {
        buf_printf(b, "reserved %s %u..%u", sc->name, sc->reserved[i].lo, sc->reserved[i].hi);
        record_end(b, sc->reserved[i].loc);
    }
    for (size_t i = 0; i < sc->nservices; i++) {
        const tc_service *svc = &sc->services[i];
        buf_printf(b, "service %s.%s", sc->name, svc->name);
        record_end(b, svc->loc);
        for (size_t j = 0; j < svc->nmethods; j++) {
            const tc_method *m = &svc->methods[j];
            buf_printf(b, "method %s.%s %u %s ", sc->name, svc->name, m->id, m->name);
            if (m->request)
                buf_printf(b, "%s.%s ", abi_schema_name(m->request->schema), m->request->name);
            else
                buf_puts(b, "- ");
            if (m->reply)
                buf_printf(b, "%s.%s", abi_schema_name(m->reply->schema), m->reply->name);
            else
                buf_puts(b, "-");
            record_end(b, m->loc);
        }
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
        qsort_r(vals, e->nvalues, sizeof *vals, cmp_value, (void *)e);
        for (size_t j = 0; j < e->nvalues; j++) {
            buf_printf(b, "value %s.%s.%s ", sc->name, e->name, vals[j]->name);
            abi_value_text(b, e, vals[j]);
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
            abi_type_name(b, &f->type);
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

/* ---- drift check ------------------------------------------------------------ */

/* One lock record: its words, and where it was declared ("-" when unknown). */
typedef struct lrec {
    char *words[10];
    int nwords;
    const char *where;
    const char *key;     /* kind-specific identity, e.g. "field market.MarketTick.price" */
    const char *body;    /* the record without its comment, for the stale check */
    int matched;
} lrec;

typedef struct ldb {
    lrec *recs;
    size_t n, cap;
    tc_map by_key;
    const lrec **reserved; /* the reserved records, for id lookups */
    size_t nreserved;
} ldb;

/* The records that belong to parent (a struct's fields, an enum's values):
 * the lock writes them right after it, so they are [*from, *to). */
static void children(const ldb *db, const lrec *parent, size_t *from, size_t *to)
{
    const char *kind = !strcmp(parent->words[0], "struct") ? "field" : "value";
    size_t i = (size_t)(parent - db->recs) + 1;
    *from = i;
    while (i < db->n && !strcmp(db->recs[i].words[0], kind))
        i++;
    *to = i;
}

typedef struct checker {
    tc_arena *a;
    ldb old, cur;
    FILE *out;
    int verdict;
    int findings;
} checker;

static const char *const record_kinds[] = {"schema", "message", "reserved", "enum", "flags", "value", "struct",
                                           "field", "service", "method"};
/* words each kind needs, kind included */
static const int record_words[] = {4, 5, 3, 3, 3, 3, 8, 8, 2, 6};

static int kind_index(const char *w)
{
    for (int i = 0; i < (int)(sizeof record_kinds / sizeof record_kinds[0]); i++)
        if (strcmp(w, record_kinds[i]) == 0)
            return i;
    return -1;
}

/* Splits lock text into records; returns -1 and prints the bad line to err. */
static int ldb_parse(checker *c, ldb *db, const char *name, const char *text, FILE *err)
{
    map_init(&db->by_key, c->a);
    int lineno = 0;
    const char *p = text;
    while (*p) {
        lineno++;
        size_t len = strcspn(p, "\n");
        char *line = arena_strndup(c->a, p, len);
        p += len + (p[len] == '\n');
        if (!line)
            return -1;
        char *hash = strchr(line, '#');
        const char *where = "-";
        if (hash) {
            *hash = '\0';
            char *w = hash + 1;
            while (*w == ' ')
                w++;
            size_t wl = strlen(w);
            while (wl > 0 && (w[wl - 1] == ' ' || w[wl - 1] == '\r'))
                w[--wl] = '\0';
            if (*w)
                where = w;
        }
        size_t bl = strlen(line);
        while (bl > 0 && (line[bl - 1] == ' ' || line[bl - 1] == '\t' || line[bl - 1] == '\r'))
            line[--bl] = '\0';
        const char *body = arena_strdup(c->a, line);
        lrec r;
        memset(&r, 0, sizeof r);
        for (char *tok = strtok(line, " \t\r"); tok; tok = strtok(NULL, " \t\r")) {
            if (r.nwords == (int)(sizeof r.words / sizeof r.words[0])) {
                r.nwords++;
                break;
            }
            r.words[r.nwords++] = tok;
        }
        if (r.nwords == 0)
            continue;
        int k = kind_index(r.words[0]);
        if (k < 0 || r.nwords != record_words[k]) {
            fprintf(err, "%s:%d: error: not a lock record (regenerate the lock with `tachc lock`)\n", name, lineno);
            return -1;
        }
        r.where = where;
        r.body = body;
        if (k == 1) /* message: one per schema and id */
            r.key = arena_printf(c->a, "message %s %s", r.words[1], r.words[2]);
        else if (k == 2)
            r.key = arena_printf(c->a, "reserved %s %s", r.words[1], r.words[2]);
        else if (k == 9) /* method: one per service and id */
            r.key = arena_printf(c->a, "method %s %s", r.words[1], r.words[2]);
        else if ((k == 5 || k == 7) && !strchr(r.words[1], '.'))
            r.key = NULL; /* malformed: caught below */
        else if (k == 7 && strcmp(strrchr(r.words[1], '.'), "._") == 0)
            r.key = arena_printf(c->a, "pad %s@%s", r.words[1], r.words[3]);
        else
            r.key = arena_printf(c->a, "%s %s", k == 4 ? "enum" : r.words[0], r.words[1]);
        if (!r.key) {
            fprintf(err, "%s:%d: error: not a lock record (regenerate the lock with `tachc lock`)\n", name, lineno);
            return -1;
        }
        if (db->n == db->cap) {
            size_t cap = db->cap ? db->cap * 2 : 256;
            lrec *nr = arena_alloc(c->a, cap * sizeof *nr);
            if (!nr)
                return -1;
            if (db->n)
                memcpy(nr, db->recs, db->n * sizeof *nr);
            db->recs = nr;
            db->cap = cap;
        }
        db->recs[db->n++] = r;
    }
    db->reserved = arena_alloc(c->a, (db->n + 1) * sizeof *db->reserved);
    if (!db->reserved)
        return -1;
    for (size_t i = 0; i < db->n; i++)
        if (!strcmp(db->recs[i].words[0], "reserved"))
            db->reserved[db->nreserved++] = &db->recs[i];
    for (size_t i = 0; i < db->n; i++)
        if (map_put(&db->by_key, db->recs[i].key, &db->recs[i])) {
            fprintf(err, "%s: error: record '%s' appears twice\n", name, db->recs[i].key);
            return -1;
        }
    return 0;
}

static lrec *ldb_get(const ldb *db, const char *fmt, const char *a, const char *b)
{
    char key[512];
    snprintf(key, sizeof key, fmt, a, b);
    return map_get(&db->by_key, key);
}

static void finding(checker *c, int severity, const char *rule, const char *old_where, const char *new_where,
                    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void finding(checker *c, int severity, const char *rule, const char *old_where, const char *new_where,
                    const char *fmt, ...)
{
    fprintf(c->out, "%s: %s -> %s: ", rule, old_where ? old_where : "-", new_where ? new_where : "-");
    va_list ap;
    va_start(ap, fmt);
    vfprintf(c->out, fmt, ap);
    va_end(ap);
    fputc('\n', c->out);
    if (severity > c->verdict)
        c->verdict = severity;
    c->findings++;
}

/* "market.MarketTick.price" -> "market.MarketTick" (in the arena). */
static const char *parent_of(checker *c, const char *qname)
{
    const char *dot = strrchr(qname, '.');
    return dot ? arena_strndup(c->a, qname, (size_t)(dot - qname)) : qname;
}

static const char *where_of(const lrec *r) { return r ? r->where : "-"; }

/* The reserved record of a schema that holds id, or NULL. */
static const lrec *id_reserved(const ldb *db, const char *schema, unsigned long id)
{
    for (size_t i = 0; i < db->nreserved; i++) {
        const lrec *r = db->reserved[i];
        if (strcmp(r->words[1], schema))
            continue;
        unsigned long lo = 0, hi = 0;
        if (sscanf(r->words[2], "%lu..%lu", &lo, &hi) == 2 && id >= lo && id <= hi)
            return r;
    }
    return NULL;
}

/* Whether a message of the schema has an id in [lo, hi]. */
static int message_in(const ldb *db, const char *schema, unsigned long lo, unsigned long hi)
{
    for (size_t i = 0; i < db->n; i++) {
        const lrec *r = &db->recs[i];
        if (strcmp(r->words[0], "message") || strcmp(r->words[1], schema))
            continue;
        unsigned long id = strtoul(r->words[2], NULL, 10);
        if (id >= lo && id <= hi)
            return 1;
    }
    return 0;
}

/* Whether [lo, hi] is covered by the reserved ranges of a schema. */
static int range_reserved(const ldb *db, const char *schema, unsigned long lo, unsigned long hi)
{
    unsigned long at = lo;
    int progress = 1;
    while (progress && at <= hi) {
        progress = 0;
        for (size_t i = 0; i < db->nreserved; i++) {
            const lrec *r = db->reserved[i];
            unsigned long a = 0, b = 0;
            if (strcmp(r->words[1], schema) ||
                sscanf(r->words[2], "%lu..%lu", &a, &b) != 2)
                continue;
            if (a <= at && b >= at) {
                if (b >= hi)
                    return 1;
                at = b + 1;
                progress = 1;
            }
        }
    }
    return 0;
}

/* Whether bytes [off, off+size) of a struct were padding in the old lock. */
static int was_padding(const ldb *db, const char *st, unsigned long off, unsigned long size)
{
    const lrec *parent = ldb_get(db, "struct %s%s", st, "");
    if (!parent)
        return 0;
    size_t from, to;
    children(db, parent, &from, &to);
    unsigned long at = off, end = off + size;
    int progress = 1;
    while (progress && at < end) {
        progress = 0;
        for (size_t i = from; i < to; i++) {
            const lrec *r = &db->recs[i];
            if (strncmp(r->key, "pad ", 4))
                continue;
            unsigned long po = strtoul(r->words[3], NULL, 10), ps = strtoul(r->words[5], NULL, 10);
            if (po <= at && po + ps > at) {
                at = po + ps;
                progress = 1;
            }
        }
    }
    return at >= end;
}

static void check_messages(checker *c)
{
    for (size_t i = 0; i < c->old.n; i++) {
        lrec *o = &c->old.recs[i];
        if (strcmp(o->words[0], "message"))
            continue;
        const char *sc = o->words[1], *id = o->words[2], *name = o->words[3], *payload = o->words[4];
        lrec *n = ldb_get(&c->cur, "message %s %s", sc, id);
        if (!n) {
            lrec *nsc = ldb_get(&c->cur, "schema %s%s", sc, "");
            const lrec *res = id_reserved(&c->cur, sc, strtoul(id, NULL, 10));
            if (res)
                finding(c, LOCK_COMPATIBLE, "MESSAGE-RETIRED", o->where, res->where,
                        "type id %s (%s) of schema %s is now reserved", id, name, sc);
            else if (nsc)
                finding(c, LOCK_BREAKING, "MESSAGE-REMOVED", o->where, nsc->where,
                        "type id %s (%s) of schema %s was removed; reserve it to retire it", id, name, sc);
            continue;
        }
        n->matched = 1;
        bool same_name = strcmp(name, n->words[3]) == 0, same_payload = strcmp(payload, n->words[4]) == 0;
        if (same_name && !same_payload)
            finding(c, LOCK_BREAKING, "TYPE-ID-REPOINTED", o->where, n->where,
                    "type id %s (%s) of schema %s pointed at %s, now at %s", id, name, sc, payload, n->words[4]);
        else if (!same_name && !same_payload)
            finding(c, LOCK_BREAKING, "TYPE-ID-REUSED", o->where, n->where,
                    "type id %s of schema %s was %s (%s), now %s (%s)", id, sc, name, payload, n->words[3],
                    n->words[4]);
        else if (!same_name)
            finding(c, LOCK_COMPATIBLE, "MESSAGE-RENAMED", o->where, n->where,
                    "type id %s of schema %s renamed from %s to %s (same payload %s)", id, sc, name, n->words[3],
                    payload);
    }
    for (size_t i = 0; i < c->cur.n; i++) {
        lrec *n = &c->cur.recs[i];
        if (strcmp(n->words[0], "message") || n->matched)
            continue;
        const char *sc = n->words[1], *id = n->words[2];
        const lrec *was = id_reserved(&c->old, sc, strtoul(id, NULL, 10));
        if (was)
            finding(c, LOCK_BREAKING, "TYPE-ID-REUSED", was->where, n->where,
                    "type id %s of schema %s was reserved, now used by %s (%s)", id, sc, n->words[3], n->words[4]);
        else if (ldb_get(&c->old, "schema %s%s", sc, ""))
            finding(c, LOCK_COMPATIBLE, "MESSAGE-ADDED", where_of(ldb_get(&c->old, "schema %s%s", sc, "")), n->where,
                    "type id %s (%s) added to schema %s, payload %s", id, n->words[3], sc, n->words[4]);
    }
    /* reserved ranges given up (their ids unused) or added */
    for (size_t i = 0; i < c->old.n; i++) {
        const lrec *o = &c->old.recs[i];
        unsigned long lo = 0, hi = 0;
        if (strcmp(o->words[0], "reserved") || sscanf(o->words[2], "%lu..%lu", &lo, &hi) != 2 ||
            !ldb_get(&c->cur, "schema %s%s", o->words[1], "") || range_reserved(&c->cur, o->words[1], lo, hi) ||
            message_in(&c->cur, o->words[1], lo, hi)) /* a reuse, reported above */
            continue;
        finding(c, LOCK_COMPATIBLE, "RESERVED-REMOVED", o->where,
                where_of(ldb_get(&c->cur, "schema %s%s", o->words[1], "")),
                "type ids %s of schema %s are no longer all reserved", o->words[2], o->words[1]);
    }
    for (size_t i = 0; i < c->cur.n; i++) {
        const lrec *n = &c->cur.recs[i];
        unsigned long lo = 0, hi = 0;
        if (strcmp(n->words[0], "reserved") || sscanf(n->words[2], "%lu..%lu", &lo, &hi) != 2 ||
            !ldb_get(&c->old, "schema %s%s", n->words[1], "") || range_reserved(&c->old, n->words[1], lo, hi) ||
            message_in(&c->old, n->words[1], lo, hi)) /* a retirement, reported above */
            continue;
        finding(c, LOCK_COMPATIBLE, "RESERVED-ADDED", where_of(ldb_get(&c->old, "schema %s%s", n->words[1], "")),
                n->where, "type ids %s of schema %s are now reserved", n->words[2], n->words[1]);
    }
}

/* Services: a method removed, retyped, or its id given to another method is
 * breaking (a client built from the old schema calls it); a method or a
 * service added is compatible, a method renamed with the same types too. */
static void check_services(checker *c)
{
    for (size_t i = 0; i < c->old.n; i++) {
        lrec *o = &c->old.recs[i];
        if (!strcmp(o->words[0], "service") && !ldb_get(&c->cur, "service %s%s", o->words[1], ""))
            finding(c, LOCK_BREAKING, "SERVICE-REMOVED", o->where, "-", "service %s was removed", o->words[1]);
        if (strcmp(o->words[0], "method"))
            continue;
        const char *svc = o->words[1], *id = o->words[2], *name = o->words[3];
        lrec *n = ldb_get(&c->cur, "method %s %s", svc, id);
        if (!n) {
            const lrec *nsvc = ldb_get(&c->cur, "service %s%s", svc, "");
            if (nsvc)
                finding(c, LOCK_BREAKING, "METHOD-REMOVED", o->where, nsvc->where,
                        "method %s (id %s) of service %s was removed", name, id, svc);
            continue;
        }
        n->matched = 1;
        bool same_name = !strcmp(name, n->words[3]);
        bool same_types = !strcmp(o->words[4], n->words[4]) && !strcmp(o->words[5], n->words[5]);
        if (same_name && !same_types)
            finding(c, LOCK_BREAKING, "METHOD-RETYPED", o->where, n->where,
                    "method %s (id %s) of service %s was (%s) -> %s, now (%s) -> %s", name, id, svc, o->words[4],
                    o->words[5], n->words[4], n->words[5]);
        else if (!same_name && !same_types)
            finding(c, LOCK_BREAKING, "METHOD-ID-REUSED", o->where, n->where,
                    "method id %s of service %s was %s, now %s with other types", id, svc, name, n->words[3]);
        else if (!same_name)
            finding(c, LOCK_COMPATIBLE, "METHOD-RENAMED", o->where, n->where,
                    "method id %s of service %s renamed from %s to %s (same types)", id, svc, name, n->words[3]);
    }
    for (size_t i = 0; i < c->cur.n; i++) {
        lrec *n = &c->cur.recs[i];
        if (!strcmp(n->words[0], "service") && !ldb_get(&c->old, "service %s%s", n->words[1], "")) {
            finding(c, LOCK_COMPATIBLE, "SERVICE-ADDED", "-", n->where, "service %s was added", n->words[1]);
            continue;
        }
        if (strcmp(n->words[0], "method") || n->matched)
            continue;
        const lrec *osvc = ldb_get(&c->old, "service %s%s", n->words[1], "");
        if (osvc)
            finding(c, LOCK_COMPATIBLE, "METHOD-ADDED", osvc->where, n->where, "method %s (id %s) added to service %s",
                    n->words[3], n->words[2], n->words[1]);
    }
}

static void check_enums(checker *c)
{
    for (size_t i = 0; i < c->old.n; i++) {
        lrec *o = &c->old.recs[i];
        bool is_enum = !strcmp(o->words[0], "enum") || !strcmp(o->words[0], "flags");
        if (is_enum) {
            lrec *n = ldb_get(&c->cur, "enum %s%s", o->words[1], "");
            if (!n) {
                finding(c, LOCK_BREAKING, "TYPE-REMOVED", o->where, "-", "%s %s was removed", o->words[0],
                        o->words[1]);
                continue;
            }
            n->matched = 1;
            if (strcmp(o->words[0], n->words[0]) || strcmp(o->words[2], n->words[2]))
                finding(c, LOCK_BREAKING, "ENUM-RETYPED", o->where, n->where, "%s changed from %s %s to %s %s",
                        o->words[1], o->words[0], o->words[2], n->words[0], n->words[2]);
            continue;
        }
        if (strcmp(o->words[0], "value"))
            continue;
        const char *owner = parent_of(c, o->words[1]);
        lrec *nenum = ldb_get(&c->cur, "enum %s%s", owner, "");
        if (!nenum)
            continue; /* the whole enum was reported */
        lrec *n = ldb_get(&c->cur, "value %s%s", o->words[1], "");
        if (n) {
            n->matched = 1;
            if (strcmp(o->words[2], n->words[2]))
                finding(c, LOCK_BREAKING, "ENUM-VALUE-CHANGED", o->where, n->where, "%s changed from %s to %s",
                        o->words[1], o->words[2], n->words[2]);
            continue;
        }
        /* a value of the same number under a new name is a rename */
        lrec *renamed = NULL;
        size_t from, to;
        children(&c->cur, nenum, &from, &to);
        for (size_t j = from; j < to && !renamed; j++) {
            lrec *x = &c->cur.recs[j];
            if (!x->matched && !strcmp(x->words[2], o->words[2]) && !ldb_get(&c->old, "value %s%s", x->words[1], ""))
                renamed = x;
        }
        if (renamed) {
            renamed->matched = 1;
            finding(c, LOCK_COMPATIBLE, "ENUM-VALUE-RENAMED", o->where, renamed->where, "%s renamed to %s (value %s)",
                    o->words[1], strrchr(renamed->words[1], '.') + 1, o->words[2]);
        } else {
            finding(c, LOCK_BREAKING, "ENUM-VALUE-REMOVED", o->where, nenum->where, "%s (value %s) was removed",
                    o->words[1], o->words[2]);
        }
    }
    for (size_t i = 0; i < c->cur.n; i++) {
        lrec *n = &c->cur.recs[i];
        if (n->matched)
            continue;
        if (!strcmp(n->words[0], "enum") || !strcmp(n->words[0], "flags")) {
            finding(c, LOCK_COMPATIBLE, "TYPE-ADDED", "-", n->where, "%s %s was added", n->words[0], n->words[1]);
            n->matched = 1;
        } else if (!strcmp(n->words[0], "value")) {
            const char *owner = parent_of(c, n->words[1]);
            lrec *oenum = ldb_get(&c->old, "enum %s%s", owner, "");
            if (oenum)
                finding(c, LOCK_COMPATIBLE, "ENUM-VALUE-ADDED", oenum->where, n->where, "%s = %s was added",
                        n->words[1], n->words[2]);
        }
    }
}

static void check_structs(checker *c)
{
    for (size_t i = 0; i < c->old.n; i++) {
        lrec *o = &c->old.recs[i];
        if (!strcmp(o->words[0], "struct")) {
            lrec *n = ldb_get(&c->cur, "struct %s%s", o->words[1], "");
            if (!n) {
                finding(c, LOCK_BREAKING, "TYPE-REMOVED", o->where, "-", "struct %s was removed", o->words[1]);
                continue;
            }
            n->matched = 1;
            if (strcmp(o->words[3], n->words[3]))
                finding(c, LOCK_BREAKING, "STRUCT-RESIZED", o->where, n->where, "struct %s changed size from %s to %s",
                        o->words[1], o->words[3], n->words[3]);
            if (strcmp(o->words[5], n->words[5]))
                finding(c, LOCK_BREAKING, "STRUCT-REALIGNED", o->where, n->where,
                        "struct %s changed alignment from %s to %s", o->words[1], o->words[5], n->words[5]);
            continue;
        }
        if (strcmp(o->words[0], "field") || !strncmp(o->key, "pad ", 4))
            continue;
        const char *owner = parent_of(c, o->words[1]);
        lrec *nst = ldb_get(&c->cur, "struct %s%s", owner, "");
        if (!nst)
            continue;
        lrec *n = ldb_get(&c->cur, "field %s%s", o->words[1], "");
        if (n) {
            n->matched = 1;
            if (strcmp(o->words[3], n->words[3]))
                finding(c, LOCK_BREAKING, "FIELD-MOVED", o->where, n->where, "field %s moved from offset %s to %s",
                        o->words[1], o->words[3], n->words[3]);
            if (strcmp(o->words[5], n->words[5]))
                finding(c, LOCK_BREAKING, "FIELD-RESIZED", o->where, n->where,
                        "field %s changed size from %s (%s) to %s (%s)", o->words[1], o->words[5], o->words[7],
                        n->words[5], n->words[7]);
            else if (strcmp(o->words[7], n->words[7]))
                finding(c, LOCK_BREAKING, "FIELD-RETYPED", o->where, n->where, "field %s changed type from %s to %s",
                        o->words[1], o->words[7], n->words[7]);
            continue;
        }
        lrec *renamed = NULL;
        size_t from, to;
        children(&c->cur, nst, &from, &to);
        for (size_t j = from; j < to && !renamed; j++) {
            lrec *x = &c->cur.recs[j];
            if (!x->matched && strncmp(x->key, "pad ", 4) && !strcmp(x->words[3], o->words[3]) && !strcmp(x->words[5], o->words[5]) &&
                !strcmp(x->words[7], o->words[7]) && !ldb_get(&c->old, "field %s%s", x->words[1], ""))
                renamed = x;
        }
        if (renamed) {
            renamed->matched = 1;
            finding(c, LOCK_COMPATIBLE, "FIELD-RENAMED", o->where, renamed->where,
                    "field %s renamed to %s (offset %s, %s)", o->words[1], strrchr(renamed->words[1], '.') + 1,
                    o->words[3], o->words[7]);
        } else {
            finding(c, LOCK_BREAKING, "FIELD-REMOVED", o->where, nst->where, "field %s (offset %s, %s) was removed",
                    o->words[1], o->words[3], o->words[7]);
        }
    }
    for (size_t i = 0; i < c->cur.n; i++) {
        lrec *n = &c->cur.recs[i];
        if (n->matched)
            continue;
        if (!strcmp(n->words[0], "struct")) {
            finding(c, LOCK_COMPATIBLE, "TYPE-ADDED", "-", n->where, "struct %s was added", n->words[1]);
            n->matched = 1;
            continue;
        }
        if (strcmp(n->words[0], "field") || !strncmp(n->key, "pad ", 4))
            continue;
        const char *owner = parent_of(c, n->words[1]);
        lrec *ost = ldb_get(&c->old, "struct %s%s", owner, "");
        if (!ost)
            continue;
        unsigned long off = strtoul(n->words[3], NULL, 10), size = strtoul(n->words[5], NULL, 10);
        if (was_padding(&c->old, owner, off, size))
            finding(c, LOCK_COMPATIBLE, "FIELD-ADDED-IN-PAD", ost->where, n->where,
                    "field %s (offset %s, %s) was added in former padding", n->words[1], n->words[3], n->words[7]);
        else
            finding(c, LOCK_BREAKING, "FIELD-ADDED", ost->where, n->where,
                    "field %s (offset %s, %s) was added over bytes the old layout used", n->words[1], n->words[3],
                    n->words[7]);
    }
}

static void check_schemas(checker *c)
{
    for (size_t i = 0; i < c->old.n; i++) {
        const lrec *o = &c->old.recs[i];
        if (!strcmp(o->words[0], "schema") && !ldb_get(&c->cur, "schema %s%s", o->words[1], ""))
            finding(c, LOCK_BREAKING, "SCHEMA-REMOVED", o->where, "-", "schema %s is gone", o->words[1]);
    }
    for (size_t i = 0; i < c->cur.n; i++) {
        const lrec *n = &c->cur.recs[i];
        if (!strcmp(n->words[0], "schema") && !ldb_get(&c->old, "schema %s%s", n->words[1], ""))
            finding(c, LOCK_COMPATIBLE, "SCHEMA-ADDED", "-", n->where, "schema %s was added", n->words[1]);
    }
}

/* Any other difference between the records (padding rearranged, a nested
 * type's fingerprint) still means the lock is out of date: the most specific
 * differing record is named (a field before its struct before its schema). */
static int record_depth(const lrec *r)
{
    const char *k = r->words[0];
    if (!strcmp(k, "field") || !strcmp(k, "value"))
        return 0;
    if (!strcmp(k, "schema"))
        return 2;
    return 1;
}

static void check_stale(checker *c)
{
    if (c->findings)
        return;
    tc_map old_bodies, cur_bodies;
    map_init(&old_bodies, c->a);
    map_init(&cur_bodies, c->a);
    for (size_t i = 0; i < c->old.n; i++)
        map_put(&old_bodies, c->old.recs[i].body, &c->old.recs[i]);
    for (size_t i = 0; i < c->cur.n; i++)
        map_put(&cur_bodies, c->cur.recs[i].body, &c->cur.recs[i]);
    for (int depth = 0; depth <= 2; depth++) {
        for (size_t i = 0; i < c->cur.n; i++) {
            const lrec *n = &c->cur.recs[i];
            if (record_depth(n) == depth && !map_get(&old_bodies, n->body)) {
                finding(c, LOCK_COMPATIBLE, "LOCK-STALE", "-", n->where,
                        "the lock lacks `%s`: the layout text changed; update the lock", n->body);
                return;
            }
        }
        for (size_t i = 0; i < c->old.n; i++) {
            const lrec *o = &c->old.recs[i];
            if (record_depth(o) == depth && !map_get(&cur_bodies, o->body)) {
                finding(c, LOCK_COMPATIBLE, "LOCK-STALE", o->where, "-",
                        "the schemas no longer produce `%s`; update the lock", o->body);
                return;
            }
        }
    }
}

int lock_check(const char *lock_path, const char *lock_text, const tc_program *prog, FILE *out, FILE *err)
{
    tc_arena arena = {0};
    checker c;
    memset(&c, 0, sizeof c);
    c.a = &arena;
    c.out = out;
    tc_buf now = {0};
    lock_write(&now, prog);
    int rc = -1;
    if (now.oom || ldb_parse(&c, &c.old, lock_path, lock_text, err) ||
        ldb_parse(&c, &c.cur, "(schemas)", now.data ? now.data : "", err))
        goto out;
    check_schemas(&c);
    check_messages(&c);
    check_services(&c);
    check_enums(&c);
    check_structs(&c);
    check_stale(&c);
    rc = arena.oom ? -1 : c.verdict;
out:
    if (arena.oom)
        fprintf(err, "tachc: out of memory\n");
    buf_free(&now);
    arena_free(&arena);
    return rc;
}
