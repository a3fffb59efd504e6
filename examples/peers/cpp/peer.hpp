// peer.hpp - what the C++ producer and consumer share: the command line, the
// deterministic streams every language generates and checks (see
// examples/peers/README.md) and clocks.
//
// Message layouts come from the tachc-generated headers generated/cpp/market.hpp
// and generated/cpp/frames.hpp; nothing here knows an offset.
#ifndef EXAMPLES_PEER_HPP
#define EXAMPLES_PEER_HPP

#include <time.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "frames.hpp"
#include "market.hpp"
#include "tachyon.hpp"

namespace peer {

// Exit statuses every peer program uses.
constexpr int exit_ok = 0;
constexpr int exit_fail = 1;   // a check failed, or the bus failed
constexpr int exit_usage = 2;
constexpr int exit_schema = 3; // refused at connect: schema fingerprint mismatch

enum class Stream { market, frames };
enum class Stamp { index, clock };

struct Args {
    std::string socket;
    Stream stream = Stream::market;
    Stamp stamp = Stamp::index;
    std::uint64_t count = 100000;
    std::size_t capacity = std::size_t{1} << 22;
    bool quiet = false;
};

// Parses the shared command line; exits with exit_usage on a bad one.
inline Args parse(int argc, char **argv, bool consumer)
{
    Args a;
    bool ok = true;
    for (int i = 1; i < argc && ok; i++) {
        std::string_view opt = argv[i];
        if (opt == "--quiet") {
            a.quiet = true;
            continue;
        }
        if (i + 1 >= argc) {
            ok = false;
            break;
        }
        std::string_view val = argv[++i];
        if (opt == "--socket")
            a.socket = val;
        else if (opt == "--stream" && (val == "market" || val == "frames"))
            a.stream = val == "market" ? Stream::market : Stream::frames;
        else if (opt == "--stamp" && (val == "index" || val == "clock"))
            a.stamp = val == "index" ? Stamp::index : Stamp::clock;
        else if (opt == "--count")
            a.count = std::strtoull(val.data(), nullptr, 10);
        else if (opt == "--capacity" && consumer)
            a.capacity = static_cast<std::size_t>(std::strtoull(val.data(), nullptr, 0));
        else
            ok = false;
    }
    if (!ok || a.socket.empty()) {
        std::fprintf(stderr, "usage: %s --socket PATH [--stream market|frames] [--count N] [--stamp index|clock]%s"
                             " [--quiet]\n",
                     argv[0], consumer ? " [--capacity BYTES]" : "");
        std::exit(exit_usage);
    }
    return a;
}

inline std::uint64_t now_ns(clockid_t clock)
{
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

// ---- The deterministic streams (the same formulas in every language) ----

inline constexpr std::array<std::string_view, 5> tick_symbols{"BTCUSDT", "ETHUSDT", "SOLUSDT", "DOGEUSDT", "XRP"};
inline constexpr std::uint64_t tick_base_ns = 1700000000000000000ULL;

inline std::uint32_t tick_type(std::uint64_t i) { return i % 3 == 2 ? market::MSG_ASK : market::MSG_BID; }
inline std::string_view tick_symbol(std::uint64_t i) { return tick_symbols[i % 5]; }
inline double tick_price(std::uint64_t i) { return 1000.0 + static_cast<double>(i % 1000003) * 0.25; }
inline std::uint32_t tick_quantity(std::uint64_t i) { return static_cast<std::uint32_t>(i * 2654435761ULL); }
inline std::uint64_t tick_timestamp(std::uint64_t i) { return tick_base_ns + i * 1000; }
inline float frame_sample(std::uint64_t i, std::size_t k)
{
    return static_cast<float>((i % 65536) * 256 + k);
}

} // namespace peer

#endif // EXAMPLES_PEER_HPP
