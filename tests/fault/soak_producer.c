/*
 * soak_producer.c - connects to PATH and sends COUNT soak messages (soak.h)
 * with seed SEED, then closes. The producer side of the soak tests (the C
 * consumer in test_soak_c.c forks it; soak_python.sh runs it against the
 * Python consumer). Exit 0 when every message was committed.
 *
 *   soak_producer PATH COUNT SEED
 */
#include <stdio.h>
#include <stdlib.h>

#include "soak.h"
#include "tachyon.h"

int main(int argc, char **argv)
{
    tachyon_options_t o = {.timeout_ns = 30000 * 1000000LL};
    tachyon_bus_t *bus;
    tachyon_error_t err;
    uint64_t count, seed;

    if (argc != 4) {
        fprintf(stderr, "usage: soak_producer PATH COUNT SEED\n");
        return 2;
    }
    count = strtoull(argv[2], NULL, 0);
    seed = strtoull(argv[3], NULL, 0);
    soak_init();
    err = tachyon_bus_connect_ex(argv[1], &o, &bus);
    if (err != TACHYON_OK) {
        fprintf(stderr, "soak_producer: connect: %s\n", tachyon_strerror(err));
        return 1;
    }
    if (soak_produce(bus, count, seed) != count) {
        fprintf(stderr, "soak_producer: stopped early: %s\n", tachyon_strerror(tachyon_last_error(bus)));
        tachyon_bus_destroy(bus);
        return 1;
    }
    tachyon_bus_destroy(bus);
    return 0;
}
