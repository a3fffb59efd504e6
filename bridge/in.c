/*
 * in.c - `tachyon-bridge in`: subscribes to tachyon.<schema>.> and produces
 * every carried message into a local bus, as its connector.
 *
 * Every NATS message is checked before anything of it enters the ring: the
 * schema fingerprint must equal this bus's (else it is refused, counted and
 * reported), the type id must be one of the schema's messages and the payload
 * must hold Count whole messages of Size bytes.
 *
 * The NATS messages of one window (one per type in it) are held until the
 * window is whole, then its ring messages go into the ring in their original
 * order. Each out session numbers its ring messages; the last number delivered
 * per session is kept, so a window seen again (a publish the out side
 * repeated, a redelivery) is skipped, and in core mode a jump in the numbers
 * (or a window whose last part never came) counts lost messages.
 *
 * JetStream mode reads through a durable pull consumer (its own pull requests
 * on a plain subscription, not natsSubscription_Fetch: see pull_more) and keeps, in the
 * --state file (mapped shared, so each store outlives a killed process), the
 * stream sequence up to which everything is in the ring and the last number
 * delivered per session, updated right after each ring commit. At start, and
 * after a reconnection (the server may have restarted), the consumer is made
 * again at the next stream sequence, so delivery resumes where the ring left
 * off and the numbers skip what was delivered already. Messages are handled
 * strictly in stream order: a gap in the stream sequence (a message the server
 * sent while going down) re-creates the consumer at the first missing one.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bridge.h"

#define WHO "in"
#define MAX_SOURCES 32
#define PULL_BATCH 256        /* messages asked for by one pull request */
#define PULLS_MAX 4           /* pull requests outstanding at most */
#define PULL_EXPIRES_MS 2000  /* the server ends a pull request after this */

enum deliver_result { DELIVERED, PENDING, SKIPPED, REFUSED, RESYNC, BUS_GONE, STOPPED, BUS_FAILED };

/* The window being put back together: its NATS messages stay alive until it
 * is written into the ring. */
struct window {
    int active;
    uint64_t source, seq;
    uint32_t n, filled, skip;
    uint8_t set[BRIDGE_WINDOW_MAX];
    struct {
        const uint8_t *data;
        uint32_t size, type;
    } pos[BRIDGE_WINDOW_MAX];
    natsMsg *msgs[BRIDGE_WINDOW_MAX];
    int nmsgs;
};

struct source_pos {
    uint64_t source;
    uint64_t last_seq; /* last ring message number delivered */
    uint64_t used;     /* for replacing the least recently used entry */
};

/* The state file's bytes (host order: the file stays on this host). */
struct in_state {
    char magic[8];
    int64_t stream_created; /* the stream's creation time: another stream means another numbering */
    uint64_t stream_seq;    /* last stream sequence handled */
    uint64_t tick;
    struct source_pos src[MAX_SOURCES];
};

struct in {
    struct bridge_config *c;
    natsConnection *nc;
    jsCtx *js;
    natsSubscription *sub;
    tachyon_bus_t *bus;
    int state_fd;
    struct in_state *st; /* the mapped state file (JetStream) or memory (core) */
    struct window win;
    uint64_t seen_q;    /* last stream sequence received from this consumer */
    uint64_t resync_at; /* stream position of the last resync asked by an incomplete window */
    uint64_t purged, last_purge; /* stream purged up to; when */
    char filter[BRIDGE_NAME_MAX + 24];
    /* JetStream: our pull requests to the consumer and the replies' inbox */
    char inbox[96];                          /* replies come to <inbox>.<request id> */
    char next_subject[2 * BRIDGE_NAME_MAX + 48]; /* $JS.API.CONSUMER.MSG.NEXT.<stream>.<durable> */
    struct pull {
        uint64_t id;
        int64_t left;        /* messages it may still bring */
        uint64_t expires_ns; /* after this it is over, whether or not its end came */
    } pulls[PULLS_MAX];
    int npulls;
    int64_t due; /* messages asked for and not come yet */
    uint64_t pull_id;
    char ack_to[256]; /* reply subject of the newest message not acknowledged yet */
    /* counters */
    uint64_t delivered, runs, duplicates, refused_fp, refused_type, malformed, lost, resyncs, strays, unanswered;
    uint64_t last_report;
};

static const char STATE_MAGIC[8] = {'T', 'C', 'H', 'B', 'R', 'I', 'N', '2'};

static void in_report(struct in *b, const char *when)
{
    int64_t dropped = 0;
    if (b->sub && b->c->mode == MODE_CORE)
        natsSubscription_GetDropped(b->sub, &dropped);
    bridge_log(WHO, "%s: delivered=%" PRIu64 " nats_messages=%" PRIu64 " duplicates=%" PRIu64
               " refused_fingerprint=%" PRIu64 " refused_type=%" PRIu64 " malformed=%" PRIu64 " lost=%" PRIu64
               " dropped_by_client=%" PRId64 " resyncs=%" PRIu64 " strays=%" PRIu64 " unanswered_pulls=%" PRIu64,
               when, b->delivered, b->runs, b->duplicates, b->refused_fp, b->refused_type, b->malformed,
               b->lost + (uint64_t)dropped, dropped, b->resyncs, b->strays, b->unanswered);
}

static struct source_pos *source_find(struct in *b, uint64_t source, int create)
{
    struct source_pos *lru = &b->st->src[0];
    for (int i = 0; i < MAX_SOURCES; i++) {
        struct source_pos *p = &b->st->src[i];
        if (p->source == source && p->used) {
            p->used = ++b->st->tick;
            return p;
        }
        if (p->used < lru->used)
            lru = p;
    }
    if (!create)
        return NULL;
    lru->source = source;
    lru->last_seq = 0;
    lru->used = ++b->st->tick;
    return lru;
}

/* The state lives in a shared mapping of the state file: a store into it
 * outlives this process at once (the kernel keeps the page), so the position
 * is written right after each ring commit without a system call. */
static int state_open(struct in *b)
{
    static struct in_state mem;
    b->st = &mem;
    memcpy(mem.magic, STATE_MAGIC, sizeof STATE_MAGIC);
    if (b->c->mode != MODE_JETSTREAM)
        return 0; /* core mode remembers nothing across restarts */
    b->state_fd = open(b->c->state, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (b->state_fd < 0) {
        bridge_log(WHO, "cannot open state file %s: %s", b->c->state, strerror(errno));
        return -1;
    }
    struct stat sb;
    if (fstat(b->state_fd, &sb)) {
        bridge_log(WHO, "state file %s: %s", b->c->state, strerror(errno));
        return -1;
    }
    int fresh = sb.st_size == 0;
    if (fresh && pwrite(b->state_fd, &mem, sizeof mem, 0) != (ssize_t)sizeof mem) {
        bridge_log(WHO, "writing state file %s: %s", b->c->state, strerror(errno));
        return -1;
    }
    if (!fresh && sb.st_size != (off_t)sizeof mem) {
        bridge_log(WHO, "state file %s is not a tachyon-bridge in state file; move it away to start afresh",
                   b->c->state);
        return -1;
    }
    void *map = mmap(NULL, sizeof mem, PROT_READ | PROT_WRITE, MAP_SHARED, b->state_fd, 0);
    if (map == MAP_FAILED) {
        bridge_log(WHO, "mapping state file %s: %s", b->c->state, strerror(errno));
        return -1;
    }
    b->st = map;
    if (memcmp(b->st->magic, STATE_MAGIC, sizeof STATE_MAGIC)) {
        bridge_log(WHO, "state file %s is not a tachyon-bridge in state file; move it away to start afresh",
                   b->c->state);
        return -1;
    }
    if (!fresh)
        bridge_log(WHO, "resuming after stream sequence %" PRIu64 " (state file %s)", b->st->stream_seq,
                   b->c->state);
    return 0;
}

/* Connects to the local consumer, retrying while nobody listens. */
static int bus_connect(struct in *b)
{
    tachyon_options_t opts = {.schema_fingerprint = b->c->schema.fingerprint, .timeout_ns = INT64_C(1000000000)};
    int said = 0;
    while (!bridge_stop) {
        tachyon_error_t err = tachyon_bus_connect_ex(b->c->socket, &opts, &b->bus);
        if (err == TACHYON_OK) {
            bridge_log(WHO, "connected to the local bus %s", b->c->socket);
            return 0;
        }
        if (err == TACHYON_ERR_SCHEMA_MISMATCH) {
            bridge_log(WHO, "the consumer on %s refused schema %s (0x%016" PRIx64 "): schema mismatch", b->c->socket,
                       b->c->schema.name, b->c->schema.fingerprint);
            return BRIDGE_EXIT_SCHEMA;
        }
        /* A listener that is just starting (or a stale one) may fail a
         * handshake: try again, as for no listener at all. */
        if (err != TACHYON_ERR_NO_LISTENER && err != TACHYON_ERR_TIMEOUT && err != TACHYON_ERR_PEER_GONE &&
            err != TACHYON_ERR_HANDSHAKE && err != TACHYON_ERR_INTERRUPTED) {
            bridge_log(WHO, "connect to %s: %s", b->c->socket, tachyon_strerror(err));
            return -1;
        }
        if (!said++)
            bridge_log(WHO, "waiting for a consumer to listen on %s", b->c->socket);
        usleep(20000);
    }
    return -1;
}

/* Releases the window's NATS messages and forgets it. */
static void window_clear(struct in *b)
{
    for (int i = 0; i < b->win.nmsgs; i++)
        natsMsg_Destroy(b->win.msgs[i]);
    memset(b->win.set, 0, sizeof b->win.set);
    b->win.nmsgs = 0;
    b->win.active = 0;
}

/* Writes the window's positions (those not delivered before) into the ring
 * in order; with `partial` the missing ones are counted as lost. */
static enum deliver_result window_emit(struct in *b, int partial)
{
    struct window *w = &b->win;
    struct source_pos *sp = source_find(b, w->source, 1);
    enum deliver_result r = DELIVERED;
    uint32_t i = w->skip;
    /* A consumer that has left would never read what is written now. */
    if (!tachyon_peer_alive(b->bus)) {
        r = BUS_GONE;
        goto out;
    }
    /* Counted here, when the window goes in, not when it starts: a window
     * dropped for a resync comes again and counts then. */
    b->duplicates += w->skip;
    if (sp->last_seq && w->seq > sp->last_seq + 1)
        b->lost += w->seq - sp->last_seq - 1; /* numbers that never came */
    for (; i < w->n; i++) {
        if (!w->set[i]) {
            b->lost += partial;
            continue;
        }
        void *p;
        while (!(p = tachyon_acquire_tx_blocking(b->bus, w->pos[i].size, INT64_C(100000000)))) {
            tachyon_error_t err = tachyon_last_error(b->bus);
            if (err == TACHYON_ERR_TIMEOUT || err == TACHYON_ERR_INTERRUPTED) {
                if (bridge_stop) {
                    r = STOPPED;
                    goto out;
                }
                continue;
            }
            r = err == TACHYON_ERR_PEER_GONE ? BUS_GONE : BUS_FAILED;
            if (r == BUS_FAILED)
                bridge_log(WHO, "writing the local bus: %s", tachyon_strerror(err));
            goto out;
        }
        memcpy(p, w->pos[i].data, w->pos[i].size);
        tachyon_commit_tx(b->bus, w->pos[i].size, w->pos[i].type);
        /* Recorded right after the commit (a committed message reaches the
         * consumer even if this process dies now); only a kill between these
         * two lines would deliver this one message again. */
        sp->last_seq = w->seq + i;
        b->delivered++;
    }
    sp->last_seq = w->seq + w->n - 1;
out:
    /* Core mode never sees what was not written again; JetStream re-reads it. */
    if (r != DELIVERED && b->c->mode == MODE_CORE)
        for (; i < w->n; i++)
            b->lost += w->set[i];
    window_clear(b);
    if (b->bus)
        tachyon_flush(b->bus);
    return r;
}

/* Checks one NATS message and places its ring messages in the current window;
 * once the window is whole it goes into the ring. Takes ownership of m.
 * `strict` (JetStream): a window left incomplete asks for a resync instead of
 * being delivered in part. */
static enum deliver_result deliver(struct in *b, natsMsg *m, int strict)
{
    enum deliver_result r = REFUSED;
    struct wire_prefix wp;
    const char *why = wire_get_prefix((const uint8_t *)natsMsg_GetData(m), (size_t)natsMsg_GetDataLength(m), &wp);
    if (why) {
        if (!b->malformed++)
            bridge_log(WHO, "malformed message on %s (%s); refused (counted)", natsMsg_GetSubject(m), why);
        goto drop;
    }
    uint64_t type = wp.type, size = wp.size, count = wp.count, fp = wp.fingerprint, source = wp.source,
             seq = wp.seq, n = wp.window;
    const uint8_t *mask = wp.mask;
    if (fp != b->c->schema.fingerprint) {
        if (!b->refused_fp || (b->refused_fp & (b->refused_fp - 1)) == 0)
            bridge_log(WHO, "schema mismatch: message on %s has fingerprint 0x%016" PRIx64 ", this bus has %s "
                       "0x%016" PRIx64 "; refused, nothing injected (%" PRIu64 " messages refused so far)",
                       natsMsg_GetSubject(m), fp, b->c->schema.name, b->c->schema.fingerprint, b->refused_fp + count);
        b->refused_fp += count;
        goto drop;
    }
    const struct bridge_msgtype *t = bridge_schema_type(&b->c->schema, (uint32_t)type);
    if (!t || (uint64_t)t->size > size) {
        if (!b->refused_type)
            bridge_log(WHO, "type id %" PRIu64 " (size %" PRIu64 ") is not a message of schema %s; refused",
                       type, size, b->c->schema.name);
        b->refused_type += count;
        goto drop;
    }
    struct source_pos *sp = source_find(b, source, 1);
    if (sp->last_seq && seq + n - 1 <= sp->last_seq) {
        b->duplicates += count;
        r = SKIPPED;
        goto drop;
    }
    struct window *w = &b->win;
    if (w->active && (w->source != source || w->seq != seq)) {
        if (strict) {
            r = RESYNC;
            goto drop;
        }
        r = window_emit(b, 1);
        if (r != DELIVERED)
            goto drop;
        sp = source_find(b, source, 1);
    }
    if (!w->active) {
        w->active = 1;
        w->source = source;
        w->seq = seq;
        w->n = (uint32_t)n;
        w->filled = 0;
        w->skip = 0;
        if (sp->last_seq >= seq)
            w->skip = (uint32_t)(sp->last_seq - seq + 1);
    } else if (w->n != n) {
        if (!b->malformed++)
            bridge_log(WHO, "window %" PRIu64 " announced with two lengths; refused (counted)", seq);
        goto drop;
    }
    const uint8_t *data = wp.payload;
    /* A part of this window that is here already (the server stored a
     * repeated publish): skip it. */
    uint32_t held = 0;
    for (uint32_t i = 0; i < n; i++)
        if ((!mask || ((mask[i / 8] >> (i % 8)) & 1)) && w->set[i])
            held++;
    if (held && held == count) {
        b->duplicates += count;
        r = SKIPPED;
        goto drop;
    }
    uint32_t k = held ? UINT32_MAX : 0;
    for (uint32_t i = 0; i < n && k != UINT32_MAX; i++) {
        if (mask && !((mask[i / 8] >> (i % 8)) & 1))
            continue;
        if (w->set[i] || k == count) {
            k = UINT32_MAX;
            break;
        }
        w->set[i] = 1;
        w->pos[i].data = data + (size_t)k * size;
        w->pos[i].size = (uint32_t)size;
        w->pos[i].type = (uint32_t)type;
        k++;
    }
    if (k != count) {
        /* The mask disagrees with Count, or repeats a position: drop the window. */
        if (!b->malformed++)
            bridge_log(WHO, "window %" PRIu64 " has an inconsistent mask; refused (counted)", seq);
        window_clear(b);
        goto drop;
    }
    w->filled += (uint32_t)count;
    w->msgs[w->nmsgs++] = m;
    b->runs++;
    if (w->filled < w->n)
        return PENDING;
    return window_emit(b, 0);
drop:
    natsMsg_Destroy(m);
    return r;
}

static void maybe_report(struct in *b)
{
    if (b->c->report_s <= 0)
        return;
    uint64_t now = bridge_now_ns();
    if (now - b->last_report >= (uint64_t)(b->c->report_s * 1e9)) {
        b->last_report = now;
        in_report(b, "counters");
    }
}

/* After the local consumer left: report, then wait for the next one (or stop
 * with --once). Returns 0 to go on. */
static int bus_reconnect(struct in *b)
{
    tachyon_bus_destroy(b->bus);
    b->bus = NULL;
    bridge_log(WHO, "the local consumer left");
    if (b->c->once)
        return -1;
    return bus_connect(b) ? -1 : 0;
}

/* ---- core NATS ----------------------------------------------------------- */

static int run_core(struct in *b)
{
    natsStatus s = natsConnection_SubscribeSync(&b->sub, b->nc, b->filter);
    if (s == NATS_OK)
        s = natsSubscription_SetPendingLimits(b->sub, 1 << 20, 1 << 30);
    if (s != NATS_OK) {
        bridge_log(WHO, "subscribe %s: %s", b->filter, natsStatus_GetText(s));
        return BRIDGE_EXIT_FAIL;
    }
    while (!bridge_stop) {
        natsMsg *m = NULL;
        s = natsSubscription_NextMsg(&m, b->sub, 100);
        if (s == NATS_TIMEOUT) {
            maybe_report(b);
            /* A window whose last part never came: deliver what arrived. */
            if (b->win.active) {
                enum deliver_result r = window_emit(b, 1);
                if (r == BUS_FAILED)
                    return BRIDGE_EXIT_FAIL;
                if (r == BUS_GONE && bus_reconnect(b))
                    break;
            }
            tachyon_flush(b->bus);
            if (b->c->once && !tachyon_peer_alive(b->bus) && bus_reconnect(b))
                break;
            continue;
        }
        if (s == NATS_SLOW_CONSUMER)
            continue; /* counted by the subscription's drop counter */
        if (s != NATS_OK) {
            bridge_log(WHO, "receive: %s", natsStatus_GetText(s));
            usleep(100000);
            continue;
        }
        enum deliver_result r = deliver(b, m, 0);
        if (r == BUS_FAILED)
            return BRIDGE_EXIT_FAIL;
        if (r == BUS_GONE && bus_reconnect(b))
            break;
        /* Publish to the consumer whenever NATS has nothing more queued. */
        int pending = 0;
        if (natsSubscription_GetPending(b->sub, &pending, NULL) != NATS_OK || pending == 0)
            tachyon_flush(b->bus);
    }
    return BRIDGE_EXIT_OK;
}

/* ---- JetStream ----------------------------------------------------------- */

/* Pull requests are our own: a plain subscription on <inbox>.*, and each
 * request to the consumer carries its own reply subject <inbox>.<id>, so
 * every message and status says which request it answers. libnats 3.4's
 * natsSubscription_Fetch is not used: before 3.8.2 it can write past its
 * message array when messages or statuses of an earlier, expired request are
 * still queued at the call (nats.c pull request 749; seen here as a heap
 * corruption abort in `in` under load). Here nothing is gathered into an
 * array: each message is handled as it is taken, whatever request it came
 * for. */

static natsStatus pull_subscribe(struct in *b)
{
    natsInbox *inbox = NULL;
    natsStatus s = natsInbox_Create(&inbox);
    if (s != NATS_OK)
        return s;
    snprintf(b->inbox, sizeof b->inbox, "%s", inbox);
    natsInbox_Destroy(inbox);
    char subject[sizeof b->inbox + 4];
    snprintf(subject, sizeof subject, "%s.*", b->inbox);
    s = natsConnection_SubscribeSync(&b->sub, b->nc, subject);
    if (s == NATS_OK)
        s = natsSubscription_SetPendingLimits(b->sub, 1 << 20, 1 << 30);
    b->npulls = 0;
    b->due = 0;
    b->ack_to[0] = '\0';
    return s;
}

/* Forgets pull request i (the order of the others is kept: oldest first). */
static void pull_forget(struct in *b, int i)
{
    b->due -= b->pulls[i].left;
    if (b->due < 0)
        b->due = 0;
    memmove(&b->pulls[i], &b->pulls[i + 1], (size_t)(b->npulls - i - 1) * sizeof b->pulls[0]);
    b->npulls--;
}

/* Asks the consumer for more whenever less than half a batch is still due
 * from the requests in flight, so messages keep coming while earlier ones are
 * written into the ring. */
static void pull_more(struct in *b)
{
    uint64_t now = bridge_now_ns();
    for (int i = b->npulls - 1; i >= 0; i--)
        if (now >= b->pulls[i].expires_ns) {
            pull_forget(b, i); /* its end never came (server gone?): count it as over */
            b->unanswered++;
        }
    if (b->due >= PULL_BATCH / 2 || b->npulls == PULLS_MAX)
        return;
    char reply[sizeof b->inbox + 24], body[96];
    uint64_t id = ++b->pull_id;
    snprintf(reply, sizeof reply, "%s.%" PRIu64, b->inbox, id);
    int len = snprintf(body, sizeof body, "{\"batch\":%d,\"expires\":%" PRId64 "}", PULL_BATCH,
                       (int64_t)PULL_EXPIRES_MS * 1000000);
    natsStatus s = natsConnection_PublishRequest(b->nc, b->next_subject, reply, body, len);
    if (getenv("TACHYON_BRIDGE_TRACE"))
        bridge_log(WHO, "trace: pull request %s for %d (%s)", reply, PULL_BATCH, natsStatus_GetText(s));
    if (s != NATS_OK)
        return; /* not connected: asked again on the next turn */
    /* Past the server's expiry: its 408 (or its last message) ends it first. */
    b->pulls[b->npulls++] = (struct pull){id, PULL_BATCH, now + (uint64_t)(PULL_EXPIRES_MS + 2000) * 1000000u};
    b->due += PULL_BATCH;
}

/* A message from the consumer. Messages keep their own subject, so which
 * request one answers is not known: it counts against what is due in total
 * (and, for a request that expires here unanswered, against the oldest). One
 * that comes when nothing is due (a late answer to a request already over) is
 * a stray, handled like any other by its stream sequence. */
static void pull_took(struct in *b)
{
    if (!b->due) {
        b->strays++;
        return;
    }
    b->due--;
    for (int i = 0; i < b->npulls; i++)
        if (b->pulls[i].left > 0) {
            if (--b->pulls[i].left == 0)
                pull_forget(b, i); /* served in full: the server sends no end for it */
            break;
        }
}

/* A status ends the request named by its subject (<inbox>.<id>). The server
 * says how many of its messages never came (Nats-Pending-Messages); without
 * that, what this side still counted for it. A status for a request not in
 * flight is a stray. */
static void pull_ended(struct in *b, natsMsg *m)
{
    const char *subject = natsMsg_GetSubject(m);
    size_t n = strlen(b->inbox);
    if (subject && !strncmp(subject, b->inbox, n) && subject[n] == '.') {
        char *end = NULL;
        uint64_t id = strtoull(subject + n + 1, &end, 10);
        for (int i = 0; end && !*end && i < b->npulls; i++)
            if (b->pulls[i].id == id) {
                const char *v = NULL;
                if (natsMsgHeader_Get(m, "Nats-Pending-Messages", &v) == NATS_OK && v)
                    b->pulls[i].left = strtoll(v, NULL, 10); /* the server's count, not this side's guess */
                pull_forget(b, i);
                return;
            }
    }
    b->strays++;
}

/* A status from the server instead of a message (no data, a Status header):
 * returns its code, or NULL for a message. */
static const char *pull_status(natsMsg *m)
{
    const char *code = NULL;
    if (natsMsg_GetDataLength(m) > 0 || natsMsgHeader_Get(m, "Status", &code) != NATS_OK)
        return NULL;
    return code;
}

/* The stream sequence of a JetStream message, from its reply subject
 *   $JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time>.<pending>
 * or the longer form with <domain>.<account hash> after ACK (11 or 12
 * tokens). Returns 0 when the subject is not one of these. */
static uint64_t js_stream_seq(const char *reply)
{
    if (!reply || strncmp(reply, "$JS.ACK.", 8))
        return 0;
    const char *tok[13];
    int n = 0;
    tok[n++] = reply;
    for (const char *p = reply; *p; p++)
        if (*p == '.') {
            if (n == 13)
                return 0;
            tok[n++] = p + 1;
        }
    int at = n == 9 ? 5 : (n == 11 || n == 12) ? 7 : -1;
    if (at < 0 || tok[at][0] < '0' || tok[at][0] > '9')
        return 0;
    char *end = NULL;
    uint64_t q = strtoull(tok[at], &end, 10);
    return *end == '.' ? q : 0;
}

/* Acknowledges everything up to the newest message taken (the consumer acks
 * all before it): the position is kept by the state file, the ack only
 * spares the server redeliveries and keeps its pending count low. */
static void ack_taken(struct in *b)
{
    if (!b->ack_to[0])
        return;
    natsConnection_Publish(b->nc, b->ack_to, "+ACK", 4);
    b->ack_to[0] = '\0';
}

/* (Re)creates the durable pull consumer at the stream sequence after the last
 * one handled, and subscribes for its messages. */
static natsStatus consumer_reset(struct in *b)
{
    const struct bridge_config *c = b->c;
    if (b->sub) {
        natsSubscription_Destroy(b->sub); /* what the old requests still bring is dropped with it */
        b->sub = NULL;
    }
    window_clear(b); /* its messages come again */
    jsErrCode jerr = 0;
    jsStreamInfo *si = NULL;
    natsStatus s = js_GetStreamInfo(&si, b->js, c->stream, NULL, &jerr);
    if (s != NATS_OK)
        return s;
    int64_t created = si->Created;
    jsStreamInfo_Destroy(si);
    if (b->st->stream_created && b->st->stream_created != created && b->st->stream_seq) {
        /* Positions in the state file belong to a stream that is gone; the
         * per-sender numbers still skip anything delivered before. */
        bridge_log(WHO, "stream %s was made anew since %s was written; reading it from its first message",
                   c->stream, c->state);
        b->st->stream_seq = 0;
        b->purged = 0;
    }
    b->st->stream_created = created;
    b->seen_q = b->st->stream_seq;
    js_DeleteConsumer(b->js, c->stream, c->durable, NULL, &jerr);
    jsConsumerConfig cc;
    jsConsumerConfig_Init(&cc);
    cc.Durable = c->durable;
    cc.AckPolicy = js_AckAll;
    cc.AckWait = INT64_C(30000000000);
    cc.MaxAckPending = 1 << 16;
    cc.FilterSubject = b->filter;
    if (b->st->stream_seq) {
        cc.DeliverPolicy = js_DeliverByStartSequence;
        cc.OptStartSeq = b->st->stream_seq + 1;
    } else {
        cc.DeliverPolicy = js_DeliverAll;
    }
    jsConsumerInfo *ci = NULL;
    s = js_AddConsumer(&ci, b->js, c->stream, &cc, NULL, &jerr);
    jsConsumerInfo_Destroy(ci);
    if (s != NATS_OK)
        return s;
    snprintf(b->next_subject, sizeof b->next_subject, "$JS.API.CONSUMER.MSG.NEXT.%s.%s", c->stream, c->durable);
    return pull_subscribe(b);
}

static int consumer_reset_retrying(struct in *b)
{
    int said = 0;
    natsStatus s;
    while ((s = bridge_stream_ensure(b->c, b->js)) != NATS_OK || (s = consumer_reset(b)) != NATS_OK) {
        if (bridge_stop)
            return -1;
        if (!said++)
            bridge_log(WHO, "waiting for JetStream (stream %s, consumer %s): %s", b->c->stream, b->c->durable,
                       natsStatus_GetText(s));
        usleep(200000);
    }
    b->resyncs++;
    return 0;
}

/* Drops from the stream what is in the ring (at most every 100 ms), so the
 * stream's byte limit counts only what is not delivered yet. Only from the
 * stream the position belongs to: a server that came back with an empty store
 * may already hold a new stream of that name (made by `out`) before this side
 * hears of the reconnection, and purging it up to the old position would drop
 * messages never delivered. */
static void purge_delivered(struct in *b)
{
    uint64_t now = bridge_now_ns();
    if (b->st->stream_seq <= b->purged || now - b->last_purge < UINT64_C(100000000) || bridge_reconnected)
        return;
    b->last_purge = now;
    jsErrCode jerr = 0;
    jsStreamInfo *si = NULL;
    if (js_GetStreamInfo(&si, b->js, b->c->stream, NULL, &jerr) != NATS_OK)
        return;
    int same = si->Created == b->st->stream_created;
    jsStreamInfo_Destroy(si);
    if (!same) {
        bridge_reconnected = 1; /* another stream: re-create the consumer from it first */
        return;
    }
    jsOptions o;
    jsOptions_Init(&o);
    o.Stream.Purge.Sequence = b->st->stream_seq + 1; /* everything before it */
    if (js_PurgeStream(b->js, b->c->stream, &o, &jerr) == NATS_OK)
        b->purged = b->st->stream_seq;
}

enum take_result { TAKEN, TAKE_ERROR, TAKE_RESYNC, TAKE_GONE, TAKE_FAILED };

/* Handles one message from the consumer (or a status about a request), in
 * stream order. */
static enum take_result take(struct in *b, natsMsg *m, int *just_reset)
{
    const char *status = pull_status(m);
    if (status) {
        /* 404 / 408: the request is over (nothing more, or it expired). Any
         * other (409 consumer deleted or limits, 503 no JetStream) is an
         * error: the caller slows down and, if it persists, resets. */
        pull_ended(b, m);
        if (getenv("TACHYON_BRIDGE_TRACE"))
            bridge_log(WHO, "trace: status %s on %s", status, natsMsg_GetSubject(m));
        int over = !strncmp(status, "404", 3) || !strncmp(status, "408", 3);
        if (!over) {
            const char *desc = NULL;
            natsMsgHeader_Get(m, "Description", &desc);
            bridge_log(WHO, "pull request answered %s %s", status, desc ? desc : "");
        }
        natsMsg_Destroy(m);
        return over ? TAKEN : TAKE_ERROR;
    }
    pull_took(b);
    const char *reply = natsMsg_GetReply(m);
    uint64_t q = js_stream_seq(reply);
    if (!q) {
        if (!b->malformed++)
            bridge_log(WHO, "a message on %s is not from the consumer (no JetStream reply subject); refused (counted)",
                       natsMsg_GetSubject(m));
        natsMsg_Destroy(m);
        return TAKEN;
    }
    snprintf(b->ack_to, sizeof b->ack_to, "%s", reply);
    if (q <= b->seen_q) {
        natsMsg_Destroy(m); /* seen already (a redelivery) */
        return TAKEN;
    }
    if (q > b->seen_q + 1 && b->seen_q) {
        if (!*just_reset) {
            natsMsg_Destroy(m);
            return TAKE_RESYNC; /* a message went missing on the way: go back for it */
        }
        bridge_log(WHO, "stream sequences %" PRIu64 "..%" PRIu64 " are no longer in the stream", b->seen_q + 1,
                   q - 1);
    }
    *just_reset = 0;
    if (getenv("TACHYON_BRIDGE_TRACE")) {
        struct wire_prefix wp;
        const char *why =
            wire_get_prefix((const uint8_t *)natsMsg_GetData(m), (size_t)natsMsg_GetDataLength(m), &wp);
        if (why)
            bridge_log(WHO, "trace: stream %" PRIu64 " %s: %s", q, natsMsg_GetSubject(m), why);
        else
            bridge_log(WHO, "trace: stream %" PRIu64 " %s seq %" PRIu64 " window %" PRIu32 " count %" PRIu32 "%s", q,
                       natsMsg_GetSubject(m), wp.seq, wp.window, wp.count, wp.mask ? " (masked)" : "");
    }
    /* A window left incomplete asks for a resync, unless that was just tried here. */
    enum deliver_result r = deliver(b, m, b->resync_at != b->st->stream_seq + 1); /* deliver owns m */
    b->seen_q = q;
    if (r == RESYNC) {
        b->resync_at = b->st->stream_seq + 1;
        return TAKE_RESYNC;
    }
    /* the ring messages that went in are recorded per source */
    if (r == STOPPED)
        return TAKE_RESYNC;
    if (r == BUS_GONE)
        return TAKE_GONE;
    if (r == BUS_FAILED)
        return TAKE_FAILED;
    if (!b->win.active)
        b->st->stream_seq = q; /* everything up to q is in the ring */
    return TAKEN;
}

static int run_jetstream(struct in *b)
{
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = 5000;
    natsStatus s = natsConnection_JetStream(&b->js, b->nc, &jo);
    if (s != NATS_OK) {
        bridge_log(WHO, "JetStream: %s", natsStatus_GetText(s));
        return BRIDGE_EXIT_FAIL;
    }
    if (consumer_reset_retrying(b))
        return BRIDGE_EXIT_OK;
    int just_reset = 1, errors = 0, taken = 0;
    while (!bridge_stop) {
        if (bridge_reconnected) {
            /* The server may have restarted and lost the consumer's latest
             * state: make it again from the position this side kept. */
            bridge_reconnected = 0;
            if (consumer_reset_retrying(b))
                break;
            just_reset = 1;
        }
        pull_more(b);
        natsMsg *m = NULL;
        s = natsSubscription_NextMsg(&m, b->sub, 100);
        enum take_result r = TAKEN;
        if (s == NATS_OK)
            r = take(b, m, &just_reset);
        else if (s != NATS_TIMEOUT)
            r = TAKE_ERROR;
        if (r == TAKE_ERROR) {
            /* Server gone, restarting or without the consumer: the connection
             * comes back by itself; after repeated failures the consumer is
             * made again. */
            if (++errors % 10 == 0) {
                bridge_log(WHO, "pulling: %s; re-creating the consumer",
                           s != NATS_OK ? natsStatus_GetText(s) : "repeated errors");
                if (consumer_reset_retrying(b))
                    break;
                just_reset = 1;
            } else {
                usleep(100000);
            }
            continue;
        }
        if (s == NATS_OK && r == TAKEN) {
            errors = 0;
            /* More queued: the ring is published to the consumer once they
             * are in (or every half batch, so a steady stream flows too). */
            int pending = 0;
            if (++taken < PULL_BATCH / 2 && b->bus &&
                natsSubscription_GetPending(b->sub, &pending, NULL) == NATS_OK && pending > 0)
                continue;
        }
        taken = 0;
        if (b->bus)
            tachyon_flush(b->bus);
        ack_taken(b);
        if (r == TAKE_FAILED)
            return BRIDGE_EXIT_FAIL;
        purge_delivered(b);
        if (s == NATS_TIMEOUT) {
            maybe_report(b);
            if (b->c->once && !tachyon_peer_alive(b->bus) && bus_reconnect(b))
                break;
        }
        if (r == TAKE_GONE) {
            /* What was taken after the window that did not go in comes again. */
            if (bus_reconnect(b))
                break;
            r = TAKE_RESYNC;
        }
        if (r == TAKE_RESYNC) {
            if (bridge_stop)
                break;
            if (consumer_reset_retrying(b))
                break;
            just_reset = 1;
        }
    }
    return BRIDGE_EXIT_OK;
}

int bridge_in_run(struct bridge_config *c)
{
    struct in b;
    memset(&b, 0, sizeof b);
    b.c = c;
    b.state_fd = -1;
    b.last_report = bridge_now_ns();
    snprintf(b.filter, sizeof b.filter, "%s.>", c->subject_prefix);
    if (state_open(&b))
        return BRIDGE_EXIT_FAIL;
    int rc = bus_connect(&b);
    if (rc) {
        if (b.state_fd >= 0)
            close(b.state_fd);
        return rc == BRIDGE_EXIT_SCHEMA ? rc : bridge_stop ? BRIDGE_EXIT_OK : BRIDGE_EXIT_FAIL;
    }
    if (bridge_nats_connect(c, &b.nc, WHO) != NATS_OK) {
        tachyon_bus_destroy(b.bus);
        return BRIDGE_EXIT_FAIL;
    }
    bridge_log(WHO, "subscribed to %s (%s), delivering into %s", b.filter,
               c->mode == MODE_CORE ? "core NATS" : "JetStream", c->socket);
    rc = c->mode == MODE_CORE ? run_core(&b) : run_jetstream(&b);
    if (b.bus)
        tachyon_flush(b.bus);
    in_report(&b, "exit");
    natsSubscription_Destroy(b.sub);
    jsCtx_Destroy(b.js);
    natsConnection_Destroy(b.nc);
    tachyon_bus_destroy(b.bus);
    if (b.state_fd >= 0)
        close(b.state_fd);
    return rc;
}
