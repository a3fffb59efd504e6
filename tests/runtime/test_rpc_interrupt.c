/* Description: tachyon_rpc_interrupt, called from another thread, ends a server's next_request_until and a client's next_reply_until waiting with no deadline with INTERRUPTED (the client's call stays pending and its reply is still delivered afterwards); one raised while nothing waits makes the next wait return INTERRUPTED at once, exactly once; NULL is a no-op. */
#include "helpers.h"

#define MS (1000000ll)

struct poke {
    tachyon_rpc_t *rpc;
    int delay_ms;
};

static void *poke_later(void *arg)
{
    struct poke *p = arg;
    t_sleep_ms(p->delay_ms);
    tachyon_rpc_interrupt(p->rpc);
    return NULL;
}

struct listener {
    const char *path;
    tachyon_rpc_t *srv;
    tachyon_error_t err;
};

static void *listen_main(void *arg)
{
    struct listener *l = arg;
    l->err = tachyon_rpc_listen_until(l->path, 4096, NULL, tachyon_now_ns() + 10000 * MS, &l->srv, NULL);
    return NULL;
}

int main(void)
{
    char path[128];
    struct listener l = {0};
    struct poke p;
    pthread_t th;
    tachyon_rpc_t *cli = NULL;
    tachyon_rpc_msg_t req, rep;
    uint64_t call_id, arg = 41, answer;
    int64_t t0;

    tachyon_rpc_interrupt(NULL); /* a no-op */
    t_sock_name(path, sizeof(path), "rpcint", 1);
    l.path = path;
    CHECK(pthread_create(&th, NULL, listen_main, &l) == 0);
    for (int tries = 0;; tries++) {
        tachyon_error_t err = tachyon_rpc_connect_until(path, NULL, tachyon_now_ns() + 10000 * MS, &cli, NULL);
        if (err == TACHYON_OK)
            break;
        CHECK(err == TACHYON_ERR_NO_LISTENER && tries < 5000);
        t_sleep_ms(2);
    }
    CHECK(pthread_join(th, NULL) == 0);
    CHECK_ERR(l.err, TACHYON_OK);

    /* The server waits for a request with no deadline; nothing comes. */
    p.rpc = l.srv, p.delay_ms = 150; /* past the watchdog period: asleep by then */
    CHECK(pthread_create(&th, NULL, poke_later, &p) == 0);
    t0 = t_now_ns();
    CHECK_ERR(tachyon_rpc_next_request_until(l.srv, &req, TACHYON_FOREVER), TACHYON_ERR_INTERRUPTED);
    CHECK(t_now_ns() - t0 < 5000 * MS); /* a hang guard, not a speed check */
    CHECK(pthread_join(th, NULL) == 0);

    /* The client waits with no deadline for the reply of a call the server
     * has not answered yet. */
    CHECK_ERR(tachyon_rpc_send_until(cli, 10, &arg, sizeof arg, sizeof answer, TACHYON_FOREVER, &call_id),
              TACHYON_OK);
    CHECK_ERR(tachyon_rpc_next_request_until(l.srv, &req, tachyon_now_ns() + 5000 * MS), TACHYON_OK);
    CHECK(req.call_id == call_id && req.size == sizeof arg);
    p.rpc = cli, p.delay_ms = 150;
    CHECK(pthread_create(&th, NULL, poke_later, &p) == 0);
    CHECK_ERR(tachyon_rpc_next_reply_until(cli, &rep, TACHYON_FOREVER), TACHYON_ERR_INTERRUPTED);
    CHECK(pthread_join(th, NULL) == 0);
    CHECK(tachyon_rpc_pending(cli) == 1); /* the call was not forgotten */

    /* Raised while nothing waits: the next wait ends at once, exactly once. */
    tachyon_rpc_interrupt(cli);
    CHECK_ERR(tachyon_rpc_next_reply_until(cli, &rep, TACHYON_FOREVER), TACHYON_ERR_INTERRUPTED);
    /* The server answers now; the reply still reaches the client. */
    {
        uint64_t *out = tachyon_rpc_reply_start(l.srv, sizeof answer, tachyon_now_ns() + 5000 * MS);
        uint64_t in;
        CHECK(out != NULL);
        memcpy(&in, req.data, sizeof in);
        answer = in + 1;
        memcpy(out, &answer, sizeof answer);
        CHECK_ERR(tachyon_rpc_reply_commit(l.srv, TACHYON_RPC_OK, 0), TACHYON_OK);
    }
    CHECK_ERR(tachyon_rpc_next_reply_until(cli, &rep, tachyon_now_ns() + 5000 * MS), TACHYON_OK);
    CHECK(rep.call_id == call_id && rep.status == TACHYON_RPC_OK && rep.size == sizeof answer);
    memcpy(&answer, rep.data, sizeof answer);
    CHECK(answer == 42);
    CHECK_ERR(tachyon_rpc_release(cli), TACHYON_OK);
    CHECK(tachyon_rpc_pending(cli) == 0);

    tachyon_rpc_destroy(cli);
    tachyon_rpc_destroy(l.srv);
    return T_PASS;
}
