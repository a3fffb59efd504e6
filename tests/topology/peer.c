/* Description: the C side of the cross-language topology tests. A binding's
 * suite compiles this file against build/lib and runs it as a fan-out
 * publisher or subscriber, a fan-in consumer or producer, opposite its own.
 *
 * Every message is 16 bytes, type id 7: a little-endian u64 tag (the
 * producer's) then a u64 sequence number from 0. A reader checks that each
 * producer's numbers arrive gap-free and in order, and prints one result line.
 *
 *   peer pub PATH SUBSCRIBERS COUNT      fan-out (LAG_BLOCK): waits (10 s at most) for SUBSCRIBERS to
 *                                        join, publishes COUNT messages with tag 1, closes
 *   peer sub PATH COUNT                  joins at the newest message, reads until PEER_GONE:
 *                                        prints "sub ok COUNT" if it read 0..COUNT-1
 *   peer fanin PATH PRODUCERS COUNT      fan-in: reads COUNT messages from each of PRODUCERS producers:
 *                                        prints "fanin ok PRODUCERS COUNT"
 *   peer prod PATH TAG COUNT             connects to a fan-in (or a bus), sends COUNT messages, closes
 *
 * Exit status 0 on success, 1 on a wrong message or a failed call (with a line
 * on stderr), 2 on bad arguments. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tachyon.h"

#define TYPE_ID 7u
#define WAIT_NS 10000000000ll /* every wait of this program: 10 s */

static int fail(const char *what, tachyon_error_t err)
{
    fprintf(stderr, "peer: %s: %s\n", what, tachyon_strerror(err));
    return 1;
}

static void encode(uint8_t *p, uint64_t tag, uint64_t seq)
{
    for (int i = 0; i < 8; i++) {
        p[i] = (uint8_t)(tag >> (8 * i));
        p[8 + i] = (uint8_t)(seq >> (8 * i));
    }
}

static uint64_t decode(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static int parse_count(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v > 100000000ull)
        return -1;
    *out = v;
    return 0;
}

static int publisher(const char *path, uint64_t subscribers, uint64_t count)
{
    tachyon_fanout_t *pub;
    tachyon_error_t err = tachyon_fanout_listen(path, 1 << 16, TACHYON_LAG_BLOCK, NULL, &pub);
    int64_t deadline = tachyon_now_ns() + WAIT_NS;
    uint8_t msg[16];

    if (err != TACHYON_OK)
        return fail("fanout_listen", err);
    while (tachyon_fanout_subscribers(pub) < subscribers) {
        struct timespec ms = {0, 1000000};
        if (tachyon_now_ns() > deadline) {
            fprintf(stderr, "peer: %zu of %llu subscribers joined\n", tachyon_fanout_subscribers(pub),
                    (unsigned long long)subscribers);
            tachyon_fanout_destroy(pub);
            return 1;
        }
        nanosleep(&ms, NULL);
    }
    for (uint64_t seq = 0; seq < count; seq++) {
        encode(msg, 1, seq);
        err = tachyon_fanout_send_until(pub, msg, sizeof msg, TYPE_ID, tachyon_now_ns() + WAIT_NS);
        if (err != TACHYON_OK) {
            tachyon_fanout_destroy(pub);
            return fail("fanout_send_until", err);
        }
    }
    tachyon_fanout_destroy(pub);
    return 0;
}

static int subscriber(const char *path, uint64_t count)
{
    tachyon_sub_t *sub;
    tachyon_error_t err =
        tachyon_sub_connect_until(path, NULL, TACHYON_JOIN_NEWEST, tachyon_now_ns() + WAIT_NS, &sub, NULL);
    uint64_t expect = 0;

    if (err != TACHYON_OK)
        return fail("sub_connect_until", err);
    /* Tell the other side we are in: it may wait for this line. */
    printf("joined\n");
    fflush(stdout);
    for (;;) {
        uint32_t type;
        size_t size;
        const uint8_t *p = tachyon_sub_acquire_rx_until(sub, &type, &size, tachyon_now_ns() + WAIT_NS);
        if (!p) {
            err = tachyon_sub_last_error(sub);
            break;
        }
        if (type != TYPE_ID || size != 16 || decode(p + 8) != expect) {
            fprintf(stderr, "peer: message %llu: type %u, size %zu, seq %llu\n", (unsigned long long)expect, type,
                    size, (unsigned long long)(size >= 16 ? decode(p + 8) : 0));
            tachyon_sub_destroy(sub);
            return 1;
        }
        expect++;
        err = tachyon_sub_commit_rx(sub);
        if (err != TACHYON_OK)
            break;
    }
    tachyon_sub_destroy(sub);
    if (err != TACHYON_ERR_PEER_GONE)
        return fail("sub_acquire_rx_until", err);
    if (expect != count) {
        fprintf(stderr, "peer: read %llu of %llu messages\n", (unsigned long long)expect, (unsigned long long)count);
        return 1;
    }
    printf("sub ok %llu\n", (unsigned long long)count);
    return 0;
}

static int fan_in(const char *path, uint64_t producers, uint64_t count)
{
    struct seen {
        uint64_t id, tag, next;
    } seen[TACHYON_MAX_MEMBERS];
    size_t nseen = 0;
    uint64_t total = 0;
    tachyon_fanin_t *fi;
    tachyon_error_t err = tachyon_fanin_listen(path, 1 << 16, NULL, &fi);

    if (err != TACHYON_OK)
        return fail("fanin_listen", err);
    printf("listening\n");
    fflush(stdout);
    while (total < producers * count) {
        uint32_t type;
        size_t size, i;
        tachyon_sender_t from;
        const uint8_t *p = tachyon_fanin_acquire_rx_until(fi, &type, &size, &from, tachyon_now_ns() + WAIT_NS);
        if (!p) {
            err = tachyon_fanin_last_error(fi);
            tachyon_fanin_destroy(fi);
            return fail("fanin_acquire_rx_until", err);
        }
        for (i = 0; i < nseen && seen[i].id != from.id; i++)
            ;
        if (i == nseen) {
            if (nseen == TACHYON_MAX_MEMBERS || size < 16) {
                tachyon_fanin_destroy(fi);
                return fail("too many senders or a short message", TACHYON_ERR_STATE);
            }
            seen[nseen++] = (struct seen){from.id, decode(p), 0};
        }
        if (type != TYPE_ID || size != 16 || decode(p) != seen[i].tag || decode(p + 8) != seen[i].next) {
            fprintf(stderr, "peer: sender %llu: type %u, size %zu, tag %llu, seq %llu, expected %llu\n",
                    (unsigned long long)from.id, type, size, (unsigned long long)decode(p),
                    (unsigned long long)(size >= 16 ? decode(p + 8) : 0), (unsigned long long)seen[i].next);
            tachyon_fanin_destroy(fi);
            return 1;
        }
        seen[i].next++;
        total++;
        err = tachyon_fanin_commit_rx(fi);
        if (err != TACHYON_OK) {
            tachyon_fanin_destroy(fi);
            return fail("fanin_commit_rx", err);
        }
    }
    tachyon_fanin_destroy(fi);
    for (size_t i = 0; i < nseen; i++) {
        if (seen[i].next != count) {
            fprintf(stderr, "peer: sender %llu sent %llu of %llu\n", (unsigned long long)seen[i].id,
                    (unsigned long long)seen[i].next, (unsigned long long)count);
            return 1;
        }
    }
    if (nseen != producers) {
        fprintf(stderr, "peer: %zu senders, expected %llu\n", nseen, (unsigned long long)producers);
        return 1;
    }
    printf("fanin ok %llu %llu\n", (unsigned long long)producers, (unsigned long long)count);
    return 0;
}

static int producer(const char *path, uint64_t tag, uint64_t count)
{
    tachyon_bus_t *bus;
    tachyon_options_t opts = {0};
    tachyon_error_t err;
    uint8_t msg[16];

    opts.timeout_ns = WAIT_NS;
    err = tachyon_bus_connect_ex(path, &opts, &bus);
    if (err != TACHYON_OK)
        return fail("bus_connect_ex", err);
    for (uint64_t seq = 0; seq < count; seq++) {
        encode(msg, tag, seq);
        err = tachyon_send_until(bus, msg, sizeof msg, TYPE_ID, tachyon_now_ns() + WAIT_NS);
        if (err != TACHYON_OK) {
            tachyon_bus_destroy(bus);
            return fail("send_until", err);
        }
    }
    tachyon_bus_destroy(bus);
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t a = 0, b = 0;

    if (argc >= 4 && parse_count(argv[3], &a) == 0 && (argc == 4 || parse_count(argv[4], &b) == 0)) {
        if (strcmp(argv[1], "pub") == 0 && argc == 5)
            return publisher(argv[2], a, b);
        if (strcmp(argv[1], "sub") == 0 && argc == 4)
            return subscriber(argv[2], a);
        if (strcmp(argv[1], "fanin") == 0 && argc == 5)
            return fan_in(argv[2], a, b);
        if (strcmp(argv[1], "prod") == 0 && argc == 5)
            return producer(argv[2], a, b);
    }
    fprintf(stderr, "usage: peer pub PATH SUBSCRIBERS COUNT | sub PATH COUNT | fanin PATH PRODUCERS COUNT |"
                    " prod PATH TAG COUNT\n");
    return 2;
}
