/*
 * emit_rpc_rust.c - the services of a schema in Rust, over tachyon_ipc::rpc:
 *
 *   <SERVICE>_<METHOD>: u32          the method ids
 *   <Service>Client<'r>              over &'r mut Rpc: quote(request, timeout)
 *                                    -> Result<QuoteReply<'_>, CallError> (the
 *                                    reply in place, borrowed until the next
 *                                    call), quote_send(...) -> call id,
 *                                    next_reply() -> <Service>Reply
 *   <Service>Reply<'a>               a pipelined outcome, one variant per method
 *   <Service>Server                  the trait a server implements: one method
 *                                    per rpc reading the request view and
 *                                    writing the reply view in place; Call::defer
 *                                    answers later from any thread
 *   <Service>Dispatch<'s, S>         its dispatch table (rpc::Dispatch)
 *   serve_<service>(rpc, server, t)  the serve loop
 *
 * Method names are snake_case through Rust's keyword rule (r#name), with "_"
 * appended while they hit a fixed member (new, next_reply) or a name derived
 * from an earlier method (x_send).
 */
#include "emit.h"
#include "emit_rpc.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char *snake(tc_pool *ns, const char *s) { return pool_keep(ns, name_snake(s)); }
static const char *upper(tc_pool *ns, const char *s) { return pool_keep(ns, name_upper(s)); }
static const char *pascal(tc_pool *ns, const char *s) { return pool_keep(ns, name_pascal(s)); }

/* A struct's path as the module sees it ("super::common::Vec3" when imported). */
static const char *st_path(tc_pool *ns, const tc_schema *sc, const tc_struct *st, const char *suffix)
{
    if (st->schema == sc || !st->schema)
        return pool_printf(ns, "%s%s", st->name, suffix);
    return pool_printf(ns, "super::%s::%s%s", st->schema->name, st->name, suffix);
}

static const char *st_size(tc_pool *ns, const tc_schema *sc, const tc_struct *st)
{
    if (!st)
        return "0";
    return st_path(ns, sc, st, "::SIZE");
}

/* "r#type" -> "type" for names that derive from it (type_send). */
static const char *bare(const char *ident)
{
    return strncmp(ident, "r#", 2) == 0 ? ident + 2 : ident;
}

/* Method identifiers of one service: names[i] for methods[i], and its
 * pipelined form in names[n + i]: the name without the "_" its mangling
 * appended, then "_send" (snake case for clippy), "_" appended while taken. */
static const char **method_names(tc_pool *ns, const tc_service *svc, tc_scope *scope)
{
    static const char *const fixed[] = {"new", "next_reply", NULL};
    size_t n = svc->nmethods;
    const char **names = calloc(n ? 2 * n : 1, sizeof *names);
    if (!names) {
        ns->oom = 1;
        return NULL;
    }
    for (size_t i = 0; fixed[i]; i++)
        scope_take(scope, fixed[i]);
    for (size_t i = 0; i < n; i++) {
        const char *name = scope_claim(scope, ns, TC_NAMES_RUST, snake(ns, svc->methods[i].name), NULL);
        const char *b = bare(name);
        size_t len = strlen(b);
        while (len && b[len - 1] == '_')
            len--;
        const char *send = pool_printf(ns, "%.*s_send", (int)len, b);
        while (scope_has(scope, send))
            send = pool_printf(ns, "%s_", send);
        scope_take(scope, send);
        names[i] = name;
        names[n + i] = send;
    }
    if (scope->oom)
        ns->oom = 1;
    return names;
}

/* A fn signature as rustfmt writes it: on one line when it fits in 100
 * columns, else one parameter per line. params[] ends with NULL. */
static void rs_fn(tc_buf *b, const char *indent, const char *head, const char *const *params, const char *tail)
{
    size_t len = strlen(indent) + strlen(head) + strlen(tail) + 2;
    for (size_t i = 0; params[i]; i++)
        len += strlen(params[i]) + (i ? 2 : 0);
    if (len <= 100) {
        tc_buf line = {0};
        buf_printf(&line, "%s%s(", indent, head);
        for (size_t i = 0; params[i]; i++)
            buf_printf(&line, "%s%s", i ? ", " : "", params[i]);
        buf_printf(&line, ")%s", tail);
        buf_line(b, "%s", line.data ? line.data : "");
        if (line.oom)
            b->oom = 1;
        buf_free(&line);
        return;
    }
    buf_line(b, "%s%s(", indent, head);
    for (size_t i = 0; params[i]; i++)
        buf_line(b, "%s    %s,", indent, params[i]);
    buf_line(b, "%s)%s", indent, tail);
}

void emit_rpc_rust(tc_buf *b, tc_pool *ns, const tc_schema *sc, const tc_service *svc)
{
    tc_scope scope = {0};
    const char **mn = method_names(ns, svc, &scope);
    const char *up = upper(ns, svc->name);
    const char *sn = snake(ns, svc->name);
    const char *S = svc->name;

    int any_reply = 0;

    if (!mn) {
        scope_free(&scope);
        return;
    }
    for (size_t i = 0; i < svc->nmethods; i++)
        any_reply |= svc->methods[i].reply != NULL;
    buf_line(b, "// ---- service %s ----", S);
    buf_blank(b);
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        buf_line(b, "/// Method id of `%s.%s` (`%s` -> `%s`).", S, m->name, m->request ? m->request->name : "()",
                 m->reply ? m->reply->name : "()");
        buf_line(b, "pub const %s_%s: u32 = %" PRIu32 ";", up, upper(ns, m->name), m->id);
    }
    buf_blank(b);

    /* client */
    emit_doc_trimmed(b, svc->doc, "/// ");
    if (svc->doc)
        buf_text_line(b, "///");
    buf_line(b, "/// The typed client of service `%s` over a connected `tachyon_ipc::rpc::Rpc`. A", S);
    buf_text_line(b, "/// reply is a view of the reply in place in the ring, borrowed until the next call.");
    buf_text_line(b, "#[derive(Debug)]");
    buf_line(b, "pub struct %sClient<'r> {", S);
    buf_text_line(b, "    rpc: &'r mut tachyon_ipc::rpc::Rpc,");
    buf_text_line(b, "}");
    buf_blank(b);
    buf_line(b, "impl<'r> %sClient<'r> {", S);
    buf_text_line(b, "    /// The client over `rpc` (the connecting side).");
    buf_text_line(b, "    pub fn new(rpc: &'r mut tachyon_ipc::rpc::Rpc) -> Self {");
    buf_line(b, "        %sClient { rpc }", S);
    buf_text_line(b, "    }");
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        const char *id = pool_printf(ns, "%s_%s", up, upper(ns, m->name));
        const char *req_bytes = m->request ? "request.as_bytes()" : "&[]";
        buf_blank(b);
        emit_doc_trimmed(b, m->doc, "    /// ");
        if (m->doc)
            buf_text_line(b, "    ///");
        buf_line(b, "    /// Calls `%s.%s` and waits until `timeout` (None: no deadline) for its reply.", S, m->name);
        {
            const char *params[4] = {"&mut self", NULL, NULL, NULL};
            int k = 1;
            if (m->request)
                params[k++] = pool_printf(ns, "request: %s<'_>", st_path(ns, sc, m->request, ""));
            params[k++] = "timeout: Option<core::time::Duration>";
            rs_fn(b, "    ", pool_printf(ns, "pub fn %s", mn[i]),
                  params, m->reply ? pool_printf(ns, " -> Result<%s<'_>, tachyon_ipc::rpc::CallError> {",
                                                 st_path(ns, sc, m->reply, ""))
                                   : " -> Result<(), tachyon_ipc::rpc::CallError> {");
            buf_line(b, "        let frame = self.rpc.call(%s, %s, %s, timeout)?;", id, req_bytes,
                     st_size(ns, sc, m->reply));
            if (m->reply) {
                buf_text_line(b, "        match frame.array() {");
                buf_line(b, "            Some(bytes) => Ok(%s::new(bytes)),", st_path(ns, sc, m->reply, ""));
                buf_text_line(b, "            None => Err(tachyon_ipc::rpc::CallError::corrupt(frame.call_id)),");
                buf_text_line(b, "        }");
            } else {
                buf_text_line(b, "        match frame.data.len() {");
                buf_text_line(b, "            0 => Ok(()),");
                buf_text_line(b, "            _ => Err(tachyon_ipc::rpc::CallError::corrupt(frame.call_id)),");
                buf_text_line(b, "        }");
            }
            buf_text_line(b, "    }");
            buf_blank(b);
            buf_line(b, "    /// Pipelined `%s.%s`: sends the call and returns its call id at once; its", S, m->name);
            buf_text_line(b, "    /// outcome comes from `next_reply`. `timeout` is the call's own deadline.");
            rs_fn(b, "    ", pool_printf(ns, "pub fn %s", mn[svc->nmethods + i]), params,
                  " -> tachyon_ipc::Result<u64> {");
            buf_line(b, "        self.rpc.send(%s, %s, %s, timeout)", id, req_bytes, st_size(ns, sc, m->reply));
            buf_text_line(b, "    }");
        }
    }
    buf_blank(b);
    buf_text_line(b, "    /// The next outcome of a pipelined call, in the order the server answers,");
    buf_text_line(b, "    /// typed by its method.");
    buf_text_line(b, "    pub fn next_reply(");
    buf_text_line(b, "        &mut self,");
    buf_text_line(b, "        timeout: Option<core::time::Duration>,");
    buf_line(b, "    ) -> Result<%sReply<'_>, tachyon_ipc::rpc::CallError> {", S);
    buf_text_line(b, "        let frame = self.rpc.next_reply(timeout)?;");
    buf_text_line(b, "        let call_id = frame.call_id;");
    buf_text_line(b, "        match frame.method_id {");
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        const char *v = pascal(ns, m->name);
        if (m->reply) {
            buf_line(b, "            %s_%s => match frame.array() {", up, upper(ns, m->name));
            buf_line(b, "                Some(bytes) => Ok(%sReply::%s(call_id, %s::new(bytes))),", S, v,
                     st_path(ns, sc, m->reply, ""));
            buf_text_line(b, "                None => Err(tachyon_ipc::rpc::CallError::corrupt(call_id)),");
            buf_text_line(b, "            },");
        } else {
            buf_line(b, "            %s_%s if frame.data.is_empty() => Ok(%sReply::%s(call_id)),", up,
                     upper(ns, m->name), S, v);
        }
    }
    buf_text_line(b, "            _ => Err(tachyon_ipc::rpc::CallError::corrupt(call_id)),");
    buf_text_line(b, "        }");
    buf_text_line(b, "    }");
    buf_text_line(b, "}");
    buf_blank(b);

    /* pipelined replies */
    buf_line(b, "/// A pipelined outcome of service `%s`, one variant per method.", S);
    buf_text_line(b, "#[derive(Debug, Clone, Copy)]");
    buf_line(b, "pub enum %sReply<'a> {", S);
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        buf_line(b, "    /// The reply of a `%s` call: its call id%s.", m->name, m->reply ? " and the reply in place" : "");
        if (m->reply)
            buf_line(b, "    %s(u64, %s<'a>),", pascal(ns, m->name), st_path(ns, sc, m->reply, ""));
        else
            buf_line(b, "    %s(u64),", pascal(ns, m->name));
    }
    if (!any_reply) { /* 'a must be used */
        buf_text_line(b, "    #[doc(hidden)]");
        buf_text_line(b, "    _Unused(core::marker::PhantomData<&'a ()>),");
    }
    buf_text_line(b, "}");
    buf_blank(b);
    buf_line(b, "impl %sReply<'_> {", S);
    buf_text_line(b, "    /// The call this outcome answers.");
    buf_text_line(b, "    pub fn call_id(&self) -> u64 {");
    buf_text_line(b, "        match *self {");
    for (size_t i = 0; i < svc->nmethods; i++)
        buf_line(b, "            %sReply::%s(call_id%s) => call_id,", S, pascal(ns, svc->methods[i].name),
                 svc->methods[i].reply ? ", _" : "");
    if (!any_reply)
        buf_line(b, "            %sReply::_Unused(_) => 0,", S);
    buf_text_line(b, "        }");
    buf_text_line(b, "    }");
    buf_text_line(b, "}");
    buf_blank(b);

    /* server trait */
    buf_line(b, "/// The server side of service `%s`: implement it, then serve it with", S);
    buf_line(b, "/// [`serve_%s`]. A method reads the request and writes the whole reply in place,", sn);
    buf_text_line(b, "/// then returns `Ok(())` or `Err(code)` (a nonzero application code); a slow one");
    buf_text_line(b, "/// calls `call.defer()` and answers later, from any thread, through the");
    buf_text_line(b, "/// `Responder` it returns, so that it holds up only its own call.");
    buf_line(b, "pub trait %sServer {", S);
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        if (i)
            buf_blank(b);
        emit_doc_trimmed(b, m->doc, "    /// ");
        if (!m->doc)
            buf_line(b, "    /// Handles `%s.%s`.", S, m->name);
        {
            const char *params[5] = {"&mut self", "call: &tachyon_ipc::rpc::Call<'_>", NULL, NULL, NULL};
            int k = 2;
            if (m->request)
                params[k++] = pool_printf(ns, "request: %s<'_>", st_path(ns, sc, m->request, ""));
            if (m->reply)
                params[k++] = pool_printf(ns, "reply: %s<'_>", st_path(ns, sc, m->reply, "Mut"));
            rs_fn(b, "    ", pool_printf(ns, "fn %s", mn[i]), params, " -> Result<(), u32>;");
        }
    }
    buf_text_line(b, "}");
    buf_blank(b);

    /* dispatch */
    buf_line(b, "/// The dispatch table of a [`%sServer`] (sizes by method id, then the call).", S);
    buf_text_line(b, "#[derive(Debug)]");
    buf_line(b, "pub struct %sDispatch<'s, S: %sServer + ?Sized>(pub &'s mut S);", S, S);
    buf_blank(b);
    buf_line(b, "impl<S: %sServer + ?Sized> tachyon_ipc::rpc::Dispatch for %sDispatch<'_, S> {", S, S);
    buf_text_line(b, "    fn sizes(&self, method_id: u32) -> Option<(usize, usize)> {");
    buf_text_line(b, "        match method_id {");
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        buf_line(b, "            %s_%s => Some((%s, %s)),", up, upper(ns, m->name), st_size(ns, sc, m->request),
                 st_size(ns, sc, m->reply));
    }
    buf_text_line(b, "            _ => None,");
    buf_text_line(b, "        }");
    buf_text_line(b, "    }");
    buf_blank(b);
    buf_text_line(b, "    /// Sizes that are not the method's fail the call with code `u32::MAX`.");
    buf_text_line(b, "    fn handle(");
    buf_text_line(b, "        &mut self,");
    buf_text_line(b, "        method_id: u32,");
    buf_text_line(b, "        call: &tachyon_ipc::rpc::Call<'_>,");
    buf_text_line(b, "        request: &[u8],");
    buf_text_line(b, "        reply: &mut [u8],");
    buf_text_line(b, "    ) -> Result<(), u32> {");
    buf_text_line(b, "        match method_id {");
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        buf_line(b, "            %s_%s => {", up, upper(ns, m->name));
        if (m->request)
            buf_line(b, "                let request = %s::from_bytes(request).map_err(|_| u32::MAX)?;",
                     st_path(ns, sc, m->request, ""));
        else
            buf_text_line(b, "                if !request.is_empty() {\n                    return Err(u32::MAX);\n                }");
        if (m->reply)
            buf_line(b, "                let reply = %s::from_bytes(reply).map_err(|_| u32::MAX)?;",
                     st_path(ns, sc, m->reply, "Mut"));
        else
            buf_text_line(b, "                if !reply.is_empty() {\n                    return Err(u32::MAX);\n                }");
        buf_line(b, "                self.0.%s(call%s%s)", mn[i], m->request ? ", request" : "", m->reply ? ", reply" : "");
        buf_text_line(b, "            }");
    }
    buf_text_line(b, "            _ => Err(u32::MAX),");
    buf_text_line(b, "        }");
    buf_text_line(b, "    }");
    buf_text_line(b, "}");
    buf_blank(b);
    buf_line(b, "/// Answers `%s` calls on `rpc` (the listening side) with `server` until the", S);
    buf_text_line(b, "/// client goes (`Ok`) or `timeout` passes (`Error::Timeout`).");
    buf_line(b, "pub fn serve_%s<S: %sServer + ?Sized>(", sn, S);
    buf_text_line(b, "    rpc: &mut tachyon_ipc::rpc::Rpc,");
    buf_text_line(b, "    server: &mut S,");
    buf_text_line(b, "    timeout: Option<core::time::Duration>,");
    buf_text_line(b, ") -> tachyon_ipc::Result<()> {");
    buf_line(b, "    rpc.serve(&mut %sDispatch(server), timeout)", S);
    buf_text_line(b, "}");
    buf_blank(b);
    free(mn);
    scope_free(&scope);
}
