/* arena.c - the bump allocator and the arena-backed hash map. */
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK_SIZE (64 * 1024)
#define ARENA_ALIGN 16

struct tc_arena_block {
    tc_arena_block *next;
    size_t used, cap;
    _Alignas(ARENA_ALIGN) unsigned char data[];
};

/* size bytes, not cleared. */
static void *arena_take(tc_arena *a, size_t size)
{
    if (a->oom)
        return NULL;
    size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (size == 0)
        size = ARENA_ALIGN;
    tc_arena_block *b = a->head;
    if (!b || b->cap - b->used < size) {
        /* A large request gets a block of its own, so the current block keeps
         * serving small ones. */
        size_t cap = size > ARENA_BLOCK_SIZE / 4 ? size : ARENA_BLOCK_SIZE;
        tc_arena_block *nb = malloc(sizeof *nb + cap);
        if (!nb) {
            a->oom = 1;
            return NULL;
        }
        nb->used = 0;
        nb->cap = cap;
        if (b && cap == size && b->cap - b->used >= ARENA_ALIGN) {
            /* keep the partly used block at the head */
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            a->head = nb;
        }
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += size;
    return p;
}

void *arena_alloc(tc_arena *a, size_t size)
{
    void *p = arena_take(a, size);
    if (p)
        memset(p, 0, size);
    return p;
}

char *arena_strndup(tc_arena *a, const char *s, size_t n)
{
    char *d = arena_take(a, n + 1); /* every byte is written below */
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *arena_strdup(tc_arena *a, const char *s) { return arena_strndup(a, s, strlen(s)); }

char *arena_printf(tc_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *d = arena_alloc(a, (size_t)n + 1);
    if (!d)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(d, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return d;
}

void arena_free(tc_arena *a)
{
    tc_arena_block *b = a->head;
    while (b) {
        tc_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->oom = 0;
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ull;
    }
    return h;
}

void map_init(tc_map *m, tc_arena *a)
{
    memset(m, 0, sizeof *m);
    m->arena = a;
}

void *map_get(const tc_map *m, const char *key)
{
    if (m->cap == 0)
        return NULL;
    size_t mask = m->cap - 1;
    for (size_t i = (size_t)hash_str(key) & mask;; i = (i + 1) & mask) {
        if (!m->keys[i])
            return NULL;
        if (strcmp(m->keys[i], key) == 0)
            return m->vals[i];
    }
}

static int map_grow(tc_map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 16;
    const char **keys = arena_alloc(m->arena, cap * sizeof *keys);
    void **vals = arena_alloc(m->arena, cap * sizeof *vals);
    if (!keys || !vals)
        return -1;
    for (size_t j = 0; j < m->cap; j++) {
        if (!m->keys[j])
            continue;
        size_t i = (size_t)hash_str(m->keys[j]) & (cap - 1);
        while (keys[i])
            i = (i + 1) & (cap - 1);
        keys[i] = m->keys[j];
        vals[i] = m->vals[j];
    }
    m->keys = keys;
    m->vals = vals;
    m->cap = cap;
    return 0;
}

void *map_put(tc_map *m, const char *key, void *val)
{
    if ((m->n + 1) * 2 > m->cap && map_grow(m))
        return NULL;
    size_t mask = m->cap - 1;
    size_t i = (size_t)hash_str(key) & mask;
    for (; m->keys[i]; i = (i + 1) & mask)
        if (strcmp(m->keys[i], key) == 0)
            return m->vals[i];
    m->keys[i] = key;
    m->vals[i] = val;
    m->n++;
    return NULL;
}
