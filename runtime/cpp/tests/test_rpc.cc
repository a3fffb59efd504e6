// test_rpc.cc - the C++ RPC binding (tachyon_rpc.hpp) and the generated
// Pricing service (tests/rpc/golden/cpp/pricing.hpp): typed calls, handler
// errors, unknown methods, pipelining with replies out of order, deadlines,
// the server killed with calls in flight, and hostile replies. GoogleTest.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../../../tests/rpc/golden/cpp/pricing.hpp"

using namespace std::chrono_literals;
using tachyon::errc;
namespace rpc = tachyon::rpc;
using pricing::Pricing;

namespace {

std::string rpc_path(const char *tag)
{
    static std::atomic<int> n{0};
    return "@tachyon-cpp-rpc-" + std::to_string(getpid()) + "-" + tag + "-" + std::to_string(n++);
}

// price = qty * 1.5; qty 0 is refused with code 7; qty 2989 throws a plain exception.
class Pricer final : public Pricing::Server {
public:
    void quote(pricing::QuoteRequest request, pricing::QuoteReplyMut reply) override
    {
        if (request.qty() == 0)
            throw rpc::app_error(7);
        if (request.qty() == 2989)
            throw std::runtime_error("unlucky");
        reply.set_price(request.qty() * 1.5);
        reply.set_qty(request.qty());
    }
    void ping() override { pings++; }
    int pings = 0;
};

struct QuoteBuf {
    std::array<std::byte, pricing::QuoteRequest::SIZE> b{};
    pricing::QuoteRequestMut set(std::uint32_t qty, std::string_view symbol = "BTC")
    {
        pricing::QuoteRequestMut m{std::span<std::byte>(b)};
        m.clear();
        m.set_symbol(symbol);
        m.set_qty(qty);
        return m;
    }
};

// Runs fn and returns the tachyon code it threw; fails the test when it throws none.
template <class F> errc thrown_code(F &&fn)
{
    try {
        fn();
    } catch (const tachyon::error &e) {
        return e.value();
    }
    ADD_FAILURE() << "no tachyon::error thrown";
    return errc::Ok;
}

// A client connected to a server thread; the thread runs `server(conn)` and
// stores what it threw.
struct Pair {
    template <class F> explicit Pair(F server) : path(rpc_path("pair"))
    {
        thread = std::thread([this, server]() mutable {
            try {
                auto conn = rpc::Server::listen(path, 1 << 16, {.timeout = 10s});
                server(conn);
            } catch (...) {
                failure = std::current_exception();
            }
        });
        client.emplace(rpc::Client::connect(path, {.timeout = 10s}));
    }
    ~Pair() { finish(); }
    // Closes the client (the server sees PeerGone) and waits for the server thread.
    void finish()
    {
        client.reset();
        if (thread.joinable())
            thread.join();
    }
    std::string path;
    std::thread thread;
    std::exception_ptr failure;
    std::optional<rpc::Client> client;
};

TEST(Rpc, TypedCallsReadRepliesInPlace)
{
    Pricer impl;
    Pair p([&](rpc::Server &conn) { impl.serve(conn); });
    Pricing::Client pricing(*p.client);
    QuoteBuf q;
    for (std::uint32_t i = 1; i <= 50; i++) {
        auto reply = pricing.quote(q.set(i), 5s);
        EXPECT_EQ(reply->price(), i * 1.5);
        EXPECT_EQ(reply->qty(), i);
        EXPECT_EQ(reply.reply().method_id(), Pricing::QUOTE);
    }
    pricing.ping(5s);
    pricing.ping(5s);
    p.finish();
    EXPECT_FALSE(p.failure);
    EXPECT_EQ(impl.pings, 2);
}

TEST(Rpc, HandlerErrorsUnknownMethodAndBadRequest)
{
    Pricer impl;
    Pair p([&](rpc::Server &conn) { impl.serve(conn); });
    Pricing::Client pricing(*p.client);
    QuoteBuf q;

    try {
        (void)pricing.quote(q.set(0), 5s);
        ADD_FAILURE() << "a refused call did not throw";
    } catch (const rpc::status_error &e) {
        EXPECT_EQ(e.status(), rpc::Status::app_error);
        EXPECT_EQ(e.app_code(), 7u);
    }
    auto unknown = p.client->call(99, {}, 0, 5s);
    EXPECT_EQ(unknown.status(), rpc::Status::unknown_method);
    unknown.release();
    std::array<std::byte, 3> short_body{};
    auto bad = p.client->call(Pricing::QUOTE, short_body, pricing::QuoteReply::SIZE, 5s);
    EXPECT_EQ(bad.status(), rpc::Status::bad_request);
    bad.release();
    // Still serving after all of them.
    EXPECT_EQ(pricing.quote(q.set(4), 5s)->price(), 6.0);
}

TEST(Rpc, HandlerExceptionAnswersAndPropagates)
{
    Pricer impl;
    Pair p([&](rpc::Server &conn) { impl.serve(conn); });
    Pricing::Client pricing(*p.client);
    QuoteBuf q;
    try {
        (void)pricing.quote(q.set(2989), 5s);
        ADD_FAILURE() << "no status_error";
    } catch (const rpc::status_error &e) {
        EXPECT_EQ(e.app_code(), rpc::handler_exception_code);
    }
    p.thread.join(); // serve() ended with the handler's exception
    ASSERT_TRUE(p.failure);
    EXPECT_THROW(std::rethrow_exception(p.failure), std::runtime_error);
}

TEST(Rpc, PipelinedRepliesOutOfOrder)
{
    constexpr std::uint32_t n = 32;
    // A server that defers every call, then answers them newest first.
    Pair p([&](rpc::Server &conn) {
        std::vector<std::pair<std::uint64_t, std::uint32_t>> held;
        while (held.size() < n) {
            rpc::Request r = conn.next_request(5s);
            held.emplace_back(r.call_id, pricing::QuoteRequest(r.bytes).qty());
            conn.defer();
        }
        for (auto it = held.rbegin(); it != held.rend(); ++it) {
            std::array<std::byte, pricing::QuoteReply::SIZE> body{};
            pricing::QuoteReplyMut m{std::span<std::byte>(body)};
            m.set_price(it->second * 1.5);
            m.set_qty(it->second);
            conn.reply_to(it->first, Pricing::QUOTE, rpc::Status::ok, 0, body, 5s);
        }
        try {
            (void)conn.next_request(5s);
        } catch (const tachyon::error &e) {
            if (e.value() != errc::PeerGone)
                throw;
        }
    });
    Pricing::Client pricing(*p.client);
    QuoteBuf q;
    std::vector<std::uint64_t> ids;
    for (std::uint32_t i = 0; i < n; i++)
        ids.push_back(pricing.quote_send(q.set(i), 5s));
    EXPECT_EQ(p.client->pending(), n);
    std::vector<std::uint64_t> order;
    for (std::uint32_t k = 0; k < n; k++) {
        rpc::Typed<pricing::QuoteReply> r(p.client->next_reply(5s));
        auto at = std::find(ids.begin(), ids.end(), r.call_id());
        ASSERT_NE(at, ids.end());
        std::uint32_t i = static_cast<std::uint32_t>(at - ids.begin());
        EXPECT_EQ(r->qty(), i);
        EXPECT_EQ(r->price(), i * 1.5);
        order.push_back(r.call_id());
    }
    EXPECT_EQ(p.client->pending(), 0u);
    std::vector<std::uint64_t> reversed(ids.rbegin(), ids.rend());
    EXPECT_EQ(order, reversed);
    EXPECT_EQ(thrown_code([&] { (void)p.client->next_reply(5s); }), errc::State); // nothing pending
    EXPECT_FALSE(p.failure);
}

TEST(Rpc, DeadlinesExpire)
{
    std::atomic<bool> answered{false};
    // A server that never answers the first two calls and answers the third.
    Pair p([&](rpc::Server &conn) {
        for (int i = 0; i < 2; i++) {
            (void)conn.next_request(5s);
            conn.defer();
        }
        rpc::Request r = conn.next_request(5s);
        auto body = conn.reply_start(pricing::QuoteReply::SIZE, 5s);
        pricing::QuoteReplyMut(body).set_qty(pricing::QuoteRequest(r.bytes).qty());
        answered = true;
        conn.reply_commit();
        try {
            (void)conn.next_request(5s);
        } catch (const tachyon::error &e) {
            if (e.value() != errc::PeerGone)
                throw;
        }
    });
    Pricing::Client pricing(*p.client);
    QuoteBuf q;
    EXPECT_EQ(thrown_code([&] { (void)pricing.quote(q.set(1), 30ms); }), errc::Timeout);

    std::uint64_t id = pricing.quote_send(q.set(2), 30ms);
    try {
        (void)p.client->next_reply(5s);
        ADD_FAILURE() << "no call_error";
    } catch (const rpc::call_error &e) {
        EXPECT_EQ(e.value(), errc::Timeout);
        EXPECT_EQ(e.call_id(), id);
    }
    EXPECT_EQ(p.client->pending(), 0u);
    // The connection goes on: the next call is answered.
    EXPECT_EQ(pricing.quote(q.set(3), 5s)->qty(), 3u);
    EXPECT_TRUE(answered);
    EXPECT_FALSE(p.failure);
}

TEST(Rpc, ServerKilledFailsEveryPendingCall)
{
    std::string path = rpc_path("killed");
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        // The server: takes the calls and never answers.
        tachyon_rpc_t *srv = nullptr;
        if (tachyon_rpc_listen_until(path.c_str(), 1 << 16, nullptr, tachyon_now_ns() + 10'000'000'000, &srv,
                                     nullptr) != TACHYON_OK)
            _exit(2);
        for (;;) {
            tachyon_rpc_msg_t m;
            if (tachyon_rpc_next_request_until(srv, &m, TACHYON_FOREVER) == TACHYON_OK)
                (void)tachyon_rpc_defer(srv);
        }
    }
    auto conn = rpc::Client::connect(path, {.timeout = 10s});
    Pricing::Client pricing(conn);
    QuoteBuf q;
    for (std::uint32_t i = 0; i < 5; i++)
        (void)pricing.quote_send(q.set(i)); // no deadline: only the server's death ends them
    EXPECT_EQ(conn.pending(), 5u);
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    // Not a call_error: every pending call failed at once.
    EXPECT_EQ(thrown_code([&] { (void)conn.next_reply(30s); }), errc::PeerGone);
    EXPECT_EQ(conn.pending(), 0u);
    EXPECT_EQ(thrown_code([&] { (void)pricing.quote(q.set(1), 30s); }), errc::PeerGone);
}

TEST(Rpc, HostileRepliesAreErrorsNotCrashes)
{
    // A server that answers with a wrong call id, an oversized body, a short
    // body and an invalid status, then correctly.
    Pair p([&](rpc::Server &conn) {
        std::array<std::byte, 64> big{};
        rpc::Request r = conn.next_request(5s); // wrong call id
        conn.defer();
        conn.reply_to(r.call_id + 7 * rpc::max_inflight, r.method_id, rpc::Status::ok, 0,
                      std::span(big).first(pricing::QuoteReply::SIZE), 5s);
        r = conn.next_request(5s); // oversized
        conn.defer();
        conn.reply_to(r.call_id, r.method_id, rpc::Status::ok, 0, big, 5s);
        r = conn.next_request(5s); // short
        conn.defer();
        conn.reply_to(r.call_id, r.method_id, rpc::Status::ok, 0, std::span(big).first(4), 5s);
        r = conn.next_request(5s); // status out of range
        conn.defer();
        conn.reply_to(r.call_id, r.method_id, static_cast<rpc::Status>(9), 0, {}, 5s);
        Pricer impl;
        impl.serve(conn);
    });
    Pricing::Client pricing(*p.client);
    QuoteBuf q;
    EXPECT_EQ(thrown_code([&] { (void)pricing.quote(q.set(1), 5s); }), errc::Corrupt);
    std::uint64_t id = pricing.quote_send(q.set(2), 5s);
    try {
        (void)p.client->next_reply(5s);
        ADD_FAILURE() << "no call_error";
    } catch (const rpc::call_error &e) {
        EXPECT_EQ(e.value(), errc::TooLarge);
        EXPECT_EQ(e.call_id(), id);
    }
    EXPECT_EQ(thrown_code([&] { (void)pricing.quote(q.set(3), 5s); }), errc::Corrupt); // 4 bytes, not 16
    EXPECT_EQ(thrown_code([&] { (void)pricing.quote(q.set(4), 5s); }), errc::Corrupt);
    EXPECT_EQ(p.client->pending(), 0u);
    EXPECT_EQ(pricing.quote(q.set(5), 5s)->price(), 7.5);
}

TEST(Rpc, PipelinedRequestWrittenInPlace)
{
    Pricer impl;
    Pair p([&](rpc::Server &conn) { impl.serve(conn); });
    std::uint64_t id = p.client->send_in_place(Pricing::QUOTE, pricing::QuoteRequest::SIZE,
                                               pricing::QuoteReply::SIZE, [](std::span<std::byte> b) {
                                                   pricing::QuoteRequestMut m(b);
                                                   m.set_symbol("ETH");
                                                   m.set_qty(8);
                                               });
    rpc::Typed<pricing::QuoteReply> r(p.client->next_reply(5s));
    EXPECT_EQ(r.call_id(), id);
    EXPECT_EQ(r->price(), 12.0);
}

TEST(Rpc, ServeInterruptedFromAnotherThread)
{
    std::string path = rpc_path("interrupt");
    std::optional<rpc::Server> srv;
    std::thread t([&] { srv.emplace(rpc::Server::listen(path, 1 << 12, {.timeout = 10s})); });
    auto client = rpc::Client::connect(path, {.timeout = 10s});
    t.join();
    Pricer impl;
    std::atomic<bool> done{false};
    std::thread stopper([&] {
        // Repeated: an interrupt that lands before serve() waits is not kept.
        while (!done) {
            srv->interrupt();
            std::this_thread::sleep_for(10ms);
        }
    });
    EXPECT_EQ(thrown_code([&] { impl.serve(*srv); }), errc::Interrupted);
    done = true;
    stopper.join();
}

TEST(Rpc, ConnectWithoutServer)
{
    EXPECT_EQ(thrown_code([] { (void)rpc::Client::connect(rpc_path("none"), {.timeout = 30ms}); }), errc::NoListener);
}

} // namespace
