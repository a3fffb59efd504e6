// tachyon_rpc.hpp - header-only C++20 binding of libtachyon's request/response
// (tachyon.h "RPC"): one connection, two rings, calls matched by call id.
//
//   auto conn = tachyon::rpc::Server::listen("@pricing", 1 << 16);   // server
//   MyPricing impl;                                                 // : pricing::Pricing::Server
//   impl.serve(conn);                                               // returns when the client goes
//
//   auto conn = tachyon::rpc::Client::connect("@pricing");          // client
//   pricing::Pricing::Client pricing(conn);
//   auto reply = pricing.quote(request, 1s);                        // reply->price(), in the ring
//
// Zero copy: the server reads each request in place and writes its reply in
// place in the reply ring; the client reads the reply in place (a Reply holds
// it until it is destroyed). Transport failures throw tachyon::error (the one
// error table: Timeout, PeerGone, Corrupt, TooLarge, ...); a pipelined call that
// fails on its own throws rpc::call_error (an error with the call's id); what a
// server answered other than ok is Reply::status(), or rpc::status_error from
// the typed stubs. Each side of a connection is used by one thread at a time
// (interrupt() excepted). Link with -ltachyon (or libtachyon.a and -lpthread).
#ifndef TACHYON_RPC_HPP
#define TACHYON_RPC_HPP

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>

#include "tachyon.hpp"

namespace tachyon::rpc {

// What a server answered (tachyon_rpc_status_t).
enum class Status : std::uint32_t {
    ok = TACHYON_RPC_OK,
    unknown_method = TACHYON_RPC_UNKNOWN_METHOD,
    app_error = TACHYON_RPC_APP_ERROR,
    bad_request = TACHYON_RPC_BAD_REQUEST,
};

inline const char *status_name(Status s) noexcept
{
    switch (s) {
    case Status::ok: return "ok";
    case Status::unknown_method: return "unknown method";
    case Status::app_error: return "application error";
    case Status::bad_request: return "bad request";
    }
    return "unknown status";
}

// Calls one client may have in flight at once.
inline constexpr std::size_t max_inflight = TACHYON_RPC_MAX_INFLIGHT;
// The app code a call gets when its handler threw something other than app_error.
inline constexpr std::uint32_t handler_exception_code = 0xffffffffu;

// A pipelined call that failed on its own: its deadline passed (errc::Timeout),
// its reply was larger than it allowed (TooLarge), or a reply claiming its id was
// malformed (Corrupt). The connection stays usable.
class call_error : public error {
public:
    call_error(errc e, std::uint64_t call_id, const std::string &what) : error(e, what), call_id_(call_id) {}
    std::uint64_t call_id() const noexcept { return call_id_; }

private:
    std::uint64_t call_id_;
};

// A call the server answered with something other than ok (thrown by the typed
// stubs; the untyped Client::call returns the status instead).
class status_error : public std::runtime_error {
public:
    status_error(Status status, std::uint32_t app_code)
        : std::runtime_error(std::string("tachyon rpc: server answered ") + status_name(status) +
                             (status == Status::app_error ? " " + std::to_string(app_code) : std::string())),
          status_(status), app_code_(app_code)
    {
    }
    Status status() const noexcept { return status_; }
    // The handler's code when status() is app_error, else 0.
    std::uint32_t app_code() const noexcept { return app_code_; }

private:
    Status status_;
    std::uint32_t app_code_;
};

// Thrown by a handler to refuse its call: the client gets Status::app_error with `code` (nonzero).
class app_error : public status_error {
public:
    explicit app_error(std::uint32_t code) : status_error(Status::app_error, code) {}
};

// A deadline, from a Clock::time_point or a timeout from now (any duration;
// negative: none). The default is no deadline.
class Deadline {
public:
    Deadline() noexcept = default;
    Deadline(Clock::time_point t) noexcept : ns_(detail::deadline_ns(t)) {}
    template <class Rep, class Period>
    Deadline(std::chrono::duration<Rep, Period> timeout) noexcept
        : ns_(detail::deadline_ns(detail::after(std::chrono::duration_cast<nanoseconds>(timeout))))
    {
    }
    std::int64_t ns() const noexcept { return ns_; }

private:
    std::int64_t ns_ = TACHYON_FOREVER;
};

// A reply held in place in the client's ring, released when destroyed (or by
// release()). Move-only; at most one is held per connection at a time.
class Reply {
public:
    Reply() noexcept = default;
    Reply(tachyon_rpc_t *rpc, const tachyon_rpc_msg_t &m) noexcept : rpc_(rpc), m_(m) {}
    Reply(Reply &&o) noexcept : rpc_(std::exchange(o.rpc_, nullptr)), m_(o.m_) {}
    Reply &operator=(Reply &&o) noexcept
    {
        if (this != &o) {
            release();
            rpc_ = std::exchange(o.rpc_, nullptr);
            m_ = o.m_;
        }
        return *this;
    }
    Reply(const Reply &) = delete;
    Reply &operator=(const Reply &) = delete;
    ~Reply() { release(); }

    std::uint64_t call_id() const noexcept { return m_.call_id; }
    std::uint32_t method_id() const noexcept { return m_.method_id; }
    Status status() const noexcept { return static_cast<Status>(m_.status); }
    bool ok() const noexcept { return m_.status == TACHYON_RPC_OK; }
    std::uint32_t app_code() const noexcept { return m_.app_code; }
    // The body, in the ring (valid while held).
    std::span<const std::byte> bytes() const noexcept { return {static_cast<const std::byte *>(m_.data), m_.size}; }
    bool held() const noexcept { return rpc_ != nullptr; }

    // Gives the reply's bytes back to the ring now.
    void release() noexcept
    {
        if (rpc_)
            (void)tachyon_rpc_release(std::exchange(rpc_, nullptr));
    }

private:
    tachyon_rpc_t *rpc_ = nullptr;
    tachyon_rpc_msg_t m_{};
};

// A reply checked against its method's reply type: status ok (else
// status_error) and exactly View::SIZE bytes (else errc::Corrupt); `->` reads
// the fields in place.
template <class View> class Typed {
public:
    explicit Typed(Reply &&r) : reply_(std::move(r)), view_(checked(reply_)) {}
    const View *operator->() const noexcept { return &view_; }
    const View &operator*() const noexcept { return view_; }
    const Reply &reply() const noexcept { return reply_; }
    std::uint64_t call_id() const noexcept { return reply_.call_id(); }

private:
    static View checked(Reply &r)
    {
        if (!r.ok())
            throw status_error(r.status(), r.app_code());
        if (r.bytes().size() != View::SIZE)
            throw error(errc::Corrupt, "tachyon rpc: reply of " + std::to_string(r.bytes().size()) +
                                           " bytes, expected " + std::to_string(View::SIZE));
        return View(r.bytes());
    }
    Reply reply_;
    View view_;
};

// The check of an empty reply: status ok (else status_error) and no body (else errc::Corrupt).
inline void expect_empty(Reply &&r)
{
    Reply held = std::move(r);
    if (!held.ok())
        throw status_error(held.status(), held.app_code());
    if (!held.bytes().empty())
        throw error(errc::Corrupt, "tachyon rpc: reply of " + std::to_string(held.bytes().size()) +
                                       " bytes, expected none");
}

namespace detail {
struct rpc_closer {
    void operator()(tachyon_rpc_t *rpc) const noexcept { tachyon_rpc_destroy(rpc); }
};
using rpc_handle = std::unique_ptr<tachyon_rpc_t, rpc_closer>;
} // namespace detail

// The client side of a connection. Move-only; destroying it closes the
// connection (the server sees PeerGone). Destroy Replies first.
class Client {
public:
    // Connects to the server on `path` (waiting up to opts.timeout, 5 s when zero).
    static Client connect(const std::string &path, const Options &opts = {})
    {
        nanoseconds wait = opts.timeout == nanoseconds::zero() ? nanoseconds(TACHYON_CONNECT_DEFAULT_NS) : opts.timeout;
        tachyon_options_t o = opts.to_c();
        tachyon_rpc_t *rpc = nullptr;
        tachyon_error_detail_t d{};
        if (tachyon_rpc_connect_until(path.c_str(), &o, tachyon::detail::deadline_ns(tachyon::detail::after(wait)),
                                      &rpc, &d) != TACHYON_OK)
            throw error(d, "tachyon_rpc_connect " + path);
        return Client(rpc);
    }
    // Takes ownership of a client made through the C API.
    explicit Client(tachyon_rpc_t *rpc) noexcept : rpc_(rpc) {}

    // The blocking call: sends `request` to `method_id` and waits for its reply
    // (at most `reply_max` bytes) until `deadline`. Throws Timeout, PeerGone,
    // Corrupt, TooLarge, State (pipelined calls in flight or a Reply still held).
    Reply call(std::uint32_t method_id, std::span<const std::byte> request, std::size_t reply_max,
               Deadline deadline = {})
    {
        tachyon_rpc_msg_t m{};
        tachyon::detail::check(tachyon_rpc_call_until(rpc_.get(), method_id, request.data(), request.size(),
                                                      reply_max, &m, deadline.ns()),
                               "tachyon_rpc_call");
        return Reply(rpc_.get(), m);
    }

    // Pipelined: sends a call and returns its id at once; its outcome comes from
    // next_reply(). The call fails with Timeout (in next_reply) once `deadline` passed.
    std::uint64_t send(std::uint32_t method_id, std::span<const std::byte> request, std::size_t reply_max,
                       Deadline deadline = {})
    {
        std::uint64_t id = 0;
        tachyon::detail::check(tachyon_rpc_send_until(rpc_.get(), method_id, request.data(), request.size(),
                                                      reply_max, deadline.ns(), &id),
                               "tachyon_rpc_send");
        return id;
    }

    // Pipelined, zero-copy: reserves `size` request bytes in the ring, lets
    // `fill(std::span<std::byte>)` write them, and sends. If fill throws, the
    // request goes out zeroed and the exception propagates (the ring cannot take
    // a reservation back); its reply still arrives in next_reply().
    template <class Fill>
    std::uint64_t send_in_place(std::uint32_t method_id, std::size_t size, std::size_t reply_max, Fill &&fill,
                                Deadline deadline = {})
    {
        void *p = tachyon_rpc_request_start(rpc_.get(), size, deadline.ns());
        if (!p)
            tachyon::detail::raise(tachyon_rpc_last_error(rpc_.get()), "tachyon_rpc_request_start");
        std::span<std::byte> body(static_cast<std::byte *>(p), size);
        std::uint64_t id = 0;
        std::exception_ptr failed;
        try {
            fill(body);
        } catch (...) {
            std::memset(p, 0, size);
            failed = std::current_exception();
        }
        tachyon::detail::check(tachyon_rpc_request_send(rpc_.get(), method_id, reply_max, deadline.ns(), &id),
                               "tachyon_rpc_request_send");
        if (failed)
            std::rethrow_exception(failed);
        return id;
    }

    // Pipelined: the next outcome of a pending call, in whatever order the server
    // answers. A call that failed on its own throws call_error (Timeout, TooLarge,
    // Corrupt); `deadline` passing first throws error(Timeout); PeerGone means
    // every pending call failed at once; State: nothing is pending.
    Reply next_reply(Deadline deadline = {})
    {
        tachyon_rpc_msg_t m{};
        tachyon_error_t err = tachyon_rpc_next_reply_until(rpc_.get(), &m, deadline.ns());
        if (err == TACHYON_OK)
            return Reply(rpc_.get(), m);
        if (m.call_id != 0 && (err == TACHYON_ERR_TIMEOUT || err == TACHYON_ERR_TOO_LARGE || err == TACHYON_ERR_CORRUPT))
            throw call_error(static_cast<errc>(err), m.call_id,
                             "tachyon_rpc_next_reply: call " + std::to_string(m.call_id));
        tachyon::detail::raise(err, "tachyon_rpc_next_reply");
    }

    // Calls in flight.
    std::size_t pending() const noexcept { return tachyon_rpc_pending(rpc_.get()); }
    // Makes the wait in progress (another thread's) throw Interrupted.
    void interrupt() noexcept { tachyon_rpc_interrupt(rpc_.get()); }
    tachyon_rpc_t *native_handle() const noexcept { return rpc_.get(); }

private:
    detail::rpc_handle rpc_;
};

// A request held in place in the server's ring: readable until its reply is committed.
struct Request {
    std::uint64_t call_id;
    std::uint32_t method_id;
    std::span<const std::byte> bytes;
};

// One method of a dispatch table: the exact body sizes it takes and gives.
struct Method {
    std::uint32_t id;
    std::size_t request_size;
    std::size_t reply_size;
};

// The server side of a connection. Move-only; destroying it closes the connection.
class Server {
public:
    // Listens on `path` for one client; two rings of `capacity` bytes each.
    // Waits up to opts.timeout (zero: forever).
    static Server listen(const std::string &path, std::size_t capacity, const Options &opts = {})
    {
        tachyon_options_t o = opts.to_c();
        tachyon_rpc_t *rpc = nullptr;
        tachyon_error_detail_t d{};
        std::int64_t deadline = opts.timeout <= nanoseconds::zero()
                                    ? TACHYON_FOREVER
                                    : tachyon::detail::deadline_ns(tachyon::detail::after(opts.timeout));
        if (tachyon_rpc_listen_until(path.c_str(), capacity, &o, deadline, &rpc, &d) != TACHYON_OK)
            throw error(d, "tachyon_rpc_listen " + path);
        return Server(rpc);
    }
    explicit Server(tachyon_rpc_t *rpc)
        : rpc_(rpc), interrupt_requested_(std::make_unique<std::atomic<bool>>(false))
    {
    }

    // The next request, in place (throws Timeout, PeerGone when the client went,
    // Corrupt for a malformed frame, State while a request is held).
    Request next_request(Deadline deadline = {})
    {
        tachyon_rpc_msg_t m{};
        tachyon::detail::check(tachyon_rpc_next_request_until(rpc_.get(), &m, deadline.ns()),
                               "tachyon_rpc_next_request");
        return {m.call_id, m.method_id, {static_cast<const std::byte *>(m.data), m.size}};
    }
    // Reserves the held request's reply body of `size` bytes in the reply ring.
    std::span<std::byte> reply_start(std::size_t size, Deadline deadline = {})
    {
        void *p = tachyon_rpc_reply_start(rpc_.get(), size, deadline.ns());
        if (!p)
            tachyon::detail::raise(tachyon_rpc_last_error(rpc_.get()), "tachyon_rpc_reply_start");
        return {static_cast<std::byte *>(p), size};
    }
    // Sends the reserved reply and releases the held request.
    void reply_commit(Status status = Status::ok, std::uint32_t app_code = 0)
    {
        tachyon::detail::check(
            tachyon_rpc_reply_commit(rpc_.get(), static_cast<tachyon_rpc_status_t>(status), app_code),
            "tachyon_rpc_reply_commit");
    }
    // Releases the held request unanswered; answer it later with reply_to().
    void defer() { tachyon::detail::check(tachyon_rpc_defer(rpc_.get()), "tachyon_rpc_defer"); }
    // Answers a deferred call with a copy of `body`.
    void reply_to(std::uint64_t call_id, std::uint32_t method_id, Status status, std::uint32_t app_code,
                  std::span<const std::byte> body, Deadline deadline = {})
    {
        tachyon::detail::check(tachyon_rpc_reply_to_until(rpc_.get(), call_id, method_id,
                                                          static_cast<tachyon_rpc_status_t>(status), app_code,
                                                          body.data(), body.size(), deadline.ns()),
                               "tachyon_rpc_reply_to");
    }

    // The dispatch loop the generated servers run: for each request, finds its
    // method in `methods` (an unknown id is answered unknown_method, a body of
    // the wrong size bad_request), reserves its reply (zeroed) and calls
    // handle(index in methods, request bytes, reply bytes) to fill it in place.
    // A handler that throws app_error answers with its code; any other exception
    // answers app_error handler_exception_code and then propagates. Returns when
    // the client goes (PeerGone); throws Timeout at `deadline`, Interrupted after
    // interrupt() (a signal's interruption is retried).
    template <class Handle> void serve(std::span<const Method> methods, Handle &&handle, Deadline deadline = {})
    {
        for (;;) {
            tachyon_rpc_msg_t m{};
            tachyon_error_t err = tachyon_rpc_next_request_until(rpc_.get(), &m, deadline.ns());
            if (err == TACHYON_ERR_PEER_GONE)
                return;
            if (err == TACHYON_ERR_CORRUPT)
                continue; // a malformed request: dropped, its caller sees its own deadline
            if (err == TACHYON_ERR_INTERRUPTED && !interrupt_requested_->exchange(false, std::memory_order_acq_rel))
                continue;
            tachyon::detail::check(err, "tachyon_rpc_next_request");
            std::size_t i = 0;
            while (i < methods.size() && methods[i].id != m.method_id)
                i++;
            if (i == methods.size() || m.size != methods[i].request_size) {
                reply_start(0, deadline);
                reply_commit(i == methods.size() ? Status::unknown_method : Status::bad_request);
                continue;
            }
            std::span<std::byte> body = reply_start(methods[i].reply_size, deadline);
            if (!body.empty())
                std::memset(body.data(), 0, body.size());
            try {
                handle(i, std::span<const std::byte>(static_cast<const std::byte *>(m.data), m.size), body);
            } catch (const app_error &e) {
                reply_commit(Status::app_error, e.app_code());
                continue;
            } catch (...) {
                reply_commit(Status::app_error, handler_exception_code);
                throw;
            }
            reply_commit(Status::ok);
        }
    }

    // Makes the wait in progress (serve() or next_request() on another thread) throw Interrupted.
    void interrupt() noexcept
    {
        interrupt_requested_->store(true, std::memory_order_release);
        tachyon_rpc_interrupt(rpc_.get());
    }
    tachyon_rpc_t *native_handle() const noexcept { return rpc_.get(); }

private:
    detail::rpc_handle rpc_;
    std::unique_ptr<std::atomic<bool>> interrupt_requested_;
};

} // namespace tachyon::rpc

#endif // TACHYON_RPC_HPP
