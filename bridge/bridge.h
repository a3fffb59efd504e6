/*
 * bridge.h - tachyon-bridge's internal declarations: the schema it carries (read
 * from a `tachc lock` file), the wire headers, the NATS connection helpers and
 * the two directions (out: local bus -> NATS, in: NATS -> local bus).
 *
 * Wire format of one NATS message (see README "Across machines"):
 *   subject  tachyon.<schema>.<Message>
 *   payload  a binary window prefix, then the Count ring payloads back to
 *            back, bytes untouched. The prefix, little-endian:
 *              0  "TCHW"       magic
 *              4  u8  version  1
 *              5  u8  flags    bit 0: a mask follows (the window mixes types)
 *              6  u16 length   bytes of the prefix (where the payloads start)
 *              8  u64 fingerprint of the schema
 *             16  u64 source   the out bridge's session id
 *             24  u64 seq      the session's number of the window's first message
 *             32  u32 type     type id of this message's ring messages
 *             36  u32 size     bytes of each of them
 *             40  u32 count    how many this NATS message holds
 *             44  u32 window   ring messages in the whole window (== count
 *                              without a mask)
 *             48  mask         with flag bit 0 only: (window + 7) / 8 bytes,
 *                              bit i (byte i / 8, bit i % 8) set when window
 *                              position i is this message's
 *   headers  none in core mode; JetStream adds Nats-Msg-Id = <source>-<seq>.<group>
 *            (and Nats-Expected-Last-Msg-Id) for the server's dedup and order.
 * A window is a stretch of consecutive ring messages (numbered Seq ..
 * Seq+Window-1); it is sent as one NATS message per (type, size), so a
 * subscriber of one subject gets only that message type. Without a mask a
 * NATS message is the whole window (Count consecutive messages).
 */
#ifndef TACHYON_BRIDGE_H
#define TACHYON_BRIDGE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <nats/nats.h>

#include "tachyon.h"

#define BRIDGE_MAX_TYPES 256
#define BRIDGE_NAME_MAX 128

/* Exit statuses. */
#define BRIDGE_EXIT_OK 0
#define BRIDGE_EXIT_FAIL 1   /* a bus, NATS or file operation failed */
#define BRIDGE_EXIT_USAGE 2  /* bad command line */
#define BRIDGE_EXIT_SCHEMA 3 /* the lock file or schema name is wrong */

/* The window prefix (see above). */
#define WIRE_MAGIC "TCHW"
#define WIRE_VERSION 1
#define WIRE_FLAG_MASK 1u
#define WIRE_PREFIX 48 /* bytes before the mask */
#define BRIDGE_WINDOW_MAX 1024 /* ring messages per window */

struct bridge_msgtype {
    uint32_t id;
    char name[BRIDGE_NAME_MAX];
    int64_t size; /* payload bytes of its layout, 0 for an empty message */
};

/* One schema as the lock file describes it. */
struct bridge_schema {
    char name[BRIDGE_NAME_MAX];
    uint64_t fingerprint;
    size_t ntypes;
    struct bridge_msgtype types[BRIDGE_MAX_TYPES];
};

enum bridge_mode { MODE_CORE, MODE_JETSTREAM };

struct bridge_config {
    int out;                 /* 1: out, 0: in */
    const char *socket;      /* the local bus */
    const char *lock;        /* tachc lock file */
    const char *schema_name; /* schema within it */
    const char *nats_url;    /* comma-separated server URLs */
    enum bridge_mode mode;
    size_t capacity;         /* out: ring bytes of the local bus */
    size_t batch_bytes;      /* out: most payload bytes per NATS message */
    uint32_t batch_max;      /* out: most ring messages per window (<= BRIDGE_WINDOW_MAX) */
    uint32_t inflight;       /* out, JetStream: most unacknowledged NATS messages */
    const char *stream;      /* JetStream stream name (default TACHYON_<schema>) */
    int64_t max_bytes;       /* JetStream: the stream's limit on bytes not yet delivered by in */
    const char *durable;     /* in, JetStream: consumer name */
    const char *state;       /* in, JetStream: file of the last delivered position */
    int once;                /* out: exit when the producer leaves; in: when the consumer leaves */
    double report_s;         /* print counters every this many seconds (0: only at exit) */
    struct bridge_schema schema;
    char subject_prefix[BRIDGE_NAME_MAX + 16]; /* "tachyon.<schema>" */
    char stream_buf[BRIDGE_NAME_MAX + 16];
};

extern volatile sig_atomic_t bridge_stop;
/* Set by the NATS client when it reconnected (the server may have restarted). */
extern volatile sig_atomic_t bridge_reconnected;

/* schema.c */
/* Reads schema `name` from a `tachc lock` file; on error writes a one-line
 * message into err and returns -1. */
int bridge_schema_load(struct bridge_schema *s, const char *lock_path, const char *name, char *err, size_t errlen);
const struct bridge_msgtype *bridge_schema_type(const struct bridge_schema *s, uint32_t id);
const struct bridge_msgtype *bridge_schema_type_by_name(const struct bridge_schema *s, const char *name);

/* nats.c */
/* Connects with endless reconnects; returns NATS_OK or the error (printed). */
natsStatus bridge_nats_connect(const struct bridge_config *c, natsConnection **nc, const char *who);
/* Creates the stream tachyon.<schema>.> if it does not exist yet. */
natsStatus bridge_stream_ensure(const struct bridge_config *c, jsCtx *js);
/* wire.c: the fields of a window prefix. */
struct wire_prefix {
    uint64_t fingerprint, source, seq;
    uint32_t type, size, count, window;
    const uint8_t *mask; /* NULL: the message is the whole window */
    const uint8_t *payload;
};
/* Writes a prefix (without the mask bytes, which follow at buf + WIRE_PREFIX)
 * and returns its length. */
size_t wire_put_prefix(uint8_t *buf, const struct wire_prefix *p, int with_mask);
/* Reads and checks the prefix of a NATS message's data: the magic, version,
 * length, counts and the payload's size. Returns NULL, or a short reason. */
const char *wire_get_prefix(const uint8_t *data, size_t len, struct wire_prefix *p);
uint64_t bridge_now_ns(void);
void bridge_log(const char *who, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int bridge_out_run(struct bridge_config *c);
int bridge_in_run(struct bridge_config *c);

#endif /* TACHYON_BRIDGE_H */
