/*
 * names.h - how schema names become identifiers in every target language:
 * case conversion, the keyword sets of every target (today's and those filed:
 * C, C++, Rust, Python, Go, Java, Kotlin, TypeScript/JavaScript, C#), the one
 * mangling rule per language, and scopes that detect collisions between the
 * names one generated type or file defines.
 *
 * The rule (README "Names in generated code"): an identifier that is a keyword
 * of the target gets "_" appended (Rust: the raw identifier r#name, except
 * self, Self, super, crate and _ which get "_"); an identifier that collides
 * with a name the generator already placed in the same scope (a fixed member
 * such as new/clear, or a name derived from an earlier field such as
 * set_x / x_str) gets "_" appended until it is free. Clashes that no mangling
 * can make readable (two schema names with the same snake_case or camelCase
 * spelling in one scope) are refused by the front end with file:line:col.
 *
 * Depends on buf.h only: usable by the front end and by every emitter.
 */
#ifndef TACHC_NAMES_H
#define TACHC_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "model.h"

/* Every target language's naming rules, whether or not its emitter exists yet. */
typedef enum tc_names_lang {
    TC_NAMES_C,
    TC_NAMES_CPP,
    TC_NAMES_RUST,
    TC_NAMES_PYTHON,
    TC_NAMES_GO,
    TC_NAMES_JAVA,
    TC_NAMES_KOTLIN,
    TC_NAMES_TS, /* TypeScript and the JavaScript it compiles to */
    TC_NAMES_CSHARP,
    TC_NAMES_COUNT
} tc_names_lang;

/* "c", "cpp", "rust", "python", "go", "java", "kotlin", "ts", "csharp". */
const char *names_lang_name(tc_names_lang lang);

/* Case conversion: return a malloc'd string the caller frees (NULL on OOM).
 * Words split at '_', at lower/digit->upper and before the last capital of an
 * upper-case run ("MarketTick" -> market tick, "HTTPServer" -> http server). */
char *name_snake(const char *s); /* market_tick */
char *name_upper(const char *s); /* MARKET_TICK */
char *name_camel(const char *s); /* marketTick */
char *name_pascal(const char *s);/* MarketTick */

/* True when `ident` is a reserved word of `lang` (it cannot name a variable,
 * field, method or type there). */
bool names_is_keyword(tc_names_lang lang, const char *ident);
/* True when `ident` is a reserved word of any target language. */
bool names_is_any_keyword(const char *ident);

/* The keyword rule of `lang` applied to `ident` (already in the target's
 * case): `ident` itself when it is no keyword, else the mangled spelling,
 * kept in `pool` ("" and pool->oom on OOM). */
const char *names_ident(tc_pool *pool, tc_names_lang lang, const char *ident);

/* A set of identifiers taken in one generated scope (a struct's members, a
 * module's top-level names). Zero-initialise; scope_free at the end. */
typedef struct tc_scope {
    const char **slots; /* open addressing; strings must outlive the scope */
    uint64_t *hashes;   /* each slot's hash: most probes never touch the string */
    size_t cap, n;
    tc_arena arena;     /* the names scope_claim derives and keeps */
    int oom;
} tc_scope;

/* Marks `name` taken (a fixed generated name such as "new" or "as_bytes").
 * Returns true when it was free. */
bool scope_take(tc_scope *s, const char *name);
bool scope_has(const tc_scope *s, const char *name);
/* Makes room for `n` more names at once (no rehash while they are taken). */
void scope_reserve(tc_scope *s, size_t n);
void scope_free(tc_scope *s);

/* The names one generated unit (a C program's headers, a Rust module, a Go
 * package, a Python module) defines, each with the schema declaration that
 * made it: the last line of defence against two definitions of one name.
 * Zero-initialise; defs_free at the end. */
typedef struct tc_defs {
    tc_arena arena;     /* the names scanned (cheap bump allocation) */
    tc_scope index;     /* name -> taken */
    const char **names; /* parallel arrays, in order of definition */
    tc_loc *locs;
    const char **whats;
    size_t n, cap;
    int oom;
} tc_defs;

/* Records that `name` (pool-owned or static) is defined for `what` (e.g.
 * "struct Probe") declared at `loc`. Returns -1 and the index of the first
 * definition in *first when the name is defined already, else 0. */
int defs_add(tc_defs *d, const char *name, tc_loc loc, const char *what, size_t *first);
void defs_free(tc_defs *d);

/* The identifier for a schema name in a scope: the keyword rule of `lang`
 * (TC_NAMES_COUNT: none),
 * then "_" appended while the result, or any name derived from it by
 * `derived` (printf formats with one %s, e.g. "set_%s", "%s_str"; NULL-ended
 * list, may be NULL), is taken. Takes the result and its derived names and
 * returns the result (in pool; "" and pool->oom on OOM). */
const char *scope_claim(tc_scope *s, tc_pool *pool, tc_names_lang lang, const char *ident,
                        const char *const *derived);

#endif
