/*
 * emit_rpc_cpp.c - the services of a schema in C++ (over runtime/cpp/tachyon_rpc.hpp).
 *
 * service Pricing { rpc Quote(QuoteRequest) -> QuoteReply = 10; } becomes
 *
 *   struct Pricing {
 *       static constexpr std::uint32_t QUOTE = 10;          // method ids, upper case
 *       static constexpr std::array<tachyon::rpc::Method, 1> METHODS{...};
 *       class Client {                                      // over a tachyon::rpc::Client&
 *           tachyon::rpc::Typed<QuoteReply> quote(QuoteRequest, Deadline) const;
 *           std::uint64_t quote_send(QuoteRequest, Deadline) const;   // pipelined
 *       };
 *       class Server {                                      // implement, then serve(conn)
 *           virtual void quote(QuoteRequest request, QuoteReplyMut reply) = 0;
 *           void serve(tachyon::rpc::Server &conn, Deadline);
 *       };
 *   };
 *
 * An empty request or reply drops that parameter (and a call with an empty
 * reply returns void). Method names become snake_case members through the C++
 * keyword rule; the request is read and the reply written in place.
 */
#include "emit_rpc.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* What a method's snake_case member (or its <name>_send) must not take: the
 * classes' own members; the C++ keyword rule, then '_' appended
 * (emit_rpc_member_names). Its id constant, UPPER_CASE in struct <Service>,
 * must not be NAME or METHODS. */
static const char *const cpp_fixed[] = {"connection", "conn_", "serve", "Client", "Server", NULL};
static const char *const cpp_derived[] = {"%s_send", NULL};
static const char *const cpp_ids_fixed[] = {"NAME", "METHODS", "Client", "Server", NULL};

/* The view class of a struct, qualified by its schema: "::pricing::QuoteRequest". */
static const char *view(tc_pool *ns, const tc_struct *st, const char *suffix)
{
    return pool_printf(ns, "::%s::%s%s", st->schema->name, names_ident(ns, TC_NAMES_CPP, st->name), suffix);
}

static const char *size_of(tc_pool *ns, const tc_struct *st)
{
    return st ? pool_printf(ns, "%s::SIZE", view(ns, st, "")) : "0";
}

static void emit_client(tc_buf *b, tc_pool *ns, const tc_service *svc, const char **mn, const char **ids)
{
    buf_line(b, "    /// The typed client of %s over a connection (tachyon::rpc::Client::connect).", svc->name);
    buf_text_line(b, "    class Client {");
    buf_text_line(b, "    public:");
    buf_text_line(b, "        explicit Client(tachyon::rpc::Client &conn) noexcept : conn_(&conn) {}");
    buf_text_line(b, "        tachyon::rpc::Client &connection() const noexcept { return *conn_; }");
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        const char *fn = mn[i];
        const char *id = ids[i];
        const char *param = m->request ? pool_printf(ns, "%s request, ", view(ns, m->request, "")) : "";
        const char *bytes = m->request ? "request.bytes()" : "{}";

        buf_blank(b);
        emit_doc_trimmed(b, m->doc, "        /// ");
        if (m->reply) {
            buf_line(b, "        /// Calls %s and waits until `deadline`; the reply is read in place.", m->name);
            buf_line(b, "        tachyon::rpc::Typed<%s> %s(%stachyon::rpc::Deadline deadline = {}) const",
                     view(ns, m->reply, ""), fn, param);
            buf_text_line(b, "        {");
            buf_line(b, "            return tachyon::rpc::Typed<%s>(conn_->call(%s, %s, %s, deadline));",
                     view(ns, m->reply, ""), id, bytes, size_of(ns, m->reply));
        } else {
            buf_line(b, "        /// Calls %s and waits until `deadline` for its (empty) reply.", m->name);
            buf_line(b, "        void %s(%stachyon::rpc::Deadline deadline = {}) const", fn, param);
            buf_text_line(b, "        {");
            buf_line(b, "            tachyon::rpc::expect_empty(conn_->call(%s, %s, 0, deadline));", id, bytes);
        }
        buf_text_line(b, "        }");
        buf_line(b, "        /// Pipelined %s: returns the call id; its reply comes from connection().next_reply()%s.",
                 m->name, m->reply ? pool_printf(ns, " (read it as tachyon::rpc::Typed<%s>)", view(ns, m->reply, ""))
                                   : "");
        buf_line(b, "        std::uint64_t %s_send(%stachyon::rpc::Deadline deadline = {}) const", fn, param);
        buf_text_line(b, "        {");
        buf_line(b, "            return conn_->send(%s, %s, %s, deadline);", id, bytes, size_of(ns, m->reply));
        buf_text_line(b, "        }");
    }
    buf_blank(b);
    buf_text_line(b, "    private:");
    buf_text_line(b, "        tachyon::rpc::Client *conn_;");
    buf_text_line(b, "    };");
}

static void emit_server(tc_buf *b, tc_pool *ns, const tc_service *svc, const char **mn)
{
    buf_line(b, "    /// The server interface of %s: implement every method (read the request and", svc->name);
    buf_text_line(b, "    /// write the reply in place; throw tachyon::rpc::app_error(code) to refuse), then serve().");
    buf_text_line(b, "    class Server {");
    buf_text_line(b, "    public:");
    buf_text_line(b, "        virtual ~Server() = default;");
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        emit_doc_trimmed(b, m->doc, "        /// ");
        buf_line(b, "        virtual void %s(%s%s%s) = 0;", mn[i],
                 m->request ? pool_printf(ns, "%s request", view(ns, m->request, "")) : "",
                 m->request && m->reply ? ", " : "",
                 m->reply ? pool_printf(ns, "%s reply", view(ns, m->reply, "Mut")) : "");
    }
    buf_blank(b);
    buf_line(b, "        /// Answers %s calls on `conn` until the client goes (then returns); throws", svc->name);
    buf_text_line(b, "        /// tachyon::error at `deadline` (Timeout) or on a transport failure.");
    buf_text_line(b, "        void serve(tachyon::rpc::Server &conn, tachyon::rpc::Deadline deadline = {})");
    buf_text_line(b, "        {");
    buf_text_line(b, "            conn.serve(");
    buf_text_line(b, "                METHODS,");
    buf_text_line(b, "                [this](std::size_t method, [[maybe_unused]] std::span<const std::byte> request,");
    buf_text_line(b, "                       [[maybe_unused]] std::span<std::byte> reply) {");
    buf_text_line(b, "                    switch (method) {");
    for (size_t i = 0; i < svc->nmethods; i++) {
        const tc_method *m = &svc->methods[i];
        buf_line(b, "                    case %zu: %s(%s%s%s); break;", i, mn[i],
                 m->request ? pool_printf(ns, "%s(request)", view(ns, m->request, "")) : "",
                 m->request && m->reply ? ", " : "",
                 m->reply ? pool_printf(ns, "%s(reply)", view(ns, m->reply, "Mut")) : "");
    }
    buf_text_line(b, "                    default: break;");
    buf_text_line(b, "                    }");
    buf_text_line(b, "                },");
    buf_text_line(b, "                deadline);");
    buf_text_line(b, "        }");
    buf_text_line(b, "    };");
}

void emit_rpc_cpp(tc_buf *b, tc_pool *ns, const tc_schema *sc)
{
    for (size_t s = 0; s < sc->nservices; s++) {
        const tc_service *svc = &sc->services[s];
        const char *name = names_ident(ns, TC_NAMES_CPP, svc->name);
        const char **mn = emit_rpc_member_names(ns, svc, TC_NAMES_CPP, 's', cpp_fixed, cpp_derived);
        const char **ids = emit_rpc_member_names(ns, svc, TC_NAMES_CPP, 'u', cpp_ids_fixed, NULL);
        if (!mn || !ids) {
            free(mn);
            free(ids);
            return;
        }

        buf_blank(b);
        buf_line(b, "// ---- service %s ----", svc->name);
        buf_blank(b);
        emit_doc_trimmed(b, svc->doc, "/// ");
        buf_line(b, "struct %s {", name);
        buf_line(b, "    static constexpr std::string_view NAME = \"%s\";", svc->name);
        for (size_t i = 0; i < svc->nmethods; i++) {
            const tc_method *m = &svc->methods[i];
            buf_line(b, "    static constexpr std::uint32_t %s = %" PRIu32 "; // (%s) -> %s",
                     ids[i], m->id, m->request ? m->request->name : "",
                     m->reply ? m->reply->name : "()");
        }
        buf_line(b, "    /// Every method's id and exact request and reply sizes, for serve().");
        buf_line(b, "    static constexpr std::array<tachyon::rpc::Method, %zu> METHODS{{", svc->nmethods);
        for (size_t i = 0; i < svc->nmethods; i++) {
            const tc_method *m = &svc->methods[i];
            buf_line(b, "        {%s, %s, %s},", ids[i], size_of(ns, m->request),
                     size_of(ns, m->reply));
        }
        buf_text_line(b, "    }};");
        buf_blank(b);
        emit_client(b, ns, svc, mn, ids);
        buf_blank(b);
        emit_server(b, ns, svc, mn);
        free(mn);
        free(ids);
        buf_line(b, "};");
    }
}
