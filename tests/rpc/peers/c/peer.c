/*
 * The C peer of the cross-language RPC matrix (tests/rpc/matrix.sh; the
 * contract is in its header): `peer serve SOCKET` answers Pricing with the
 * generated server (pricing_serve) until the client goes; `peer call SOCKET`
 * checks 200 blocking calls, 32 pipelined ones, Ping and an unknown method
 * through the generated client stubs.
 */
#include <stdio.h>
#include <string.h>

#include "pricing.h"

#define TIMEOUT_NS 10000000000ll

static uint32_t quote(void *ctx, const void *request, void *reply)
{
    char sym[QUOTE_REQUEST_SYMBOL_SIZE + 1];
    uint32_t qty = quote_request_get_qty(request);
    size_t n = quote_request_get_symbol(request, sym, sizeof sym); /* the bytes before the first NUL */
    (void)ctx;
    quote_reply_clear(reply);
    quote_reply_set_price(reply, qty * 1.5 + (double)n);
    quote_reply_set_qty(reply, qty + 1);
    return 0;
}

static uint32_t ping(void *ctx, const void *request, void *reply)
{
    (void)ctx;
    (void)request;
    (void)reply;
    return 0;
}

static int serve(const char *path)
{
    pricing_server_t impl = {.ctx = NULL, .quote = quote, .ping = ping};
    tachyon_rpc_t *srv;
    tachyon_error_t err = tachyon_rpc_listen_until(path, 1 << 16, NULL, tachyon_now_ns() + TIMEOUT_NS, &srv, NULL);

    if (err != TACHYON_OK) {
        printf("listen: %s\n", tachyon_strerror(err));
        return 1;
    }
    err = pricing_serve(srv, &impl, TACHYON_FOREVER);
    tachyon_rpc_destroy(srv);
    if (err != TACHYON_ERR_PEER_GONE) {
        printf("serve ended with %s\n", tachyon_strerror(err));
        return 1;
    }
    return 0;
}

static void make_request(uint8_t *req, const char *sym, uint32_t qty)
{
    quote_request_clear(req);
    quote_request_set_symbol(req, sym);
    quote_request_set_qty(req, qty);
}

#define FAIL(...)                                                                                                  \
    do {                                                                                                           \
        printf(__VA_ARGS__);                                                                                       \
        printf("\n");                                                                                              \
        tachyon_rpc_destroy(cli);                                                                                  \
        return 1;                                                                                                  \
    } while (0)

static int call(const char *path)
{
    uint8_t req[QUOTE_REQUEST_SIZE];
    char sym[16];
    tachyon_rpc_msg_t rep;
    tachyon_rpc_t *cli = NULL;
    tachyon_error_t err = tachyon_rpc_connect_until(path, NULL, tachyon_now_ns() + TIMEOUT_NS, &cli, NULL);
    uint64_t ids[32];
    int seen[32] = {0};

    if (err != TACHYON_OK)
        FAIL("connect: %s", tachyon_strerror(err));
    for (uint32_t i = 0; i < 200; i++) {
        snprintf(sym, sizeof sym, "SYM%u", i % 100);
        make_request(req, sym, i);
        err = pricing_client_quote(cli, req, &rep, tachyon_now_ns() + TIMEOUT_NS);
        if (err != TACHYON_OK)
            FAIL("quote %u: %s", i, tachyon_strerror(err));
        if (rep.status != TACHYON_RPC_OK || quote_reply_get_price(rep.data) != i * 1.5 + (double)strlen(sym) ||
            quote_reply_get_qty(rep.data) != i + 1)
            FAIL("quote %u: status %u price %g qty %u", i, rep.status, quote_reply_get_price(rep.data),
                 quote_reply_get_qty(rep.data));
        tachyon_rpc_release(cli);
    }
    for (uint32_t i = 0; i < 32; i++) {
        snprintf(sym, sizeof sym, "P%u", i);
        make_request(req, sym, 1000 + i);
        err = pricing_client_quote_send(cli, req, tachyon_now_ns() + TIMEOUT_NS, &ids[i]);
        if (err != TACHYON_OK)
            FAIL("pipelined send %u: %s", i, tachyon_strerror(err));
    }
    for (int n = 0; n < 32; n++) {
        int k = -1;
        err = tachyon_rpc_next_reply_until(cli, &rep, tachyon_now_ns() + TIMEOUT_NS);
        if (err != TACHYON_OK)
            FAIL("pipelined reply %d: %s", n, tachyon_strerror(err));
        for (int i = 0; i < 32; i++)
            if (ids[i] == rep.call_id)
                k = i;
        if (k < 0 || seen[k])
            FAIL("pipelined reply with call id %llu: not one of ours or twice", (unsigned long long)rep.call_id);
        seen[k] = 1;
        snprintf(sym, sizeof sym, "P%d", k);
        if (rep.status != TACHYON_RPC_OK || rep.size != QUOTE_REPLY_SIZE ||
            quote_reply_get_price(rep.data) != (1000 + k) * 1.5 + (double)strlen(sym) ||
            quote_reply_get_qty(rep.data) != 1000u + (uint32_t)k + 1)
            FAIL("pipelined reply %d: status %u price %g qty %u", k, rep.status, quote_reply_get_price(rep.data),
                 quote_reply_get_qty(rep.data));
        tachyon_rpc_release(cli);
    }
    err = pricing_client_ping(cli, &rep, tachyon_now_ns() + TIMEOUT_NS);
    if (err != TACHYON_OK || rep.status != TACHYON_RPC_OK || rep.size != 0)
        FAIL("ping: %s, status %u, %u bytes", tachyon_strerror(err), rep.status, rep.size);
    tachyon_rpc_release(cli);
    err = tachyon_rpc_call_until(cli, 99, NULL, 0, 0, &rep, tachyon_now_ns() + TIMEOUT_NS);
    if (err != TACHYON_OK || rep.status != TACHYON_RPC_UNKNOWN_METHOD)
        FAIL("method 99: %s, status %u (want UNKNOWN_METHOD)", tachyon_strerror(err), rep.status);
    tachyon_rpc_release(cli);
    tachyon_rpc_destroy(cli);
    printf("ok\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "serve") == 0)
        return serve(argv[2]);
    if (argc == 3 && strcmp(argv[1], "call") == 0)
        return call(argv[2]);
    fprintf(stderr, "usage: peer serve|call SOCKET\n");
    return 2;
}
