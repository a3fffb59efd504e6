/* names.c - case conversion, the keywords of every target language, the
 * mangling rule per language and collision scopes (see names.h). */
#include "names.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* ---- keywords --------------------------------------------------------------- */

/* Each list holds the words that cannot be used as an identifier where the
 * generated code declares one (members, parameters, types, modules). */
static const char *const kw_c[] = {
    /* C11 */
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
    "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
    "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while",
    "_Alignas", "_Alignof", "_Atomic", "_Bool", "_Complex", "_Generic", "_Imaginary", "_Noreturn",
    "_Static_assert", "_Thread_local",
    /* C23, and the macros of the headers generated code includes */
    "alignas", "alignof", "bool", "constexpr", "false", "nullptr", "static_assert", "thread_local", "true",
    "typeof", "typeof_unqual", "NULL", NULL};

static const char *const kw_cpp[] = {
    "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case", "catch",
    "char", "char8_t", "char16_t", "char32_t", "class", "compl", "concept", "const", "consteval", "constexpr",
    "constinit", "const_cast", "continue", "co_await", "co_return", "co_yield", "decltype", "default", "delete",
    "do", "double", "dynamic_cast", "else", "enum", "explicit", "export", "extern", "false", "float", "for",
    "friend", "goto", "if", "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq",
    "nullptr", "operator", "or", "or_eq", "private", "protected", "public", "register", "reinterpret_cast",
    "requires", "return", "short", "signed", "sizeof", "static", "static_assert", "static_cast", "struct",
    "switch", "template", "this", "thread_local", "throw", "true", "try", "typedef", "typeid", "typename",
    "union", "unsigned", "using", "virtual", "void", "volatile", "wchar_t", "while", "xor", "xor_eq", "NULL",
    NULL};

static const char *const kw_rust[] = {
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro",
    "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "self", "Self", "static",
    "struct", "super", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use", "virtual", "where",
    "while", "yield", "_", NULL};

static const char *const kw_python[] = {
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def",
    "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
    "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield", NULL};

static const char *const kw_go[] = {
    "break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough", "for", "func",
    "go", "goto", "if", "import", "interface", "map", "package", "range", "return", "select", "struct",
    "switch", "type", "var", NULL};

static const char *const kw_java[] = {
    "abstract", "assert", "boolean", "break", "byte", "case", "catch", "char", "class", "const", "continue",
    "default", "do", "double", "else", "enum", "extends", "final", "finally", "float", "for", "goto", "if",
    "implements", "import", "instanceof", "int", "interface", "long", "native", "new", "package", "private",
    "protected", "public", "return", "short", "static", "strictfp", "super", "switch", "synchronized", "this",
    "throw", "throws", "transient", "try", "void", "volatile", "while", "true", "false", "null", "_",
    /* contextual words that cannot name a type */
    "var", "yield", "record", "sealed", "permits", NULL};

static const char *const kw_kotlin[] = {
    "as", "break", "class", "continue", "do", "else", "false", "for", "fun", "if", "in", "interface", "is",
    "null", "object", "package", "return", "super", "this", "throw", "true", "try", "typealias", "typeof",
    "val", "var", "when", "while", NULL};

static const char *const kw_ts[] = {
    /* ECMAScript reserved words, strict mode included */
    "await", "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do",
    "else", "enum", "export", "extends", "false", "finally", "for", "function", "if", "import", "in",
    "instanceof", "new", "null", "return", "super", "switch", "this", "throw", "true", "try", "typeof", "var",
    "void", "while", "with", "yield", "implements", "interface", "let", "package", "private", "protected",
    "public", "static", "arguments", "eval",
    /* TypeScript: names a type or class cannot take */
    "any", "bigint", "boolean", "never", "number", "object", "string", "symbol", "undefined", "unknown", NULL};

static const char *const kw_csharp[] = {
    "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const",
    "continue", "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern",
    "false", "finally", "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface",
    "internal", "is", "lock", "long", "namespace", "new", "null", "object", "operator", "out", "override",
    "params", "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed", "short",
    "sizeof", "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try", "typeof",
    "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void", "volatile", "while", NULL};

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
    for (const char *const *k = lang_rules[lang].keywords; *k; k++)
        if (strcmp(*k, ident) == 0)
            return true;
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

bool scope_has(const tc_scope *s, const char *name)
{
    if (!s->cap)
        return false;
    for (size_t i = (size_t)hash_name(name) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (!s->slots[i])
            return false;
        if (strcmp(s->slots[i], name) == 0)
            return true;
    }
}

static void scope_insert(const char **slots, size_t cap, const char *name)
{
    size_t i = (size_t)hash_name(name) & (cap - 1);
    while (slots[i])
        i = (i + 1) & (cap - 1);
    slots[i] = name;
}

bool scope_take(tc_scope *s, const char *name)
{
    if (scope_has(s, name))
        return false;
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 32;
        const char **slots = calloc(cap, sizeof *slots);
        if (!slots) {
            s->oom = 1;
            return true;
        }
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i])
                scope_insert(slots, cap, s->slots[i]);
        free(s->slots);
        s->slots = slots;
        s->cap = cap;
    }
    scope_insert(s->slots, s->cap, name);
    s->n++;
    return true;
}

void scope_free(tc_scope *s)
{
    free(s->slots);
    memset(s, 0, sizeof *s);
}

/* The name derived from `base` by the format `fmt` (one %s). */
static const char *derive(tc_pool *pool, const char *fmt, const char *base)
{
    const char *at = strstr(fmt, "%s");
    if (!at)
        return pool_printf(pool, "%s", fmt);
    return pool_printf(pool, "%.*s%s%s", (int)(at - fmt), fmt, base, at + 2);
}

const char *scope_claim(tc_scope *s, tc_pool *pool, tc_names_lang lang, const char *ident,
                        const char *const *derived)
{
    const char *name = names_ident(pool, lang, ident);
    for (;;) {
        bool free_ = !scope_has(s, name);
        for (size_t i = 0; free_ && derived && derived[i]; i++)
            free_ = !scope_has(s, derive(pool, derived[i], name));
        if (free_ || pool->oom)
            break;
        name = pool_printf(pool, "%s_", name);
    }
    scope_take(s, name);
    for (size_t i = 0; derived && derived[i]; i++)
        scope_take(s, derive(pool, derived[i], name));
    return name;
}

/* ---- definitions ------------------------------------------------------------ */

int defs_add(tc_defs *d, const char *name, tc_loc loc, const char *what, size_t *first)
{
    if (scope_has(&d->index, name)) {
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
    scope_take(&d->index, name);
    if (d->index.oom)
        d->oom = 1;
    return 0;
}

void defs_free(tc_defs *d)
{
    scope_free(&d->index);
    free(d->names);
    free(d->locs);
    free(d->whats);
    memset(d, 0, sizeof *d);
}
