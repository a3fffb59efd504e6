// consumer.cc - the C++ consumer of the example streams: listens, takes every
// message with a range-for over the bus, decodes it by type id into the
// std::variant tachc generated (generated/cpp/{market,frames}.hpp), and checks it
// against the deterministic stream (type, every field, order, count) until End.
// Prints the rate, a checksum and, for clock stamps, one-way latency.
//
//   consumer --socket PATH [--stream market|frames] [--count N] [--stamp index|clock] [--capacity BYTES]
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <stdexcept>
#include <variant>
#include <vector>

#include "peer.hpp"

using namespace std::chrono_literals;

namespace {

struct Tally {
    std::uint64_t received = 0, asks = 0, checksum = 0, first_ns = 0, last_stamp = 0;
    std::vector<std::uint64_t> latency; // clock stamps: one sample per tick
};

// A check that failed: what() names the message and the field.
struct Mismatch : std::runtime_error {
    using std::runtime_error::runtime_error;
};

template <class... F> struct overloaded : F... {
    using F::operator()...;
};

void check_tick(std::uint64_t i, std::uint32_t type, market::MarketTick t, const peer::Args &a, Tally &tally)
{
    bool same = type == peer::tick_type(i) && t.symbol() == peer::tick_symbol(i) && t.price() == peer::tick_price(i) &&
                t.quantity() == peer::tick_quantity(i) &&
                (a.stamp == peer::Stamp::clock || t.timestamp() == peer::tick_timestamp(i));
    if (!same) {
        char what[512];
        std::snprintf(what, sizeof what,
                      "tick %" PRIu64 " differs: got %s %.*s %.2f x %u @ %" PRIu64 ", expected %s %.*s %.2f x %u @ %" PRIu64,
                      i, std::string(market::message_name(type)).c_str(), static_cast<int>(t.symbol().size()),
                      t.symbol().data(), t.price(), t.quantity(), t.timestamp(),
                      std::string(market::message_name(peer::tick_type(i))).c_str(),
                      static_cast<int>(peer::tick_symbol(i).size()), peer::tick_symbol(i).data(), peer::tick_price(i),
                      peer::tick_quantity(i), peer::tick_timestamp(i));
        throw Mismatch(what);
    }
    if (a.stamp == peer::Stamp::clock) {
        std::uint64_t now = peer::now_ns(CLOCK_REALTIME);
        if (t.timestamp() < tally.last_stamp || t.timestamp() > now)
            throw Mismatch("tick " + std::to_string(i) + ": clock stamp " + std::to_string(t.timestamp()) +
                           " after " + std::to_string(tally.last_stamp) + ", received at " + std::to_string(now));
        tally.last_stamp = t.timestamp();
        tally.latency.push_back(now - t.timestamp());
    }
    tally.asks += type == market::MSG_ASK;
    tally.checksum += t.quantity() + static_cast<std::uint64_t>(t.price() * 4.0);
}

void check_frame(std::uint64_t i, frames::Frame f, Tally &tally)
{
    std::size_t k = 0;
    for (float v : f.samples()) {
        if (v != peer::frame_sample(i, k))
            throw Mismatch("frame " + std::to_string(i) + " sample " + std::to_string(k) + " is " +
                           std::to_string(v) + ", expected " + std::to_string(peer::frame_sample(i, k)));
        tally.checksum += static_cast<std::uint64_t>(v);
        k++;
    }
}

// Reads until End; returns normally only when End arrived.
void receive(tachyon::Bus &bus, const peer::Args &a, Tally &t)
{
    bool is_market = a.stream == peer::Stream::market;
    for (tachyon::RxGuard &m : bus.messages()) {
        if (t.received == 0)
            t.first_ns = peer::now_ns(CLOCK_MONOTONIC);
        bool end = false;
        auto not_expected = [&](const auto &) {
            throw Mismatch("message " + std::to_string(t.received) + ": type " + std::to_string(m.type_id()) +
                           " with " + std::to_string(m.size()) + " bytes is not a " +
                           (is_market ? "tick" : "Frame"));
        };
        if (is_market) {
            std::visit(overloaded{[&](const market::msg::End &) { end = true; },
                                  [&](const market::msg::Bid &bid) { check_tick(t.received, m.type_id(), bid.payload, a, t); },
                                  [&](const market::msg::Ask &ask) { check_tick(t.received, m.type_id(), ask.payload, a, t); }},
                       market::decode(m));
        } else {
            std::visit(overloaded{[&](const frames::msg::End &) { end = true; },
                                  [&](const frames::msg::Frame &f) { check_frame(t.received, f.payload, t); },
                                  not_expected},
                       frames::decode(m));
        }
        if (end) {
            if (m.size() != 0)
                throw Mismatch("End with a payload of " + std::to_string(m.size()) + " bytes");
            return;
        }
        if (++t.received > a.count)
            throw Mismatch("more than the " + std::to_string(a.count) + " messages expected");
    }
    throw Mismatch("after " + std::to_string(t.received) + " messages, before End: the producer is gone");
}

void print_latency(std::vector<std::uint64_t> &v)
{
    if (v.empty())
        return;
    std::sort(v.begin(), v.end());
    auto pct = [&](double q) { return static_cast<double>(v[static_cast<std::size_t>(static_cast<double>(v.size() - 1) * q)]) / 1000.0; };
    std::printf("one-way latency (us): p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f\n", pct(0.5), pct(0.9),
                pct(0.99), pct(0.999), static_cast<double>(v.back()) / 1000.0);
}

} // namespace

int main(int argc, char **argv)
{
    peer::Args a = peer::parse(argc, argv, true);
    bool is_market = a.stream == peer::Stream::market;
    Tally t;
    if (is_market && a.stamp == peer::Stamp::clock)
        t.latency.reserve(a.count);
    std::optional<tachyon::Bus> bus;
    try {
        // a producer that never comes is an error, not a hang
        bus.emplace(tachyon::Bus::listen(
            a.socket, a.capacity,
            {.schema_fingerprint = is_market ? market::SCHEMA_FINGERPRINT : frames::SCHEMA_FINGERPRINT,
             .timeout = 30s}));
    } catch (const tachyon::error &e) {
        if (e.value() == tachyon::errc::SchemaMismatch) {
            std::fprintf(stderr, "consumer: refused the producer: schema mismatch (%s)\n", e.code().message().c_str());
            return peer::exit_schema;
        }
        std::fprintf(stderr, "consumer: listen %s: %s\n", a.socket.c_str(), e.what());
        return peer::exit_fail;
    }
    try {
        receive(*bus, a, t);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "consumer: %s\n", e.what());
        return peer::exit_fail;
    }
    double secs = static_cast<double>(peer::now_ns(CLOCK_MONOTONIC) - t.first_ns) / 1e9;
    bus.reset();
    if (t.received != a.count) {
        std::fprintf(stderr, "consumer: End after %" PRIu64 " messages, expected %" PRIu64 "\n", t.received, a.count);
        return peer::exit_fail;
    }
    if (!a.quiet) {
        double rate = static_cast<double>(t.received) / secs;
        if (is_market)
            std::printf("consumer: %" PRIu64 " ticks (%" PRIu64 " bid, %" PRIu64 " ask) + End in %.3f s: %.2f M msg/s, "
                        "checksum %016" PRIx64 "\n",
                        t.received, t.received - t.asks, t.asks, secs, rate / 1e6, t.checksum);
        else
            std::printf("consumer: %" PRIu64 " frames + End in %.3f s: %.0f frames/s, %.2f GB/s, checksum %016" PRIx64 "\n",
                        t.received, secs, rate, rate * static_cast<double>(frames::Frame::SIZE) / 1e9, t.checksum);
        print_latency(t.latency);
        std::printf("consumer: OK, every field of every message checked\n");
    }
    return peer::exit_ok;
}
