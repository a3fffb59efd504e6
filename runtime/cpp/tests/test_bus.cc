// test_bus.cc - the C++ binding (tachyon.hpp) over libtachyon: RAII guards,
// errors in the tachyon category, timeouts, ranges, moves. GoogleTest.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <new>
#include <set>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "tachyon.hpp"

using namespace std::chrono_literals;
using tachyon::Bus;
using tachyon::errc;

namespace {

// A formatted arena in 64-byte aligned memory; both sides of the ring in one process.
struct Arena {
    explicit Arena(std::size_t capacity)
        : size(Bus::arena_size(capacity)),
          mem(static_cast<std::byte *>(::operator new(size, std::align_val_t(64))))
    {
        Bus::format_arena(span(), capacity);
    }
    ~Arena() { ::operator delete(mem, std::align_val_t(64)); }
    std::span<std::byte> span() { return {mem, size}; }
    std::size_t size;
    std::byte *mem;
};

std::string unique_path(const char *tag)
{
    static std::atomic<int> n{0};
    return "@tachyon-cpp-test-" + std::to_string(getpid()) + "-" + tag + "-" + std::to_string(n++);
}

std::vector<std::byte> bytes_of(std::uint32_t v)
{
    std::vector<std::byte> b(sizeof v);
    std::memcpy(b.data(), &v, sizeof v);
    return b;
}

std::uint32_t u32_of(std::span<const std::byte> b)
{
    std::uint32_t v = 0;
    std::memcpy(&v, b.data(), sizeof v);
    return v;
}

// Runs fn and returns the tachyon code it threw; fails the test when it throws none.
template <class F> errc thrown(F &&fn)
{
    try {
        fn();
    } catch (const tachyon::error &e) {
        return e.value();
    }
    ADD_FAILURE() << "no tachyon::error thrown";
    return errc::State;
}

} // namespace

static_assert(!std::is_copy_constructible_v<Bus> && std::is_nothrow_move_constructible_v<Bus>);
static_assert(!std::is_copy_constructible_v<tachyon::TxGuard> &&
              std::is_nothrow_move_constructible_v<tachyon::TxGuard>);
static_assert(!std::is_copy_constructible_v<tachyon::RxGuard> &&
              std::is_nothrow_move_constructible_v<tachyon::RxGuard>);
static_assert(!std::is_copy_constructible_v<tachyon::Batch>);
static_assert(std::is_base_of_v<std::system_error, tachyon::error>);

// Every row of tachyon.h's error table has its errc enumerator (same number), the
// table's text as the category message, and the table's short name.
TEST(Errors, EveryRowOfTheCTableIsAnErrc)
{
    struct Row {
        errc e;
        int number;
        const char *name, *text;
    };
#define ROW_(name, number, short_name, text) Row{errc::short_name, number, #short_name, text},
    const Row rows[] = {TACHYON_ERROR_LIST(ROW_)};
#undef ROW_
    ASSERT_EQ(std::size(rows), static_cast<std::size_t>(TACHYON_ERR__COUNT));
    std::set<std::string> seen;
    for (const Row &r : rows) {
        std::error_code ec = tachyon::make_error_code(r.e);
        EXPECT_EQ(ec.value(), r.number);
        EXPECT_STREQ(ec.category().name(), "tachyon");
        EXPECT_EQ(ec.message(), r.text);
        EXPECT_STREQ(tachyon::error_name(r.e), r.name);
        seen.insert(ec.message());
    }
    EXPECT_EQ(seen.size(), std::size(rows)) << "two codes share a message";
}

TEST(Errors, PortableConditions)
{
    EXPECT_EQ(tachyon::make_error_code(errc::Timeout), std::errc::timed_out);
    EXPECT_EQ(tachyon::make_error_code(errc::Interrupted), std::errc::interrupted);
    EXPECT_EQ(tachyon::make_error_code(errc::NoListener), std::errc::connection_refused);
    EXPECT_NE(tachyon::make_error_code(errc::Corrupt), std::errc::timed_out);
    std::error_code ec = errc::PeerGone; // is_error_code_enum
    EXPECT_EQ(ec.category(), tachyon::error_category());
}

TEST(Errors, ConnectWithoutListener)
{
    std::string path = unique_path("nolistener");
    try {
        (void)Bus::connect(path, {.timeout = 100ms});
        FAIL() << "connected to nobody";
    } catch (const std::system_error &e) {
        EXPECT_EQ(e.code(), make_error_code(errc::NoListener));
        EXPECT_NE(std::string(e.what()).find("tachyon_bus_connect"), std::string::npos) << e.what();
    }
}

TEST(Errors, TooLargeCarriesItsSizes)
{
    Arena a(1024);
    Bus producer = Bus::attach(a.span(), tachyon::Role::producer);
    std::size_t want = producer.max_message_size() + 1;
    try {
        (void)producer.acquire_tx(want);
        FAIL() << "a message above the maximum was reserved";
    } catch (const tachyon::error &e) {
        EXPECT_EQ(e.value(), errc::TooLarge);
        EXPECT_EQ(e.detail().size, want);
        EXPECT_EQ(e.detail().limit, producer.max_message_size());
        EXPECT_NE(std::string(e.what()).find(std::to_string(want)), std::string::npos) << e.what();
        EXPECT_EQ(e.os_errno(), 0);
    }
}

TEST(Errors, PathTooLong)
{
    EXPECT_EQ(thrown([] { (void)Bus::listen("/tmp/" + std::string(200, 'x'), 4096); }), errc::PathTooLong);
}

TEST(Errors, BadArenaCapacity)
{
    Arena a(4096);
    EXPECT_EQ(thrown([&] { Bus::format_arena(a.span(), 1000); }), errc::Capacity);
}

TEST(Arena, CommitThenReceive)
{
    Arena a(4096);
    Bus consumer = Bus::attach(a.span(), tachyon::Role::consumer);
    Bus producer = Bus::attach(a.span(), tachyon::Role::producer);
    EXPECT_EQ(producer.role(), tachyon::Role::producer);
    EXPECT_EQ(consumer.capacity(), 4096u);
    {
        tachyon::TxGuard tx = producer.acquire_tx(64);
        ASSERT_EQ(tx.bytes().size(), 64u);
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(tx.data()) % 16, 0u);
        std::memset(tx.data(), 0x5a, 64);
        tx.commit(10, 7);
        EXPECT_FALSE(tx.active());
    }
    producer.flush();
    tachyon::RxGuard m = consumer.receive(1s);
    EXPECT_EQ(m.type_id(), 7u);
    ASSERT_EQ(m.bytes().size(), 10u);
    for (std::byte b : m.bytes())
        EXPECT_EQ(b, std::byte{0x5a});
}

TEST(Arena, TxGuardRollsBackUnlessCommitted)
{
    Arena a(4096);
    Bus consumer = Bus::attach(a.span(), tachyon::Role::consumer);
    Bus producer = Bus::attach(a.span(), tachyon::Role::producer);
    {
        tachyon::TxGuard tx = producer.acquire_tx(32);
        std::memset(tx.data(), 1, 32);
    } // destroyed uncommitted
    producer.send(bytes_of(42), 3);
    producer.flush();
    auto m = consumer.try_receive();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->type_id(), 3u);
    EXPECT_EQ(u32_of(m->bytes()), 42u);
    m.reset();
    EXPECT_FALSE(consumer.try_receive()) << "the rolled-back slot was delivered";
}

TEST(Arena, ExplicitRollbackAndDoubleCommit)
{
    Arena a(4096);
    Bus producer = Bus::attach(a.span(), tachyon::Role::producer);
    tachyon::TxGuard tx = producer.acquire_tx(16);
    tx.rollback();
    EXPECT_EQ(thrown([&] { tx.commit(1); }), errc::State);
    EXPECT_EQ(thrown([&] { tx.rollback(); }), errc::State);
}

TEST(Arena, RxGuardReleasesRoomWhenDestroyed)
{
    Arena a(1024);
    Bus consumer = Bus::attach(a.span(), tachyon::Role::consumer);
    Bus producer = Bus::attach(a.span(), tachyon::Role::producer);
    std::vector<std::byte> payload(producer.max_message_size());
    int sent = 0;
    while (producer.try_send(payload, 1))
        ASSERT_LT(++sent, 16) << "a 1 KiB ring took 16 maximal messages";
    ASSERT_GE(sent, 1);
    EXPECT_FALSE(producer.try_acquire_tx(payload.size()));
    EXPECT_EQ(thrown([&] { (void)producer.acquire_tx(payload.size(), 5ms); }), errc::Timeout);
    producer.flush();
    for (int i = 0; i < sent; i++) {
        auto m = consumer.receive(1s);
        EXPECT_EQ(m.size(), payload.size());
    }
    EXPECT_TRUE(producer.try_send(payload, 2)) << "the released message did not free its room";
}

TEST(Arena, RxGuardExplicitCommitOnce)
{
    Arena a(4096);
    Bus consumer = Bus::attach(a.span(), tachyon::Role::consumer);
    Bus producer = Bus::attach(a.span(), tachyon::Role::producer);
    producer.send(bytes_of(1), 1);
    producer.send(bytes_of(2), 1);
    producer.flush();
    auto m = consumer.receive();
    m.commit();
    EXPECT_EQ(thrown([&] { m.commit(); }), errc::State);
    tachyon::RxGuard moved = consumer.receive();
    EXPECT_EQ(u32_of(moved.bytes()), 2u);
}

TEST(Arena, TooLargeAndWrongRole)
{
    Arena a(1024);
    Bus consumer = Bus::attach(a.span(), tachyon::Role::consumer);
    Bus producer = Bus::attach(a.span(), tachyon::Role::producer);
    EXPECT_EQ(thrown([&] { (void)producer.acquire_tx(producer.max_message_size() + 1); }), errc::TooLarge);
    EXPECT_EQ(thrown([&] { consumer.flush(); }), errc::State);
    EXPECT_EQ(thrown([&] { (void)producer.try_receive(); }), errc::State);
}

TEST(Arena, ReceiveTimesOutThenDeadline)
{
    Arena a(4096);
    Bus consumer = Bus::attach(a.span(), tachyon::Role::consumer);
    Bus producer = Bus::attach(a.span(), tachyon::Role::producer);
    auto t0 = tachyon::Clock::now();
    EXPECT_EQ(thrown([&] { (void)consumer.receive(20ms, 0); }), errc::Timeout);
    EXPECT_GE(tachyon::Clock::now() - t0, 20ms);
    EXPECT_EQ(thrown([&] { (void)consumer.receive(tachyon::Clock::now() + 5ms, 0); }), errc::Timeout);
    EXPECT_GE(tachyon::Clock::now() - t0, 25ms);
    EXPECT_EQ(thrown([&] { (void)consumer.drain_batch(8, 5ms, 0); }), errc::Timeout);
    producer.send(bytes_of(9), 4);
    producer.flush();
    tachyon::Batch b = consumer.drain_batch(8, tachyon::forever);
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(b[0].type_id(), 4u);
    b.commit();
    EXPECT_FALSE(consumer.try_receive());
}

TEST(Arena, DrainBatchIsARange)
{
    Arena a(1 << 16);
    Bus consumer = Bus::attach(a.span(), tachyon::Role::consumer);
    Bus producer = Bus::attach(a.span(), tachyon::Role::producer);
    EXPECT_TRUE(consumer.drain_batch(8).empty());
    for (std::uint32_t i = 0; i < 10; i++)
        producer.send(bytes_of(i * 3), 100 + i);
    producer.flush();
    std::uint32_t next = 0;
    while (next < 10) {
        tachyon::Batch batch = consumer.drain_batch(4);
        ASSERT_FALSE(batch.empty());
        EXPECT_LE(batch.size(), 4u);
        for (tachyon::Message m : batch) {
            EXPECT_EQ(m.type_id(), 100 + next);
            EXPECT_EQ(u32_of(m.bytes()), next * 3);
            next++;
        }
        EXPECT_EQ(batch[0].type_id(), (*batch.begin()).type_id());
        EXPECT_EQ(static_cast<std::size_t>(batch.end() - batch.begin()), batch.size());
    }
    EXPECT_TRUE(consumer.drain_batch().empty());
}

TEST(Arena, BatchWithCallerStorageAndCommit)
{
    Arena a(4096);
    Bus consumer = Bus::attach(a.span(), tachyon::Role::consumer);
    Bus producer = Bus::attach(a.span(), tachyon::Role::producer);
    producer.send(bytes_of(5), 1);
    producer.flush();
    std::array<tachyon_msg_t, 2> storage{};
    tachyon::Batch b = consumer.drain_batch(storage);
    ASSERT_EQ(b.size(), 1u);
    b.commit();
    EXPECT_EQ(thrown([&] { b.commit(); }), errc::State);
}

TEST(Bus, MovedFromIsClosed)
{
    Arena a(4096);
    Bus producer = Bus::attach(a.span(), tachyon::Role::producer);
    Bus other = std::move(producer);
    EXPECT_FALSE(producer); // NOLINT(bugprone-use-after-move): the point of the test
    EXPECT_TRUE(other);
    EXPECT_EQ(thrown([&] { producer.flush(); }), errc::State);
    other.flush();
}

// Two threads over a real handshake: a range-for consumer sees every message in
// order and ends when the producer closes.
TEST(Bus, ListenConnectRangeForEndsWhenProducerCloses)
{
    const std::string path = unique_path("range");
    constexpr std::uint32_t n = 20000;
    std::thread producer([&] {
        std::optional<Bus> bus;
        for (int tries = 0; !bus; tries++) {
            try {
                bus.emplace(Bus::connect(path, {.schema_fingerprint = 0x1234}));
            } catch (const tachyon::error &e) {
                if (e.value() != errc::NoListener || tries > 2000)
                    throw;
                std::this_thread::sleep_for(1ms);
            }
        }
        for (std::uint32_t i = 0; i < n; i++) {
            tachyon::TxGuard tx = bus->acquire_tx(sizeof i, 5s);
            std::memcpy(tx.data(), &i, sizeof i);
            tx.commit(i % 7);
        }
    }); // the producer's Bus closes here, flushing
    Bus consumer = Bus::listen(path, 1 << 12, {.schema_fingerprint = 0x1234, .timeout = 10s});
    EXPECT_EQ(consumer.schema_fingerprint(), 0x1234u);
    std::uint32_t next = 0;
    for (tachyon::RxGuard &m : consumer.messages()) {
        ASSERT_EQ(u32_of(m.bytes()), next);
        ASSERT_EQ(m.type_id(), next % 7);
        next++;
    }
    producer.join();
    EXPECT_EQ(next, n);
    EXPECT_EQ(thrown([&] { (void)consumer.receive(1s); }), errc::PeerGone);
    EXPECT_EQ(thrown([&] { (void)consumer.drain_batch(); }), errc::PeerGone);
    EXPECT_EQ(consumer.stats().messages, n);
}

TEST(Bus, SchemaMismatchIsRefused)
{
    const std::string path = unique_path("schema");
    std::atomic<int> producer_code{-1};
    std::thread producer([&] {
        for (int tries = 0; tries < 2000; tries++) {
            try {
                Bus b = Bus::connect(path, {.schema_fingerprint = 2});
                producer_code = 0;
                return;
            } catch (const tachyon::error &e) {
                if (e.value() != errc::NoListener) {
                    producer_code = static_cast<int>(e.value());
                    return;
                }
                std::this_thread::sleep_for(1ms);
            }
        }
    });
    EXPECT_EQ(thrown([&] { (void)Bus::listen(path, 4096, {.schema_fingerprint = 1, .timeout = 10s}); }),
              errc::SchemaMismatch);
    producer.join();
    EXPECT_EQ(producer_code.load(), static_cast<int>(errc::SchemaMismatch));
}

TEST(Bus, ListenTimesOut)
{
    EXPECT_EQ(thrown([] { (void)Bus::listen(unique_path("lonely"), 4096, {.timeout = 30ms}); }), errc::Timeout);
}

// interrupt() from another thread ends a blocking receive and the range-for of
// messages(), each with errc::Interrupted; the bus keeps working afterwards.
TEST(Bus, InterruptCancelsAWaitFromAnotherThread)
{
    Arena a(4096);
    Bus consumer = Bus::attach(a.span(), tachyon::Role::consumer);
    Bus producer = Bus::attach(a.span(), tachyon::Role::producer);
    for (int round = 0; round < 2; round++) {
        std::atomic<bool> done{false};
        std::thread canceller([&] {
            while (!done.load()) {
                std::this_thread::sleep_for(10ms);
                consumer.interrupt();
            }
        });
        if (round == 0) {
            EXPECT_EQ(thrown([&] { (void)consumer.receive(10s, 0); }), errc::Interrupted);
        } else {
            EXPECT_EQ(thrown([&] {
                          for (tachyon::RxGuard &m : consumer.messages(0))
                              (void)m;
                      }),
                      errc::Interrupted);
        }
        done = true;
        canceller.join();
    }
    (void)consumer.try_receive(); // a pending interrupt may still be armed; consume it
    producer.send(bytes_of(5), 2);
    producer.flush();
    for (int tries = 0;; tries++) {
        try {
            tachyon::RxGuard m = consumer.receive(1s);
            EXPECT_EQ(u32_of(m.bytes()), 5u);
            break;
        } catch (const tachyon::error &e) {
            ASSERT_EQ(e.value(), errc::Interrupted); // at most the one armed before
            ASSERT_LT(tries, 2);
        }
    }
}
