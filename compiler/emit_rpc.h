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

/* How an emitter names a struct's view class where the service code refers to
 * it (qualified as that emitter qualifies it, kept in the emitter's pool). */
typedef const char *(*tc_struct_ref_fn)(void *ctx, const tc_struct *st);

/* Java: per service, method id constants <SERVICE>_<METHOD>_METHOD, a nested
 * class <Service>Client (typed calls over io.tachyon.RpcClient) and a nested
 * interface <Service>Server (one method per rpc, a default serve() dispatching
 * to them); inside the schema's outer class, at indentation 1. The file must
 * import io.tachyon.RpcClient, RpcReply, RpcServer, RpcTyped and
 * java.time.Duration (emit_rpc_java_imports). */
void emit_rpc_java(tc_buf *b, tc_pool *ns, const tc_schema *sc, tc_struct_ref_fn ref, void *ctx);
void emit_rpc_java_imports(tc_buf *b);

/* Kotlin: per service, top-level method id constants, a class <Service>Client
 * (typed calls over io.tachyon.RpcClient; the reply is read in place inside a
 * lambda) and an interface <Service>Server (one function per rpc, serve()
 * dispatching to them). The file must import what emit_rpc_kotlin_imports writes
 * (the io.tachyon names, which sort before java.*) and kotlin.time.Duration. */
void emit_rpc_kotlin(tc_buf *b, tc_pool *ns, const tc_schema *sc, tc_struct_ref_fn ref, void *ctx);
void emit_rpc_kotlin_imports(tc_buf *b);

/* TypeScript/JavaScript: per service, method id constants, a class
 * <Service>Client (typed calls over a tachyon RpcClient; the reply view is
 * handed to a callback and released after it) and a base class <Service>Server
 * (extend it; serve() dispatches), into the module (js) and its declarations
 * (dts); emit_rpc_ts_exports adds their names to module.exports. */
void emit_rpc_ts(tc_buf *js, tc_buf *dts, tc_pool *ns, const tc_schema *sc, tc_struct_ref_fn ref, void *ctx);
void emit_rpc_ts_exports(tc_buf *js, tc_pool *ns, const tc_schema *sc);

/* C#: per service, a static class <Service>Methods of method ids, a class
 * <Service>Client (typed calls over Tachyon.RpcClient; `read` sees the reply
 * view in place, released after it) and an abstract class <Service>Server
 * (one abstract method per rpc, Serve() dispatching to them); inside the
 * schema's namespace, at indentation 1. */
void emit_rpc_csharp(tc_buf *b, tc_pool *ns, const tc_schema *sc, tc_struct_ref_fn ref, void *ctx);

/* Python: the names a schema's services add to the module (for __all__),
 * appended to names[*k...] (2 per service). */
void emit_rpc_python_names(const tc_schema *sc, const char **names, size_t *k, tc_pool *ns);
/* Python: classes <Service>Client and <Service>Server (over tachyon.rpc) and
 * the method ids <SERVICE>_<METHOD> of one service. */
void emit_rpc_python(tc_buf *b, tc_pool *ns, const tc_schema *sc, const tc_service *svc);

/* Rust: the client, reply enum, server trait, dispatch and serve function of
 * one service (paths into the tachyon_ipc crate are written in full). */
void emit_rpc_rust(tc_buf *b, tc_pool *ns, const tc_schema *sc, const tc_service *svc);

/* Go: the method ids, <Service>Client, <Service>Replies, the <Service>Server
 * interface, <Service>Handler and Serve<Service> of one service; the file
 * imports "context" and TACHC_GO_TACHYON_PACKAGE. */
#define TACHC_GO_TACHYON_PACKAGE "tachyon.local/tachyon"
void emit_rpc_go(tc_buf *b, tc_pool *ns, const tc_schema *sc, const tc_service *svc);

#endif
