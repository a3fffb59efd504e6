/*
 * wire.c - the binary window prefix that starts every NATS message of the
 * bridge (layout in bridge.h). All fields are little-endian, read and written
 * byte by byte, so the bytes mean the same on every host.
 */
#include <string.h>

#include "bridge.h"

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

size_t wire_put_prefix(uint8_t *buf, const struct wire_prefix *p, int with_mask)
{
    size_t len = WIRE_PREFIX + (with_mask ? (p->window + 7) / 8 : 0);
    memcpy(buf, WIRE_MAGIC, 4);
    buf[4] = WIRE_VERSION;
    buf[5] = with_mask ? WIRE_FLAG_MASK : 0;
    put16(buf + 6, (uint16_t)len);
    put64(buf + 8, p->fingerprint);
    put64(buf + 16, p->source);
    put64(buf + 24, p->seq);
    put32(buf + 32, p->type);
    put32(buf + 36, p->size);
    put32(buf + 40, p->count);
    put32(buf + 44, p->window);
    return len;
}

const char *wire_get_prefix(const uint8_t *data, size_t len, struct wire_prefix *p)
{
    if (len < WIRE_PREFIX || memcmp(data, WIRE_MAGIC, 4))
        return "no Tachyon window prefix";
    if (data[4] != WIRE_VERSION)
        return "unknown window prefix version";
    if (data[5] & ~WIRE_FLAG_MASK)
        return "unknown window prefix flags";
    p->fingerprint = get64(data + 8);
    p->source = get64(data + 16);
    p->seq = get64(data + 24);
    p->type = get32(data + 32);
    p->size = get32(data + 36);
    p->count = get32(data + 40);
    p->window = get32(data + 44);
    int mask = data[5] & WIRE_FLAG_MASK;
    size_t plen = (size_t)data[6] | (size_t)data[7] << 8;
    if (p->count == 0 || p->count > BRIDGE_WINDOW_MAX || p->window > BRIDGE_WINDOW_MAX || p->window < p->count ||
        (!mask && p->window != p->count))
        return "bad window counts";
    if (plen != WIRE_PREFIX + (mask ? (p->window + 7) / 8 : 0))
        return "bad window prefix length";
    if (len < plen || (uint64_t)(len - plen) != (uint64_t)p->size * p->count)
        return "payload length is not count x size";
    p->mask = mask ? data + WIRE_PREFIX : NULL;
    p->payload = data + plen;
    return NULL;
}
