// producer.cc - the C++ producer of the example streams: connects to a consumer
// (retrying until it listens), writes every message in place through the views
// tachc generated in generated/cpp/{market,frames}.hpp, then sends End.
//
//   producer --socket PATH [--stream market|frames] [--count N] [--stamp index|clock]
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <optional>
#include <thread>

#include "peer.hpp"

using namespace std::chrono_literals;

namespace {

// Connects, retrying while nobody listens yet (the consumer may still be starting);
// gives up after ten seconds.
tachyon::Bus connect_retrying(const std::string &path, std::uint64_t fingerprint)
{
    auto deadline = tachyon::Clock::now() + 10s;
    for (;;) {
        try {
            return tachyon::Bus::connect(path, {.schema_fingerprint = fingerprint});
        } catch (const tachyon::error &e) {
            if (e.value() != tachyon::errc::NoListener || tachyon::Clock::now() >= deadline)
                throw;
            std::this_thread::sleep_for(5ms);
        }
    }
}

// Fills one tick in place; the view arrives zeroed, so the padding travels as zeros.
void fill_tick(market::MarketTickMut t, std::uint64_t i, const peer::Args &a)
{
    t.set_symbol(peer::tick_symbol(i));
    t.set_price(peer::tick_price(i));
    t.set_quantity(peer::tick_quantity(i));
    t.set_timestamp(a.stamp == peer::Stamp::clock ? peer::now_ns(CLOCK_REALTIME) : peer::tick_timestamp(i));
}

void send_market(tachyon::Bus &bus, const peer::Args &a)
{
    std::uint64_t asks = 0;
    for (std::uint64_t i = 0; i < a.count; i++) {
        auto fill = [&](market::MarketTickMut t) { fill_tick(t, i, a); };
        if (peer::tick_type(i) == market::MSG_ASK) {
            bus.send<market::msg::Ask>(fill, 5s);
            asks++;
        } else {
            bus.send<market::msg::Bid>(fill, 5s);
        }
    }
    bus.send<market::msg::End>(5s);
    if (!a.quiet)
        std::printf("producer: sent %" PRIu64 " ticks (%" PRIu64 " bid, %" PRIu64 " ask) + End\n", a.count,
                    a.count - asks, asks);
}

void send_frames(tachyon::Bus &bus, const peer::Args &a)
{
    for (std::uint64_t i = 0; i < a.count; i++) {
        tachyon::TxGuard tx = bus.acquire_tx(frames::Frame::SIZE, 5s);
        frames::FrameMut frame(tx.bytes());
        auto samples = frame.samples();
        for (std::size_t k = 0; k < samples.size(); k++)
            samples.set(k, peer::frame_sample(i, k));
        tx.commit(frames::MSG_FRAME);
    }
    bus.send<frames::msg::End>(5s);
    if (!a.quiet)
        std::printf("producer: sent %" PRIu64 " frames of %zu bytes + End\n", a.count, frames::Frame::SIZE);
}

} // namespace

int main(int argc, char **argv)
{
    peer::Args a = peer::parse(argc, argv, false);
    bool is_market = a.stream == peer::Stream::market;
    std::optional<tachyon::Bus> bus;
    try {
        bus.emplace(connect_retrying(a.socket, is_market ? market::SCHEMA_FINGERPRINT : frames::SCHEMA_FINGERPRINT));
    } catch (const tachyon::error &e) {
        if (e.value() == tachyon::errc::SchemaMismatch) {
            std::fprintf(stderr, "producer: refused at connect: schema mismatch (%s)\n", e.code().message().c_str());
            return peer::exit_schema;
        }
        std::fprintf(stderr, "producer: connect %s: %s\n", a.socket.c_str(), e.what());
        return peer::exit_fail;
    }
    auto t0 = peer::now_ns(CLOCK_MONOTONIC);
    try {
        if (is_market)
            send_market(*bus, a);
        else
            send_frames(*bus, a);
        bus->flush();
    } catch (const std::exception &e) {
        std::fprintf(stderr, "producer: %s\n", e.what());
        return peer::exit_fail;
    }
    double secs = static_cast<double>(peer::now_ns(CLOCK_MONOTONIC) - t0) / 1e9;
    if (!a.quiet)
        std::printf("producer: %.3f s, %.2f M msg/s\n", secs, static_cast<double>(a.count) / secs / 1e6);
    return peer::exit_ok;
}
