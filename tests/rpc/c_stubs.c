/*
 * Description: the generated C stubs of service Pricing end to end, the
 * server (pricing_serve over a pricing_server_t) in a child process: typed
 * calls with replies read in place through the generated accessors, an empty
 * method, a handler's error code, a method the server leaves out (UNKNOWN
 * METHOD), 32 pipelined calls matched by call id, a slow call (qty 1000)
 * that its handler defers to a worker thread which answers only once the
 * server handled the 8 fast calls pipelined behind it (so their replies must
 * come first, while the serve loop kept going), and the server seeing the
 * client go.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pricing.h"

#define CHECK(cond)                                                                                                \
    do {                                                                                                           \
        if (!(cond)) {                                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                               \
            exit(1);                                                                                               \
        }                                                                                                          \
    } while (0)

struct server_ctx {
    tachyon_rpc_t *rpc;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned fast_after_slow; /* fast calls handled since the slow one was deferred */
    int slow_pending;
    uint64_t slow_call;
    pthread_t worker;
};

/* The slow call's worker: waits until the serve loop handled 8 more calls,
 * then answers from this thread. */
static void *slow_worker(void *arg)
{
    struct server_ctx *sc = arg;
    uint8_t rep[QUOTE_REPLY_SIZE];

    pthread_mutex_lock(&sc->lock);
    while (sc->fast_after_slow < 8)
        pthread_cond_wait(&sc->cond, &sc->lock);
    pthread_mutex_unlock(&sc->lock);
    quote_reply_clear(rep);
    quote_reply_set_price(rep, 1000 * 1.5);
    quote_reply_set_qty(rep, 1000);
    if (tachyon_rpc_post_reply(sc->rpc, sc->slow_call, PRICING_QUOTE_METHOD, TACHYON_RPC_OK, 0, rep, sizeof rep) !=
        TACHYON_OK)
        _exit(4);
    return NULL;
}

/* price = qty * 1.5; qty 0 is refused with code 7; qty 1000 is slow: deferred */
static uint32_t quote(void *ctx, const void *request, void *reply)
{
    struct server_ctx *sc = ctx;
    uint32_t qty = quote_request_get_qty(request);
    if (qty == 1000) {
        sc->slow_call = tachyon_rpc_current_call(sc->rpc);
        sc->slow_pending = 1;
        if (sc->slow_call == 0 || pthread_create(&sc->worker, NULL, slow_worker, sc) != 0)
            return 9;
        return TACHYON_RPC_DEFERRED;
    }
    if (sc->slow_pending) {
        pthread_mutex_lock(&sc->lock);
        sc->fast_after_slow++;
        pthread_cond_signal(&sc->cond);
        pthread_mutex_unlock(&sc->lock);
    }
    if (qty == 0)
        return 7;
    quote_reply_clear(reply);
    quote_reply_set_price(reply, qty * 1.5);
    quote_reply_set_qty(reply, qty);
    return 0;
}

static int server(const char *path)
{
    /* Ping is left out: its calls are answered UNKNOWN_METHOD. */
    struct server_ctx sc = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
    pricing_server_t impl = {.ctx = &sc, .quote = quote, .ping = NULL};
    tachyon_rpc_t *srv;
    tachyon_error_t err;

    if (tachyon_rpc_listen_until(path, 1 << 16, NULL, tachyon_now_ns() + 10000000000ll, &srv, NULL) != TACHYON_OK)
        return 2;
    sc.rpc = srv;
    err = pricing_serve(srv, &impl, tachyon_now_ns() + 30000000000ll);
    if (sc.slow_pending)
        pthread_join(sc.worker, NULL);
    tachyon_rpc_destroy(srv);
    return err == TACHYON_ERR_PEER_GONE ? 0 : 3;
}

int main(void)
{
    char path[96];
    uint8_t req[QUOTE_REQUEST_SIZE];
    tachyon_rpc_msg_t rep;
    tachyon_rpc_t *cli;
    pid_t pid;
    int status;

    snprintf(path, sizeof(path), "@tachyon-rpc-stubs-%ld", (long)getpid());
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0)
        _exit(server(path));
    CHECK(tachyon_rpc_connect_until(path, NULL, tachyon_now_ns() + 10000000000ll, &cli, NULL) == TACHYON_OK);

    for (uint32_t q = 1; q <= 100; q++) {
        quote_request_clear(req);
        quote_request_set_symbol(req, "BTCUSDT");
        quote_request_set_qty(req, q);
        CHECK(pricing_client_quote(cli, req, &rep, tachyon_now_ns() + 5000000000ll) == TACHYON_OK);
        CHECK(rep.status == TACHYON_RPC_OK && rep.size == QUOTE_REPLY_SIZE);
        CHECK(quote_reply_get_price(rep.data) == q * 1.5 && quote_reply_get_qty(rep.data) == q);
        CHECK(tachyon_rpc_release(cli) == TACHYON_OK);
    }
    quote_request_set_qty(req, 0);
    CHECK(pricing_client_quote(cli, req, &rep, TACHYON_FOREVER) == TACHYON_OK);
    CHECK(rep.status == TACHYON_RPC_APP_ERROR && rep.app_code == 7);
    CHECK(tachyon_rpc_release(cli) == TACHYON_OK);
    CHECK(pricing_client_ping(cli, &rep, TACHYON_FOREVER) == TACHYON_OK);
    CHECK(rep.status == TACHYON_RPC_UNKNOWN_METHOD);
    CHECK(tachyon_rpc_release(cli) == TACHYON_OK);

    {
        uint64_t ids[32];
        int seen[32] = {0};
        for (uint32_t i = 0; i < 32; i++) {
            quote_request_set_qty(req, i + 1);
            CHECK(pricing_client_quote_send(cli, req, TACHYON_FOREVER, &ids[i]) == TACHYON_OK);
        }
        for (int n = 0; n < 32; n++) {
            int k = -1;
            CHECK(tachyon_rpc_next_reply_until(cli, &rep, tachyon_now_ns() + 5000000000ll) == TACHYON_OK);
            for (int i = 0; i < 32; i++)
                if (ids[i] == rep.call_id)
                    k = i;
            CHECK(k >= 0 && !seen[k] && rep.status == TACHYON_RPC_OK);
            seen[k] = 1;
            CHECK(quote_reply_get_qty(rep.data) == (uint32_t)k + 1);
            CHECK(tachyon_rpc_release(cli) == TACHYON_OK);
        }
    }
    {
        /* A slow call, then 8 fast ones behind it: the fast replies come
         * first, the slow one last, all matched by call id. */
        uint64_t slow, fast[8];
        int got = 0;
        quote_request_set_qty(req, 1000);
        CHECK(pricing_client_quote_send(cli, req, TACHYON_FOREVER, &slow) == TACHYON_OK);
        for (uint32_t i = 0; i < 8; i++) {
            quote_request_set_qty(req, 500 + i);
            CHECK(pricing_client_quote_send(cli, req, TACHYON_FOREVER, &fast[i]) == TACHYON_OK);
        }
        for (int n = 0; n < 9; n++) {
            CHECK(tachyon_rpc_next_reply_until(cli, &rep, tachyon_now_ns() + 5000000000ll) == TACHYON_OK);
            CHECK(rep.status == TACHYON_RPC_OK);
            if (n < 8) {
                CHECK(rep.call_id != slow && quote_reply_get_qty(rep.data) >= 500 && quote_reply_get_qty(rep.data) < 508);
                CHECK(rep.call_id == fast[quote_reply_get_qty(rep.data) - 500]);
                got++;
            } else {
                CHECK(rep.call_id == slow && quote_reply_get_qty(rep.data) == 1000);
            }
            CHECK(tachyon_rpc_release(cli) == TACHYON_OK);
        }
        CHECK(got == 8);
    }
    tachyon_rpc_destroy(cli);
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    printf("c_stubs: ok\n");
    return 0;
}
