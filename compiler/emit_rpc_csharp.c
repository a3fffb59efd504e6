/*
 * emit_rpc_csharp.c - the services of a schema in C# (over Tachyon.RpcClient
 * and Tachyon.RpcServer of runtime/csharp).
 *
 * service Pricing { rpc Quote(QuoteRequest) -> QuoteReply = 10; } becomes
 *
 *   public static class PricingMethods { public const uint Quote = 10; }
 *   public sealed unsafe class PricingClient {        // over a Tachyon.RpcClient
 *       public R Quote<R>(QuoteRequest request, Func<QuoteReply, R> read, TimeSpan? timeout = null);
 *       public ulong QuoteSend(QuoteRequest request, TimeSpan? timeout = null);   // pipelined
 *       public static R ReadQuote<R>(RpcReply reply, Func<QuoteReply, R> read);
 *   }
 *   public abstract unsafe class PricingServer {      // override, then Serve(connection)
 *       public abstract void Quote(QuoteRequest request, QuoteReply reply);
 *   }
 */
#include "emit_rpc.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char *pascal(tc_pool *ns, const char *name)
{
    return names_ident(ns, TC_NAMES_CSHARP, pool_keep(ns, name_pascal(name)));
}

/* A method's schema doc as an XML doc element <tag> (remarks beside the
 * generated summary, or the summary itself), escaped; nothing without a doc. */
static void cs_doc(tc_buf *b, const char *doc, const char *tag)
{
    char *clean = doc_clean(doc, DOC_C_COMMENT);
    if (!clean) {
        if (doc)
            b->oom = 1;
        return;
    }
    buf_line(b, "/// <%s>", tag);
    emit_doc_lines(b, clean, "/// ", LINE_ESC_XML);
    buf_line(b, "/// </%s>", tag);
    free(clean);
}

static void emit_client(tc_buf *b, tc_pool *ns, const tc_service *svc, const char *svc_name, const char **mn,
                        tc_struct_ref_fn ref,
                        void *ctx)
{
    buf_line(b, "/// <summary>The typed client of service %s over a Tachyon.RpcClient connection.</summary>", svc->name);
    buf_line(b, "public sealed unsafe class %sClient", svc_name);
    buf_text_line(b, "{");
    b->indent++;
    buf_line(b, "public %sClient(global::Tachyon.RpcClient connection) { Connection = connection; }", svc_name);
    buf_blank(b);
    buf_text_line(b, "public global::Tachyon.RpcClient Connection { get; private set; }");
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        const char *fn = mn[i];
        const char *id = pool_printf(ns, "%sMethods.%s", svc_name, fn);
        const char *param = m->request ? pool_printf(ns, "%s request, ", ref(ctx, m->request)) : "";
        const char *ptr = m->request ? "request.Pointer" : "null";
        const char *qsize = m->request ? pool_printf(ns, "%s.Size", ref(ctx, m->request)) : "0";
        const char *rsize = m->reply ? pool_printf(ns, "%s.Size", ref(ctx, m->reply)) : "0";

        buf_blank(b);
        if (m->reply) {
            const char *rv = ref(ctx, m->reply);
            buf_line(b, "/// <summary>Calls %s and waits up to `timeout` (null: none); `read` sees the reply in place,",
                     m->name);
            buf_text_line(b, "/// which is released after it returns.</summary>");
            cs_doc(b, m->doc, "remarks");
            buf_line(b, "public R %s<R>(%sFunc<%s, R> read, TimeSpan? timeout = null)", fn, param, rv);
            buf_text_line(b, "{");
            buf_line(b, "    return Read%s(Connection.Call(%s, %s, %s, %s, timeout), read);", fn, id, ptr, qsize, rsize);
            buf_text_line(b, "}");
            buf_blank(b);
            buf_line(b, "/// <summary>A %s reply (pipelined: from Connection.NextReply), checked, read in place, released.</summary>",
                     m->name);
            buf_line(b, "public static R Read%s<R>(global::Tachyon.RpcReply reply, Func<%s, R> read)", fn, rv);
            buf_text_line(b, "{");
            buf_line(b, "    using (reply.Expect(%s))", rsize);
            buf_line(b, "        return read(new %s(reply.Pointer, reply.Size));", rv);
            buf_text_line(b, "}");
        } else {
            buf_line(b, "/// <summary>Calls %s and waits up to `timeout` (null: none) for its empty reply.</summary>", m->name);
            cs_doc(b, m->doc, "remarks");
            buf_line(b, "public void %s(%sTimeSpan? timeout = null)", fn, param);
            buf_text_line(b, "{");
            buf_line(b, "    Connection.Call(%s, %s, %s, 0, timeout).Expect(0).Dispose();", id, ptr, qsize);
            buf_text_line(b, "}");
        }
        buf_blank(b);
        buf_line(b, "/// <summary>Pipelined %s: sends it and returns its call id; it fails once `timeout` passed.</summary>",
                 m->name);
        buf_line(b, "public ulong %sSend(%sTimeSpan? timeout = null)", fn, param);
        buf_text_line(b, "{");
        buf_line(b, "    return Connection.Send(%s, %s, %s, %s, timeout);", id, ptr, qsize, rsize);
        buf_text_line(b, "}");
    }
    b->indent--;
    buf_text_line(b, "}");
}

static void emit_server(tc_buf *b, tc_pool *ns, const tc_service *svc, const char *svc_name, const char **mn,
                        tc_struct_ref_fn ref,
                        void *ctx)
{
    buf_line(b, "/// <summary>The server side of service %s: override every method (read the request and write the",
             svc->name);
    buf_text_line(b, "/// reply in place; throw Tachyon.RpcStatusException.App(code) to refuse), then Serve.</summary>");
    buf_line(b, "public abstract unsafe class %sServer", svc_name);
    buf_text_line(b, "{");
    b->indent++;
    buf_text_line(b, "/// <summary>Every method's id and exact request and reply sizes.</summary>");
    buf_line(b, "public static readonly global::Tachyon.RpcMethod[] Methods =");
    buf_text_line(b, "{");
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        buf_line(b, "    new global::Tachyon.RpcMethod(%sMethods.%s, %s, %s),", svc_name, mn[i],
                 m->request ? pool_printf(ns, "%s.Size", ref(ctx, m->request)) : "0",
                 m->reply ? pool_printf(ns, "%s.Size", ref(ctx, m->reply)) : "0");
    }
    buf_text_line(b, "};");
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        buf_blank(b);
        cs_doc(b, m->doc, "summary");
        buf_line(b, "public abstract void %s(%s%s%s);", mn[i],
                 m->request ? pool_printf(ns, "%s request", ref(ctx, m->request)) : "",
                 m->request && m->reply ? ", " : "",
                 m->reply ? pool_printf(ns, "%s reply", ref(ctx, m->reply)) : "");
    }
    buf_blank(b);
    buf_line(b, "/// <summary>Answers %s calls on `connection` until the client goes; Timeout after `timeout`.</summary>",
             svc->name);
    buf_text_line(b, "public void Serve(global::Tachyon.RpcServer connection, TimeSpan? timeout = null)");
    buf_text_line(b, "{");
    buf_text_line(b, "    connection.Serve(Methods, Dispatch, timeout);");
    buf_text_line(b, "}");
    buf_blank(b);
    buf_text_line(b, "private void Dispatch(int method, byte* request, int requestSize, byte* reply, int replySize)");
    buf_text_line(b, "{");
    buf_text_line(b, "    switch (method)");
    buf_text_line(b, "    {");
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        buf_line(b, "        case %zu: %s(%s%s%s); break;", i, mn[i],
                 m->request ? pool_printf(ns, "new %s(request, requestSize)", ref(ctx, m->request)) : "",
                 m->request && m->reply ? ", " : "",
                 m->reply ? pool_printf(ns, "new %s(reply, replySize)", ref(ctx, m->reply)) : "");
    }
    buf_text_line(b, "        default: throw new InvalidOperationException(\"no method \" + method);");
    buf_text_line(b, "    }");
    buf_text_line(b, "}");
    b->indent--;
    buf_text_line(b, "}");
}

void emit_rpc_csharp(tc_buf *b, tc_pool *ns, const tc_schema *sc, tc_struct_ref_fn ref, void *ctx)
{
    for (size_t s = 0; s < sc->nservices; s++) {
        const tc_service *svc = &sc->services[s];
        const char *svc_name = pascal(ns, svc->name);
        /* What a method's PascalCase name (or its <Name>Send, Read<Name>)
         * must not take: the classes' own members, object's, and the
         * classes' names (a member cannot be named like its class); the C#
         * keyword rule, then '_' appended (emit_rpc_member_names). */
        const char *const fixed[] = {"Connection", "Serve", "Dispatch", "Methods", "Equals", "GetHashCode",
                                     "ToString", "GetType", "MemberwiseClone", "Finalize", "ReferenceEquals",
                                     pool_printf(ns, "%sClient", svc_name), pool_printf(ns, "%sServer", svc_name),
                                     pool_printf(ns, "%sMethods", svc_name), NULL};
        static const char *const derived[] = {"%sSend", "Read%s", NULL};
        const char **mn = emit_rpc_member_names(ns, svc, TC_NAMES_CSHARP, 'p', fixed, derived);
        if (!mn)
            return;

        b->indent = 1;
        buf_blank(b);
        buf_line(b, "// ---- service %s ----", svc->name);
        buf_blank(b);
        emit_doc_trimmed(b, svc->doc, "// ");
        buf_line(b, "/// <summary>The method ids of service %s.</summary>", svc->name);
        buf_line(b, "public static class %sMethods", svc_name);
        buf_text_line(b, "{");
        for (size_t i = 0; i < svc->nmethods; i++) {
            const tc_method *m = &svc->methods[i];
            buf_line(b, "    /// <summary>(%s) -> %s</summary>", m->request ? m->request->name : "",
                     m->reply ? m->reply->name : "()");
            buf_line(b, "    public const uint %s = %" PRIu32 ";", mn[i], m->id);
        }
        buf_text_line(b, "}");
        buf_blank(b);
        emit_client(b, ns, svc, svc_name, mn, ref, ctx);
        buf_blank(b);
        emit_server(b, ns, svc, svc_name, mn, ref, ctx);
        free(mn);
        b->indent = 0;
    }
}
