/*
 * node_internal.h - what the addon's C files share (not installed, not public).
 * addon.c holds the buses and the error factory; rpc.c the RPC connections;
 * topology.c the fan-out, fan-in and wait-set handles; values.c and waits.c
 * what they share.
 */
#ifndef TACHYON_NODE_INTERNAL_H
#define TACHYON_NODE_INTERNAL_H

#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "tachyon.h"

/* The TachyonError subclass (index.js's factory) of `err`, its message
 * prefixed with `context`. */
napi_value tachyon_node_error(napi_env env, tachyon_error_t err, const char *context);

/* The C bus behind a NativeBus object, or NULL with a JavaScript exception
 * (not a bus, closed, or a wait owns it). */
tachyon_bus_t *tachyon_node_bus_of(napi_env env, napi_value native_bus);

/* Whether JavaScript still runs in `env` (addon.c): a wait's watch timer
 * interrupts the wait once it does not (a worker thread being terminated). */
bool tachyon_node_env_alive(napi_env env);

/* ---- values.c: reading JavaScript values, ArrayBuffers over ring memory ---- */

/* An integer in 0..2^32-1 / 0..2^53-1 (false: anything else). */
bool tachyon_node_u32(napi_env env, napi_value v, uint32_t *out);
bool tachyon_node_size(napi_env env, napi_value v, size_t *out);
/* The deadline (tachyon_now_ns clock) of a timeout of `ms` milliseconds;
 * negative or NaN: TACHYON_FOREVER. */
int64_t tachyon_node_deadline_ms(double ms);
/* A timeout argument in ms (negative, null or undefined: none) as a deadline;
 * false when it is not a number. */
bool tachyon_node_deadline(napi_env env, napi_value v, int64_t *deadline);
/* The bytes of a Buffer, any TypedArray, a DataView or an ArrayBuffer. */
bool tachyon_node_bytes(napi_env env, napi_value v, void **data, size_t *len);
/* An external ArrayBuffer over ring memory, remembered in *ref so that
 * tachyon_node_drop_ab can detach it (NULL when Node-API failed). */
napi_value tachyon_node_ring_ab(napi_env env, const void *data, size_t len, napi_ref *ref);
/* Detaches the ArrayBuffer *ref remembers (its views read 0 bytes from then
 * on) and forgets it; nothing when *ref is NULL. */
void tachyon_node_drop_ab(napi_env env, napi_ref *ref);

/* ---- waits.c: the waits on the libuv pool, ended with their environment ---- */

/* One pending wait: a C call with its caller's deadline on a pool thread.
 * `interrupt` ends that call at once (the object's tachyon_*_interrupt, or a
 * flag its interrupt check reads); it runs on the environment's thread. */
typedef struct tn_wait tn_wait;
typedef void (*tn_interrupt_fn)(tn_wait *w);
struct tn_wait {
    napi_env env; /* NULL: not pending */
    tn_interrupt_fn interrupt;
    uv_timer_t *watch; /* the worker-termination watch */
    tn_wait *prev, *next;
};

/* Registers `w` as pending (after its work item was queued) and starts its
 * watch: once JavaScript no longer runs in `env` (a worker being
 * terminated), the watch calls interrupt(w). */
void tachyon_node_wait_begin(napi_env env, tn_wait *w, tn_interrupt_fn interrupt);
/* Forgets `w` (its work item's completion; a no-op if it never began). */
void tachyon_node_wait_end(tn_wait *w);
/* Interrupts every pending wait of `env` (index.js's interruptWaits, at
 * process 'exit': process.exit() joins the pool's threads). */
void tachyon_node_interrupt_waits(napi_env env);

/* Adds topology.c's functions to the addon's exports. */
napi_value tachyon_node_topology_init(napi_env env, napi_value exports);

#endif
