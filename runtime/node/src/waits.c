/*
 * waits.c - the waits the addon runs on the libuv pool (a bus's receive or
 * send, an RPC connection's next message, a fan-out send, a subscriber's
 * connect), each one C call with its caller's deadline, and what ends them
 * when their environment ends:
 *  - process 'exit': process.exit() joins the pool's threads first, so
 *    index.js's exit handler (interruptWaits) interrupts every wait of the
 *    environment at once;
 *  - a worker thread being terminated runs no JavaScript any more but waits
 *    for its pending work items before it runs any cleanup hook, so a timer on
 *    the environment's loop (unreferenced: it keeps no loop alive) looks every
 *    watchdog period whether JavaScript still runs there and interrupts the
 *    wait once it does not.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "node_internal.h"
#include "tachyon.h"

/* The pending waits of every environment (worker threads have their own). */
static pthread_mutex_t waits_lock = PTHREAD_MUTEX_INITIALIZER;
static tn_wait *waits;

static void watch_tick(uv_timer_t *t)
{
    tn_wait *w = t->data;
    napi_handle_scope scope;
    bool alive = napi_open_handle_scope(w->env, &scope) == napi_ok;
    if (alive) {
        alive = tachyon_node_env_alive(w->env);
        napi_close_handle_scope(w->env, scope);
    }
    if (!alive)
        w->interrupt(w);
}

static void watch_closed(uv_handle_t *t)
{
    free(t);
}

void tachyon_node_wait_begin(napi_env env, tn_wait *w, tn_interrupt_fn interrupt)
{
    uv_loop_t *loop = NULL;
    uint64_t period = (uint64_t)(TACHYON_WATCHDOG_NS / 1000000);
    w->env = env;
    w->interrupt = interrupt;
    pthread_mutex_lock(&waits_lock);
    w->prev = NULL;
    w->next = waits;
    if (waits)
        waits->prev = w;
    waits = w;
    pthread_mutex_unlock(&waits_lock);
    if (napi_get_uv_event_loop(env, &loop) != napi_ok || !loop || !(w->watch = malloc(sizeof *w->watch)))
        return;
    uv_timer_init(loop, w->watch);
    w->watch->data = w;
    uv_unref((uv_handle_t *)w->watch);
    uv_timer_start(w->watch, watch_tick, period, period);
}

void tachyon_node_wait_end(tn_wait *w)
{
    if (!w->env)
        return; /* never began */
    if (w->watch) {
        uv_timer_stop(w->watch);
        uv_close((uv_handle_t *)w->watch, watch_closed);
        w->watch = NULL;
    }
    pthread_mutex_lock(&waits_lock);
    if (w->prev)
        w->prev->next = w->next;
    else if (waits == w)
        waits = w->next;
    if (w->next)
        w->next->prev = w->prev;
    w->prev = w->next = NULL;
    pthread_mutex_unlock(&waits_lock);
    w->env = NULL;
}

void tachyon_node_interrupt_waits(napi_env env)
{
    pthread_mutex_lock(&waits_lock);
    for (tn_wait *w = waits; w; w = w->next)
        if (w->env == env)
            w->interrupt(w);
    pthread_mutex_unlock(&waits_lock);
}
