/*
 * out.c - `tachyon-bridge out`: the listener of a local bus; every message it
 * reads goes to NATS.
 *
 * The messages waiting in the ring are gathered into a window (up to
 * --batch-max messages and --batch-bytes bytes); the window is sent as soon
 * as the ring has nothing more waiting, so batches form only when messages
 * queue up. A window becomes one NATS message per (type, size) in it, on that
 * type's subject; when it holds several types each NATS message says which
 * positions of the window are its own (Tachyon-Window, Tachyon-Mask), so the
 * in side restores the order.
 *
 * Core mode publishes and forgets; a publish the client refuses (no server for
 * longer than its reconnect buffer covers) is counted as dropped.
 *
 * JetStream mode keeps up to --inflight NATS messages unacknowledged and stops reading
 * the ring while that window is full, so a slow server (or a slow receiving
 * side, through the stream's limits) fills the local ring and the producer
 * waits, as it would for a slow consumer. Each carries the message id
 * <session>-<seq>.<group> (the server drops a repeated id) and expects the
 * previous one's id as the stream's last one, so the server stores them only
 * in order: after any failure the bridge waits until every outstanding one is settled,
 * then publishes the unacknowledged ones again, one by one and in order (those
 * the server already has come back as duplicates), and resumes pipelining.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "bridge.h"

#define WHO "out"
#define DRAIN_MAX 256
#define ID_LEN 48
#define WINDOW_MAX BRIDGE_WINDOW_MAX
#define GROUPS_MAX 16   /* distinct (type, size) per window */

enum { ENTRY_PENDING, ENTRY_ACKED, ENTRY_FAILED };

struct inflight {
    natsMsg *key; /* identity of the message (the library owns it while pending) */
    natsMsg *msg; /* ours again once it failed */
    int state;
    uint32_t count;
    char id[ID_LEN];
};

/* The messages of one (type, size) within a window. */
struct group {
    const struct bridge_msgtype *type;
    uint32_t size, count;
};

struct out {
    struct bridge_config *c;
    natsConnection *nc;
    jsCtx *js;
    char source[17];     /* session id, 16 hex digits (in message ids) */
    uint64_t source_id;  /* the same as a number (in the window prefix) */
    uint64_t next_seq;
    char subjects[BRIDGE_MAX_TYPES][BRIDGE_NAME_MAX * 2 + 16];
    /* the window being gathered: consecutive ring messages, grouped by (type, size) */
    uint64_t win_seq;         /* sequence number of its first message */
    uint32_t win_n;           /* messages in it */
    size_t ngroups;
    struct group groups[GROUPS_MAX];
    uint8_t pos_group[WINDOW_MAX]; /* group of each position */
    uint32_t pos_off[WINDOW_MAX];  /* its bytes in data, after the prefix */
    uint8_t *data;    /* WIRE_PREFIX bytes kept for the prefix, then the window's payloads */
    uint8_t *scratch; /* one group's prefix, mask and payloads when the window mixes groups */
    size_t data_cap, data_len;
    /* JetStream window (a ring of cap entries), guarded by mu */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct inflight *win;
    size_t cap, head, len, failed;
    char last_id[ID_LEN];
    int chained;
    /* counters */
    uint64_t messages, runs, bytes, dropped, unknown, retries, recoveries, sessions;
    uint64_t last_report;
    int said_waiting;
};

static void out_report(struct out *o, const char *when)
{
    bridge_log(WHO, "%s: messages=%" PRIu64 " nats_messages=%" PRIu64 " bytes=%" PRIu64 " dropped=%" PRIu64
               " unknown_type=%" PRIu64 " republished=%" PRIu64 " recoveries=%" PRIu64 " producers=%" PRIu64,
               when, o->messages, o->runs, o->bytes, o->dropped, o->unknown, o->retries, o->recoveries, o->sessions);
}

/* Writes the window prefix of group g in front of its payloads, which start
 * at buf + the returned length's reserve (WIRE_PREFIX, or WIRE_PREFIX + the
 * mask bytes when the window mixes groups). */
static size_t put_prefix(struct out *o, const struct group *g, uint8_t *buf)
{
    struct wire_prefix p = {.fingerprint = o->c->schema.fingerprint,
                            .source = o->source_id,
                            .seq = o->win_seq,
                            .type = g->type->id,
                            .size = g->size,
                            .count = g->count,
                            .window = o->win_n};
    int mixed = o->ngroups > 1;
    size_t len = wire_put_prefix(buf, &p, mixed);
    if (mixed) {
        /* bit i: window position i is this group's */
        size_t gi = (size_t)(g - o->groups);
        uint8_t *mask = buf + WIRE_PREFIX;
        memset(mask, 0, (o->win_n + 7) / 8);
        for (uint32_t i = 0; i < o->win_n; i++)
            if (o->pos_group[i] == gi)
                mask[i / 8] |= (uint8_t)(1u << (i % 8));
    }
    return len;
}

/* ---- JetStream window ------------------------------------------------------ */

static void on_pub_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
    (void)js;
    (void)pae;
    struct out *o = closure;
    pthread_mutex_lock(&o->mu);
    struct inflight *e = NULL;
    for (size_t i = 0; i < o->len && !e; i++) {
        struct inflight *x = &o->win[(o->head + i) % o->cap];
        if (x->key == msg && x->state == ENTRY_PENDING)
            e = x;
    }
    if (e && pa) {
        e->state = ENTRY_ACKED;
        natsMsg_Destroy(msg);
    } else if (e) {
        e->state = ENTRY_FAILED;
        e->msg = msg; /* kept to publish again, in order */
        o->failed++;
    } else {
        natsMsg_Destroy(msg);
    }
    pthread_cond_broadcast(&o->cv);
    pthread_mutex_unlock(&o->mu);
}

static void timed_wait(struct out *o, long ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += ms * 1000000L;
    ts.tv_sec += ts.tv_nsec / 1000000000L;
    ts.tv_nsec %= 1000000000L;
    pthread_cond_timedwait(&o->cv, &o->mu, &ts);
}

/* Drops acknowledged runs from the head of the window. Call with mu held. */
static void reap_locked(struct out *o)
{
    while (o->len && o->win[o->head].state == ENTRY_ACKED) {
        o->head = (o->head + 1) % o->cap;
        o->len--;
    }
}

static int pending_locked(const struct out *o)
{
    for (size_t i = 0; i < o->len; i++)
        if (o->win[(o->head + i) % o->cap].state == ENTRY_PENDING)
            return 1;
    return 0;
}

/* Waits until nothing is outstanding, then publishes every unacknowledged one
 * again, synchronously and in order, retrying each until the server takes it.
 * Returns 0, or -1 when asked to stop before everything was stored. */
static int recover(struct out *o)
{
    pthread_mutex_lock(&o->mu);
    while (pending_locked(o))
        timed_wait(o, 100);
    pthread_mutex_unlock(&o->mu);
    /* Nothing is outstanding: the ack handler no longer touches the window. */
    o->recoveries++;
    while (o->len) {
        struct inflight *e = &o->win[o->head];
        if (e->state == ENTRY_FAILED) {
            natsMsgHeader_Delete(e->msg, "Nats-Expected-Last-Msg-Id");
            jsPubOptions po;
            jsPubOptions_Init(&po);
            po.MsgId = e->id;
            po.MaxWait = 2000;
            for (;;) {
                jsPubAck *pa = NULL;
                jsErrCode jerr = 0;
                natsStatus s = js_PublishMsg(&pa, o->js, e->msg, &po, &jerr);
                jsPubAck_Destroy(pa);
                if (s == NATS_OK)
                    break;
                o->retries++;
                if (!o->said_waiting++)
                    bridge_log(WHO, "JetStream does not take more yet (%s%s); waiting, the ring fills meanwhile",
                               natsStatus_GetText(s), jerr == JSStreamStoreFailedErr ? ": stream full" : "");
                if (bridge_stop) {
                    bridge_log(WHO, "stopping with %zu NATS messages not stored (%s)", o->len, natsStatus_GetText(s));
                    return -1;
                }
                usleep(50000);
            }
            o->retries++;
            o->said_waiting = 0;
            natsMsg_Destroy(e->msg);
            e->msg = NULL;
            snprintf(o->last_id, sizeof o->last_id, "%s", e->id);
            o->chained = 1;
        }
        o->head = (o->head + 1) % o->cap;
        o->len--;
    }
    pthread_mutex_lock(&o->mu);
    o->failed = 0;
    pthread_mutex_unlock(&o->mu);
    return 0;
}

/* Publishes one NATS message asynchronously; waits while --inflight are unacknowledged. */
static int publish_js(struct out *o, natsMsg *m, size_t gi, uint32_t count)
{
    pthread_mutex_lock(&o->mu);
    for (;;) {
        reap_locked(o);
        if (o->failed) {
            pthread_mutex_unlock(&o->mu);
            if (recover(o))
                return -1;
            pthread_mutex_lock(&o->mu);
            continue;
        }
        if (o->len < o->cap)
            break;
        if (bridge_stop) {
            pthread_mutex_unlock(&o->mu);
            return -1;
        }
        timed_wait(o, 100);
    }
    struct inflight *e = &o->win[(o->head + o->len) % o->cap];
    e->key = m;
    e->msg = NULL;
    e->state = ENTRY_PENDING;
    e->count = count;
    snprintf(e->id, sizeof e->id, "%s-%" PRIu64 ".%zu", o->source, o->win_seq, gi);
    o->len++;
    pthread_mutex_unlock(&o->mu);

    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MsgId = e->id;
    po.MaxWait = 2000;
    if (o->chained)
        po.ExpectLastMsgId = o->last_id;
    natsMsg *tmp = m;
    natsStatus s = js_PublishMsgAsync(o->js, &tmp, &po);
    snprintf(o->last_id, sizeof o->last_id, "%s", e->id);
    o->chained = 1;
    if (s != NATS_OK) {
        pthread_mutex_lock(&o->mu);
        if (e->state == ENTRY_PENDING && tmp) {
            e->state = ENTRY_FAILED;
            e->msg = tmp;
            o->failed++;
        }
        pthread_mutex_unlock(&o->mu);
    }
    return 0;
}

/* Waits until everything published is stored (or, once stop is asked, about 5 s). */
static int settle_js(struct out *o)
{
    int waited = 0;
    for (;;) {
        pthread_mutex_lock(&o->mu);
        reap_locked(o);
        size_t len = o->len, failed = o->failed;
        if (len && !failed)
            timed_wait(o, 100);
        pthread_mutex_unlock(&o->mu);
        if (!len)
            return 0;
        if (failed && recover(o))
            return -1;
        if (bridge_stop && !failed) {
            /* give outstanding acks a moment, then report what is left */
            if (++waited > 50) {
                bridge_log(WHO, "stopping with %zu NATS messages unacknowledged", len);
                return -1;
            }
        }
    }
}

/* ---- windows ----------------------------------------------------------------- */

/* Sends the gathered window: one NATS message per (type, size) group, on that
 * type's subject, with the group's payloads back to back. */
static int emit_window(struct out *o)
{
    if (!o->win_n)
        return 0;
    int rc = 0;
    for (size_t gi = 0; gi < o->ngroups && rc == 0; gi++) {
        struct group *g = &o->groups[gi];
        uint8_t *buf = o->data; /* one group: the payloads are in place after the prefix */
        size_t len;
        if (o->ngroups > 1) {
            buf = o->scratch;
            len = put_prefix(o, g, buf);
            for (uint32_t p = 0; p < o->win_n; p++)
                if (o->pos_group[p] == gi) {
                    memcpy(buf + len, o->data + WIRE_PREFIX + o->pos_off[p], g->size);
                    len += g->size;
                }
        } else {
            len = put_prefix(o, g, buf) + o->data_len;
        }
        const char *subject = o->subjects[g->type - o->c->schema.types];
        if (o->c->mode == MODE_CORE) {
            /* No natsMsg: the client copies the bytes straight into its buffer. */
            natsStatus s = natsConnection_Publish(o->nc, subject, buf, (int)len);
            if (s != NATS_OK) {
                if (!o->dropped)
                    bridge_log(WHO, "publish failed, messages dropped (core mode): %s", natsStatus_GetText(s));
                o->dropped += g->count;
            }
        } else {
            natsMsg *m = NULL;
            if (natsMsg_Create(&m, subject, NULL, (const char *)buf, (int)len) != NATS_OK) {
                bridge_log(WHO, "cannot build a NATS message (out of memory)");
                o->dropped += g->count;
                rc = -1;
            } else {
                rc = publish_js(o, m, gi, g->count);
            }
        }
        o->runs++;
    }
    o->win_n = 0;
    o->ngroups = 0;
    o->data_len = 0;
    return rc;
}

static int add_message(struct out *o, const void *data, size_t size, uint32_t type_id)
{
    const struct bridge_msgtype *t = bridge_schema_type(&o->c->schema, type_id);
    if (!t) {
        if (!o->unknown)
            bridge_log(WHO, "type id %" PRIu32 " is not a message of schema %s; not forwarded (counted)", type_id,
                       o->c->schema.name);
        o->unknown++;
        return 0;
    }
    size_t gi = 0;
    while (gi < o->ngroups && (o->groups[gi].type != t || o->groups[gi].size != size))
        gi++;
    if (o->win_n && (o->win_n >= o->c->batch_max || o->data_len + size > o->c->batch_bytes || gi == GROUPS_MAX)) {
        if (emit_window(o))
            return -1;
        gi = 0;
    }
    if (!o->win_n)
        o->win_seq = o->next_seq;
    if (gi == o->ngroups) {
        o->groups[gi].type = t;
        o->groups[gi].size = (uint32_t)size;
        o->groups[gi].count = 0;
        o->ngroups++;
    }
    o->groups[gi].count++;
    o->pos_group[o->win_n] = (uint8_t)gi;
    o->pos_off[o->win_n] = (uint32_t)o->data_len;
    memcpy(o->data + WIRE_PREFIX + o->data_len, data, size); /* the one copy out of the ring */
    o->data_len += size;
    o->win_n++;
    o->next_seq++;
    o->messages++;
    o->bytes += size;
    return 0;
}

static void maybe_report(struct out *o)
{
    if (o->c->report_s <= 0)
        return;
    uint64_t now = bridge_now_ns();
    if (now - o->last_report >= (uint64_t)(o->c->report_s * 1e9)) {
        o->last_report = now;
        out_report(o, "counters");
    }
}

/* Reads one producer's bus until it leaves (0) or stop / failure (-1). */
static int pump(struct out *o, tachyon_bus_t *bus)
{
    tachyon_msg_t msgs[DRAIN_MAX];
    for (;;) {
        if (bridge_stop)
            return -1;
        size_t n = tachyon_drain_batch(bus, msgs, DRAIN_MAX);
        if (n) {
            for (size_t i = 0; i < n; i++)
                if (add_message(o, msgs[i].data, msgs[i].size, msgs[i].type_id)) {
                    tachyon_commit_rx_batch(bus, n);
                    return -1;
                }
            tachyon_commit_rx_batch(bus, n);
            continue;
        }
        tachyon_error_t err = tachyon_last_error(bus);
        if (err != TACHYON_ERR_EMPTY && err != TACHYON_ERR_PEER_GONE) {
            bridge_log(WHO, "reading the local bus: %s", tachyon_strerror(err));
            return -1;
        }
        /* Nothing waits in the ring: send what was gathered now. */
        if (emit_window(o))
            return -1;
        if (err == TACHYON_ERR_PEER_GONE)
            return 0;
        maybe_report(o);
        uint32_t type_id;
        size_t size;
        const void *p = tachyon_acquire_rx_timeout(bus, &type_id, &size, 2000, INT64_C(100000000));
        if (p) {
            int rc = add_message(o, p, size, type_id);
            tachyon_commit_rx(bus);
            if (rc)
                return -1;
            continue;
        }
        err = tachyon_last_error(bus);
        if (err == TACHYON_ERR_PEER_GONE)
            return 0;
        if (err != TACHYON_ERR_TIMEOUT && err != TACHYON_ERR_INTERRUPTED) {
            bridge_log(WHO, "reading the local bus: %s", tachyon_strerror(err));
            return -1;
        }
    }
}

int bridge_out_run(struct bridge_config *c)
{
    struct out o;
    memset(&o, 0, sizeof o);
    o.c = c;
    uint64_t rnd = 0;
    while (rnd == 0)
        if (getrandom(&rnd, sizeof rnd, 0) != sizeof rnd)
            rnd = bridge_now_ns() ^ ((uint64_t)getpid() << 32);
    snprintf(o.source, sizeof o.source, "%016" PRIx64, rnd);
    o.source_id = rnd;
    o.next_seq = 1;
    for (size_t i = 0; i < c->schema.ntypes; i++)
        snprintf(o.subjects[i], sizeof o.subjects[i], "%s.%s", c->subject_prefix, c->schema.types[i].name);
    /* A window holds --batch-bytes, or one message of the largest size the bus takes. */
    o.data_cap = c->capacity / 2 > c->batch_bytes ? c->capacity / 2 : c->batch_bytes;
    o.data = malloc(WIRE_PREFIX + o.data_cap);
    o.scratch = malloc(WIRE_PREFIX + WINDOW_MAX / 8 + o.data_cap);
    o.cap = c->inflight;
    o.win = calloc(o.cap, sizeof *o.win);
    pthread_mutex_init(&o.mu, NULL);
    pthread_cond_init(&o.cv, NULL);
    o.last_report = bridge_now_ns();
    if (!o.data || !o.scratch || !o.win) {
        bridge_log(WHO, "out of memory");
        return BRIDGE_EXIT_FAIL;
    }
    if (bridge_nats_connect(c, &o.nc, WHO) != NATS_OK)
        return BRIDGE_EXIT_FAIL;
    int rc = BRIDGE_EXIT_OK;
    if (c->mode == MODE_JETSTREAM) {
        jsOptions jo;
        jsOptions_Init(&jo);
        jo.Wait = 5000;
        jo.PublishAsync.MaxPending = (int64_t)o.cap * 2; /* our window stalls first */
        jo.PublishAsync.AckHandler = on_pub_ack;
        jo.PublishAsync.AckHandlerClosure = &o;
        natsStatus s = natsConnection_JetStream(&o.js, o.nc, &jo);
        /* The server may still be starting (or a cluster still choosing its
         * JetStream leader): keep trying until it answers. */
        for (int said = 0; s == NATS_OK && !bridge_stop; said++) {
            natsStatus e = bridge_stream_ensure(c, o.js);
            if (e == NATS_OK)
                break;
            if (!said)
                bridge_log(WHO, "waiting for JetStream stream %s: %s", c->stream, natsStatus_GetText(e));
            usleep(200000);
        }
        if (s == NATS_OK && bridge_stop)
            goto done;
        if (s != NATS_OK) {
            if (!bridge_stop) {
                bridge_log(WHO, "JetStream: %s", natsStatus_GetText(s));
                rc = BRIDGE_EXIT_FAIL;
            }
            goto done;
        }
    }
    bridge_log(WHO, "listening on %s, publishing schema %s (0x%016" PRIx64 ") to %s.* (%s), session %s", c->socket,
               c->schema.name, c->schema.fingerprint, c->subject_prefix,
               c->mode == MODE_CORE ? "core NATS" : "JetStream", o.source);
    while (!bridge_stop) {
        /* No deadline: one that expired while a producer was in the middle of
         * its handshake would refuse that producer. SIGTERM ends the wait. */
        tachyon_options_t opts = {.schema_fingerprint = c->schema.fingerprint, .timeout_ns = 0};
        tachyon_bus_t *bus = NULL;
        tachyon_error_t err = tachyon_bus_listen_ex(c->socket, c->capacity, &opts, &bus);
        if (err == TACHYON_ERR_TIMEOUT || err == TACHYON_ERR_INTERRUPTED)
            continue;
        if (err) {
            bridge_log(WHO, "listen on %s: %s", c->socket, tachyon_strerror(err));
            rc = err == TACHYON_ERR_SCHEMA_MISMATCH ? BRIDGE_EXIT_SCHEMA : BRIDGE_EXIT_FAIL;
            if (err == TACHYON_ERR_SCHEMA_MISMATCH && !c->once)
                continue; /* that producer was refused; wait for the next */
            break;
        }
        o.sessions++;
        int r = pump(&o, bus);
        tachyon_bus_destroy(bus);
        if (r) {
            if (!bridge_stop)
                rc = BRIDGE_EXIT_FAIL;
            break;
        }
        if (c->mode == MODE_CORE) {
            natsConnection_FlushTimeout(o.nc, 5000);
            bridge_log(WHO, "producer left; %" PRIu64 " messages sent so far", o.messages);
        } else if (settle_js(&o)) {
            break;
        } else {
            bridge_log(WHO, "producer left; every message stored (%" PRIu64 " so far)", o.messages);
        }
        if (c->once)
            break;
    }
    /* Whatever was gathered goes out before exit. */
    emit_window(&o);
    if (c->mode == MODE_CORE) {
        if (natsConnection_FlushTimeout(o.nc, 2000) != NATS_OK)
            bridge_log(WHO, "NATS flush at exit failed; the last messages may be lost");
    } else if (settle_js(&o)) {
        rc = BRIDGE_EXIT_FAIL;
    }
done:
    out_report(&o, "exit");
    jsCtx_Destroy(o.js);
    natsConnection_Destroy(o.nc);
    free(o.data);
    free(o.scratch);
    free(o.win);
    return rc;
}
