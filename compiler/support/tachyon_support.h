/*
 * tachyon_support.h - the helpers every C header tachc generates carries:
 * little-endian loads and stores through memcpy, bool and char[N] text.
 *
 * tachc embeds the lines between the tachc-support markers into each generated
 * header at build time (compiler/embed_support.awk); they are guarded, so
 * several generated headers can be included in one translation unit. The
 * compiler tests compile this file as C11 and C++17 with every warning on.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* tachc-support: begin helpers */
#ifndef TACHC_C_HELPERS_V1
#define TACHC_C_HELPERS_V1
/* Little-endian loads and stores through memcpy: safe at any alignment, one
 * plain move on little-endian hosts, byte assembly elsewhere. */
#ifndef TACHC_HOST_LE /* -DTACHC_HOST_LE=0 forces the portable byte-by-byte path */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define TACHC_HOST_LE 1
#else
#define TACHC_HOST_LE 0
#endif
#endif

#ifdef __cplusplus
#define TACHC_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define TACHC_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

static inline uint8_t tachc_ld_u8(const void *p)
{
    uint8_t v;
    memcpy(&v, p, 1);
    return v;
}

static inline uint16_t tachc_ld_u16(const void *p)
{
#if TACHC_HOST_LE
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return v;
#else
    const uint8_t *b = (const uint8_t *)p;
    return (uint16_t)(b[0] | (b[1] << 8));
#endif
}

static inline uint32_t tachc_ld_u32(const void *p)
{
#if TACHC_HOST_LE
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
#else
    const uint8_t *b = (const uint8_t *)p;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
#endif
}

static inline uint64_t tachc_ld_u64(const void *p)
{
#if TACHC_HOST_LE
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
#else
    const uint8_t *b = (const uint8_t *)p;
    return (uint64_t)tachc_ld_u32(b) | (uint64_t)tachc_ld_u32(b + 4) << 32;
#endif
}

static inline void tachc_st_u8(void *p, uint8_t v) { memcpy(p, &v, 1); }

static inline void tachc_st_u16(void *p, uint16_t v)
{
#if TACHC_HOST_LE
    memcpy(p, &v, sizeof v);
#else
    uint8_t *b = (uint8_t *)p;
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
#endif
}

static inline void tachc_st_u32(void *p, uint32_t v)
{
#if TACHC_HOST_LE
    memcpy(p, &v, sizeof v);
#else
    uint8_t *b = (uint8_t *)p;
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
    b[2] = (uint8_t)(v >> 16);
    b[3] = (uint8_t)(v >> 24);
#endif
}

static inline void tachc_st_u64(void *p, uint64_t v)
{
#if TACHC_HOST_LE
    memcpy(p, &v, sizeof v);
#else
    tachc_st_u32(p, (uint32_t)v);
    tachc_st_u32((uint8_t *)p + 4, (uint32_t)(v >> 32));
#endif
}

static inline int8_t tachc_ld_i8(const void *p) { return (int8_t)tachc_ld_u8(p); }
static inline int16_t tachc_ld_i16(const void *p) { return (int16_t)tachc_ld_u16(p); }
static inline int32_t tachc_ld_i32(const void *p) { return (int32_t)tachc_ld_u32(p); }
static inline int64_t tachc_ld_i64(const void *p) { return (int64_t)tachc_ld_u64(p); }
static inline void tachc_st_i8(void *p, int8_t v) { tachc_st_u8(p, (uint8_t)v); }
static inline void tachc_st_i16(void *p, int16_t v) { tachc_st_u16(p, (uint16_t)v); }
static inline void tachc_st_i32(void *p, int32_t v) { tachc_st_u32(p, (uint32_t)v); }
static inline void tachc_st_i64(void *p, int64_t v) { tachc_st_u64(p, (uint64_t)v); }

static inline float tachc_ld_f32(const void *p)
{
    uint32_t u = tachc_ld_u32(p);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static inline double tachc_ld_f64(const void *p)
{
    uint64_t u = tachc_ld_u64(p);
    double f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static inline void tachc_st_f32(void *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    tachc_st_u32(p, u);
}

static inline void tachc_st_f64(void *p, double f)
{
    uint64_t u;
    memcpy(&u, &f, sizeof u);
    tachc_st_u64(p, u);
}

/* bool is one byte on the wire: any non-zero byte reads as true, true is stored as 1. */
static inline bool tachc_ld_bool(const void *p) { return tachc_ld_u8(p) != 0; }
static inline void tachc_st_bool(void *p, bool v) { tachc_st_u8(p, (uint8_t)(v ? 1 : 0)); }

/* char[N]: copies the NUL-padded text out, NUL-terminated when dst_size > 0;
 * returns the text's length (a result >= dst_size means dst was too small). */
static inline size_t tachc_ld_text(const void *p, size_t n, char *dst, size_t dst_size)
{
    const char *s = (const char *)p;
    size_t len = 0;
    while (len < n && s[len] != '\0')
        len++;
    if (dst_size > 0) {
        size_t c = len < dst_size - 1 ? len : dst_size - 1;
        memcpy(dst, s, c);
        dst[c] = '\0';
    }
    return len;
}

/* char[N]: stores s NUL-padded to n bytes; returns 0, or -1 (writing nothing)
 * when s is longer than n bytes. */
static inline int tachc_st_text(void *p, size_t n, const char *s)
{
    size_t len = 0;
    while (len <= n && s[len] != '\0')
        len++;
    if (len > n)
        return -1;
    memcpy(p, s, len);
    memset((char *)p + len, 0, n - len);
    return 0;
}
#endif /* TACHC_C_HELPERS_V1 */
/* tachc-support: end */
