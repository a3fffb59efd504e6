/*
 * soak.h - the message stream of the soak tests, shared by the C producer,
 * the C consumer and (re-implemented in tests/fault/soak_consumer.py) the
 * Python consumer.
 *
 * Message `seq` of a stream with seed `seed`:
 *   size    soak_size(seed, seq): 16..127 mostly, 1 in 32 up to 16..2063;
 *   type_id (uint32_t)(seq & 0xffff);
 *   payload [0..8) seq (u64 LE), [8..12) CRC-32 (zlib's) of bytes [16..size),
 *           [12..16) size (u32 LE), [16..size) bytes from a PRNG seeded by
 *           seq ^ seed.
 * A lost, duplicated, reordered, torn or foreign message fails one check.
 */
#ifndef TACHYON_SOAK_H
#define TACHYON_SOAK_H

#include <stdint.h>
#include <string.h>

#include "tachyon.h"

static inline uint64_t soak_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline uint32_t soak_size(uint64_t seed, uint64_t seq)
{
    uint64_t r = soak_mix(seq * 0x9e3779b97f4a7c15ull + seed);
    if ((r & 31) == 0)
        return 16 + (uint32_t)((r >> 8) % 2048);
    return 16 + (uint32_t)((r >> 8) % 112);
}

/* CRC-32 (zlib's polynomial), eight bytes per step ("slicing by 8"). */
static uint32_t soak_crc_table[8][256];

static inline void soak_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        soak_crc_table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            soak_crc_table[t][i] = (soak_crc_table[t - 1][i] >> 8) ^ soak_crc_table[0][soak_crc_table[t - 1][i] & 0xff];
}

static inline uint32_t soak_crc32(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint32_t lo, hi;
        memcpy(&lo, p + i, 4);
        memcpy(&hi, p + i + 4, 4);
        lo ^= c;
        c = soak_crc_table[7][lo & 0xff] ^ soak_crc_table[6][(lo >> 8) & 0xff] ^
            soak_crc_table[5][(lo >> 16) & 0xff] ^ soak_crc_table[4][lo >> 24] ^ soak_crc_table[3][hi & 0xff] ^
            soak_crc_table[2][(hi >> 8) & 0xff] ^ soak_crc_table[1][(hi >> 16) & 0xff] ^ soak_crc_table[0][hi >> 24];
    }
    for (; i < n; i++)
        c = soak_crc_table[0][(c ^ p[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

/* Writes message `seq` into p (soak_size bytes). */
static inline void soak_fill(uint8_t *p, uint64_t seed, uint64_t seq)
{
    uint32_t size = soak_size(seed, seq);
    uint64_t x = seq ^ seed;
    uint32_t crc;
    size_t i = 16;

    for (; i + 8 <= size; i += 8) {
        uint64_t w = soak_mix(x += 0x9e3779b97f4a7c15ull);
        memcpy(p + i, &w, 8);
    }
    if (i < size) {
        uint64_t w = soak_mix(x += 0x9e3779b97f4a7c15ull);
        memcpy(p + i, &w, size - i);
    }
    crc = soak_crc32(p + 16, size - 16);
    memcpy(p, &seq, 8);
    memcpy(p + 8, &crc, 4);
    memcpy(p + 12, &size, 4);
}

/* 1 if p (size bytes, type_id) is message `seq`. The CRC covers the body. */
static inline int soak_check(const uint8_t *p, size_t size, uint32_t type_id, uint64_t seed, uint64_t seq)
{
    uint64_t got_seq;
    uint32_t got_crc, got_size;

    if (size != soak_size(seed, seq) || type_id != (uint32_t)(seq & 0xffff))
        return 0;
    memcpy(&got_seq, p, 8);
    memcpy(&got_crc, p + 8, 4);
    memcpy(&got_size, p + 12, 4);
    return got_seq == seq && got_size == size && got_crc == soak_crc32(p + 16, size - 16);
}

/* The producer loop: sends messages 0..count-1 (blocking for room), then
 * leaves the bus to the caller. Returns the number committed. */
static inline uint64_t soak_produce(tachyon_bus_t *bus, uint64_t count, uint64_t seed)
{
    for (uint64_t seq = 0; seq < count; seq++) {
        uint32_t size = soak_size(seed, seq);
        uint8_t *slot = tachyon_acquire_tx_blocking(bus, size, -1);
        if (!slot)
            return seq;
        soak_fill(slot, seed, seq);
        if (tachyon_commit_tx(bus, size, (uint32_t)(seq & 0xffff)) != TACHYON_OK)
            return seq;
    }
    return count;
}

#endif /* TACHYON_SOAK_H */
