/* emit.c - helpers shared by the emitters: buffers, name pools, output sets,
 * names, docs. */
#include "emit.h"

#include "support.h"
#include "utf8.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

const char *pool_type_spelling(tc_pool *ns, const tc_type *t, const tc_schema *here)
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
    return pool_keep(ns, s ? s : tb.data);
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

void emit_xml_escaped(tc_buf *b, const char *text, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (text[i]) {
        case '<': buf_puts(b, "&lt;"); break;
        case '>': buf_puts(b, "&gt;"); break;
        case '&': buf_puts(b, "&amp;"); break;
        default: buf_put(b, text + i, 1); break;
        }
    }
}

void emit_doc_lines(tc_buf *b, const char *text, const char *prefix, tc_line_esc esc)
{
    size_t bare = strlen(prefix);
    while (bare > 0 && prefix[bare - 1] == ' ')
        bare--;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        buf_indent(b);
        if (len)
            buf_puts(b, prefix);
        else
            buf_put(b, prefix, bare);
        if (esc == LINE_ESC_XML) {
            emit_xml_escaped(b, p, len);
        } else {
            for (size_t i = 0; i < len; i++) {
                if (esc == LINE_ESC_JAVADOC && p[i] == '\\')
                    buf_puts(b, "&#92;");
                else
                    buf_put(b, p + i, 1);
            }
        }
        buf_puts(b, "\n");
        p += len;
        if (*p == '\n')
            p++;
    }
}

void emit_doc_block(tc_buf *b, const char *doc, const char *extra, bool java)
{
    char *clean = doc_clean(doc, DOC_C_COMMENT);
    if (doc && !clean) {
        b->oom = 1;
        return;
    }
    if (!clean) {
        if (extra)
            buf_line(b, "/** %s */", extra);
        return;
    }
    buf_line(b, "/**");
    emit_doc_lines(b, clean, " * ", java ? LINE_ESC_JAVADOC : LINE_ESC_NONE);
    if (extra) {
        buf_line(b, " *");
        buf_line(b, " * %s", extra);
    }
    buf_line(b, " */");
    free(clean);
}

void emit_support(tc_buf *b, const char *lang, const char *section, const char *schema)
{
    const tc_lang *l = tachc_lang_find(lang);
    const char *text = l && l->support ? support_section(l->support, section) : NULL;
    if (!text) {
        fprintf(stderr, "tachc: internal error: no support section '%s' for %s\n", section, lang);
        b->oom = 1;
        return;
    }
    const char *hole;
    while (schema && (hole = strstr(text, "@schema@")) != NULL) {
        buf_put(b, text, (size_t)(hole - text));
        buf_puts(b, schema);
        text = hole + strlen("@schema@");
    }
    buf_puts(b, text);
}

void emit_banner(tc_buf *b, tc_names_lang lang, const char *source)
{
    const char *open = "// ", *marker = "Generated by", *close = "";
    switch (lang) {
    case TC_NAMES_C: open = "/* "; close = " */"; break;
    case TC_NAMES_PYTHON: open = "# "; break;
    case TC_NAMES_RUST: marker = "@generated by"; break;
    case TC_NAMES_GO: marker = "Code generated by"; break; /* go's own marker */
    case TC_NAMES_CSHARP: open = "// <auto-generated> "; close = " </auto-generated>"; break;
    default: break;
    }
    buf_printf(b, "%s%s tachc %s", open, marker, TACHC_VERSION);
    if (source) {
        const char *slash = strrchr(source, '/');
        buf_printf(b, " from %s", slash ? slash + 1 : source);
    }
    buf_printf(b, ". DO NOT EDIT.%s\n", close);
}

/* The language's name as people write it. */
static const char *lang_title(tc_names_lang lang)
{
    static const char *const titles[TC_NAMES_COUNT] = {"C", "C++", "Rust", "Python", "Go",
                                                       "Java", "Kotlin", "TypeScript", "C#"};
    return (unsigned)lang < TC_NAMES_COUNT ? titles[lang] : "?";
}

void emit_name_clash(tc_buf *errors, tc_names_lang lang, const char *name, tc_loc loc, const char *what,
                     tc_loc first_loc, const char *first_what)
{
    buf_printf(errors, "%s:%d:%d: error: %s and %s (%s:%d) both generate '%s' in %s; rename one\n",
               loc.file ? loc.file : "?", loc.line, loc.col, what, first_what,
               first_loc.file ? first_loc.file : "?", first_loc.line, name, lang_title(lang));
}

static bool is_ident_char(char ch) { return ch == '_' || (ch >= '0' && ch <= '9') || ((ch | 32) >= 'a' && (ch | 32) <= 'z'); }

/* The identifier starting at p (after `skip` leading spaces), or NULL. */
static const char *ident_at(tc_arena *pool, const char *p)
{
    const char *e = p;
    while (is_ident_char(*e))
        e++;
    if (e == p)
        return NULL;
    return arena_strndup(pool, p, (size_t)(e - p));
}

/* The identifier just before the first '(' of the line, or NULL. */
static const char *ident_before_paren(tc_arena *pool, const char *line, const char *end)
{
    const char *paren = memchr(line, '(', (size_t)(end - line));
    if (!paren)
        return NULL;
    const char *s = paren;
    while (s > line && is_ident_char(s[-1]))
        s--;
    return s == paren ? NULL : arena_strndup(pool, s, (size_t)(paren - s));
}

/* Whether line begins with prefix. A plain loop, not strncmp: this runs
 * several times on every generated line and most tests fail at the first byte. */
static inline bool starts(const char *line, const char *prefix)
{
    for (; *prefix; line++, prefix++)
        if (*line != *prefix)
            return false;
    return true;
}

/* "Type.member" in the arena (no printf: this runs for every member). */
static const char *member_key(tc_arena *a, const char *type, const char *member)
{
    size_t nt = strlen(type), nm = strlen(member);
    char *k = arena_alloc(a, nt + nm + 2);
    if (!k)
        return NULL;
    memcpy(k, type, nt);
    k[nt] = '.';
    memcpy(k + nt + 1, member, nm + 1);
    return k;
}

/* Whether [line, end) contains `needle`. */
static bool line_has(const char *line, const char *end, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = line; p + n <= end; p++)
        if (memcmp(p, needle, n) == 0)
            return true;
    return false;
}

/* What one line defines in the syntax of lang; *scope tracks the type whose
 * members follow (Rust inherent impl, Python class). */
static const char *line_defines(tc_arena *pool, tc_names_lang lang, const char *line, const char *end,
                                const char **scope, bool *in_const_block, bool *setter_next)
{
    const char *name = NULL;
    switch (lang) {
    case TC_NAMES_C:
        if (starts(line, "#define "))
            name = ident_at(pool, line + 8);
        else if (starts(line, "static inline "))
            name = ident_before_paren(pool, line, end);
        else if (starts(line, "typedef ")) {
            const char *semi = end;
            while (semi > line && semi[-1] != ';')
                semi--;
            if (semi > line) {
                const char *s = semi - 1;
                while (s > line && is_ident_char(s[-1]))
                    s--;
                name = ident_at(pool, s);
            }
        }
        return name;
    case TC_NAMES_RUST:
        if (line[0] != ' ' && line[0] != '\n' && line[0] != '}') {
            *scope = NULL;
            if (starts(line, "impl")) {
                if (!line_has(line, end, " for ")) {
                    const char *p = line + 4;
                    if (*p == '<') { /* impl<'a> Name<'a> */
                        while (p < end && *p != '>')
                            p++;
                        p++;
                    }
                    while (*p == ' ')
                        p++;
                    *scope = ident_at(pool, p);
                }
                return NULL;
            }
            const char *p = starts(line, "pub ") ? line + 4 : line;
            if (starts(p, "struct ") || starts(p, "enum ") || starts(p, "type ") || starts(p, "trait "))
                return ident_at(pool, strchr(p, ' ') + 1);
            if (starts(p, "const ") && !starts(p, "const _") && !starts(p, "const fn "))
                return ident_at(pool, p + 6);
            if (starts(p, "const fn "))
                return ident_at(pool, p + 9);
            if (starts(p, "fn "))
                return ident_at(pool, p + 3);
            return NULL;
        }
        if (*scope && starts(line, "    ") && line[4] != ' ') {
            const char *p = line + 4;
            p = starts(p, "pub ") ? p + 4 : p;
            if (starts(p, "const fn "))
                p += 9;
            else if (starts(p, "fn "))
                p += 3;
            else if (starts(p, "const "))
                p += 6;
            else
                return NULL;
            name = ident_at(pool, starts(p, "r#") ? p + 2 : p); /* r#type and type are one name */
            return name ? member_key(pool, *scope, name) : NULL;
        }
        return NULL;
    case TC_NAMES_GO:
        if (*in_const_block) {
            if (line[0] == ')')
                *in_const_block = false;
            else if (line[0] == '\t' && line[1] != '/' && line[1] != '\t')
                return ident_at(pool, line + 1);
            return NULL;
        }
        if (starts(line, "const (") || starts(line, "var (")) {
            *in_const_block = true;
            return NULL;
        }
        if (starts(line, "func (")) {
            const char *close = memchr(line, ')', (size_t)(end - line));
            if (!close)
                return NULL;
            const char *t = close;
            while (t > line && is_ident_char(t[-1]))
                t--;
            const char *type = arena_strndup(pool, t, (size_t)(close - t));
            const char *m = ident_at(pool, close + 2);
            return m ? member_key(pool, type, m) : NULL;
        }
        if (starts(line, "func "))
            return ident_at(pool, line + 5);
        if (starts(line, "type ") || starts(line, "const ") || starts(line, "var "))
            return ident_at(pool, strchr(line, ' ') + 1);
        return NULL;
    case TC_NAMES_PYTHON:
        if (line[0] != ' ' && line[0] != '\n' && line[0] != '#' && line[0] != ')' && line[0] != ']' &&
            line[0] != '}') {
            *scope = NULL;
            if (starts(line, "class ")) {
                *scope = ident_at(pool, line + 6);
                return *scope;
            }
            if (starts(line, "def "))
                return ident_at(pool, line + 4);
            const char *id = ident_at(pool, line);
            if (id && (line[strlen(id)] == ':' || starts(line + strlen(id), " =")) &&
                !starts(line + strlen(id), "::"))
                return id;
            return NULL;
        }
        if (*scope && starts(line, "    ") && line[4] != ' ') {
            const char *p = line + 4;
            if (starts(p, "@") ) {
                *setter_next = line_has(p, end, ".setter");
                return NULL;
            }
            if (starts(p, "def ")) {
                bool setter = *setter_next;
                *setter_next = false;
                name = ident_at(pool, p + 4);
                if (setter || !name || starts(name, "__"))
                    return NULL; /* a property's setter shares the getter's name */
            } else {
                const char *id = ident_at(pool, p);
                if (id && (p[strlen(id)] == ':' || starts(p + strlen(id), " =")))
                    name = id;
            }
            return name ? member_key(pool, *scope, name) : NULL;
        }
        return NULL;
    default:
        return NULL;
    }
}

void emit_defs_scan(tc_defs *defs, tc_pool *pool, tc_names_lang lang, const char *text, tc_loc loc,
                    const char *what, tc_buf *errors)
{
    (void)pool;
    const char *scope = NULL, *reported = NULL;
    bool in_const_block = false, setter_next = false, member_reported = false;
    /* Members ("Type.member") are all written with their type, in this one
     * block: they are checked here, and only top-level names go to defs. */
    tc_scope members = {0};
    for (const char *line = text ? text : ""; *line;) {
        const char *end = strchr(line, '\n');
        if (!end)
            end = line + strlen(line);
        const char *name = line_defines(&defs->arena, lang, line, end, &scope, &in_const_block, &setter_next);
        size_t first;
        if (name && strchr(name, '.')) {
            if (!scope_take(&members, name) && !member_reported) {
                emit_name_clash(errors, lang, name, loc, what, loc, what);
                member_reported = true;
            }
        } else if (name && defs_add(defs, name, loc, what, &first) != 0 && defs->whats[first] != reported) {
            /* one report per pair of declarations: the first name they share */
            emit_name_clash(errors, lang, name, loc, what, defs->locs[first], defs->whats[first]);
            reported = defs->whats[first];
        }
        line = *end ? end + 1 : end;
    }
    if (members.oom)
        defs->oom = 1;
    scope_free(&members);
}

/* `name` in `style` ('s' snake_case, 'u' UPPER_CASE, 'c' camelCase, 'p'
 * PascalCase, 0: as written), kept in `pool`. */
static const char *cased(tc_pool *pool, const char *name, char style)
{
    switch (style) {
    case 's': return pool_keep(pool, name_snake(name));
    case 'u': return pool_keep(pool, name_upper(name));
    case 'c': return pool_keep(pool, name_camel(name));
    case 'p': return pool_keep(pool, name_pascal(name));
    default: return name;
    }
}

/* n names claimed in one scope: the i-th from names_of(items, i) (NULL: none,
 * left NULL). */
static const char **claim_names(tc_pool *pool, size_t n, const char *(*name_of)(const void *, size_t),
                                const void *items, tc_names_lang lang, char style, const char *self,
                                const char *const *fixed, const char *const *derived)
{
    const char **names = calloc(n ? n : 1, sizeof *names);
    if (!names) {
        pool->oom = 1;
        return NULL;
    }
    tc_scope scope = {0};
    size_t nfixed = 0, nderived = 0;
    while (fixed && fixed[nfixed])
        nfixed++;
    while (derived && derived[nderived])
        nderived++;
    scope_reserve(&scope, 1 + nfixed + n * (1 + nderived));
    if (self)
        scope_take(&scope, self);
    for (size_t i = 0; fixed && fixed[i]; i++)
        scope_take(&scope, fixed[i]);
    for (size_t i = 0; i < n; i++) {
        const char *name = name_of(items, i);
        if (name)
            names[i] = scope_claim(&scope, pool, lang, cased(pool, name, style), derived);
    }
    if (scope.oom)
        pool->oom = 1;
    scope_free(&scope);
    return names;
}

static const char *method_name_of(const void *svc, size_t i)
{
    return ((const tc_service *)svc)->methods[i].name;
}

static const char *field_name_of(const void *st, size_t i)
{
    const tc_field *f = &((const tc_struct *)st)->fields[i];
    return f->type.kind == TC_T_PAD ? NULL : f->name;
}

const char **emit_rpc_member_names(tc_pool *pool, const tc_service *svc, tc_names_lang lang, char style,
                                   const char *const *fixed, const char *const *derived)
{
    return claim_names(pool, svc->nmethods, method_name_of, svc, lang, style, NULL, fixed, derived);
}

const char **emit_field_names(tc_pool *pool, const tc_struct *st, tc_names_lang lang, char style, const char *self,
                              const char *const *fixed, const char *const *derived)
{
    return claim_names(pool, st->nfields, field_name_of, st, lang, style, self, fixed, derived);
}

/* A type name of `lang` for schema name `name`. */
static const char *rpc_type_name(tc_pool *pool, tc_names_lang lang, const char *name, bool pascal)
{
    return names_ident(pool, lang, pascal ? pool_keep(pool, name_pascal(name)) : name);
}

void emit_rpc_check_types(tc_buf *errors, tc_pool *pool, tc_names_lang lang, const tc_schema *sc, bool pascal,
                          const char *const *formats)
{
    if (!sc->nservices)
        return;
    tc_defs defs = {0};
    size_t first;
    for (size_t i = 0; i < sc->nenums; i++)
        defs_add(&defs, rpc_type_name(pool, lang, sc->enums[i].name, pascal), sc->enums[i].loc,
                 pool_printf(pool, "%s %s", sc->enums[i].is_flags ? "flags" : "enum", sc->enums[i].name), &first);
    for (size_t i = 0; i < sc->nstructs; i++)
        defs_add(&defs, rpc_type_name(pool, lang, sc->structs[i].name, pascal), sc->structs[i].loc,
                 pool_printf(pool, "struct %s", sc->structs[i].name), &first);
    for (size_t s = 0; s < sc->nservices; s++) {
        const tc_service *svc = &sc->services[s];
        const char *base = pascal ? pool_keep(pool, name_pascal(svc->name)) : svc->name;
        const char *what = pool_printf(pool, "service %s", svc->name);
        for (size_t f = 0; formats[f]; f++) {
            const char *name = names_ident(pool, lang, pool_printf(pool, formats[f], base));
            if (defs_add(&defs, name, svc->loc, what, &first) != 0)
                emit_name_clash(errors, lang, name, svc->loc, what, defs.locs[first], defs.whats[first]);
        }
    }
    if (defs.oom)
        pool->oom = 1;
    defs_free(&defs);
}

void emit_defs_support(tc_defs *defs, tc_pool *pool, const char *lang, tc_names_lang names_lang, tc_loc loc,
                       tc_buf *errors)
{
    const tc_lang *l = tachc_lang_find(lang);
    const char *what = pool_printf(pool, "the %s support code", lang_title(names_lang));
    for (size_t i = 0; l && l->support && i < tc_support_count; i++)
        if (strcmp(tc_support_sections[i].file, l->support) == 0)
            emit_defs_scan(defs, pool, names_lang, tc_support_sections[i].text, loc, what, errors);
}

void emit_reserved_range(tc_buf *b, const tc_reserved *r, const char *var, const char *suffix, bool paren)
{
    if (r->lo == r->hi)
        buf_printf(b, "%s == %" PRIu32 "%s", var, r->lo, suffix);
    else if (r->lo == 0)
        buf_printf(b, "%s <= %" PRIu32 "%s", var, r->hi, suffix);
    else
        buf_printf(b, "%s%s >= %" PRIu32 "%s && %s <= %" PRIu32 "%s%s", paren ? "(" : "", var, r->lo, suffix, var,
                   r->hi, suffix, paren ? ")" : "");
}

void emit_reserved_test(tc_buf *b, const tc_schema *sc, const char *var, const char *suffix, const char *sep)
{
    for (size_t i = 0; i < sc->nreserved; i++) {
        if (i)
            buf_puts(b, sep);
        emit_reserved_range(b, &sc->reserved[i], var, suffix, true);
    }
}

void emit_float_text(char *out, size_t n, double v, bool single, bool shortest, bool point)
{
    if (!shortest) {
        snprintf(out, n, single ? "%.9g" : "%.17g", v);
    } else {
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(out, n, "%.*g", prec, v);
            if (single ? (strtof(out, NULL) == (float)v) : (strtod(out, NULL) == v))
                break;
        }
    }
    if (point && !strpbrk(out, ".e"))
        strncat(out, ".0", n - strlen(out) - 1);
}

void emit_string_literal(tc_buf *b, const char *s, tc_str_style style)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t left = strlen((const char *)p);
    buf_puts(b, "\"");
    while (left > 0) {
        uint32_t cp;
        size_t n = utf8_decode(p, left, &cp);
        if (n == 0) { /* the lexer refuses such text; a byte stands for itself */
            cp = *p;
            n = 1;
        }
        p += n;
        left -= n;
        switch (cp) {
        case '"': buf_puts(b, "\\\""); continue;
        case '\\': buf_puts(b, "\\\\"); continue;
        case '\n': buf_puts(b, "\\n"); continue;
        case '\r': buf_puts(b, "\\r"); continue;
        case '\t': buf_puts(b, "\\t"); continue;
        case '$':
            buf_puts(b, style == STR_KOTLIN ? "\\$" : "$");
            continue;
        default: break;
        }
        if (cp >= 0x20 && cp < 0x7f) {
            char ch = (char)cp;
            buf_put(b, &ch, 1);
            continue;
        }
        switch (style) {
        case STR_RUST:
            if (cp < 0x80)
                buf_printf(b, "\\x%02x", (unsigned)cp);
            else
                buf_printf(b, "\\u{%x}", (unsigned)cp);
            break;
        case STR_PYTHON:
            if (cp < 0x100)
                buf_printf(b, "\\x%02x", (unsigned)cp);
            else if (cp < 0x10000)
                buf_printf(b, "\\u%04x", (unsigned)cp);
            else
                buf_printf(b, "\\U%08x", (unsigned)cp);
            break;
        case STR_JS:
            if (cp < 0x100)
                buf_printf(b, "\\x%02x", (unsigned)cp);
            else
                buf_printf(b, "\\u{%x}", (unsigned)cp);
            break;
        case STR_UTF16:
        case STR_KOTLIN:
            if (cp < 0x10000) {
                buf_printf(b, "\\u%04x", (unsigned)cp);
            } else {
                uint32_t v = cp - 0x10000;
                buf_printf(b, "\\u%04x\\u%04x", (unsigned)(0xd800 + (v >> 10)), (unsigned)(0xdc00 + (v & 0x3ff)));
            }
            break;
        }
    }
    buf_puts(b, "\"");
}
