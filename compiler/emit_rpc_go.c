/*
 * emit_rpc_go.c - the services of a schema in Go, over the tachyon package's
 * RPC (tachyon.local/tachyon):
 *
 *   <Service><Method>Method uint32    the method ids
 *   <Service>Client{RPC}              Quote(ctx, request, fn) passes the reply
 *                                     view in place to fn; QuoteSend(ctx,
 *                                     request) -> call id; NextReply(ctx,
 *                                     <Service>Replies{...}) typed by method
 *   <Service>Replies                  one callback per method for NextReply
 *   <Service>Server                   the interface a server implements: one
 *                                     method per rpc reading the request view
 *                                     and writing the reply view in place;
 *                                     call.Defer() answers later from any
 *                                     goroutine
 *   <Service>Handler{Server}          its dispatch table (tachyon.Handler)
 *   Serve<Service>(ctx, rpc, server)  the serve loop
 *
 * Method names are PascalCase, with "_" appended while they hit a fixed member
 * (NextReply, RPC) or a name derived from an earlier method (XSend). The
 * output is gofmt's (struct fields aligned).
 */
#include "emit.h"
#include "emit_rpc.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char *pascal(tc_pool *ns, const char *s) { return pool_keep(ns, name_pascal(s)); }

static const char *view(tc_pool *ns, const tc_schema *sc, const tc_struct *st)
{
    if (st->schema == sc || !st->schema)
        return st->name;
    return pool_printf(ns, "%s.%s", st->schema->name, st->name);
}

static const char *view_new(tc_pool *ns, const tc_schema *sc, const tc_struct *st)
{
    if (st->schema == sc || !st->schema)
        return pool_printf(ns, "New%s", st->name);
    return pool_printf(ns, "%s.New%s", st->schema->name, st->name);
}

static const char *size_of(tc_pool *ns, const tc_schema *sc, const tc_struct *st)
{
    if (!st)
        return "0";
    if (st->schema == sc || !st->schema)
        return pool_printf(ns, "%sSize", st->name);
    return pool_printf(ns, "%s.%sSize", st->schema->name, st->name);
}

static const char **method_names(tc_pool *ns, const tc_service *svc)
{
    static const char *const fixed[] = {"NextReply", "RPC", NULL};
    static const char *const derived[] = {"%sSend", NULL};
    return emit_rpc_member_names(ns, svc, TC_NAMES_GO, 'p', fixed, derived);
}

void emit_rpc_go(tc_buf *b, tc_pool *ns, const tc_schema *sc, const tc_service *svc)
{
    const char **mn = method_names(ns, svc);
    const char *S = svc->name;
    size_t width = 0;

    if (!mn)
        return;
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        const char *id = pool_printf(ns, "%s%sMethod", S, pascal(ns, m->name));
        buf_line(b, "// %s is the method id of %s.%s (%s -> %s).", id, S, m->name,
                 m->request ? m->request->name : "()", m->reply ? m->reply->name : "()");
        buf_line(b, "const %s uint32 = %" PRIu32, id, m->id);
        buf_blank(b);
        if (strlen(mn[i]) > width)
            width = strlen(mn[i]);
    }

    /* client */
    buf_line(b, "// %sClient is the typed client of service %s over a connected *tachyon.RPC.", S, S);
    buf_text_line(b, "// A reply is a view of the reply in place in the ring, valid only inside the");
    buf_text_line(b, "// callback it is passed to.");
    if (svc->doc) {
        buf_text_line(b, "//");
        emit_doc_trimmed(b, svc->doc, "// ");
    }
    buf_line(b, "type %sClient struct {", S);
    buf_text_line(b, "\tRPC *tachyon.RPC");
    buf_text_line(b, "}");
    buf_blank(b);
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        const char *id = pool_printf(ns, "%s%sMethod", S, pascal(ns, m->name));
        const char *req_param = m->request ? pool_printf(ns, ", request %s", view(ns, sc, m->request)) : "";
        const char *req_arg = m->request ? "request" : "nil";
        buf_line(b, "// %s calls %s.%s and waits (until ctx is done) for its reply, passed in place", mn[i], S,
                 m->name);
        buf_text_line(b, "// to fn. A status other than OK is a *tachyon.StatusError.");
        if (m->doc) {
            buf_text_line(b, "//");
            emit_doc_trimmed(b, m->doc, "// ");
        }
        if (m->reply) {
            buf_line(b, "func (c %sClient) %s(ctx context.Context%s, fn func(reply %s) error) error {", S, mn[i],
                     req_param, view(ns, sc, m->reply));
            buf_line(b, "\treturn c.RPC.Call(ctx, %s, %s, %s, func(r tachyon.Reply) error {", id, req_arg,
                     size_of(ns, sc, m->reply));
            buf_line(b, "\t\treply, err := %s(r.Data)", view_new(ns, sc, m->reply));
            buf_text_line(b, "\t\tif err != nil {");
            buf_text_line(b, "\t\t\treturn &tachyon.CallError{CallID: r.CallID, Err: tachyon.ErrCorrupt}");
            buf_text_line(b, "\t\t}");
            buf_text_line(b, "\t\treturn fn(reply)");
            buf_text_line(b, "\t})");
        } else {
            buf_line(b, "func (c %sClient) %s(ctx context.Context%s) error {", S, mn[i], req_param);
            buf_line(b, "\treturn c.RPC.Call(ctx, %s, %s, 0, func(r tachyon.Reply) error {", id, req_arg);
            buf_text_line(b, "\t\tif len(r.Data) != 0 {");
            buf_text_line(b, "\t\t\treturn &tachyon.CallError{CallID: r.CallID, Err: tachyon.ErrCorrupt}");
            buf_text_line(b, "\t\t}");
            buf_text_line(b, "\t\treturn nil");
            buf_text_line(b, "\t})");
        }
        buf_text_line(b, "}");
        buf_blank(b);
        buf_line(b, "// %sSend is the pipelined %s: it sends the call and returns its call id at", mn[i], m->name);
        buf_text_line(b, "// once; the outcome comes from NextReply. ctx's deadline is the call's own.");
        buf_line(b, "func (c %sClient) %sSend(ctx context.Context%s) (uint64, error) {", S, mn[i], req_param);
        buf_line(b, "\treturn c.RPC.Send(ctx, %s, %s, %s)", id, req_arg, size_of(ns, sc, m->reply));
        buf_text_line(b, "}");
        buf_blank(b);
    }
    buf_line(b, "// %sReplies receives the outcomes of pipelined calls of service %s, one", S, S);
    buf_text_line(b, "// callback per method (nil: that method's replies are dropped); a reply view is");
    buf_text_line(b, "// valid only inside its callback.");
    buf_line(b, "type %sReplies struct {", S);
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        if (m->reply)
            buf_line(b, "\t%-*s func(callID uint64, reply %s) error", (int)width, mn[i], view(ns, sc, m->reply));
        else
            buf_line(b, "\t%-*s func(callID uint64) error", (int)width, mn[i]);
    }
    buf_text_line(b, "}");
    buf_blank(b);
    buf_text_line(b, "// NextReply waits (until ctx is done) for the next outcome of a pipelined call,");
    buf_text_line(b, "// in the order the server answers, and passes it to its method's callback. A");
    buf_text_line(b, "// failed call's error names it (*tachyon.CallError, *tachyon.StatusError).");
    buf_line(b, "func (c %sClient) NextReply(ctx context.Context, h %sReplies) error {", S, S);
    buf_text_line(b, "\treturn c.RPC.NextReply(ctx, func(r tachyon.Reply) error {");
    buf_text_line(b, "\t\tswitch r.MethodID {");
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        buf_line(b, "\t\tcase %s%sMethod:", S, pascal(ns, m->name));
        if (m->reply) {
            buf_line(b, "\t\t\treply, err := %s(r.Data)", view_new(ns, sc, m->reply));
            buf_text_line(b, "\t\t\tif err != nil {");
            buf_text_line(b, "\t\t\t\treturn &tachyon.CallError{CallID: r.CallID, Err: tachyon.ErrCorrupt}");
            buf_text_line(b, "\t\t\t}");
            buf_line(b, "\t\t\tif h.%s != nil {", mn[i]);
            buf_line(b, "\t\t\t\treturn h.%s(r.CallID, reply)", mn[i]);
            buf_text_line(b, "\t\t\t}");
        } else {
            buf_text_line(b, "\t\t\tif len(r.Data) != 0 {");
            buf_text_line(b, "\t\t\t\treturn &tachyon.CallError{CallID: r.CallID, Err: tachyon.ErrCorrupt}");
            buf_text_line(b, "\t\t\t}");
            buf_line(b, "\t\t\tif h.%s != nil {", mn[i]);
            buf_line(b, "\t\t\t\treturn h.%s(r.CallID)", mn[i]);
            buf_text_line(b, "\t\t\t}");
        }
        buf_text_line(b, "\t\t\treturn nil");
    }
    buf_text_line(b, "\t\t}");
    buf_text_line(b, "\t\treturn &tachyon.CallError{CallID: r.CallID, Err: tachyon.ErrCorrupt}");
    buf_text_line(b, "\t})");
    buf_text_line(b, "}");
    buf_blank(b);

    /* server */
    buf_line(b, "// %sServer is the server side of service %s: serve one with Serve%s. A", S, S, S);
    buf_text_line(b, "// method reads the request and writes the whole reply in place (views valid");
    buf_text_line(b, "// only during the call), then returns nil or a tachyon.AppError; a slow one");
    buf_text_line(b, "// calls call.Defer() and answers later, from any goroutine, through the");
    buf_text_line(b, "// tachyon.Responder it returns, so that it holds up only its own call.");
    buf_line(b, "type %sServer interface {", S);
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        if (m->doc)
            emit_doc_trimmed(b, m->doc, "\t// ");
        else
            buf_line(b, "\t// %s handles %s.%s.", mn[i], S, m->name);
        buf_line(b, "\t%s(call *tachyon.Call%s%s) error", mn[i],
                 m->request ? pool_printf(ns, ", request %s", view(ns, sc, m->request)) : "",
                 m->reply ? pool_printf(ns, ", reply %s", view(ns, sc, m->reply)) : "");
    }
    buf_text_line(b, "}");
    buf_blank(b);
    buf_line(b, "// %sHandler is the dispatch table of a %sServer (a tachyon.Handler).", S, S);
    buf_line(b, "type %sHandler struct {", S);
    buf_line(b, "\tServer %sServer", S);
    buf_text_line(b, "}");
    buf_blank(b);
    buf_text_line(b, "// Sizes returns the request and reply sizes of a method of the service.");
    buf_line(b, "func (h %sHandler) Sizes(method uint32) (int, int, bool) {", S);
    buf_text_line(b, "\tswitch method {");
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        buf_line(b, "\tcase %s%sMethod:", S, pascal(ns, m->name));
        buf_line(b, "\t\treturn %s, %s, true", size_of(ns, sc, m->request), size_of(ns, sc, m->reply));
    }
    buf_text_line(b, "\t}");
    buf_text_line(b, "\treturn 0, 0, false");
    buf_text_line(b, "}");
    buf_blank(b);
    buf_text_line(b, "// Handle calls the server's method with views over the request and reply bytes;");
    buf_text_line(b, "// bytes of another size fail the call with tachyon.AppError(0xFFFFFFFF).");
    buf_line(b, "func (h %sHandler) Handle(call *tachyon.Call, method uint32, request, reply []byte) error {", S);
    buf_text_line(b, "\tswitch method {");
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        buf_line(b, "\tcase %s%sMethod:", S, pascal(ns, m->name));
        if (m->request) {
            buf_line(b, "\t\treq, err := %s(request)", view_new(ns, sc, m->request));
            buf_text_line(b, "\t\tif err != nil {");
            buf_text_line(b, "\t\t\treturn tachyon.AppError(0xFFFFFFFF)");
            buf_text_line(b, "\t\t}");
        }
        if (m->reply) {
            buf_line(b, "\t\trep, err := %s(reply)", view_new(ns, sc, m->reply));
            buf_text_line(b, "\t\tif err != nil {");
            buf_text_line(b, "\t\t\treturn tachyon.AppError(0xFFFFFFFF)");
            buf_text_line(b, "\t\t}");
        }
        buf_line(b, "\t\treturn h.Server.%s(call%s%s)", mn[i], m->request ? ", req" : "", m->reply ? ", rep" : "");
    }
    buf_text_line(b, "\t}");
    buf_text_line(b, "\treturn tachyon.AppError(0xFFFFFFFF)");
    buf_text_line(b, "}");
    buf_blank(b);
    buf_line(b, "// Serve%s answers %s calls on rpc (the listening side) with s until the client", S, S);
    buf_text_line(b, "// goes (nil) or ctx is done (its error).");
    buf_line(b, "func Serve%s(ctx context.Context, rpc *tachyon.RPC, s %sServer) error {", S, S);
    buf_line(b, "\treturn rpc.Serve(ctx, %sHandler{Server: s})", S);
    buf_text_line(b, "}");
    buf_blank(b);
    free(mn);
}
