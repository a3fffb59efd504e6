/*
 * emit_rpc_java.c - the services of a schema in Java (over io.tachyon.RpcClient
 * and io.tachyon.RpcServer of runtime/java).
 *
 * service Pricing { rpc Quote(QuoteRequest) -> QuoteReply = 10; } becomes, in
 * the schema's outer class:
 *
 *   public static final int PRICING_QUOTE_METHOD = 10;
 *   public static final class PricingClient {             // over an RpcClient
 *       RpcTyped<QuoteReply> quote(QuoteRequest request, Duration timeout);
 *       long quoteSend(QuoteRequest request, Duration timeout);   // pipelined
 *       static RpcTyped<QuoteReply> quoteReply(RpcReply reply);  // its reply, viewed
 *   }
 *   public interface PricingServer {                      // implement, then serve(conn, timeout)
 *       void quote(QuoteRequest request, QuoteReply reply);
 *   }
 *
 * An empty request or reply drops that parameter (a call with an empty reply
 * returns void). The request is read and the reply written in place.
 */
#include "emit_jvm.h"
#include "emit_rpc.h"

#include <stdlib.h>
#include <string.h>

/* What a method's camelCase name (or its <name>Send, static <name>Reply)
 * must not take: the classes' own members and Object's (an interface method
 * may not redeclare a final one); the Java keyword rule, then '_' appended
 * (emit_rpc_member_names). */
static const char *const java_fixed[] = {"connection", "serve", "getClass", "hashCode", "equals", "toString",
                                         "notify", "notifyAll", "wait", "clone", "finalize", NULL};
static const char *const java_derived[] = {"%sSend", "%sReply", NULL};

void emit_rpc_java_imports(tc_buf *b)
{
    buf_line(b, "import io.tachyon.RpcClient;");
    buf_line(b, "import io.tachyon.RpcReply;");
    buf_line(b, "import io.tachyon.RpcServer;");
    buf_line(b, "import io.tachyon.RpcTyped;");
    buf_line(b, "import java.time.Duration;");
}

static void emit_client(tc_buf *b, tc_pool *ns, const tc_service *svc, const char *pascal, const char **mn,
                        tc_struct_ref_fn ref,
                        void *ctx)
{
    buf_line(b, "/** The typed client of service %s over an {@link RpcClient} connection. */", svc->name);
    buf_line(b, "public static final class %sClient {", pascal);
    b->indent++;
    buf_line(b, "private final RpcClient conn;");
    buf_blank(b);
    buf_line(b, "public %sClient(RpcClient conn) {", pascal);
    buf_line(b, "    this.conn = Objects.requireNonNull(conn);");
    buf_line(b, "}");
    buf_blank(b);
    buf_line(b, "/** The connection (for {@code nextReply} of pipelined calls). */");
    buf_line(b, "public RpcClient connection() {");
    buf_line(b, "    return conn;");
    buf_line(b, "}");
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        const char *fn = mn[i];
        const char *id = jvm_rpc_method_const(ns, svc, m);
        const char *param = m->request ? pool_printf(ns, "%s request, ", ref(ctx, m->request)) : "";
        const char *seg = m->request ? "request.segment()" : "MemorySegment.NULL";
        const char *rsize = m->reply ? pool_printf(ns, "%s.SIZE", ref(ctx, m->reply)) : "0";

        buf_blank(b);
        if (m->reply) {
            const char *rv = ref(ctx, m->reply);
            emit_doc_block(b, m->doc,
                           pool_printf(ns, "Calls %s and waits up to {@code timeout} (null: none); the reply is read in "
                                           "place until closed.", m->name), true);
            buf_line(b, "public RpcTyped<%s> %s(%sDuration timeout) {", rv, fn, param);
            buf_line(b, "    return %sReply(conn.call(%s, %s, %s, timeout));", fn, id, seg, rsize);
            buf_line(b, "}");
            buf_blank(b);
            buf_line(b, "/** The reply of a %s call (e.g. pipelined, from {@code connection().nextReply}), checked and viewed. */",
                     m->name);
            buf_line(b, "public static RpcTyped<%s> %sReply(RpcReply reply) {", rv, fn);
            buf_line(b, "    return RpcTyped.of(reply, %s, %s::new);", rsize, rv);
            buf_line(b, "}");
        } else {
            emit_doc_block(b, m->doc,
                           pool_printf(ns, "Calls %s and waits up to {@code timeout} (null: none) for its empty reply.",
                                       m->name), true);
            buf_line(b, "public void %s(%sDuration timeout) {", fn, param);
            buf_line(b, "    RpcTyped.empty(conn.call(%s, %s, 0, timeout));", id, seg);
            buf_line(b, "}");
        }
        buf_blank(b);
        buf_line(b, "/** Pipelined %s: sends it and returns its call id; the call fails once {@code timeout} passed. */",
                 m->name);
        buf_line(b, "public long %sSend(%sDuration timeout) {", fn, param);
        buf_line(b, "    return conn.send(%s, %s, %s, timeout);", id, seg, rsize);
        buf_line(b, "}");
    }
    b->indent--;
    buf_line(b, "}");
}

static void emit_server(tc_buf *b, tc_pool *ns, const tc_service *svc, const char *pascal, const char **mn,
                        tc_struct_ref_fn ref,
                        void *ctx)
{
    buf_line(b, "/**");
    buf_line(b, " * The server interface of service %s: implement each method (read the request and write the", svc->name);
    buf_line(b, " * reply in place; throw {@code RpcStatusException.appError(code)} to refuse), then {@link #serve}.");
    buf_line(b, " */");
    buf_line(b, "public interface %sServer {", pascal);
    b->indent++;
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        emit_doc_block(b, m->doc, NULL, true);
        buf_line(b, "void %s(%s%s%s);", mn[i],
                 m->request ? pool_printf(ns, "%s request", ref(ctx, m->request)) : "",
                 m->request && m->reply ? ", " : "",
                 m->reply ? pool_printf(ns, "%s reply", ref(ctx, m->reply)) : "");
        buf_blank(b);
    }
    buf_line(b, "/** Every method's id and exact request and reply sizes. */");
    buf_line(b, "List<RpcServer.Method> METHODS = List.of(");
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        buf_line(b, "        new RpcServer.Method(%s, %s, %s)%s", jvm_rpc_method_const(ns, svc, m),
                 m->request ? pool_printf(ns, "%s.SIZE", ref(ctx, m->request)) : "0",
                 m->reply ? pool_printf(ns, "%s.SIZE", ref(ctx, m->reply)) : "0", i + 1 < svc->nmethods ? "," : ");");
    }
    if (svc->nmethods == 0)
        buf_line(b, ");");
    buf_blank(b);
    buf_line(b, "/** Answers %s calls on {@code conn} until the client goes; Timeout after {@code timeout} (null: none). */",
             svc->name);
    buf_line(b, "default void serve(RpcServer conn, Duration timeout) {");
    buf_line(b, "    conn.serve(METHODS, (method, request, reply) -> {");
    buf_line(b, "        switch (method) {");
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        buf_line(b, "            case %zu -> %s(%s%s%s);", i, mn[i],
                 m->request ? pool_printf(ns, "new %s(request)", ref(ctx, m->request)) : "",
                 m->request && m->reply ? ", " : "",
                 m->reply ? pool_printf(ns, "new %s(reply)", ref(ctx, m->reply)) : "");
    }
    buf_line(b, "            default -> throw new IllegalStateException(\"no method \" + method);");
    buf_line(b, "        }");
    buf_line(b, "    }, timeout);");
    buf_line(b, "}");
    b->indent--;
    buf_line(b, "}");
}

void emit_rpc_java(tc_buf *b, tc_pool *ns, const tc_schema *sc, tc_struct_ref_fn ref, void *ctx)
{
    static const jvm_rpc_lang lang = {"public static final int ", " = ", ";", TC_NAMES_JAVA, java_fixed, java_derived, emit_client, emit_server, false};
    jvm_rpc_services(b, ns, sc, ref, ctx, &lang);
}
