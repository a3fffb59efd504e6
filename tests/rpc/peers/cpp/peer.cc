// The C++ peer of the RPC matrix (tests/rpc/README or rpc_contract): serves
// Pricing with the generated Pricing::Server, or calls it with the generated
// Pricing::Client (blocking calls, 32 pipelined, Ping, an unknown method).
#include <cstdio>
#include <cstring>
#include <map>
#include <string>

#include "pricing.hpp"

using namespace std::chrono_literals;

namespace {

class Pricer final : public pricing::Pricing::Server {
public:
    void quote(pricing::QuoteRequest request, pricing::QuoteReplyMut reply) override
    {
        reply.set_price(request.qty() * 1.5 + static_cast<double>(request.symbol().size()));
        reply.set_qty(request.qty() + 1);
    }
    void ping() override {}
};

int serve(const std::string &path)
{
    auto conn = tachyon::rpc::Server::listen(path, 1 << 16, {.timeout = 30s});
    Pricer impl;
    impl.serve(conn);
    return 0;
}

std::string symbol_of(std::uint32_t i) { return "SYM" + std::to_string(i % 100); }

// Checks one reply against request i; prints what differed.
bool check(const pricing::QuoteReply &r, std::uint32_t i)
{
    double want = i * 1.5 + static_cast<double>(symbol_of(i).size());
    if (r.price() == want && r.qty() == i + 1)
        return true;
    std::printf("call %u: price %g qty %u, want %g %u\n", i, r.price(), r.qty(), want, i + 1);
    return false;
}

int call(const std::string &path)
{
    auto conn = tachyon::rpc::Client::connect(path, {.timeout = 20s});
    pricing::Pricing::Client pricing(conn);
    std::array<std::byte, pricing::QuoteRequest::SIZE> buf{};
    pricing::QuoteRequestMut req{std::span<std::byte>(buf)};

    for (std::uint32_t i = 0; i < 200; i++) {
        req.clear();
        req.set_symbol(symbol_of(i));
        req.set_qty(i);
        auto reply = pricing.quote(req, 10s);
        if (!check(*reply, i))
            return 1;
    }

    std::map<std::uint64_t, std::uint32_t> sent; // call id -> i
    for (std::uint32_t i = 0; i < 32; i++) {
        req.clear();
        req.set_symbol(symbol_of(i));
        req.set_qty(i);
        sent[pricing.quote_send(req, 10s)] = i;
    }
    while (!sent.empty()) {
        tachyon::rpc::Typed<pricing::QuoteReply> reply(conn.next_reply(10s));
        auto it = sent.find(reply.call_id());
        if (it == sent.end()) {
            std::printf("reply to call %llu, which is not pending\n", static_cast<unsigned long long>(reply.call_id()));
            return 1;
        }
        if (!check(*reply, it->second))
            return 1;
        sent.erase(it);
    }

    pricing.ping(10s);

    auto unknown = conn.call(99, {}, 0, 10s);
    if (unknown.status() != tachyon::rpc::Status::unknown_method) {
        std::printf("method 99: status %s, want unknown method\n", tachyon::rpc::status_name(unknown.status()));
        return 1;
    }
    std::printf("ok\n");
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 3 || (std::strcmp(argv[1], "serve") != 0 && std::strcmp(argv[1], "call") != 0)) {
        std::fprintf(stderr, "usage: %s serve|call SOCKET\n", argv[0]);
        return 2;
    }
    try {
        return std::strcmp(argv[1], "serve") == 0 ? serve(argv[2]) : call(argv[2]);
    } catch (const std::exception &e) {
        std::printf("%s\n", e.what());
        return 1;
    }
}
