/*
 * node_internal.h - what the addon's C files share (not installed, not public).
 * addon.c holds the buses and the error factory; topology.c the fan-out,
 * fan-in and wait-set handles.
 */
#ifndef TACHYON_NODE_INTERNAL_H
#define TACHYON_NODE_INTERNAL_H

#include <node_api.h>
#include <stdbool.h>

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

/* Ends every pending RPC wait of `env` at once (rpc.c; addon.c's
 * interruptWaits, at process 'exit'). */
void tachyon_node_rpc_interrupt_waits(napi_env env);

/* Ends every pending fan-out send of `env` at once (topology.c; addon.c's
 * interruptWaits, at process 'exit'). */
void tachyon_node_topology_interrupt_waits(napi_env env);

/* Adds topology.c's functions to the addon's exports. */
napi_value tachyon_node_topology_init(napi_env env, napi_value exports);

#endif
