/*
 * emit_rpc_kotlin.c - the services of a schema in Kotlin (over the Java binding's
 * io.tachyon.RpcClient / RpcServer and io.tachyon.kotlin's timeout conversion).
 *
 * service Pricing { rpc Quote(QuoteRequest) -> QuoteReply = 10; } becomes
 *
 *   const val PRICING_QUOTE_METHOD: Int = 10
 *   class PricingClient(val connection: RpcClient) {
 *       fun <R> quote(request: QuoteRequest, timeout: Duration? = null, read: (QuoteReply) -> R): R
 *       fun quoteSend(request: QuoteRequest, timeout: Duration? = null): Long      // pipelined
 *       companion object { fun <R> quoteReply(reply: RpcReply, read: (QuoteReply) -> R): R }
 *   }
 *   interface PricingServer {
 *       fun quote(request: QuoteRequest, reply: QuoteReply)
 *       fun serve(connection: RpcServer, timeout: Duration? = null)
 *   }
 *
 * The reply is read in place inside `read` and released when it returns; the
 * request is read and the reply written in place on the server.
 */
#include "emit_jvm.h"
#include "emit_rpc.h"

#include <stdlib.h>
#include <string.h>

/* What a method's camelCase name (or its <name>Send, companion <name>Reply)
 * must not take: the classes' own members and Any's; '_' appended
 * (emit_rpc_member_names, without a keyword rule: a keyword is quoted in
 * backticks where it is declared or called, see quoted). */
static const char *const kt_fixed[] = {"connection", "serve", "equals", "hashCode", "toString", NULL};
static const char *const kt_derived[] = {"%sSend", "%sReply", NULL};

static const char *quoted(tc_pool *ns, const char *n)
{
    return names_is_keyword(TC_NAMES_KOTLIN, n) ? pool_printf(ns, "`%s`", n) : n;
}

void emit_rpc_kotlin_imports(tc_buf *b)
{
    buf_line(b, "import io.tachyon.RpcClient");
    buf_line(b, "import io.tachyon.RpcReply");
    buf_line(b, "import io.tachyon.RpcServer");
    buf_line(b, "import io.tachyon.RpcTyped");
    buf_line(b, "import io.tachyon.kotlin.toRpcTimeout");
}

static const char *size_of(tc_pool *ns, const tc_struct *st, tc_struct_ref_fn ref, void *ctx)
{
    return st ? pool_printf(ns, "%s.SIZE.toLong()", ref(ctx, st)) : "0L";
}

/* A member name tachc mangled with a '_' (a keyword or a name the class
 * already has) follows tachc's rule, not ktlint's function naming: say so. */
static void allow_mangled(tc_buf *b, const char *name)
{
    if (strchr(name, '_'))
        buf_line(b, "@Suppress(\"ktlint:standard:function-naming\")");
}

static void emit_client(tc_buf *b, tc_pool *ns, const tc_service *svc, const char *pascal, const char **mn,
                        tc_struct_ref_fn ref,
                        void *ctx)
{
    buf_line(b, "/** The typed client of service %s over an [RpcClient] connection. */", svc->name);
    buf_line(b, "class %sClient(val connection: RpcClient) {", pascal);
    b->indent++;
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        const char *fn = quoted(ns, mn[i]);
        const char *plain = mn[i];
        const char *id = jvm_rpc_method_const(ns, svc, m);
        const char *param = m->request ? pool_printf(ns, "request: %s, ", ref(ctx, m->request)) : "";
        const char *seg = m->request ? "request.segment" : "MemorySegment.NULL";
        const char *rsize = size_of(ns, m->reply, ref, ctx);

        if (i)
            buf_blank(b);
        if (m->reply) {
            const char *rv = ref(ctx, m->reply);
            emit_doc_block(b, m->doc,
                           pool_printf(ns, "Calls %s and waits up to [timeout] (null: none); [read] sees the reply in "
                                           "place.", m->name), false);
            const char *call = pool_printf(ns, "connection.call(%s, %s, %s, timeout.toRpcTimeout())", id, seg, rsize);
            const char *body = pool_printf(ns, "    %sReply(%s, read)", plain, call);
            allow_mangled(b, plain);
            if ((size_t)b->indent * 4 + strlen(body) <= 120) {
                buf_line(b, "fun <R> %s(%stimeout: Duration? = null, read: (%s) -> R): R =", fn, param, rv);
                buf_line(b, "%s", body);
            } else { /* as ktlint wraps it: one argument per line */
                buf_line(b, "fun <R> %s(%stimeout: Duration? = null, read: (%s) -> R): R = %sReply(", fn, param, rv,
                         plain);
                buf_line(b, "    %s,", call);
                buf_line(b, "    read,");
                buf_line(b, ")");
            }
        } else {
            emit_doc_block(b, m->doc,
                           pool_printf(ns, "Calls %s and waits up to [timeout] (null: none) for its empty reply.", m->name),
                           false);
            allow_mangled(b, plain);
            buf_line(b, "fun %s(%stimeout: Duration? = null) {", fn, param);
            buf_line(b, "    RpcTyped.empty(connection.call(%s, %s, 0L, timeout.toRpcTimeout()))", id, seg);
            buf_line(b, "}");
        }
        buf_blank(b);
        buf_line(b, "/** Pipelined %s: sends it and returns its call id; the call fails once [timeout] passed. */", m->name);
        allow_mangled(b, plain);
        buf_line(b, "fun %sSend(%stimeout: Duration? = null): Long =", plain, param);
        buf_line(b, "    connection.send(%s, %s, %s, timeout.toRpcTimeout())", id, seg, rsize);
    }
    buf_blank(b);
    buf_line(b, "companion object {");
    b->indent++;
    size_t done = 0;
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        if (!m->reply)
            continue;
        const char *rv = ref(ctx, m->reply);
        if (done++)
            buf_blank(b);
        buf_line(b, "/** A %s reply (e.g. pipelined, from connection.nextReply), checked; [read] sees it in place. */",
                 m->name);
        allow_mangled(b, mn[i]);
        buf_line(b, "fun <R> %sReply(reply: RpcReply, read: (%s) -> R): R =", mn[i], rv);
        buf_line(b, "    RpcTyped.of(reply, %s) { %s(it) }.use { read(it.view()) }", size_of(ns, m->reply, ref, ctx), rv);
    }
    b->indent--;
    buf_line(b, "}");
    b->indent--;
    buf_line(b, "}");
}

static void emit_server(tc_buf *b, tc_pool *ns, const tc_service *svc, const char *pascal, const char **mn,
                        tc_struct_ref_fn ref,
                        void *ctx)
{
    buf_line(b, "/**");
    buf_line(b, " * The server interface of service %s: implement each function (read the request and write the", svc->name);
    buf_line(b, " * reply in place; throw `RpcStatusException.appError(code)` to refuse), then [serve].");
    buf_line(b, " */");
    buf_line(b, "interface %sServer {", pascal);
    b->indent++;
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        emit_doc_block(b, m->doc, NULL, false);
        allow_mangled(b, mn[i]);
        buf_line(b, "fun %s(%s%s%s)", quoted(ns, mn[i]),
                 m->request ? pool_printf(ns, "request: %s", ref(ctx, m->request)) : "",
                 m->request && m->reply ? ", " : "",
                 m->reply ? pool_printf(ns, "reply: %s", ref(ctx, m->reply)) : "");
        buf_blank(b);
    }
    buf_line(b, "/** Answers %s calls on [connection] until the client goes; Timeout after [timeout] (null: none). */",
             svc->name);
    buf_line(b, "fun serve(connection: RpcServer, timeout: Duration? = null) {");
    buf_line(b, "    connection.serve(METHODS, { method, request, reply ->");
    buf_line(b, "        when (method) {");
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        buf_line(b, "            %zu -> %s(%s%s%s)", i, quoted(ns, mn[i]),
                 m->request ? pool_printf(ns, "%s(request)", ref(ctx, m->request)) : "",
                 m->request && m->reply ? ", " : "",
                 m->reply ? pool_printf(ns, "%s(reply)", ref(ctx, m->reply)) : "");
    }
    buf_line(b, "            else -> error(\"no method $method\")");
    buf_line(b, "        }");
    buf_line(b, "    }, timeout.toRpcTimeout())");
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "companion object {");
    buf_line(b, "    /** Every method's id and exact request and reply sizes. */");
    buf_line(b, "    val METHODS: List<RpcServer.Method> = listOf(");
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        buf_line(b, "        RpcServer.Method(%s, %s, %s),", jvm_rpc_method_const(ns, svc, m), size_of(ns, m->request, ref, ctx),
                 size_of(ns, m->reply, ref, ctx));
    }
    buf_line(b, "    )");
    buf_line(b, "}");
    b->indent--;
    buf_line(b, "}");
}

void emit_rpc_kotlin(tc_buf *b, tc_pool *ns, const tc_schema *sc, tc_struct_ref_fn ref, void *ctx)
{
    static const jvm_rpc_lang lang = {"const val ", ": Int = ", "", TC_NAMES_COUNT, kt_fixed, kt_derived, emit_client, emit_server, true};
    jvm_rpc_services(b, ns, sc, ref, ctx, &lang);
}
