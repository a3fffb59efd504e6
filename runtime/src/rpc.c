/*
 * rpc.c - request/response over one connection: two rings in one sealed
 * memfd (handshake.c sets them up), requests and replies framed with a
 * 16-byte header, the client's table of pending calls (call ids, per-call
 * deadlines, reply limits), and the server's dispatch by method id. Bodies
 * are written and read in place in the rings; nothing here copies except the
 * explicit copy helpers (send_until, reply_to_until).
 *
 * Wire (ABI.md, "RPC"): a request payload is {u64 call_id, u32 method_id,
 * u32 0} then the body; a reply payload is {u64 call_id, u32 status,
 * u32 app_code} then the body. Frame type ids carry the method id.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define TI_RPC_SPIN 2000u

struct ti_rpc_call {
    uint64_t gen;       /* the generation of the call in this slot (0: never used) */
    int live;           /* pending */
    int64_t deadline;   /* internal deadline (INT64_MAX: none) */
    uint64_t reply_max; /* largest acceptable reply body */
};

/* A reply another thread posted for a deferred call, waiting for the serving
 * thread to write it into the reply ring. */
struct ti_posted {
    struct ti_posted *next;
    uint64_t call_id;
    uint32_t method_id;
    uint32_t status;
    uint32_t app_code;
    size_t size;
    unsigned char body[];
};

struct tachyon_rpc {
    tachyon_bus_t *rx; /* server: requests in; client: replies in */
    tachyon_bus_t *tx; /* server: replies out; client: requests out (owns the mapping) */
    int server;
    tachyon_error_t last_error;
    int holding; /* a received frame is held (client: a reply; server: a request) */
    int starting; /* a request or reply body is reserved */
    int gone;     /* the peer is gone: every later call fails at once */
    uint8_t *res; /* the reserved frame's payload (its RPC header) */
    size_t res_size; /* its payload bytes */

    /* server: the held request */
    uint64_t req_call_id;
    uint32_t req_method;

    /* server: replies posted from other threads (tachyon_rpc_post_reply),
     * oldest first; the serving thread writes them before each wait. */
    pthread_mutex_t post_lock;
    struct ti_posted *posted;
    struct ti_posted **posted_tail;
    int user_interrupt; /* tachyon_rpc_interrupt was called */
    int post_wake;      /* a post_reply interrupted the wait to announce itself */

    /* client: pending calls; live[] lists the slots in flight */
    uint32_t nlive;
    uint32_t live[TACHYON_RPC_MAX_INFLIGHT];
    uint32_t free_top;
    uint32_t free_slots[TACHYON_RPC_MAX_INFLIGHT];
    struct ti_rpc_call calls[TACHYON_RPC_MAX_INFLIGHT];
};

/* A call id is generation * MAX_INFLIGHT + slot, generation >= 1, so 0 is no
 * call and a slot's reused id never equals an earlier one. */
static uint64_t ti_call_id(uint32_t slot, uint64_t gen)
{
    return gen * TACHYON_RPC_MAX_INFLIGHT + slot;
}

static void ti_put_u32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static void ti_put_u64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

static uint32_t ti_get_u32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static uint64_t ti_get_u64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static tachyon_error_t ti_rpc_fail(tachyon_rpc_t *rpc, tachyon_error_t err)
{
    rpc->last_error = err;
    return err;
}

static tachyon_rpc_t *ti_rpc_new(tachyon_bus_t *rx, tachyon_bus_t *tx, int server)
{
    tachyon_rpc_t *rpc = calloc(1, sizeof(*rpc));

    if (!rpc)
        return NULL;
    rpc->rx = rx;
    rpc->tx = tx;
    rpc->server = server;
    for (uint32_t i = 0; i < TACHYON_RPC_MAX_INFLIGHT; i++)
        rpc->free_slots[i] = TACHYON_RPC_MAX_INFLIGHT - 1 - i;
    rpc->free_top = TACHYON_RPC_MAX_INFLIGHT;
    pthread_mutex_init(&rpc->post_lock, NULL);
    rpc->posted_tail = &rpc->posted;
    return rpc;
}

tachyon_error_t tachyon_rpc_listen_until(const char *path, size_t capacity, const tachyon_options_t *opts,
                                         int64_t deadline_ns, tachyon_rpc_t **out, tachyon_error_detail_t *detail)
{
    tachyon_bus_t *rx, *tx;
    tachyon_error_t err;

    if (!out) {
        if (detail) {
            memset(detail, 0, sizeof(*detail));
            detail->code = TACHYON_ERR_INVALID_ARG;
        }
        return TACHYON_ERR_INVALID_ARG;
    }
    *out = NULL;
    err = ti_duplex_listen(path, capacity, opts, deadline_ns, &rx, &tx, detail);
    if (err != TACHYON_OK)
        return err;
    *out = ti_rpc_new(rx, tx, 1);
    if (!*out) {
        tachyon_bus_destroy(rx);
        tachyon_bus_destroy(tx);
        return TACHYON_ERR_NO_MEMORY;
    }
    return TACHYON_OK;
}

tachyon_error_t tachyon_rpc_connect_until(const char *path, const tachyon_options_t *opts, int64_t deadline_ns,
                                          tachyon_rpc_t **out, tachyon_error_detail_t *detail)
{
    tachyon_bus_t *rx, *tx;
    tachyon_error_t err;

    if (!out) {
        if (detail) {
            memset(detail, 0, sizeof(*detail));
            detail->code = TACHYON_ERR_INVALID_ARG;
        }
        return TACHYON_ERR_INVALID_ARG;
    }
    *out = NULL;
    err = ti_duplex_connect(path, opts, deadline_ns, &rx, &tx, detail);
    if (err != TACHYON_OK)
        return err;
    *out = ti_rpc_new(rx, tx, 0);
    if (!*out) {
        tachyon_bus_destroy(tx);
        tachyon_bus_destroy(rx);
        return TACHYON_ERR_NO_MEMORY;
    }
    return TACHYON_OK;
}

void tachyon_rpc_destroy(tachyon_rpc_t *rpc)
{
    if (!rpc)
        return;
    /* The client's rx and the server's tx own the mapping: free the other
     * end first. */
    if (rpc->server) {
        tachyon_bus_destroy(rpc->rx);
        tachyon_bus_destroy(rpc->tx);
    } else {
        tachyon_bus_destroy(rpc->tx);
        tachyon_bus_destroy(rpc->rx);
    }
    while (rpc->posted) {
        struct ti_posted *next = rpc->posted->next;
        free(rpc->posted);
        rpc->posted = next;
    }
    pthread_mutex_destroy(&rpc->post_lock);
    free(rpc);
}

tachyon_error_t tachyon_rpc_last_error(const tachyon_rpc_t *rpc)
{
    return rpc ? rpc->last_error : TACHYON_ERR_INVALID_ARG;
}

void tachyon_rpc_interrupt(tachyon_rpc_t *rpc)
{
    if (!rpc)
        return;
    /* The side's one blocking wait is on rx, except while it waits for ring
     * room on tx; interrupt both, a spurious INTERRUPTED is allowed. The
     * flag tells this wake-up from a posted reply's (paired with the
     * exchange in ti_take_user_interrupt). */
    __atomic_store_n(&rpc->user_interrupt, 1, __ATOMIC_SEQ_CST);
    tachyon_bus_interrupt(rpc->rx);
    tachyon_bus_interrupt(rpc->tx);
}

size_t tachyon_rpc_pending(const tachyon_rpc_t *rpc)
{
    return rpc ? rpc->nlive : 0;
}

/* ---- Client ------------------------------------------------------------- */

static void ti_call_drop(tachyon_rpc_t *rpc, uint32_t slot)
{
    for (uint32_t i = 0; i < rpc->nlive; i++) {
        if (rpc->live[i] == slot) {
            rpc->live[i] = rpc->live[--rpc->nlive];
            break;
        }
    }
    rpc->calls[slot].live = 0;
    rpc->free_slots[rpc->free_top++] = slot;
}

/* The peer is gone: every pending call fails at once. */
static tachyon_error_t ti_rpc_gone(tachyon_rpc_t *rpc)
{
    while (rpc->nlive)
        ti_call_drop(rpc, rpc->live[0]);
    rpc->gone = 1;
    return ti_rpc_fail(rpc, TACHYON_ERR_PEER_GONE);
}

void *tachyon_rpc_request_start(tachyon_rpc_t *rpc, size_t req_size, int64_t deadline_ns)
{
    void *p;

    if (!rpc)
        return NULL;
    if (rpc->server || rpc->starting) {
        ti_rpc_fail(rpc, TACHYON_ERR_STATE);
        return NULL;
    }
    if (rpc->gone) {
        ti_rpc_fail(rpc, TACHYON_ERR_PEER_GONE);
        return NULL;
    }
    if (rpc->free_top == 0) {
        ti_rpc_fail(rpc, TACHYON_ERR_FULL);
        return NULL;
    }
    p = tachyon_acquire_tx_until(rpc->tx, TACHYON_RPC_HEADER + req_size, deadline_ns);
    if (!p) {
        tachyon_error_t err = tachyon_last_error(rpc->tx);
        if (err == TACHYON_ERR_PEER_GONE)
            ti_rpc_gone(rpc);
        ti_rpc_fail(rpc, err);
        return NULL;
    }
    rpc->starting = 1;
    rpc->res = p;
    rpc->res_size = TACHYON_RPC_HEADER + req_size;
    return (uint8_t *)p + TACHYON_RPC_HEADER;
}

tachyon_error_t tachyon_rpc_request_send(tachyon_rpc_t *rpc, uint32_t method_id, size_t reply_max,
                                         int64_t deadline_ns, uint64_t *call_id)
{
    struct ti_rpc_call *c;
    uint8_t *hdr;
    uint32_t slot;
    uint64_t id;
    tachyon_error_t err;

    if (!rpc)
        return TACHYON_ERR_INVALID_ARG;
    if (rpc->server || !rpc->starting)
        return ti_rpc_fail(rpc, TACHYON_ERR_STATE);
    slot = rpc->free_slots[--rpc->free_top];
    c = &rpc->calls[slot];
    c->gen++;
    c->live = 1;
    c->deadline = ti_deadline_norm(deadline_ns);
    c->reply_max = reply_max;
    rpc->live[rpc->nlive++] = slot;
    id = ti_call_id(slot, c->gen);

    hdr = rpc->res;
    ti_put_u64(hdr, id);
    ti_put_u32(hdr + 8, method_id);
    ti_put_u32(hdr + 12, 0);
    rpc->starting = 0;
    err = tachyon_commit_tx(rpc->tx, rpc->res_size, method_id);
    if (err == TACHYON_OK)
        err = tachyon_flush(rpc->tx);
    if (err != TACHYON_OK) {
        ti_call_drop(rpc, slot);
        return ti_rpc_fail(rpc, err);
    }
    if (call_id)
        *call_id = id;
    return TACHYON_OK;
}

tachyon_error_t tachyon_rpc_send_until(tachyon_rpc_t *rpc, uint32_t method_id, const void *request, size_t req_size,
                                       size_t reply_max, int64_t deadline_ns, uint64_t *call_id)
{
    void *body;

    if (!rpc || (req_size && !request))
        return TACHYON_ERR_INVALID_ARG;
    body = tachyon_rpc_request_start(rpc, req_size, deadline_ns);
    if (!body)
        return rpc->last_error;
    if (req_size)
        memcpy(body, request, req_size);
    return tachyon_rpc_request_send(rpc, method_id, reply_max, deadline_ns, call_id);
}

/* The pending call with the earliest deadline, or -1 if none has one. */
static int ti_first_due(const tachyon_rpc_t *rpc)
{
    int best = -1;

    for (uint32_t i = 0; i < rpc->nlive; i++) {
        uint32_t s = rpc->live[i];
        if (rpc->calls[s].deadline != INT64_MAX && (best < 0 || rpc->calls[s].deadline < rpc->calls[best].deadline))
            best = (int)s;
    }
    return best;
}

tachyon_error_t tachyon_rpc_next_reply_until(tachyon_rpc_t *rpc, tachyon_rpc_msg_t *reply, int64_t deadline_ns)
{
    int64_t deadline = ti_deadline_norm(deadline_ns);

    if (!rpc || !reply)
        return TACHYON_ERR_INVALID_ARG;
    memset(reply, 0, sizeof(*reply));
    if (rpc->server || rpc->holding)
        return ti_rpc_fail(rpc, TACHYON_ERR_STATE);
    if (rpc->gone)
        return ti_rpc_fail(rpc, TACHYON_ERR_PEER_GONE);
    if (rpc->nlive == 0)
        return ti_rpc_fail(rpc, TACHYON_ERR_STATE);
    for (;;) {
        int due = ti_first_due(rpc);
        int64_t wait_until = deadline;
        const uint8_t *p;
        uint32_t type_id, status, slot;
        size_t size;
        uint64_t id, gen;
        struct ti_rpc_call *c;

        if (due >= 0 && rpc->calls[due].deadline < wait_until)
            wait_until = rpc->calls[due].deadline;
        p = tachyon_acquire_rx_until(rpc->rx, &type_id, &size, TI_RPC_SPIN,
                                     wait_until == INT64_MAX ? TACHYON_FOREVER : wait_until);
        if (!p) {
            tachyon_error_t err = tachyon_last_error(rpc->rx);
            if (err == TACHYON_ERR_TIMEOUT && due >= 0 && ti_now_ns() >= rpc->calls[due].deadline) {
                reply->call_id = ti_call_id((uint32_t)due, rpc->calls[due].gen);
                ti_call_drop(rpc, (uint32_t)due);
            } else if (err == TACHYON_ERR_PEER_GONE) {
                return ti_rpc_gone(rpc);
            }
            return ti_rpc_fail(rpc, err);
        }
        /* Everything below reads bytes the server wrote: check before use. */
        if (size < TACHYON_RPC_HEADER) {
            tachyon_commit_rx(rpc->rx);
            return ti_rpc_fail(rpc, TACHYON_ERR_CORRUPT);
        }
        id = ti_get_u64(p);
        status = ti_get_u32(p + 8);
        slot = (uint32_t)(id % TACHYON_RPC_MAX_INFLIGHT);
        gen = id / TACHYON_RPC_MAX_INFLIGHT;
        c = &rpc->calls[slot];
        reply->call_id = id;
        if (gen == 0 || gen > c->gen || status > TACHYON_RPC_BAD_REQUEST) {
            tachyon_commit_rx(rpc->rx);
            return ti_rpc_fail(rpc, TACHYON_ERR_CORRUPT);
        }
        if (gen < c->gen || !c->live) {
            /* The late reply of a call that timed out (or a duplicate): no
             * caller waits for it any more. */
            tachyon_commit_rx(rpc->rx);
            reply->call_id = 0;
            continue;
        }
        if (size - TACHYON_RPC_HEADER > c->reply_max) {
            tachyon_commit_rx(rpc->rx);
            ti_call_drop(rpc, slot);
            return ti_rpc_fail(rpc, TACHYON_ERR_TOO_LARGE);
        }
        ti_call_drop(rpc, slot);
        reply->data = p + TACHYON_RPC_HEADER;
        reply->size = (uint32_t)(size - TACHYON_RPC_HEADER);
        reply->method_id = type_id;
        reply->status = status;
        reply->app_code = ti_get_u32(p + 12);
        rpc->holding = 1;
        return TACHYON_OK;
    }
}

tachyon_error_t tachyon_rpc_cancel(tachyon_rpc_t *rpc, uint64_t call_id)
{
    uint32_t slot;

    if (!rpc)
        return TACHYON_ERR_INVALID_ARG;
    slot = (uint32_t)(call_id % TACHYON_RPC_MAX_INFLIGHT);
    if (rpc->server || call_id == 0 || !rpc->calls[slot].live ||
        call_id / TACHYON_RPC_MAX_INFLIGHT != rpc->calls[slot].gen)
        return ti_rpc_fail(rpc, TACHYON_ERR_STATE);
    ti_call_drop(rpc, slot);
    return TACHYON_OK;
}

tachyon_error_t tachyon_rpc_release(tachyon_rpc_t *rpc)
{
    if (!rpc)
        return TACHYON_ERR_INVALID_ARG;
    if (rpc->server || !rpc->holding)
        return ti_rpc_fail(rpc, TACHYON_ERR_STATE);
    rpc->holding = 0;
    return tachyon_commit_rx(rpc->rx);
}

tachyon_error_t tachyon_rpc_call_until(tachyon_rpc_t *rpc, uint32_t method_id, const void *request, size_t req_size,
                                       size_t reply_max, tachyon_rpc_msg_t *reply, int64_t deadline_ns)
{
    uint64_t id;
    tachyon_error_t err;

    if (!rpc || !reply)
        return TACHYON_ERR_INVALID_ARG;
    if (rpc->server || rpc->nlive || rpc->holding)
        return ti_rpc_fail(rpc, TACHYON_ERR_STATE);
    err = tachyon_rpc_send_until(rpc, method_id, request, req_size, reply_max, deadline_ns, &id);
    if (err != TACHYON_OK)
        return err;
    /* Only this call is in flight, so the next outcome is its own (a hostile
     * reply is reported as CORRUPT and the call abandoned). */
    err = tachyon_rpc_next_reply_until(rpc, reply, deadline_ns);
    if (err != TACHYON_OK && rpc->nlive)
        ti_call_drop(rpc, rpc->live[0]);
    return err;
}

/* ---- Server ------------------------------------------------------------- */

static int ti_take_user_interrupt(tachyon_rpc_t *rpc)
{
    return __atomic_exchange_n(&rpc->user_interrupt, 0, __ATOMIC_ACQ_REL);
}

/* The serving thread writes the replies other threads posted, oldest first.
 * Called with no request held and no reply reserved. */
static tachyon_error_t ti_write_posted(tachyon_rpc_t *rpc, int64_t deadline_ns)
{
    for (;;) {
        struct ti_posted *one;
        tachyon_error_t err;

        /* Unlocked peek: a post racing with it also interrupts the wait
         * that follows, so it is written on the next pass. */
        if (!__atomic_load_n(&rpc->posted, __ATOMIC_ACQUIRE))
            return TACHYON_OK;
        pthread_mutex_lock(&rpc->post_lock);
        one = rpc->posted;
        if (one) {
            rpc->posted = one->next;
            if (!rpc->posted)
                rpc->posted_tail = &rpc->posted;
        }
        pthread_mutex_unlock(&rpc->post_lock);
        if (!one)
            return TACHYON_OK;
        err = tachyon_rpc_reply_to_until(rpc, one->call_id, one->method_id, (tachyon_rpc_status_t)one->status,
                                         one->app_code, one->body, one->size, deadline_ns);
        free(one);
        if (err != TACHYON_OK)
            return err;
    }
}

tachyon_error_t tachyon_rpc_post_reply(tachyon_rpc_t *rpc, uint64_t call_id, uint32_t method_id,
                                       tachyon_rpc_status_t status, uint32_t app_code, const void *body, size_t size)
{
    struct ti_posted *one;

    if (!rpc || (size && !body) || (uint32_t)status > TACHYON_RPC_BAD_REQUEST || call_id == 0)
        return TACHYON_ERR_INVALID_ARG;
    if (!rpc->server)
        return TACHYON_ERR_STATE;
    if (size > tachyon_max_message_size(rpc->tx) - TACHYON_RPC_HEADER)
        return TACHYON_ERR_TOO_LARGE;
    one = malloc(sizeof(*one) + size);
    if (!one)
        return TACHYON_ERR_NO_MEMORY;
    one->next = NULL;
    one->call_id = call_id;
    one->method_id = method_id;
    one->status = (uint32_t)status;
    one->app_code = app_code;
    one->size = size;
    if (size)
        memcpy(one->body, body, size);
    pthread_mutex_lock(&rpc->post_lock);
    *rpc->posted_tail = one;
    rpc->posted_tail = &one->next;
    pthread_mutex_unlock(&rpc->post_lock);
    /* Wakes the serving thread's wait for requests (ti_write_posted then
     * runs before it waits again). */
    __atomic_store_n(&rpc->post_wake, 1, __ATOMIC_SEQ_CST);
    tachyon_bus_interrupt(rpc->rx);
    return TACHYON_OK;
}

uint64_t tachyon_rpc_current_call(const tachyon_rpc_t *rpc)
{
    return rpc && rpc->server && rpc->holding ? rpc->req_call_id : 0;
}

tachyon_error_t tachyon_rpc_next_request_until(tachyon_rpc_t *rpc, tachyon_rpc_msg_t *req, int64_t deadline_ns)
{
    const uint8_t *p;
    uint32_t type_id;
    size_t size;

    if (!rpc || !req)
        return TACHYON_ERR_INVALID_ARG;
    memset(req, 0, sizeof(*req));
    if (!rpc->server || rpc->holding || rpc->starting)
        return ti_rpc_fail(rpc, TACHYON_ERR_STATE);
    for (;;) {
        tachyon_error_t err = ti_write_posted(rpc, deadline_ns);
        if (err != TACHYON_OK)
            return ti_rpc_fail(rpc, err);
        p = tachyon_acquire_rx_until(rpc->rx, &type_id, &size, TI_RPC_SPIN, deadline_ns);
        if (p)
            break;
        err = tachyon_last_error(rpc->rx);
        /* An interrupt that only announced a posted reply: write it, wait on.
         * tachyon_rpc_interrupt's and an interrupt check's end the wait. */
        if (err == TACHYON_ERR_INTERRUPTED && !ti_take_user_interrupt(rpc) &&
            __atomic_exchange_n(&rpc->post_wake, 0, __ATOMIC_ACQ_REL))
            continue;
        if (err == TACHYON_ERR_INTERRUPTED)
            __atomic_store_n(&rpc->post_wake, 0, __ATOMIC_RELAXED);
        return ti_rpc_fail(rpc, err);
    }
    if (size < TACHYON_RPC_HEADER) {
        tachyon_commit_rx(rpc->rx);
        return ti_rpc_fail(rpc, TACHYON_ERR_CORRUPT);
    }
    req->call_id = ti_get_u64(p);
    req->method_id = ti_get_u32(p + 8);
    req->data = p + TACHYON_RPC_HEADER;
    req->size = (uint32_t)(size - TACHYON_RPC_HEADER);
    rpc->req_call_id = req->call_id;
    rpc->req_method = req->method_id;
    rpc->holding = 1;
    return TACHYON_OK;
}

void *tachyon_rpc_reply_start(tachyon_rpc_t *rpc, size_t size, int64_t deadline_ns)
{
    void *p;

    if (!rpc)
        return NULL;
    if (!rpc->server || !rpc->holding || rpc->starting) {
        ti_rpc_fail(rpc, TACHYON_ERR_STATE);
        return NULL;
    }
    p = tachyon_acquire_tx_until(rpc->tx, TACHYON_RPC_HEADER + size, deadline_ns);
    if (!p) {
        ti_rpc_fail(rpc, tachyon_last_error(rpc->tx));
        return NULL;
    }
    rpc->starting = 1;
    rpc->res = p;
    rpc->res_size = TACHYON_RPC_HEADER + size;
    return (uint8_t *)p + TACHYON_RPC_HEADER;
}

/* Writes the reply header of the reservation and commits it. */
static tachyon_error_t ti_reply_commit(tachyon_rpc_t *rpc, uint64_t call_id, uint32_t method_id, uint32_t status,
                                       uint32_t app_code)
{
    uint8_t *hdr = rpc->res;
    tachyon_error_t err;

    ti_put_u64(hdr, call_id);
    ti_put_u32(hdr + 8, status);
    ti_put_u32(hdr + 12, status == TACHYON_RPC_APP_ERROR ? app_code : 0);
    rpc->starting = 0;
    err = tachyon_commit_tx(rpc->tx, rpc->res_size, method_id);
    if (err == TACHYON_OK)
        err = tachyon_flush(rpc->tx);
    return err;
}

tachyon_error_t tachyon_rpc_reply_commit(tachyon_rpc_t *rpc, tachyon_rpc_status_t status, uint32_t app_code)
{
    tachyon_error_t err;

    if (!rpc)
        return TACHYON_ERR_INVALID_ARG;
    if (!rpc->server || !rpc->holding || !rpc->starting)
        return ti_rpc_fail(rpc, TACHYON_ERR_STATE);
    err = ti_reply_commit(rpc, rpc->req_call_id, rpc->req_method, (uint32_t)status, app_code);
    rpc->holding = 0;
    tachyon_commit_rx(rpc->rx);
    return err == TACHYON_OK ? TACHYON_OK : ti_rpc_fail(rpc, err);
}

tachyon_error_t tachyon_rpc_defer(tachyon_rpc_t *rpc)
{
    if (!rpc)
        return TACHYON_ERR_INVALID_ARG;
    if (!rpc->server || !rpc->holding)
        return ti_rpc_fail(rpc, TACHYON_ERR_STATE);
    if (rpc->starting) {
        /* the reply room reserved for it goes back unused */
        tachyon_rollback_tx(rpc->tx);
        rpc->starting = 0;
    }
    rpc->holding = 0;
    return tachyon_commit_rx(rpc->rx);
}

tachyon_error_t tachyon_rpc_reply_to_until(tachyon_rpc_t *rpc, uint64_t call_id, uint32_t method_id,
                                           tachyon_rpc_status_t status, uint32_t app_code, const void *body,
                                           size_t size, int64_t deadline_ns)
{
    void *p;
    tachyon_error_t err;

    if (!rpc || (size && !body))
        return TACHYON_ERR_INVALID_ARG;
    if (!rpc->server || rpc->starting)
        return ti_rpc_fail(rpc, TACHYON_ERR_STATE);
    p = tachyon_acquire_tx_until(rpc->tx, TACHYON_RPC_HEADER + size, deadline_ns);
    if (!p)
        return ti_rpc_fail(rpc, tachyon_last_error(rpc->tx));
    if (size)
        memcpy((uint8_t *)p + TACHYON_RPC_HEADER, body, size);
    rpc->starting = 1;
    rpc->res = p;
    rpc->res_size = TACHYON_RPC_HEADER + size;
    err = ti_reply_commit(rpc, call_id, method_id, (uint32_t)status, app_code);
    return err == TACHYON_OK ? TACHYON_OK : ti_rpc_fail(rpc, err);
}

tachyon_error_t tachyon_rpc_serve_until(tachyon_rpc_t *rpc, const tachyon_rpc_method_t *methods, size_t count,
                                        void *ctx, int64_t deadline_ns)
{
    if (!rpc || (count && !methods))
        return TACHYON_ERR_INVALID_ARG;
    for (;;) {
        const tachyon_rpc_method_t *m = NULL;
        tachyon_rpc_msg_t req;
        tachyon_error_t err = tachyon_rpc_next_request_until(rpc, &req, deadline_ns);
        uint32_t code = 0;
        void *body;

        if (err == TACHYON_ERR_CORRUPT)
            continue; /* a malformed request is dropped; the client sees its deadline */
        if (err != TACHYON_OK)
            return err;
        for (size_t i = 0; i < count; i++) {
            if (methods[i].method_id == req.method_id) {
                m = &methods[i];
                break;
            }
        }
        if (!m || req.size != m->request_size) {
            body = tachyon_rpc_reply_start(rpc, 0, deadline_ns);
            if (!body)
                return rpc->last_error;
            err = tachyon_rpc_reply_commit(rpc, m ? TACHYON_RPC_BAD_REQUEST : TACHYON_RPC_UNKNOWN_METHOD, 0);
        } else {
            body = tachyon_rpc_reply_start(rpc, m->reply_size, deadline_ns);
            if (!body)
                return rpc->last_error;
            code = m->handler(ctx, req.data, body);
            if (code == TACHYON_RPC_DEFERRED) {
                /* The handler answers later (tachyon_rpc_post_reply): drop the
                 * reply room it did not use and let the next request in. */
                err = tachyon_rpc_defer(rpc);
            } else {
                err = tachyon_rpc_reply_commit(rpc, code ? TACHYON_RPC_APP_ERROR : TACHYON_RPC_OK, code);
            }
        }
        if (err != TACHYON_OK)
            return err;
    }
}
