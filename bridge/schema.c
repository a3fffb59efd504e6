/*
 * schema.c - what the bridge knows of a schema: its fingerprint and its
 * messages (id, name, payload size), read from the text `tachc lock` prints:
 *
 *   schema market fingerprint 0xdfa7dd7056e84b28  # ...
 *   message market 1 Bid market.MarketTick  # ...
 *   struct market.MarketTick size 32 align 8 fingerprint 0x...  # ...
 *
 * Every other record of the lock is skipped. The lock is the compiler's stable
 * output, so the bridge needs no copy of the compiler.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"

struct pending_msg {
    uint32_t id;
    char name[BRIDGE_NAME_MAX];
    char type[BRIDGE_NAME_MAX];
    unsigned line;
};

struct struct_size {
    char name[BRIDGE_NAME_MAX];
    int64_t size;
};

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s || *end || *s == '-')
        return -1;
    *out = v;
    return 0;
}

int bridge_schema_load(struct bridge_schema *s, const char *lock_path, const char *name, char *err, size_t errlen)
{
    FILE *f = fopen(lock_path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot open lock file %s: %s", lock_path, strerror(errno));
        return -1;
    }
    memset(s, 0, sizeof *s);
    if (strlen(name) >= sizeof s->name) {
        fclose(f);
        snprintf(err, errlen, "schema name too long: %s", name);
        return -1;
    }
    snprintf(s->name, sizeof s->name, "%s", name);

    static struct pending_msg msgs[BRIDGE_MAX_TYPES];
    static struct struct_size structs[4096];
    size_t nmsgs = 0, nstructs = 0;
    int found = 0;
    char line[1024];
    unsigned lineno = 0;
    int rc = -1;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *tok[8];
        int n = 0;
        for (char *save = NULL, *t = strtok_r(line, " \t\r\n", &save); t && n < 8; t = strtok_r(NULL, " \t\r\n", &save))
            tok[n++] = t;
        if (n == 0)
            continue;
        if (!strcmp(tok[0], "schema") && n >= 4 && !strcmp(tok[1], name)) {
            if (strcmp(tok[2], "fingerprint") || parse_u64(tok[3], &s->fingerprint)) {
                snprintf(err, errlen, "%s:%u: malformed schema record", lock_path, lineno);
                goto out;
            }
            found = 1;
        } else if (!strcmp(tok[0], "message") && n >= 5 && !strcmp(tok[1], name)) {
            uint64_t id;
            if (parse_u64(tok[2], &id) || id > UINT32_MAX || strlen(tok[3]) >= BRIDGE_NAME_MAX ||
                strlen(tok[4]) >= BRIDGE_NAME_MAX) {
                snprintf(err, errlen, "%s:%u: malformed message record", lock_path, lineno);
                goto out;
            }
            if (nmsgs == BRIDGE_MAX_TYPES) {
                snprintf(err, errlen, "%s: schema %s has more than %d messages", lock_path, name, BRIDGE_MAX_TYPES);
                goto out;
            }
            msgs[nmsgs].id = (uint32_t)id;
            snprintf(msgs[nmsgs].name, BRIDGE_NAME_MAX, "%s", tok[3]);
            snprintf(msgs[nmsgs].type, BRIDGE_NAME_MAX, "%s", tok[4]);
            msgs[nmsgs].line = lineno;
            nmsgs++;
        } else if (!strcmp(tok[0], "struct") && n >= 4 && !strcmp(tok[2], "size")) {
            uint64_t size;
            if (parse_u64(tok[3], &size) || size > INT64_MAX || strlen(tok[1]) >= BRIDGE_NAME_MAX) {
                snprintf(err, errlen, "%s:%u: malformed struct record", lock_path, lineno);
                goto out;
            }
            if (nstructs < sizeof structs / sizeof structs[0]) {
                snprintf(structs[nstructs].name, BRIDGE_NAME_MAX, "%s", tok[1]);
                structs[nstructs].size = (int64_t)size;
                nstructs++;
            }
        }
    }
    if (!found) {
        snprintf(err, errlen, "%s: no schema named '%s' (write the lock with: tachc lock FILE.tach > %s)", lock_path,
                 name, lock_path);
        goto out;
    }
    if (nmsgs == 0) {
        snprintf(err, errlen, "%s: schema '%s' declares no messages", lock_path, name);
        goto out;
    }
    for (size_t i = 0; i < nmsgs; i++) {
        struct bridge_msgtype *t = &s->types[s->ntypes++];
        t->id = msgs[i].id;
        snprintf(t->name, sizeof t->name, "%s", msgs[i].name);
        t->size = -1;
        if (!strcmp(msgs[i].type, "-"))
            t->size = 0;
        for (size_t k = 0; k < nstructs && t->size < 0; k++)
            if (!strcmp(structs[k].name, msgs[i].type))
                t->size = structs[k].size;
        if (t->size < 0) {
            snprintf(err, errlen, "%s:%u: message %s has layout %s, which the lock does not describe", lock_path,
                     msgs[i].line, msgs[i].name, msgs[i].type);
            goto out;
        }
    }
    rc = 0;
out:
    fclose(f);
    return rc;
}

const struct bridge_msgtype *bridge_schema_type(const struct bridge_schema *s, uint32_t id)
{
    for (size_t i = 0; i < s->ntypes; i++)
        if (s->types[i].id == id)
            return &s->types[i];
    return NULL;
}

const struct bridge_msgtype *bridge_schema_type_by_name(const struct bridge_schema *s, const char *name)
{
    for (size_t i = 0; i < s->ntypes; i++)
        if (!strcmp(s->types[i].name, name))
            return &s->types[i];
    return NULL;
}
