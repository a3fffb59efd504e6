/*
 * emit_rpc_python.c - the services of a schema in Python, over tachyon.rpc:
 *
 *   <Service>Client(rpc)   one method per rpc: quote(request, timeout=None)
 *                          -> QuoteReply (a view of the reply in place, valid
 *                          until the next call), quote_send(...) -> call id for
 *                          the pipelined form, next_reply() / replies() for
 *                          their outcomes (typed), release()
 *   <Service>Server        a base class: override the methods served (the
 *                          others answer UNKNOWN_METHOD); serve(rpc) dispatches
 *                          by method id; a handler reads the request view and
 *                          writes the reply view in place, raises
 *                          tachyon.rpc.ApplicationError(code), or calls
 *                          tachyon.rpc.defer() to answer from any thread later
 *   <SERVICE>_<METHOD>     the method ids
 *
 * Method names are snake_case through Python's keyword rule, with "_" appended
 * while they hit a fixed member (rpc, serve, next_reply, ...) or a name
 * derived from an earlier method (x_send).
 */
#include "emit.h"
#include "emit_rpc.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char *snake(tc_pool *ns, const char *s) { return pool_keep(ns, name_snake(s)); }
static const char *upper(tc_pool *ns, const char *s) { return pool_keep(ns, name_upper(s)); }

/* A struct's class name as the module sees it ("common.Vec3" when imported). */
static const char *cls_name(tc_pool *ns, const tc_schema *sc, const tc_struct *st)
{
    if (!st)
        return "None";
    if (st->schema == sc || !st->schema)
        return st->name;
    return pool_printf(ns, "%s.%s", st->schema->name, st->name);
}

void emit_rpc_python_names(const tc_schema *sc, const char **names, size_t *k, tc_pool *ns)
{
    for (size_t i = 0; i < sc->nservices; i++) {
        const tc_service *svc = &sc->services[i];
        names[(*k)++] = pool_printf(ns, "%sClient", svc->name);
        names[(*k)++] = pool_printf(ns, "%sServer", svc->name);
    }
}

static void py_doc(tc_buf *b, const char *doc, const char *fallback)
{
    char *clean = doc_clean(doc, DOC_PY_DOCSTRING);
    const char *text = clean ? clean : fallback;
    if (!strchr(text, '\n')) {
        buf_line(b, "\"\"\"%s\"\"\"", text);
    } else {
        const char *p = text;
        buf_text_line(b, "\"\"\"");
        while (*p) {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p);
            if (n)
                buf_line(b, "%.*s", (int)n, p);
            else
                buf_blank(b);
            p += n + (nl ? 1 : 0);
        }
        buf_text_line(b, "\"\"\"");
    }
    free(clean);
}

/* Method identifiers of one service: names[i] for methods[i]. */
static const char **method_names(tc_pool *ns, const tc_service *svc)
{
    static const char *const fixed[] = {"rpc", "serve", "next_reply", "replies", "release", "methods", NULL};
    static const char *const derived[] = {"%s_send", NULL};
    return emit_rpc_member_names(ns, svc, TC_NAMES_PYTHON, 's', fixed, derived);
}

void emit_rpc_python(tc_buf *b, tc_pool *ns, const tc_schema *sc, const tc_service *svc)
{
    const char **mn = method_names(ns, svc);
    const char *up = upper(ns, svc->name);

    if (!mn)
        return;
    buf_blank(b);
    buf_blank(b);
    buf_line(b, "# ---- service %s ----", svc->name);
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        buf_line(b, "#: %s.%s(%s) -> %s", svc->name, m->name, m->request ? m->request->name : "",
                 m->reply ? m->reply->name : "()");
        buf_line(b, "%s_%s: Final = %" PRIu32, up, upper(ns, m->name), m->id);
    }
    buf_blank(b);
    buf_blank(b);

    /* the client */
    buf_line(b, "class %sClient:", svc->name);
    b->indent++;
    {
        char *clean = doc_clean(svc->doc, DOC_PY_DOCSTRING);
        buf_text_line(b, "\"\"\"");
        if (clean) {
            const char *p = clean;
            while (*p) {
                const char *nl = strchr(p, '\n');
                size_t n = nl ? (size_t)(nl - p) : strlen(p);
                if (n)
                    buf_line(b, "%.*s", (int)n, p);
                else
                    buf_blank(b);
                p += n + (nl ? 1 : 0);
            }
            buf_blank(b);
        }
        free(clean);
        buf_line(b, "The typed client of service %s over a tachyon.Rpc connected to", svc->name);
        buf_text_line(b, "its server. A reply is a view of the reply in place in the ring, valid");
        buf_text_line(b, "until the next call on this client (to_bytes() or to_dict() keep it).");
        buf_text_line(b, "A status other than OK raises tachyon.rpc.UnknownMethod, BadRequest or");
        buf_text_line(b, "ApplicationError.");
        buf_text_line(b, "\"\"\"");
    }
    buf_blank(b);
    buf_text_line(b, "__slots__ = (\"rpc\",)");
    buf_blank(b);
    buf_text_line(b, "def __init__(self, rpc: Any) -> None:");
    buf_text_line(b, "    self.rpc = rpc");
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        const char *id = pool_printf(ns, "%s_%s", up, upper(ns, m->name));
        const char *req = cls_name(ns, sc, m->request), *rep = cls_name(ns, sc, m->reply);
        const char *rsize = m->reply ? pool_printf(ns, "%s.SIZE", rep) : "0";
        const char *params = m->request ? pool_printf(ns, "self, request: %s | Buffer, *,", req) : "self, *,";
        const char *body = m->request ? pool_printf(ns, "_rpc.request_body(request, %s)", req) : "None";

        buf_blank(b);
        buf_line(b, "def %s(%s", mn[i], params);
        buf_line(b, "        timeout: float | None = None) -> %s:", m->reply ? rep : "None");
        b->indent++;
        py_doc(b, m->doc, pool_printf(ns, "Calls %s.%s and waits for its reply.", svc->name, m->name));
        if (m->request)
            buf_line(b, "body = %s", body);
        buf_text_line(b, "frame = self.rpc.call(");
        buf_line(b, "    %s, %s, %s, timeout)", id, m->request ? "body" : "None", rsize);
        if (m->reply)
            buf_line(b, "return %s(_rpc.check_reply(frame, %s))", rep, rsize);
        else
            buf_text_line(b, "_rpc.check_reply(frame, 0)");
        b->indent--;
        buf_blank(b);
        buf_line(b, "def %s_send(%s", mn[i], params);
        buf_text_line(b, "        timeout: float | None = None) -> int:");
        b->indent++;
        buf_line(b, "\"\"\"Pipelined %s: sends the call, returns its call id at once.", m->name);
        buf_blank(b);
        buf_text_line(b, "Its outcome comes from next_reply() or replies(); `timeout` is the");
        buf_text_line(b, "call's own deadline.");
        buf_text_line(b, "\"\"\"");
        if (m->request)
            buf_line(b, "body = %s", body);
        buf_text_line(b, "return int(self.rpc.send(");
        buf_line(b, "    %s, %s, %s, timeout))", id, m->request ? "body" : "None", rsize);
        b->indent--;
    }
    buf_blank(b);
    buf_text_line(b, "def next_reply(self, timeout: float | None = None) -> _rpc.Reply:");
    buf_text_line(b, "    \"\"\"The next outcome of a pipelined call, in answer order.\"\"\"");
    buf_line(b, "    return _%s_reply(self.rpc.next_reply(timeout))", snake(ns, svc->name));
    buf_blank(b);
    buf_text_line(b, "def replies(self, timeout: float | None = None) -> Iterator[_rpc.Reply]:");
    buf_text_line(b, "    \"\"\"Every pending call's outcome, in the order the server answers.\"\"\"");
    buf_line(b, "    return _rpc.replies(self.rpc, _%s_reply, timeout)", snake(ns, svc->name));
    buf_blank(b);
    buf_text_line(b, "def release(self) -> None:");
    buf_text_line(b, "    \"\"\"Hands the last reply back to the ring (the next call does too).\"\"\"");
    buf_text_line(b, "    self.rpc.release()");
    b->indent--;
    buf_blank(b);
    buf_blank(b);

    /* reply decoding by method id */
    buf_line(b, "_%s_REPLIES: dict[int, Any] = {", up);
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        buf_line(b, "    %s_%s: %s,", up, upper(ns, m->name), cls_name(ns, sc, m->reply));
    }
    buf_text_line(b, "}");
    buf_blank(b);
    buf_blank(b);
    buf_line(b, "def _%s_reply(frame: Any) -> _rpc.Reply:", snake(ns, svc->name));
    buf_line(b, "    return _rpc.decode_reply(frame, _%s_REPLIES)", up);
    buf_blank(b);
    buf_blank(b);

    /* the server */
    buf_line(b, "class %sServer:", svc->name);
    b->indent++;
    buf_text_line(b, "\"\"\"");
    buf_line(b, "The server side of service %s: subclass it and override the methods", svc->name);
    buf_text_line(b, "you serve (the others are answered UNKNOWN_METHOD), then serve(rpc). A");
    buf_text_line(b, "handler reads `request` and writes `reply` in place (views over ring");
    buf_text_line(b, "memory, valid during the call), then returns; it raises");
    buf_text_line(b, "tachyon.rpc.ApplicationError(code) to fail the call, or calls");
    buf_text_line(b, "tachyon.rpc.defer() to answer later from any thread, so that a slow call");
    buf_text_line(b, "holds up only itself.");
    buf_text_line(b, "\"\"\"");
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        buf_blank(b);
        buf_line(b, "def %s(self%s%s) -> None:", mn[i],
                 m->request ? pool_printf(ns, ", request: %s", cls_name(ns, sc, m->request)) : "",
                 m->reply ? pool_printf(ns, ", reply: %s", cls_name(ns, sc, m->reply)) : "");
        b->indent++;
        py_doc(b, m->doc, pool_printf(ns, "Handles %s.%s.", svc->name, m->name));
        buf_text_line(b, "raise NotImplementedError");
        b->indent--;
    }
    buf_blank(b);
    buf_text_line(b, "def methods(self) -> dict[int, _rpc.Method]:");
    buf_text_line(b, "    \"\"\"The dispatch table: the methods this class overrides, by id.\"\"\"");
    buf_text_line(b, "    cls = type(self)");
    buf_text_line(b, "    table: dict[int, _rpc.Method] = {}");
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        const char *req = cls_name(ns, sc, m->request), *rep = cls_name(ns, sc, m->reply);
        const char *handler;
        if (m->request && m->reply)
            handler = pool_printf(ns, "self.%s", mn[i]);
        else
            handler = pool_printf(ns, "_rpc.adapt(self.%s, %s, %s)", mn[i], m->request ? "True" : "False",
                                  m->reply ? "True" : "False");
        buf_line(b, "    if cls.%s is not %sServer.%s:", mn[i], svc->name, mn[i]);
        buf_line(b, "        table[%s_%s] = _rpc.Method(", up, upper(ns, m->name));
        buf_line(b, "            \"%s\",", m->name);
        buf_line(b, "            %s, %s,", m->request ? pool_printf(ns, "%s.SIZE", req) : "0",
                 m->reply ? pool_printf(ns, "%s.SIZE", rep) : "0");
        buf_line(b, "            %s, %s,", req, rep);
        buf_line(b, "            %s)", handler);
    }
    buf_text_line(b, "    return table");
    buf_blank(b);
    buf_text_line(b, "def serve(self, rpc: Any, *, timeout: float | None = None) -> None:");
    buf_text_line(b, "    \"\"\"Answers calls on `rpc` until the client goes (returns) or `timeout`");
    buf_text_line(b, "    seconds pass (tachyon.TachyonTimeout).\"\"\"");
    buf_text_line(b, "    _rpc.serve(rpc, self.methods(), timeout)");
    b->indent--;
    free(mn);
}
