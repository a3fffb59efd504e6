/*
 * Description: RPC over one connection (two rings, one memfd, one handshake),
 * the server in a child process: a blocking call and its reply in place, an
 * unknown method, a handler's error code, a wrong request size, pipelined
 * calls answered out of order (the server defers a slow call so it holds up
 * only itself), a call's own deadline, hostile replies (an id never issued,
 * a bad status, a reply larger than the call allows) giving errors, the
 * server killed with calls in flight (every pending call fails with PEER_GONE
 * at once), and the client's death seen by the server.
 */
#include <signal.h>

#include "helpers.h"

enum { M_ADD = 10, M_FAIL = 11, M_SLOW = 12, M_HOSTILE = 13, M_HANG = 14, M_NOBODY = 99 };

struct add_req {
    uint64_t a, b;
};

static uint32_t h_add(void *ctx, const void *req, void *reply)
{
    struct add_req r;
    uint64_t sum;

    (void)ctx;
    memcpy(&r, req, sizeof(r));
    sum = r.a + r.b;
    memcpy(reply, &sum, sizeof(sum));
    return 0;
}

static uint32_t h_fail(void *ctx, const void *req, void *reply)
{
    (void)ctx;
    (void)req;
    (void)reply;
    return 4242;
}

static const tachyon_rpc_method_t methods[] = {
    {M_ADD, sizeof(struct add_req), sizeof(uint64_t), h_add},
    {M_FAIL, 0, 0, h_fail},
};

/* The server: answers the table's methods itself; defers M_SLOW until two
 * later requests were answered; answers M_HOSTILE with the hostile reply the
 * request's first byte asks for; never answers M_HANG. Exits when the client
 * goes: 0 if it saw PEER_GONE. */
static int server_main(const char *path)
{
    tachyon_rpc_t *srv;
    tachyon_rpc_msg_t req;
    uint64_t slow_id = 0, slow_val = 0;
    int answered_since_slow = 0;

    if (tachyon_rpc_listen_until(path, 4096, NULL, tachyon_now_ns() + 10000000000ll, &srv, NULL) != TACHYON_OK)
        return 2;
    {
        /* A posted reply larger than the reply ring takes is refused at once. */
        static uint8_t big[4096];
        if (tachyon_rpc_post_reply(srv, 1, M_ADD, TACHYON_RPC_OK, 0, big, sizeof big) != TACHYON_ERR_TOO_LARGE)
            return 5;
    }
    for (;;) {
        tachyon_error_t err = tachyon_rpc_next_request_until(srv, &req, tachyon_now_ns() + 20000000000ll);
        const tachyon_rpc_method_t *m = NULL;

        if (err == TACHYON_ERR_PEER_GONE) {
            tachyon_rpc_destroy(srv);
            return 0;
        }
        if (err != TACHYON_OK)
            return 3;
        if (req.method_id == M_SLOW) {
            memcpy(&slow_val, req.data, sizeof(slow_val));
            slow_id = req.call_id;
            answered_since_slow = 0;
            if (tachyon_rpc_defer(srv) != TACHYON_OK)
                return 4;
            continue;
        }
        if (req.method_id == M_HANG) {
            tachyon_rpc_defer(srv);
            continue;
        }
        if (req.method_id == M_HOSTILE) {
            uint8_t kind = ((const uint8_t *)req.data)[0];
            uint64_t id = req.call_id;
            uint8_t big[256] = {0};
            tachyon_rpc_defer(srv);
            if (kind == 1) /* an id never issued */
                tachyon_rpc_reply_to_until(srv, id + 1000 * TACHYON_RPC_MAX_INFLIGHT, M_HOSTILE, TACHYON_RPC_OK, 0,
                                           NULL, 0, TACHYON_FOREVER);
            else if (kind == 2) /* a status that does not exist */
                tachyon_rpc_reply_to_until(srv, id, M_HOSTILE, (tachyon_rpc_status_t)77, 0, NULL, 0,
                                           TACHYON_FOREVER);
            else /* larger than the call allows */
                tachyon_rpc_reply_to_until(srv, id, M_HOSTILE, TACHYON_RPC_OK, 0, big, sizeof(big), TACHYON_FOREVER);
            continue;
        }
        for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
            if (methods[i].method_id == req.method_id)
                m = &methods[i];
        if (!m) {
            CHECK(tachyon_rpc_reply_start(srv, 0, TACHYON_FOREVER) != NULL);
            CHECK_ERR(tachyon_rpc_reply_commit(srv, TACHYON_RPC_UNKNOWN_METHOD, 0), TACHYON_OK);
        } else if (req.size != m->request_size) {
            CHECK(tachyon_rpc_reply_start(srv, 0, TACHYON_FOREVER) != NULL);
            CHECK_ERR(tachyon_rpc_reply_commit(srv, TACHYON_RPC_BAD_REQUEST, 0), TACHYON_OK);
        } else {
            void *body = tachyon_rpc_reply_start(srv, m->reply_size, TACHYON_FOREVER);
            uint32_t code;
            CHECK(body != NULL);
            code = m->handler(NULL, req.data, body);
            CHECK_ERR(tachyon_rpc_reply_commit(srv, code ? TACHYON_RPC_APP_ERROR : TACHYON_RPC_OK, code), TACHYON_OK);
        }
        if (slow_id && ++answered_since_slow == 2) {
            uint64_t v = slow_val * 2;
            CHECK_ERR(tachyon_rpc_reply_to_until(srv, slow_id, M_SLOW, TACHYON_RPC_OK, 0, &v, sizeof(v),
                                                 TACHYON_FOREVER),
                      TACHYON_OK);
            slow_id = 0;
        }
    }
}

static pid_t start_server(const char *path)
{
    pid_t pid = fork();

    CHECK(pid >= 0);
    if (pid == 0)
        _exit(server_main(path));
    return pid;
}

static uint64_t add_call(tachyon_rpc_t *cli, uint64_t a, uint64_t b)
{
    struct add_req r = {a, b};
    tachyon_rpc_msg_t rep;
    uint64_t sum;

    CHECK_ERR(tachyon_rpc_call_until(cli, M_ADD, &r, sizeof(r), 8, &rep, tachyon_now_ns() + 5000000000ll),
              TACHYON_OK);
    CHECK(rep.status == TACHYON_RPC_OK && rep.size == 8 && rep.method_id == M_ADD);
    CHECK(((uintptr_t)rep.data & 15) == 0);
    memcpy(&sum, rep.data, 8);
    CHECK_ERR(tachyon_rpc_release(cli), TACHYON_OK);
    return sum;
}

int main(void)
{
    char path[128];
    tachyon_rpc_t *cli;
    tachyon_rpc_msg_t rep;
    pid_t pid;
    int status;

    signal(SIGPIPE, SIG_IGN);
    t_sock_name(path, sizeof(path), "rpc", 1);
    pid = start_server(path);
    CHECK_ERR(tachyon_rpc_connect_until(path, NULL, tachyon_now_ns() + 10000000000ll, &cli, NULL), TACHYON_OK);

    /* A plain bus connector is refused by an RPC listener and the reverse:
     * covered by the HELLO magic (see test below). Calls first. */
    for (uint64_t i = 0; i < 1000; i++)
        CHECK(add_call(cli, i, 3 * i) == 4 * i);

    /* Unknown method, handler error, wrong request size. */
    CHECK_ERR(tachyon_rpc_call_until(cli, M_NOBODY, NULL, 0, 0, &rep, TACHYON_FOREVER), TACHYON_OK);
    CHECK(rep.status == TACHYON_RPC_UNKNOWN_METHOD && rep.size == 0);
    CHECK_ERR(tachyon_rpc_release(cli), TACHYON_OK);
    CHECK_ERR(tachyon_rpc_call_until(cli, M_FAIL, NULL, 0, 0, &rep, TACHYON_FOREVER), TACHYON_OK);
    CHECK(rep.status == TACHYON_RPC_APP_ERROR && rep.app_code == 4242);
    CHECK_ERR(tachyon_rpc_release(cli), TACHYON_OK);
    CHECK_ERR(tachyon_rpc_call_until(cli, M_ADD, "abc", 3, 8, &rep, TACHYON_FOREVER), TACHYON_OK);
    CHECK(rep.status == TACHYON_RPC_BAD_REQUEST);
    CHECK_ERR(tachyon_rpc_release(cli), TACHYON_OK);
    /* Out of order: a release with nothing held, next_reply with nothing pending. */
    CHECK_ERR(tachyon_rpc_release(cli), TACHYON_ERR_STATE);
    CHECK_ERR(tachyon_rpc_next_reply_until(cli, &rep, TACHYON_FOREVER), TACHYON_ERR_STATE);

    /* Pipelined, out of order: SLOW is answered after the two ADDs behind it. */
    {
        uint64_t slow = 21, id_slow, id_a, id_b, got[3];
        struct add_req a = {1, 2}, b = {5, 6};
        CHECK_ERR(tachyon_rpc_send_until(cli, M_SLOW, &slow, 8, 8, TACHYON_FOREVER, &id_slow), TACHYON_OK);
        CHECK_ERR(tachyon_rpc_send_until(cli, M_ADD, &a, sizeof(a), 8, TACHYON_FOREVER, &id_a), TACHYON_OK);
        CHECK_ERR(tachyon_rpc_send_until(cli, M_ADD, &b, sizeof(b), 8, TACHYON_FOREVER, &id_b), TACHYON_OK);
        CHECK(tachyon_rpc_pending(cli) == 3);
        CHECK(id_slow != id_a && id_a != id_b && id_slow != 0);
        /* The blocking call refuses while calls are in flight. */
        CHECK_ERR(tachyon_rpc_call_until(cli, M_ADD, &a, sizeof(a), 8, &rep, TACHYON_FOREVER), TACHYON_ERR_STATE);
        for (int i = 0; i < 3; i++) {
            CHECK_ERR(tachyon_rpc_next_reply_until(cli, &rep, tachyon_now_ns() + 5000000000ll), TACHYON_OK);
            CHECK(rep.status == TACHYON_RPC_OK && rep.size == 8);
            memcpy(&got[i], rep.data, 8);
            CHECK(i < 2 ? rep.call_id == (i == 0 ? id_a : id_b) : rep.call_id == id_slow);
            CHECK_ERR(tachyon_rpc_release(cli), TACHYON_OK);
        }
        CHECK(got[0] == 3 && got[1] == 11 && got[2] == 42);
        CHECK(tachyon_rpc_pending(cli) == 0);
    }

    /* 32 in flight, matched by id. */
    {
        uint64_t ids[32];
        int seen[32] = {0};
        for (uint64_t i = 0; i < 32; i++) {
            struct add_req r = {i, 100};
            CHECK_ERR(tachyon_rpc_send_until(cli, M_ADD, &r, sizeof(r), 8, TACHYON_FOREVER, &ids[i]), TACHYON_OK);
        }
        for (int n = 0; n < 32; n++) {
            uint64_t v;
            int k = -1;
            CHECK_ERR(tachyon_rpc_next_reply_until(cli, &rep, tachyon_now_ns() + 5000000000ll), TACHYON_OK);
            for (int i = 0; i < 32; i++)
                if (ids[i] == rep.call_id)
                    k = i;
            CHECK(k >= 0 && !seen[k]);
            seen[k] = 1;
            memcpy(&v, rep.data, 8);
            CHECK(v == (uint64_t)k + 100);
            CHECK_ERR(tachyon_rpc_release(cli), TACHYON_OK);
        }
    }

    /* A call's own deadline: HANG is never answered. */
    {
        int64_t t0 = tachyon_now_ns();
        uint64_t id;
        CHECK_ERR(tachyon_rpc_call_until(cli, M_HANG, NULL, 0, 0, &rep, t0 + 50000000), TACHYON_ERR_TIMEOUT);
        CHECK(tachyon_now_ns() - t0 >= 50000000);
        CHECK(tachyon_rpc_pending(cli) == 0);
        /* Pipelined: the call's deadline reports that call. */
        CHECK_ERR(tachyon_rpc_send_until(cli, M_HANG, NULL, 0, 0, tachyon_now_ns() + 30000000, &id), TACHYON_OK);
        CHECK_ERR(tachyon_rpc_next_reply_until(cli, &rep, TACHYON_FOREVER), TACHYON_ERR_TIMEOUT);
        CHECK(rep.call_id == id && tachyon_rpc_pending(cli) == 0);
        /* The connection still works. */
        CHECK(add_call(cli, 7, 8) == 15);
    }

    /* Hostile replies: errors, and the connection goes on. */
    for (uint8_t kind = 1; kind <= 3; kind++) {
        tachyon_error_t want = kind == 3 ? TACHYON_ERR_TOO_LARGE : TACHYON_ERR_CORRUPT;
        CHECK_ERR(tachyon_rpc_call_until(cli, M_HOSTILE, &kind, 1, 16, &rep, tachyon_now_ns() + 5000000000ll), want);
        CHECK(tachyon_rpc_pending(cli) == 0);
        CHECK(add_call(cli, kind, 1) == (uint64_t)kind + 1u);
    }

    /* post_reply's bad inputs: a client side, no call, a bad status, a body
     * larger than the ring takes; current_call outside a handler is 0. */
    {
        static uint8_t big[1 << 17];
        CHECK_ERR(tachyon_rpc_post_reply(cli, 5, M_ADD, TACHYON_RPC_OK, 0, NULL, 0), TACHYON_ERR_STATE);
        CHECK_ERR(tachyon_rpc_post_reply(cli, 0, M_ADD, TACHYON_RPC_OK, 0, NULL, 0), TACHYON_ERR_INVALID_ARG);
        CHECK_ERR(tachyon_rpc_post_reply(cli, 5, M_ADD, (tachyon_rpc_status_t)9, 0, NULL, 0),
                  TACHYON_ERR_INVALID_ARG);
        CHECK_ERR(tachyon_rpc_post_reply(cli, 5, M_ADD, TACHYON_RPC_OK, 0, NULL, 4), TACHYON_ERR_INVALID_ARG);
        CHECK_ERR(tachyon_rpc_post_reply(NULL, 5, M_ADD, TACHYON_RPC_OK, 0, big, sizeof big),
                  TACHYON_ERR_INVALID_ARG); /* (the server's side checks TOO_LARGE) */
        CHECK(tachyon_rpc_current_call(cli) == 0 && tachyon_rpc_current_call(NULL) == 0);
        CHECK_ERR(tachyon_rpc_cancel(cli, 0), TACHYON_ERR_STATE);
        CHECK_ERR(tachyon_rpc_cancel(cli, 12345), TACHYON_ERR_STATE);
        CHECK_ERR(tachyon_rpc_cancel(NULL, 12345), TACHYON_ERR_INVALID_ARG);
    }
    { /* a call given up on is forgotten: nothing pending, the next call works */
        uint64_t id;
        CHECK_ERR(tachyon_rpc_send_until(cli, M_HANG, NULL, 0, 0, TACHYON_FOREVER, &id), TACHYON_OK);
        CHECK_ERR(tachyon_rpc_cancel(cli, id), TACHYON_OK);
        CHECK(tachyon_rpc_pending(cli) == 0);
        CHECK_ERR(tachyon_rpc_cancel(cli, id), TACHYON_ERR_STATE);
        CHECK(add_call(cli, 2, 3) == 5u);
    }

    /* The client goes: the server sees PEER_GONE and exits 0. */
    tachyon_rpc_destroy(cli);
    CHECK(t_exited_with(t_wait_child(pid, 5000), 0));

    /* The server killed with calls in flight: all fail at once. */
    t_sock_name(path, sizeof(path), "rpc-kill", 1);
    pid = start_server(path);
    CHECK_ERR(tachyon_rpc_connect_until(path, NULL, tachyon_now_ns() + 10000000000ll, &cli, NULL), TACHYON_OK);
    for (int i = 0; i < 5; i++)
        CHECK_ERR(tachyon_rpc_send_until(cli, M_HANG, NULL, 0, 0, TACHYON_FOREVER, NULL), TACHYON_OK);
    CHECK(tachyon_rpc_pending(cli) == 5);
    t_sleep_ms(50);
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    {
        int64_t t0 = tachyon_now_ns();
        CHECK_ERR(tachyon_rpc_next_reply_until(cli, &rep, t0 + 5000000000ll), TACHYON_ERR_PEER_GONE);
        CHECK(tachyon_now_ns() - t0 < 1000000000); /* the watchdog, not the deadline */
        CHECK(tachyon_rpc_pending(cli) == 0);
        CHECK_ERR(tachyon_rpc_call_until(cli, M_ADD, NULL, 0, 8, &rep, TACHYON_FOREVER), TACHYON_ERR_PEER_GONE);
    }
    tachyon_rpc_destroy(cli);

    /* A plain bus connector is refused by an RPC listener (HELLO magic). */
    t_sock_name(path, sizeof(path), "rpc-mix", 1);
    pid = start_server(path);
    {
        tachyon_bus_t *bus = NULL;
        CHECK_ERR(tachyon_bus_connect_until(path, NULL, tachyon_now_ns() + 10000000000ll, &bus, NULL),
                  TACHYON_ERR_ABI_MISMATCH);
        CHECK(bus == NULL);
        CHECK(t_exited_with(t_wait_child(pid, 5000), 2)); /* the listener failed with the same verdict */
    }
    return T_PASS;
}
