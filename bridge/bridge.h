/*
 * bridge.h - tachyon-bridge's internal declarations: the schema it carries (read
 * from a `tachc lock` file), the wire headers, the NATS connection helpers and
 * the two directions (out: local bus -> NATS, in: NATS -> local bus).
 *
 * Wire format of one NATS message (see README "Across machines"):
 *   subject  tachyon.<schema>.<Message>
 *   headers  Tachyon-Type (type id), Tachyon-Size (bytes of each ring message),
 *            Tachyon-Count (ring messages in this NATS message),
 *            Tachyon-Fingerprint (the schema fingerprint, 0x + 16 hex digits),
 *            Tachyon-Source (the out bridge's session id, 0x + 16 hex digits),
 *            Tachyon-Seq (the session's sequence number of the first ring message)
 *            Tachyon-Window, Tachyon-Mask (only when a window mixes types): the
 *            window's message count and which of its positions are this
 *            message's (hex digit i = positions 4i..4i+3, lowest bit first)
 *            JetStream adds Nats-Msg-Id = <source>-<seq>.<group> for the
 *            server's dedup.
 *   payload  the Count ring payloads back to back, bytes untouched.
 * A window is a stretch of consecutive ring messages (numbered Seq ..
 * Seq+Window-1); it is sent as one NATS message per (type, size), so a
 * subscriber of one subject gets only that message type. Without the Window
 * header a NATS message is the whole window (Count consecutive messages).
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

/* Header names. */
#define HDR_TYPE "Tachyon-Type"
#define HDR_SIZE "Tachyon-Size"
#define HDR_COUNT "Tachyon-Count"
#define HDR_FINGERPRINT "Tachyon-Fingerprint"
#define HDR_SOURCE "Tachyon-Source"
#define HDR_SEQ "Tachyon-Seq"
#define HDR_WINDOW "Tachyon-Window"
#define HDR_MASK "Tachyon-Mask"
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
/* Reads an unsigned header (decimal, or hex with 0x); -1 when missing or malformed. */
int bridge_header_u64(natsMsg *m, const char *key, uint64_t *out);
uint64_t bridge_now_ns(void);
void bridge_log(const char *who, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int bridge_out_run(struct bridge_config *c);
int bridge_in_run(struct bridge_config *c);

#endif /* TACHYON_BRIDGE_H */
