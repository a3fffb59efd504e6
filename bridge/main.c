/*
 * main.c - tachyon-bridge: carries a Tachyon bus between machines over NATS.
 *
 *   tachyon-bridge out --socket PATH --lock FILE --schema NAME [options]
 *   tachyon-bridge in  --socket PATH --lock FILE --schema NAME [options]
 *
 * `out` listens on PATH as the bus's consumer and publishes what it reads;
 * `in` connects to PATH as the bus's producer and writes what it receives.
 * The lock file is what `tachc lock SCHEMA.tach` prints.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bridge.h"

volatile sig_atomic_t bridge_stop;
static pid_t main_tid;

/* Sets the stop flag and makes sure the main thread's blocking call (a listen
 * without deadline, say) returns with EINTR, whichever thread the kernel
 * picked for the signal (libnats runs threads of its own). */
static void on_signal(int sig)
{
    int saved = errno;
    bridge_stop = 1;
    if ((pid_t)syscall(SYS_gettid) != main_tid)
        syscall(SYS_tgkill, getpid(), main_tid, sig);
    errno = saved;
}

static void usage(FILE *f)
{
    fputs("usage: tachyon-bridge out|in --socket PATH --lock FILE --schema NAME [options]\n"
          "  out: listen on PATH as the bus's consumer and publish every message to NATS\n"
          "  in:  subscribe to NATS and write every message into the bus on PATH as its producer\n"
          "options:\n"
          "  --nats URL[,URL]     NATS servers (default nats://127.0.0.1:4222)\n"
          "  --mode core|jetstream  at most once, or stored and exactly once (default core)\n"
          "  --lock FILE          ABI lock written by `tachc lock SCHEMA.tach > FILE`\n"
          "  --schema NAME        the schema in the lock whose messages the bus carries\n"
          "  --stream NAME        JetStream stream (default TACHYON_<schema>)\n"
          "  --max-bytes N        jetstream: bytes the stream holds for in before out must wait\n"
          "                       (default 1073741824; set when the stream is created)\n"
          "  --capacity BYTES     out: ring size of the local bus (default 4194304)\n"
          "  --batch-bytes N      out: most payload bytes in one window (default 16384)\n"
          "  --batch-max N        out: most ring messages in one window (1..1024, default 1024)\n"
          "  --inflight N         out, jetstream: unacknowledged NATS messages at most (default 512)\n"
          "  --durable NAME       in, jetstream: consumer name (default tachyon-bridge-in)\n"
          "  --state FILE         in, jetstream: where the last delivered position is kept\n"
          "                       (default ./tachyon-bridge-in.<durable>.state)\n"
          "  --once               out: exit when the producer leaves; in: when the consumer leaves\n"
          "  --report SECONDS     print the counters this often (they are always printed at exit)\n",
          f);
}

static int parse_size(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s || *end || *s == '-' || v == 0 || v > max)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    static struct bridge_config c;
    c.nats_url = "nats://127.0.0.1:4222";
    c.mode = MODE_CORE;
    c.capacity = (size_t)1 << 22;
    c.batch_bytes = 16384;
    c.batch_max = BRIDGE_WINDOW_MAX;
    c.inflight = 512;
    c.durable = "tachyon-bridge-in";
    c.max_bytes = INT64_C(1) << 30;
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? BRIDGE_EXIT_USAGE : BRIDGE_EXIT_OK;
    }
    if (!strcmp(argv[1], "out"))
        c.out = 1;
    else if (strcmp(argv[1], "in")) {
        fprintf(stderr, "tachyon-bridge: unknown direction '%s' (out or in)\n", argv[1]);
        return BRIDGE_EXIT_USAGE;
    }
    for (int i = 2; i < argc; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "--once")) {
            c.once = 1;
            continue;
        }
        if (!strcmp(o, "--help")) {
            usage(stdout);
            return BRIDGE_EXIT_OK;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "tachyon-bridge: %s needs a value (or is unknown); see --help\n", o);
            return BRIDGE_EXIT_USAGE;
        }
        const char *v = argv[++i];
        uint64_t n;
        if (!strcmp(o, "--socket"))
            c.socket = v;
        else if (!strcmp(o, "--lock"))
            c.lock = v;
        else if (!strcmp(o, "--schema"))
            c.schema_name = v;
        else if (!strcmp(o, "--nats"))
            c.nats_url = v;
        else if (!strcmp(o, "--stream"))
            c.stream = v;
        else if (!strcmp(o, "--durable"))
            c.durable = v;
        else if (!strcmp(o, "--state"))
            c.state = v;
        else if (!strcmp(o, "--mode")) {
            if (!strcmp(v, "core"))
                c.mode = MODE_CORE;
            else if (!strcmp(v, "jetstream"))
                c.mode = MODE_JETSTREAM;
            else {
                fprintf(stderr, "tachyon-bridge: --mode must be core or jetstream, not '%s'\n", v);
                return BRIDGE_EXIT_USAGE;
            }
        } else if (!strcmp(o, "--capacity")) {
            if (parse_size(v, TACHYON_MAX_CAPACITY, &n) || n < TACHYON_MIN_CAPACITY || (n & (n - 1))) {
                fprintf(stderr, "tachyon-bridge: --capacity must be a power of two from %u, not '%s'\n",
                        TACHYON_MIN_CAPACITY, v);
                return BRIDGE_EXIT_USAGE;
            }
            c.capacity = n;
        } else if (!strcmp(o, "--batch-bytes")) {
            if (parse_size(v, 64u << 20, &n)) {
                fprintf(stderr, "tachyon-bridge: --batch-bytes must be 1..67108864, not '%s'\n", v);
                return BRIDGE_EXIT_USAGE;
            }
            c.batch_bytes = n;
        } else if (!strcmp(o, "--max-bytes")) {
            if (parse_size(v, INT64_MAX, &n)) {
                fprintf(stderr, "tachyon-bridge: --max-bytes must be a positive byte count, not '%s'\n", v);
                return BRIDGE_EXIT_USAGE;
            }
            c.max_bytes = (int64_t)n;
        } else if (!strcmp(o, "--batch-max")) {
            if (parse_size(v, BRIDGE_WINDOW_MAX, &n)) {
                fprintf(stderr, "tachyon-bridge: --batch-max must be 1..%u, not '%s'\n", BRIDGE_WINDOW_MAX, v);
                return BRIDGE_EXIT_USAGE;
            }
            c.batch_max = (uint32_t)n;
        } else if (!strcmp(o, "--inflight")) {
            if (parse_size(v, 1u << 16, &n)) {
                fprintf(stderr, "tachyon-bridge: --inflight must be 1..65536, not '%s'\n", v);
                return BRIDGE_EXIT_USAGE;
            }
            c.inflight = (uint32_t)n;
        } else if (!strcmp(o, "--report")) {
            char *end;
            c.report_s = strtod(v, &end);
            if (*end || c.report_s < 0) {
                fprintf(stderr, "tachyon-bridge: --report needs seconds, not '%s'\n", v);
                return BRIDGE_EXIT_USAGE;
            }
        } else {
            fprintf(stderr, "tachyon-bridge: unknown option %s; see --help\n", o);
            return BRIDGE_EXIT_USAGE;
        }
    }
    if (!c.socket || !c.lock || !c.schema_name) {
        fprintf(stderr, "tachyon-bridge: %s needs --socket, --lock and --schema; see --help\n", argv[1]);
        return BRIDGE_EXIT_USAGE;
    }
    char err[512];
    if (bridge_schema_load(&c.schema, c.lock, c.schema_name, err, sizeof err)) {
        fprintf(stderr, "tachyon-bridge: %s\n", err);
        return BRIDGE_EXIT_SCHEMA;
    }
    snprintf(c.subject_prefix, sizeof c.subject_prefix, "tachyon.%s", c.schema.name);
    if (!c.stream) {
        snprintf(c.stream_buf, sizeof c.stream_buf, "TACHYON_%s", c.schema.name);
        c.stream = c.stream_buf;
    }
    static char state_buf[512];
    if (!c.out && c.mode == MODE_JETSTREAM && !c.state) {
        snprintf(state_buf, sizeof state_buf, "tachyon-bridge-in.%s.state", c.durable);
        c.state = state_buf;
    }

    main_tid = (pid_t)syscall(SYS_gettid);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int rc = c.out ? bridge_out_run(&c) : bridge_in_run(&c);
    nats_Close();
    return rc;
}
