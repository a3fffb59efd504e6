/* hello.c - the smallest Tachyon program: a child process sends three
 * messages, the parent receives them in place.
 *   cc -O2 hello.c -I../../runtime/include ../../build/lib/libtachyon.a -o hello && ./hello
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tachyon.h"

#define SOCK "@tachyon-hello"

static int producer(void)
{
    tachyon_bus_t *bus;
    /* The listener may not be up yet: connect waits up to 5 s for it. */
    tachyon_error_t err = tachyon_bus_connect(SOCK, &bus);
    if (err) {
        fprintf(stderr, "connect: %s\n", tachyon_strerror(err));
        return 1;
    }
    for (uint32_t i = 1; i <= 3; i++) {
        char text[32];
        int n = snprintf(text, sizeof text, "hello #%u", (unsigned)i);
        /* Copying send; tachyon_acquire_tx/tachyon_commit_tx write in place. */
        err = tachyon_send_blocking(bus, text, (size_t)n + 1, i, 1000 * 1000 * 1000);
        if (err) {
            fprintf(stderr, "send: %s\n", tachyon_strerror(err));
            return 1;
        }
    }
    tachyon_flush(bus);      /* publish now instead of at the 32nd message */
    tachyon_bus_destroy(bus); /* the consumer sees PEER_GONE after the last message */
    return 0;
}

int main(void)
{
    pid_t child = fork();
    if (child == 0)
        _exit(producer());

    tachyon_bus_t *bus;
    tachyon_error_t err = tachyon_bus_listen(SOCK, 1 << 16, &bus);
    if (err) {
        fprintf(stderr, "listen: %s\n", tachyon_strerror(err));
        return 1;
    }
    for (;;) {
        uint32_t type_id;
        size_t size;
        const char *msg = tachyon_acquire_rx_blocking(bus, &type_id, &size, 10000);
        if (!msg) {
            err = tachyon_last_error(bus);
            if (err == TACHYON_ERR_PEER_GONE)
                break; /* the producer closed after its last message */
            fprintf(stderr, "receive: %s\n", tachyon_strerror(err));
            return 1;
        }
        printf("type %u, %zu bytes: %s\n", (unsigned)type_id, size, msg);
        tachyon_commit_rx(bus); /* the bytes at msg may be reused from here on */
    }
    tachyon_bus_destroy(bus);
    int status;
    waitpid(child, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
