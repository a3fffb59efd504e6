/* Description: random scribbles over the index, state and futex lines and the ring, interleaved with random operations on both sides, never crash and never hand out a payload outside the ring (run under ASan this also proves no out-of-bounds read); several seeds, each in a child process. */
#include "scribble.h"

#define CAP 2048u

static uint64_t seed;

static void scribble(uint8_t *mem, uint64_t *rng)
{
    uint64_t r = t_rand(rng);
    static const size_t fields[] = {128, 136, 140, 256, 264, 268, 384, 388, 512, 516};
    switch (r % 6) {
    case 0: { /* an index field: random, or near its current value */
        size_t off = (r >> 8) & 1 ? 128 : 256;
        uint64_t v = *SEG_U64(mem, off);
        uint64_t choice = t_rand(rng);
        *SEG_U64(mem, off) = (choice & 3) == 0 ? choice : v + (int64_t)((choice >> 8) % 8192) - 4096;
        break;
    }
    case 1: /* a state or futex word */
        *SEG_U32(mem, fields[(r >> 8) % 10]) = (uint32_t)t_rand(rng);
        break;
    case 2: { /* a frame header in the ring */
        size_t idx = (size_t)((r >> 8) % (CAP / 64)) * 64;
        uint64_t v = t_rand(rng);
        if (v & 1)
            *FRAME_SIZE(mem, idx) = (uint32_t)(v >> 32) % (CAP + 64);
        else
            *FRAME_STAMP(mem, idx) ^= v >> 40;
        break;
    }
    default: /* any byte of the ring */
        mem[4096 + (r >> 8) % CAP] = (uint8_t)(r >> 56);
        break;
    }
}

static void fuzz(void)
{
    struct t_arena a;
    uint64_t rng = seed;
    uint64_t delivered = 0;
    int stuck = 0, rings = 1;
    uint8_t *ring;

    t_arena_open(&a, CAP);
    ring = (uint8_t *)a.mem + 4096;
    for (int step = 0; step < 20000; step++) {
        uint64_t r = t_rand(&rng);
        if (stuck > 40) { /* both sides see only corruption: start over on a fresh ring */
            t_arena_close(&a);
            t_arena_open(&a, CAP);
            ring = (uint8_t *)a.mem + 4096;
            stuck = 0;
            rings++;
        }
        stuck += tachyon_last_error(a.cons) == TACHYON_ERR_CORRUPT || tachyon_last_error(a.prod) == TACHYON_ERR_CORRUPT;
        switch (r % 8) {
        case 0:
            if (r % 16 == 0)
                scribble(a.mem, &rng);
            break;
        case 1:
        case 2: {
            size_t size = (size_t)((r >> 8) % (CAP / 2 - 16 + 1));
            uint8_t *slot = tachyon_acquire_tx(a.prod, size);
            if (slot) {
                CHECK(slot >= ring && slot + size <= ring + CAP);
                memset(slot, (int)step, size);
                if ((r >> 40) & 1)
                    tachyon_commit_tx(a.prod, size, 1);
                else
                    tachyon_rollback_tx(a.prod);
            }
            break;
        }
        case 3:
            tachyon_flush(a.prod);
            break;
        case 4:
        case 5: {
            size_t size;
            const uint8_t *msg = (r >> 8) & 1 ? tachyon_acquire_rx(a.cons, NULL, &size)
                                             : tachyon_acquire_rx_timeout(a.cons, NULL, &size, 2, 1000);
            if (msg) {
                uint64_t sum = 0;
                CHECK(msg >= ring && msg + size <= ring + CAP);
                for (size_t i = 0; i < size; i++) /* touch every byte it handed out */
                    sum += msg[i];
                delivered += sum & 1;
                tachyon_commit_rx(a.cons);
            }
            break;
        }
        case 6: {
            tachyon_msg_t m[8];
            size_t n = tachyon_drain_batch(a.cons, m, 8);
            for (size_t i = 0; i < n; i++)
                CHECK(m[i].data >= (const void *)ring &&
                      (const uint8_t *)m[i].data + m[i].size <= ring + CAP);
            tachyon_commit_rx_batch(a.cons, n);
            break;
        }
        default:
            (void)tachyon_send_blocking(a.prod, &rng, (size_t)((r >> 8) % 8), 2, 1000);
            (void)tachyon_peer_alive(a.cons);
            break;
        }
    }
    (void)delivered;
    CHECK(rings > 1); /* the scribbles did break rings (and each was survived) */
    t_arena_close(&a);
}

int main(void)
{
    for (seed = 1; seed <= 8; seed++) {
        char what[32];
        snprintf(what, sizeof(what), "seed %llu", (unsigned long long)seed);
        run_contained(what, fuzz, 60000);
    }
    return T_PASS;
}
