/* names.c - case conversion, the keywords of every target language, the
 * mangling rule per language and collision scopes (see names.h). */
#include "names.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Splits `s` into lower-case words and joins them: sep between words; `style`
 * 0 = lower, 1 = upper, 2 = camel, 3 = pascal. */
/* ASCII classes (tachc never sets a locale, so these are what ctype.h
 * answers, without a call per byte: this runs for every generated name). */
static inline bool a_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static inline bool a_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
static inline bool a_digit(unsigned char c) { return c >= '0' && c <= '9'; }

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
        int boundary = i > 0 && a_upper(c) && (a_lower((unsigned char)s[i - 1]) || a_digit((unsigned char)s[i - 1]));
        /* "HTTPServer": split before the last capital of an upper-case run. */
        if (i > 0 && a_upper(c) && a_upper((unsigned char)s[i - 1]) && i + 1 < n && a_lower((unsigned char)s[i + 1]))
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
        out[o++] = (char)(up ? (a_lower(c) ? c - 32 : c) : (a_upper(c) ? c + 32 : c));
        at_start = 0;
    }
    out[o] = '\0';
    return out;
}

char *name_snake(const char *s) { return name_join(s, "_", 0); }
char *name_upper(const char *s) { return name_join(s, "_", 1); }
char *name_camel(const char *s) { return name_join(s, "", 2); }
char *name_pascal(const char *s) { return name_join(s, "", 3); }

/* ---- keywords --------------------------------------------------------------- */

/* Each list holds the words that cannot be used as an identifier where the
 * generated code declares one (members, parameters, types, modules): the
 * language's keywords, reserved words and the contextual words that cannot
 * name a type, in strcmp order (names_is_keyword searches them by halves). */
static const char *const kw_c[] = {
    "NULL", "_Alignas", "_Alignof", "_Atomic", "_Bool", "_Complex", "_Generic", "_Imaginary", "_Noreturn",
    "_Static_assert", "_Thread_local", "alignas", "alignof", "auto", "bool", "break", "case", "char", "const",
    "constexpr", "continue", "default", "do", "double", "else", "enum", "extern", "false", "float", "for", "goto",
    "if", "inline", "int", "long", "nullptr", "register", "restrict", "return", "short", "signed", "sizeof",
    "static", "static_assert", "struct", "switch", "thread_local", "true", "typedef", "typeof", "typeof_unqual",
    "union", "unsigned", "void", "volatile", "while", NULL};

static const char *const kw_cpp[] = {
    "NULL", "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case",
    "catch", "char", "char16_t", "char32_t", "char8_t", "class", "co_await", "co_return", "co_yield", "compl",
    "concept", "const", "const_cast", "consteval", "constexpr", "constinit", "continue", "decltype", "default",
    "delete", "do", "double", "dynamic_cast", "else", "enum", "explicit", "export", "extern", "false", "float",
    "for", "friend", "goto", "if", "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not",
    "not_eq", "nullptr", "operator", "or", "or_eq", "private", "protected", "public", "register",
    "reinterpret_cast", "requires", "return", "short", "signed", "sizeof", "static", "static_assert",
    "static_cast", "struct", "switch", "template", "this", "thread_local", "throw", "true", "try", "typedef",
    "typeid", "typename", "union", "unsigned", "using", "virtual", "void", "volatile", "wchar_t", "while", "xor",
    "xor_eq", NULL};

static const char *const kw_rust[] = {
    "Self", "_", "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate", "do",
    "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop",
    "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "self", "static",
    "struct", "super", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use", "virtual", "where",
    "while", "yield", NULL};

static const char *const kw_python[] = {
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
    "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
    "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield", NULL};

static const char *const kw_go[] = {
    "break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough", "for", "func", "go",
    "goto", "if", "import", "interface", "map", "package", "range", "return", "select", "struct", "switch",
    "type", "var", NULL};

static const char *const kw_java[] = {
    "_", "abstract", "assert", "boolean", "break", "byte", "case", "catch", "char", "class", "const", "continue",
    "default", "do", "double", "else", "enum", "extends", "false", "final", "finally", "float", "for", "goto",
    "if", "implements", "import", "instanceof", "int", "interface", "long", "native", "new", "null", "package",
    "permits", "private", "protected", "public", "record", "return", "sealed", "short", "static", "strictfp",
    "super", "switch", "synchronized", "this", "throw", "throws", "transient", "true", "try", "var", "void",
    "volatile", "while", "yield", NULL};

static const char *const kw_kotlin[] = {
    "as", "break", "class", "continue", "do", "else", "false", "for", "fun", "if", "in", "interface", "is",
    "null", "object", "package", "return", "super", "this", "throw", "true", "try", "typealias", "typeof", "val",
    "var", "when", "while", NULL};

static const char *const kw_ts[] = {
    "any", "arguments", "await", "bigint", "boolean", "break", "case", "catch", "class", "const", "continue",
    "debugger", "default", "delete", "do", "else", "enum", "eval", "export", "extends", "false", "finally", "for",
    "function", "if", "implements", "import", "in", "instanceof", "interface", "let", "never", "new", "null",
    "number", "object", "package", "private", "protected", "public", "return", "static", "string", "super",
    "switch", "symbol", "this", "throw", "true", "try", "typeof", "undefined", "unknown", "var", "void", "while",
    "with", "yield", NULL};

static const char *const kw_csharp[] = {
    "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const",
    "continue", "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern",
    "false", "finally", "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface",
    "internal", "is", "lock", "long", "namespace", "new", "null", "object", "operator", "out", "override",
    "params", "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed", "short", "sizeof",
    "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try", "typeof", "uint",
    "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void", "volatile", "while", NULL};

static const struct {
    const char *name;
    const char *const *keywords;
} lang_rules[TC_NAMES_COUNT] = {
    [TC_NAMES_C] = {"c", kw_c},
    [TC_NAMES_CPP] = {"cpp", kw_cpp},
    [TC_NAMES_RUST] = {"rust", kw_rust},
    [TC_NAMES_PYTHON] = {"python", kw_python},
    [TC_NAMES_GO] = {"go", kw_go},
    [TC_NAMES_JAVA] = {"java", kw_java},
    [TC_NAMES_KOTLIN] = {"kotlin", kw_kotlin},
    [TC_NAMES_TS] = {"ts", kw_ts},
    [TC_NAMES_CSHARP] = {"csharp", kw_csharp},
};

const char *names_lang_name(tc_names_lang lang)
{
    return (unsigned)lang < TC_NAMES_COUNT ? lang_rules[lang].name : "?";
}

bool names_is_keyword(tc_names_lang lang, const char *ident)
{
    if ((unsigned)lang >= TC_NAMES_COUNT)
        return false;
    const char *const *k = lang_rules[lang].keywords;
    size_t lo = 0, hi = 0;
    while (k[hi])
        hi++;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(k[mid], ident);
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

bool names_is_any_keyword(const char *ident)
{
    for (int l = 0; l < TC_NAMES_COUNT; l++)
        if (names_is_keyword((tc_names_lang)l, ident))
            return true;
    return false;
}

const char *names_ident(tc_pool *pool, tc_names_lang lang, const char *ident)
{
    if (!names_is_keyword(lang, ident))
        return ident;
    /* Rust has raw identifiers, except for the path words and "_". */
    if (lang == TC_NAMES_RUST && strcmp(ident, "self") != 0 && strcmp(ident, "Self") != 0 &&
        strcmp(ident, "super") != 0 && strcmp(ident, "crate") != 0 && strcmp(ident, "_") != 0)
        return pool_printf(pool, "r#%s", ident);
    return pool_printf(pool, "%s_", ident);
}

/* ---- scopes ----------------------------------------------------------------- */

static uint64_t hash_name(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ull;
    }
    return h;
}

/* The slot of `name` (hash h) in a table of cap slots (a power of two):
 * where it is, or the empty slot where it would go. */
static size_t scope_slot(const char *const *slots, const uint64_t *hashes, size_t cap, const char *name,
                         uint64_t h)
{
    size_t i = (size_t)h & (cap - 1);
    while (slots[i] && (hashes[i] != h || strcmp(slots[i], name) != 0))
        i = (i + 1) & (cap - 1);
    return i;
}

static bool scope_has_h(const tc_scope *s, const char *name, uint64_t h)
{
    return s->cap && s->slots[scope_slot(s->slots, s->hashes, s->cap, name, h)] != NULL;
}

bool scope_has(const tc_scope *s, const char *name) { return scope_has_h(s, name, hash_name(name)); }

/* Rehashes the table into `cap` slots (a power of two above twice s->n);
 * false (and oom) when memory ran out. */
static bool scope_grow(tc_scope *s, size_t cap)
{
    /* one block: the hashes, then the slots (scope_free frees hashes) */
    uint64_t *hashes = calloc(cap, sizeof *hashes + sizeof(const char *));
    if (!hashes) {
        s->oom = 1;
        return false;
    }
    const char **slots = (const char **)(hashes + cap);
    for (size_t i = 0; i < s->cap; i++) {
        if (s->slots[i]) {
            size_t at = scope_slot(slots, hashes, cap, s->slots[i], s->hashes[i]);
            slots[at] = s->slots[i];
            hashes[at] = s->hashes[i];
        }
    }
    free(s->hashes);
    s->slots = slots;
    s->hashes = hashes;
    s->cap = cap;
    return true;
}

void scope_reserve(tc_scope *s, size_t n)
{
    size_t cap = s->cap ? s->cap : 64;
    while ((s->n + n + 1) * 2 > cap)
        cap *= 2;
    if (cap != s->cap)
        scope_grow(s, cap);
}

/* scope_take with the hash of name already computed. */
static bool scope_take_h(tc_scope *s, const char *name, uint64_t h)
{
    if ((s->n + 1) * 2 > s->cap && !scope_grow(s, s->cap ? s->cap * 2 : 64))
        return true;
    size_t at = scope_slot(s->slots, s->hashes, s->cap, name, h);
    if (s->slots[at])
        return false;
    s->slots[at] = name;
    s->hashes[at] = h;
    s->n++;
    return true;
}

bool scope_take(tc_scope *s, const char *name) { return scope_take_h(s, name, hash_name(name)); }

void scope_free(tc_scope *s)
{
    arena_free(&s->arena);
    free(s->hashes); /* and the slots, in the same block */
    memset(s, 0, sizeof *s);
}

/* The name derived from `base` by `fmt` (one %s) into out[size]; false
 * when it does not fit. No printf: scope_claim runs for every field. */
static bool derive(char *out, size_t size, const char *fmt, const char *base)
{
    const char *at = fmt; /* the "%s" (a loop: strstr costs more on these short formats) */
    while (*at && !(at[0] == '%' && at[1] == 's'))
        at++;
    if (!*at)
        at = NULL;
    size_t pre = at ? (size_t)(at - fmt) : strlen(fmt), nb = at ? strlen(base) : 0;
    size_t post = at ? strlen(at + 2) : 0;
    if (pre + nb + post + 1 > size)
        return false;
    memcpy(out, fmt, pre);
    memcpy(out + pre, base, nb);
    memcpy(out + pre + nb, at ? at + 2 : "", post);
    out[pre + nb + post] = '\0';
    return true;
}

const char *scope_claim(tc_scope *s, tc_pool *pool, tc_names_lang lang, const char *ident,
                        const char *const *derived)
{
    /* Each derived name is built, hashed and kept once: the same string is
     * checked and then taken (this runs for every field of every struct). */
    enum { MAX_DERIVED = 32 };
    char buf[512];
    const char *dname[MAX_DERIVED];
    uint64_t dhash[MAX_DERIVED];
    size_t nd = 0;
    while (derived && derived[nd])
        nd++;
    if (nd > MAX_DERIVED) { /* no caller has this many; refuse rather than skip a check */
        pool->oom = 1;
        return "";
    }
    const char *name = names_ident(pool, lang, ident);
    uint64_t h;
    for (;;) {
        h = hash_name(name);
        bool free_ = !scope_has_h(s, name, h);
        for (size_t i = 0; i < nd; i++) {
            dname[i] = NULL;
            if (free_ && derive(buf, sizeof buf, derived[i], name)) {
                dname[i] = arena_strdup(&s->arena, buf);
                if (!dname[i]) {
                    s->oom = 1;
                    continue;
                }
                dhash[i] = hash_name(dname[i]);
                free_ = !scope_has_h(s, dname[i], dhash[i]);
            }
        }
        if (free_ || pool->oom)
            break;
        name = pool_printf(pool, "%s_", name);
    }
    scope_take_h(s, name, h);
    for (size_t i = 0; i < nd; i++)
        if (dname[i])
            scope_take_h(s, dname[i], dhash[i]);
    return name;
}

/* ---- definitions ------------------------------------------------------------ */

int defs_add(tc_defs *d, const char *name, tc_loc loc, const char *what, size_t *first)
{
    if (!name)
        return 0;
    if (!scope_take(&d->index, name)) {
        for (size_t i = 0; i < d->n; i++) {
            if (strcmp(d->names[i], name) == 0) {
                *first = i;
                return -1;
            }
        }
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 64;
        const char **names = realloc(d->names, cap * sizeof *names);
        if (names)
            d->names = names;
        tc_loc *locs = realloc(d->locs, cap * sizeof *locs);
        if (locs)
            d->locs = locs;
        const char **whats = realloc(d->whats, cap * sizeof *whats);
        if (whats)
            d->whats = whats;
        if (!names || !locs || !whats) {
            d->oom = 1;
            return 0;
        }
        d->cap = cap;
    }
    d->names[d->n] = name;
    d->locs[d->n] = loc;
    d->whats[d->n] = what;
    d->n++;
    if (d->index.oom)
        d->oom = 1;
    return 0;
}

void defs_free(tc_defs *d)
{
    arena_free(&d->arena);
    scope_free(&d->index);
    free(d->names);
    free(d->locs);
    free(d->whats);
    memset(d, 0, sizeof *d);
}
