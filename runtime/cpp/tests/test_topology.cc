// test_topology.cc - tachyon_topology.hpp: fan-out to several subscribers in
// order, a dropped laggard (errc::Lagged) that rejoins, fan-in from producer
// threads with the sender of each message, and a wait-set with its fd.
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "tachyon_topology.hpp"

using namespace std::chrono_literals;

namespace {

std::string name(const char *tag)
{
    return "@tachyon-cpp-topology-" + std::to_string(::getpid()) + "-" + tag;
}

std::span<const std::byte> bytes_of(const std::uint64_t &v) { return std::as_bytes(std::span(&v, 1)); }

std::uint64_t value_of(const tachyon::Message &m)
{
    std::uint64_t v = 0;
    std::memcpy(&v, m.data(), sizeof v);
    return v;
}

TEST(Topology, FanOutEverySubscriberInOrder)
{
    auto pub = tachyon::FanOut::listen(name("order"), 1 << 16);
    std::vector<tachyon::Subscriber> subs;
    for (int i = 0; i < 3; i++)
        subs.push_back(tachyon::Subscriber::connect(name("order")));
    EXPECT_EQ(pub.subscribers(), 3u);
    for (std::uint64_t i = 0; i < 1000; i++)
        pub.send(bytes_of(i), 4);
    for (auto &sub : subs) {
        for (std::uint64_t i = 0; i < 1000; i++) {
            auto m = sub.receive(tachyon::Clock::now() + 5s);
            ASSERT_TRUE(m);
            EXPECT_EQ(m->type_id(), 4u);
            EXPECT_EQ(value_of(*m), i);
            m->commit();
        }
        EXPECT_FALSE(sub.receive(tachyon::Clock::now() + 10ms));
    }
    pub.close();
    try {
        subs[0].receive();
        FAIL() << "no PeerGone";
    } catch (const tachyon::error &e) {
        EXPECT_EQ(e.value(), tachyon::errc::PeerGone);
    }
}

TEST(Topology, LaggardIsDroppedAndRejoins)
{
    auto pub = tachyon::FanOut::listen(name("drop"), 4096, tachyon::LagPolicy::drop);
    auto fast = tachyon::Subscriber::connect(name("drop"));
    auto slow = tachyon::Subscriber::connect(name("drop"));
    std::byte block[200]{};
    ASSERT_TRUE(pub.try_send(block, 0));
    auto held = slow.receive(tachyon::Clock::time_point{});
    ASSERT_TRUE(held);
    for (int i = 0; i < 60; i++) {
        ASSERT_TRUE(pub.try_send(block, 1));
        fast.receive(tachyon::Clock::time_point{})->commit();
    }
    try {
        held->commit();
        FAIL() << "no Lagged";
    } catch (const tachyon::error &e) {
        EXPECT_EQ(e.value(), tachyon::errc::Lagged);
    }
    slow.rejoin(tachyon::Join::newest);
    std::uint64_t v = 42;
    ASSERT_TRUE(pub.try_send(bytes_of(v), 2));
    auto m = slow.receive(tachyon::Clock::time_point{});
    ASSERT_TRUE(m);
    EXPECT_EQ(value_of(*m), 42u);
}

TEST(Topology, FanInNamesItsSenders)
{
    auto fi = tachyon::FanIn::listen(name("fanin"), 1 << 14);
    std::vector<std::thread> producers;
    for (std::uint32_t who = 0; who < 3; who++)
        producers.emplace_back([who] {
            auto bus = tachyon::Bus::connect(name("fanin"));
            for (std::uint64_t i = 0; i < 2000; i++)
                bus.send(bytes_of(i), who);
            bus.flush();
        });
    std::uint64_t next[3] = {0, 0, 0}, ids[3] = {0, 0, 0};
    for (int k = 0; k < 3 * 2000; k++) {
        auto got = fi.receive(tachyon::Clock::now() + 10s);
        ASSERT_TRUE(got);
        auto &[m, from] = *got;
        std::uint32_t who = m.type_id();
        ASSERT_LT(who, 3u);
        EXPECT_EQ(value_of(m), next[who]++);
        if (!ids[who])
            ids[who] = from.id;
        EXPECT_EQ(from.id, ids[who]);
        EXPECT_EQ(from.pid, static_cast<std::uint32_t>(::getpid()));
        m.commit();
    }
    for (auto &t : producers)
        t.join();
}

TEST(Topology, WaitSetAndFd)
{
    auto pub = tachyon::FanOut::listen(name("ws"), 1 << 14);
    auto sub = tachyon::Subscriber::connect(name("ws"));
    tachyon::WaitSet ws;
    ws.add(sub, 7);
    EXPECT_TRUE(ws.wait(tachyon::Clock::now() + 10ms).empty());
    int fd = ws.fd();
    pollfd p{fd, POLLIN, 0};
    EXPECT_EQ(::poll(&p, 1, 20), 0);
    std::uint64_t v = 1;
    pub.send(bytes_of(v), 1);
    EXPECT_EQ(::poll(&p, 1, 5000), 1);
    auto keys = ws.wait(tachyon::Clock::time_point{});
    ASSERT_EQ(keys.size(), 1u);
    EXPECT_EQ(keys[0], 7u);
    sub.receive(tachyon::Clock::time_point{})->commit();
    EXPECT_TRUE(ws.wait(tachyon::Clock::time_point{}).empty());
    EXPECT_EQ(::poll(&p, 1, 20), 0);
    ws.remove(7);
    EXPECT_THROW(ws.remove(7), tachyon::error);
}

// interrupt() from another thread ends each blocking call with errc::Interrupted;
// the flag is consumed, so the next wait runs to its deadline as usual.
template <class Wait, class Interrupt> void expect_interrupted(Wait wait, Interrupt interrupt)
{
    std::thread other([&] {
        std::this_thread::sleep_for(50ms);
        interrupt();
    });
    try {
        wait();
        ADD_FAILURE() << "the wait returned";
    } catch (const tachyon::error &e) {
        EXPECT_EQ(e.value(), tachyon::errc::Interrupted);
    }
    other.join();
}

TEST(Topology, InterruptEndsEveryBlockingCall)
{
    auto pub = tachyon::FanOut::listen(name("intr"), 1 << 12);
    auto sub = tachyon::Subscriber::connect(name("intr"));
    expect_interrupted([&] { sub.receive(); }, [&] { sub.interrupt(); });
    EXPECT_FALSE(sub.receive(tachyon::Clock::now() + 10ms));

    std::uint64_t v = 0;
    while (pub.try_send(bytes_of(v), 1))
        v++;
    expect_interrupted([&] { pub.send(bytes_of(v), 1); }, [&] { pub.interrupt(); });
    EXPECT_THROW(pub.send(bytes_of(v), 1, tachyon::Clock::now() + 10ms), tachyon::error);

    tachyon::WaitSet ws;
    auto fi = tachyon::FanIn::listen(name("intr-fanin"), 1 << 12);
    ws.add(fi, 3);
    expect_interrupted([&] { ws.wait(); }, [&] { ws.interrupt(); });
    EXPECT_TRUE(ws.wait(tachyon::Clock::now() + 10ms).empty());
    expect_interrupted([&] { fi.receive(); }, [&] { fi.interrupt(); });
    EXPECT_FALSE(fi.receive(tachyon::Clock::now() + 10ms));
}

} // namespace
