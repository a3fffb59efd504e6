/* Description: 1000 listen/connect/send/destroy cycles leak no file descriptor, no mapping and no memory (open fds and /proc/self/maps lines unchanged, resident memory growth bounded; under ASan, LeakSanitizer checks the heap at exit). */
#include <dirent.h>

#include "helpers.h"

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int n = 0;
    CHECK(d != NULL);
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1; /* the directory's own fd */
}

static int count_maps(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    int n = 0, c;
    CHECK(f != NULL);
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    CHECK(f != NULL);
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

static void cycle(int i)
{
    char name[128], tag[32];
    tachyon_bus_t *cons, *prod;
    snprintf(tag, sizeof(tag), "cycle-%d", i % 2);
    t_sock_name(name, sizeof(name), tag, i % 2); /* paths and abstract names */
    t_pair(name, 4096, &cons, &prod);
    t_send(prod, (uint64_t)i, 32, 1);
    CHECK_ERR(tachyon_flush(prod), TACHYON_OK);
    t_expect(cons, (uint64_t)i, 32, 1);
    tachyon_bus_destroy(prod);
    tachyon_bus_destroy(cons);
}

int main(void)
{
    int fds, maps, fds_after, maps_after, cycles = 1000;
    long rss, rss_after;

    for (int i = 0; i < 50; i++) /* warm up: thread stacks, allocator arenas */
        cycle(i);
    fds = count_fds();
    maps = count_maps();
    rss = rss_kb();
    for (int i = 0; i < cycles; i++)
        cycle(i);
    fds_after = count_fds();
    maps_after = count_maps();
    rss_after = rss_kb();
    printf("fds %d -> %d, maps %d -> %d, rss %ld -> %ld kB\n", fds, fds_after, maps, maps_after, rss, rss_after);
    CHECK(fds_after == fds);
    /* A leaked segment would add a mapping per cycle; allow the allocators
     * (a sanitizer's especially) a few regions of their own. */
    CHECK(maps_after <= maps + 16);
    if (!T_SANITIZED) /* ASan's quarantine holds freed memory on purpose */
        CHECK(rss_after - rss < 4096);
    return T_PASS;
}
