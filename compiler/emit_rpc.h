/*
 * emit_rpc.h - the service (RPC) parts of the emitters, one file per language
 * (emit_rpc_<lang>.c), called by that language's emitter for a schema that
 * declares services. They read the model's services and write the typed
 * client stubs and the server interface with its dispatch.
 */
#ifndef TACHC_EMIT_RPC_H
#define TACHC_EMIT_RPC_H

#include "emit.h"

/* C++: per service, a struct <Service> with the method ids, a Client class
 * (typed calls over tachyon::rpc::Client) and a Server interface (one pure
 * virtual per method, serve() dispatching to it); inside the schema's
 * namespace. The header must include "tachyon_rpc.hpp". */
void emit_rpc_cpp(tc_buf *b, tc_pool *ns, const tc_schema *sc);

#endif
