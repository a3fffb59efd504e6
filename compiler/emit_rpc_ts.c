/*
 * emit_rpc_ts.c - the services of a schema in JavaScript + TypeScript
 * declarations (over the `tachyon` package's RpcClient and RpcServer, reached
 * only through the connection object, so the module still requires nothing).
 *
 * service Pricing { rpc Quote(QuoteRequest) -> QuoteReply = 10; } becomes
 *
 *   PRICING_QUOTE_METHOD = 10
 *   class PricingClient {                         // new PricingClient(await RpcClient.connect(path))
 *     quote(request, read, options): Promise<R>    // read(QuoteReply view) runs in place, then release
 *     quoteSend(request, options): bigint          // pipelined
 *     static quoteReply(connection, reply, read): R
 *   }
 *   class PricingServer {                         // extend: quote(request, reply) { ... }
 *     serve(connection, options): Promise<void>
 *   }
 */
#include "emit_rpc.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The classes' own members, which a method (or its <name>Send, static
 * <name>Reply) must not take: camelCase, the TypeScript keyword rule, then
 * '_' appended (emit_rpc_member_names). */
static const char *const ts_fixed[] = {"constructor", "connection", "serve", "METHODS", "prototype", NULL};
static const char *const ts_derived[] = {"%sSend", "%sReply", NULL};

static const char *method_const(tc_pool *ns, const tc_service *svc, const tc_method *m)
{
    return pool_printf(ns, "%s_%s_METHOD", pool_keep(ns, name_upper(svc->name)), pool_keep(ns, name_upper(m->name)));
}

/* The bytes of a request view: its `size` bytes at its offset in its DataView. */
static const char *request_bytes(tc_pool *ns, const tc_struct *st, tc_struct_ref_fn ref, void *ctx)
{
    if (!st)
        return "undefined";
    return pool_printf(ns, "new $G.Uint8Array(request.view.buffer, request.view.byteOffset + request.offset, %s.SIZE)",
                       ref(ctx, st));
}

static void emit_js(tc_buf *b, tc_pool *ns, const tc_service *svc, const char *pascal, const char **mn,
                    tc_struct_ref_fn ref, void *ctx)
{
    buf_printf(b, "// ---- service %s ----\n\n", svc->name);
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        buf_printf(b, "const %s = %" PRIu32 "; // (%s) -> %s\n", method_const(ns, svc, m), m->id,
                   m->request ? m->request->name : "", m->reply ? m->reply->name : "()");
    }
    buf_printf(b, "\n// The typed client of service %s over a tachyon RpcClient (types: the .d.ts).\n", svc->name);
    buf_printf(b, "class %sClient {\n", pascal);
    buf_puts(b, "  constructor(connection) {\n    this.connection = connection;\n  }\n");
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        const char *fn = mn[i];
        const char *id = method_const(ns, svc, m);
        const char *req = m->request ? "request, " : "";
        const char *rsize = m->reply ? pool_printf(ns, "%s.SIZE", ref(ctx, m->reply)) : "0";
        buf_puts(b, "\n");
        if (m->reply) {
            buf_printf(b, "  async %s(%sread, options) {\n", fn, req);
            buf_printf(b, "    const reply = await this.connection.call(%s, %s, %s, options);\n", id,
                       request_bytes(ns, m->request, ref, ctx), rsize);
            buf_printf(b, "    return %sClient.%sReply(this.connection, reply, read);\n", pascal, fn);
            buf_puts(b, "  }\n\n");
            buf_printf(b, "  static %sReply(connection, reply, read) {\n", fn);
            buf_printf(b, "    connection.checkReply(reply, %s);\n", rsize);
            buf_puts(b, "    try {\n");
            buf_printf(b, "      return read(new %s(reply.body));\n", ref(ctx, m->reply));
            buf_puts(b, "    } finally {\n      reply.release();\n    }\n  }\n");
        } else {
            buf_printf(b, "  async %s(%soptions) {\n", fn, req);
            buf_printf(b, "    const reply = await this.connection.call(%s, %s, 0, options);\n", id,
                       request_bytes(ns, m->request, ref, ctx));
            buf_puts(b, "    this.connection.checkReply(reply, 0).release();\n  }\n");
        }
        buf_puts(b, "\n");
        buf_printf(b, "  %sSend(%soptions) {\n", fn, req);
        buf_printf(b, "    return this.connection.send(%s, %s, %s, options);\n", id,
                   request_bytes(ns, m->request, ref, ctx), rsize);
        buf_puts(b, "  }\n");
    }
    buf_puts(b, "}\n\n");
    buf_printf(b, "// The server side of service %s: extend it, implement every method, then serve().\n", svc->name);
    buf_printf(b, "class %sServer {\n", pascal);
    buf_puts(b, "  serve(connection, options) {\n");
    buf_printf(b, "    return connection.serve(%sServer.METHODS, (method, request, reply) => {\n", pascal);
    buf_puts(b, "      switch (method) {\n");
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        buf_printf(b, "        case %zu:\n          this.%s(%s%s%s);\n          break;\n", i, mn[i],
                   m->request ? pool_printf(ns, "new %s(request)", ref(ctx, m->request)) : "",
                   m->request && m->reply ? ", " : "",
                   m->reply ? pool_printf(ns, "new %s(reply)", ref(ctx, m->reply)) : "");
    }
    buf_puts(b, "        default:\n          throw new $G.Error(\"no method \" + method);\n");
    buf_puts(b, "      }\n    }, options);\n  }\n}\n");
    buf_printf(b, "%sServer.METHODS = $G.Object.freeze([\n", pascal);
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        buf_printf(b, "  $G.Object.freeze({ id: %s, requestSize: %s, replySize: %s }),\n", method_const(ns, svc, m),
                   m->request ? pool_printf(ns, "%s.SIZE", ref(ctx, m->request)) : "0",
                   m->reply ? pool_printf(ns, "%s.SIZE", ref(ctx, m->reply)) : "0");
    }
    buf_puts(b, "]);\n\n");
}

/* A class member's JSDoc in the .d.ts (two spaces in): the method's schema
 * doc, then `extra`. */
static void ts_member_doc(tc_buf *b, const char *doc, const char *extra)
{
    int indent = b->indent;
    const char *unit = b->indent_unit;
    b->indent = 1;
    b->indent_unit = "  ";
    emit_doc_block(b, doc, extra, false);
    b->indent = indent;
    b->indent_unit = unit;
}

static void emit_dts(tc_buf *b, tc_pool *ns, const tc_service *svc, const char *pascal, const char **mn,
                     tc_struct_ref_fn ref, void *ctx)
{
    buf_printf(b, "// ---- service %s ----\n\n", svc->name);
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        buf_printf(b, "/** Method %s of service %s: (%s) -> %s. */\n", m->name, svc->name,
                   m->request ? m->request->name : "", m->reply ? m->reply->name : "()");
        buf_printf(b, "export declare const %s: %" PRIu32 ";\n", method_const(ns, svc, m), m->id);
    }
    buf_printf(b, "\n/** The typed client of service %s over a tachyon RpcClient. */\n", svc->name);
    buf_printf(b, "export declare class %sClient {\n", pascal);
    buf_puts(b, "  constructor(connection: $RpcClient);\n  readonly connection: $RpcClient;\n");
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        const char *fn = mn[i];
        const char *req = m->request ? pool_printf(ns, "request: %s, ", ref(ctx, m->request)) : "";
        buf_puts(b, "\n");
        if (m->reply) {
            const char *rv = ref(ctx, m->reply);
            ts_member_doc(b, m->doc,
                           pool_printf(ns, "Calls %s; read() sees the reply in place, which is released after it returns.",
                                       m->name));
            buf_printf(b, "  %s<R>(%sread: (reply: %s) => R, options?: $RpcOptions): Promise<R>;\n", fn, req, rv);
            buf_printf(b, "  /** A %s reply from connection.nextReply() (pipelined), checked, read in place, released. */\n",
                       m->name);
            buf_printf(b, "  static %sReply<R>(connection: $RpcClient, reply: $RpcReply, read: (reply: %s) => R): R;\n",
                       fn, rv);
        } else {
            ts_member_doc(b, m->doc, pool_printf(ns, "Calls %s and waits for its empty reply.", m->name));
            buf_printf(b, "  %s(%soptions?: $RpcOptions): Promise<void>;\n", fn, req);
        }
        buf_printf(b, "  /** Pipelined %s: returns the call id; its reply comes from connection.nextReply(). */\n",
                   m->name);
        buf_printf(b, "  %sSend(%soptions?: $RpcOptions): bigint;\n", fn, req);
    }
    buf_puts(b, "}\n\n");
    buf_printf(b, "/** The server side of service %s: extend it, implement every method (read the request and\n",
               svc->name);
    buf_puts(b, " * write the reply in place; throw RpcStatusError.appError(code) to refuse), then serve(). */\n");
    buf_printf(b, "export declare abstract class %sServer {\n", pascal);
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        ts_member_doc(b, m->doc, NULL);
        buf_printf(b, "  abstract %s(%s%s%s): void;\n", mn[i],
                   m->request ? pool_printf(ns, "request: %s", ref(ctx, m->request)) : "",
                   m->request && m->reply ? ", " : "",
                   m->reply ? pool_printf(ns, "reply: %s", ref(ctx, m->reply)) : "");
    }
    buf_puts(b, "  /** Answers calls until the client goes (resolves) or options.timeout passes. */\n");
    buf_puts(b, "  serve(connection: $RpcServer, options?: $RpcOptions): Promise<void>;\n");
    buf_puts(b, "  /** Every method's id and exact request and reply sizes. */\n");
    buf_puts(b, "  static readonly METHODS: ReadonlyArray<$RpcMethod>;\n}\n\n");
}

void emit_rpc_ts(tc_buf *js, tc_buf *dts, tc_pool *ns, const tc_schema *sc, tc_struct_ref_fn ref, void *ctx)
{
    if (!sc->nservices)
        return;
    buf_puts(dts, "/** What the service stubs use of the tachyon package's RPC (structural: nothing is imported). */\n");
    buf_puts(dts, "export interface $RpcOptions {\n  /** Milliseconds (default: no limit). */\n  timeout?: number;\n}\n");
    buf_puts(dts, "export interface $RpcReply {\n  readonly body: ArrayBuffer;\n  readonly callId: bigint;\n"
                  "  release(): void;\n}\n");
    buf_puts(dts, "export interface $RpcMethod {\n  readonly id: number;\n  readonly requestSize: number;\n"
                  "  readonly replySize: number;\n}\n");
    buf_puts(dts, "export interface $RpcClient {\n"
                  "  call(methodId: number, request: Uint8Array | undefined, replyMax: number, options?: $RpcOptions): "
                  "Promise<$RpcReply>;\n"
                  "  send(methodId: number, request: Uint8Array | undefined, replyMax: number, options?: $RpcOptions): "
                  "bigint;\n"
                  "  checkReply(reply: $RpcReply, size: number): $RpcReply;\n}\n");
    buf_puts(dts, "export interface $RpcServer {\n"
                  "  serve(methods: ReadonlyArray<$RpcMethod>, handler: (index: number, request: ArrayBuffer, reply: "
                  "ArrayBuffer) => void,\n    options?: $RpcOptions): Promise<void>;\n}\n\n");
    for (size_t s = 0; s < sc->nservices; s++) {
        const tc_service *svc = &sc->services[s];
        const char *pascal = pool_keep(ns, name_pascal(svc->name));
        const char **mn = emit_rpc_member_names(ns, svc, TC_NAMES_TS, 'c', ts_fixed, ts_derived);
        if (!mn)
            return;
        emit_js(js, ns, svc, pascal, mn, ref, ctx);
        emit_dts(dts, ns, svc, pascal, mn, ref, ctx);
        free(mn);
    }
}

void emit_rpc_ts_exports(tc_buf *js, tc_pool *ns, const tc_schema *sc)
{
    for (size_t s = 0; s < sc->nservices; s++) {
        const tc_service *svc = &sc->services[s];
        const char *pascal = pool_keep(ns, name_pascal(svc->name));
        for (size_t i = 0; i < svc->nmethods; i++)
            buf_printf(js, "  %s,\n", method_const(ns, svc, &svc->methods[i]));
        buf_printf(js, "  %sClient,\n  %sServer,\n", pascal, pascal);
    }
}
