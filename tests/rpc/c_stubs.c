/*
 * Description: the generated C stubs of service Pricing end to end, the
 * server (pricing_serve over a pricing_server_t) in a child process: typed
 * calls with replies read in place through the generated accessors, an empty
 * method, a handler's error code, a method the server leaves out (UNKNOWN
 * METHOD), 32 pipelined calls matched by call id, and the server seeing the
 * client go.
 */
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

/* price = qty * 1.5; qty 0 is refused with code 7 */
static uint32_t quote(void *ctx, const void *request, void *reply)
{
    uint32_t qty = quote_request_get_qty(request);
    (void)ctx;
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
    pricing_server_t impl = {.ctx = NULL, .quote = quote, .ping = NULL};
    tachyon_rpc_t *srv;
    tachyon_error_t err;

    if (tachyon_rpc_listen_until(path, 1 << 16, NULL, tachyon_now_ns() + 10000000000ll, &srv, NULL) != TACHYON_OK)
        return 2;
    err = pricing_serve(srv, &impl, tachyon_now_ns() + 30000000000ll);
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
    tachyon_rpc_destroy(cli);
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    printf("c_stubs: ok\n");
    return 0;
}
