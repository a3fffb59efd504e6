/*
 * arena.h - one bump allocator that owns every AST node, model object and
 * string of a tachc run, freed at once with arena_free; and a string-keyed hash
 * map whose memory also lives in an arena (name lookup without quadratic scans).
 */
#ifndef TACHC_ARENA_H
#define TACHC_ARENA_H

#include <stddef.h>

typedef struct tc_arena_block tc_arena_block;

typedef struct tc_arena {
    tc_arena_block *head; /* newest block first */
    int oom;              /* set when malloc failed; every later alloc returns NULL */
} tc_arena;

/* Returns zeroed memory aligned for any object, or NULL when out of memory. */
void *arena_alloc(tc_arena *a, size_t size);
/* Returns a NUL-terminated copy of s (or of its first n bytes). */
char *arena_strdup(tc_arena *a, const char *s);
char *arena_strndup(tc_arena *a, const char *s, size_t n);
/* Returns a formatted string in the arena. */
char *arena_printf(tc_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Frees every block; the arena may be reused afterwards. */
void arena_free(tc_arena *a);

/* A map from strings to pointers. Keys are not copied: they must outlive the map
 * (arena strings do). */
typedef struct tc_map {
    tc_arena *arena;
    const char **keys;
    void **vals;
    size_t cap, n; /* cap: a power of two, or 0 */
} tc_map;

void map_init(tc_map *m, tc_arena *a);
/* Returns the value stored under key, or NULL. */
void *map_get(const tc_map *m, const char *key);
/* Stores val under key unless key is present; returns the value already there
 * (and stores nothing) or NULL when val was stored (or memory ran out: a->oom). */
void *map_put(tc_map *m, const char *key, void *val);

#endif
