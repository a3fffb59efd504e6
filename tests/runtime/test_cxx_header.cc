/* Description: tachyon.h compiles as C++ (-std=c++11 -pedantic) and a C++ program can use the C library through it (arena round trip). */
#include "tachyon.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

int main()
{
    const size_t cap = 1024;
    size_t len = tachyon_arena_size(cap);
    void *mem = aligned_alloc(64, len);
    tachyon_bus_t *tx = nullptr, *rx = nullptr;
    uint32_t type = 0;
    size_t size = 0;
    int ok = 1;

    if (!mem || tachyon_arena_format(mem, len, cap, 0) != TACHYON_OK ||
        tachyon_arena_attach(mem, len, TACHYON_ROLE_PRODUCER, &tx) != TACHYON_OK ||
        tachyon_arena_attach(mem, len, TACHYON_ROLE_CONSUMER, &rx) != TACHYON_OK)
        return 1;
    ok &= tachyon_send(tx, "c++", 3, 9) == TACHYON_OK;
    ok &= tachyon_flush(tx) == TACHYON_OK;
    const void *msg = tachyon_acquire_rx(rx, &type, &size);
    ok &= msg != nullptr && type == 9 && size == 3 && std::memcmp(msg, "c++", 3) == 0;
    ok &= tachyon_commit_rx(rx) == TACHYON_OK;
    ok &= std::strlen(tachyon_strerror(TACHYON_ERR_FULL)) > 0;
    tachyon_bus_destroy(tx);
    tachyon_bus_destroy(rx);
    std::free(mem);
    if (!ok)
        std::fprintf(stderr, "C++ round trip failed\n");
    return ok ? 0 : 1;
}
