// tachyon.hpp - header-only C++20 binding over libtachyon (tachyon.h).
//
// RAII ownership of the C handles, std::span views straight into the ring (no
// copy), std::chrono timeouts, and errors as exceptions deriving from
// std::system_error in the "tachyon" error category:
//
//   auto bus = tachyon::Bus::connect("@feed", {.schema_fingerprint = market::SCHEMA_FINGERPRINT});
//   bus.send<market::msg::Bid>([](market::MarketTickMut t) { t.set_price(1.5); });
//
//   auto bus = tachyon::Bus::listen("@feed", 1 << 22);
//   for (tachyon::RxGuard& m : bus.messages())       // ends when the producer is gone
//       std::visit(handler, market::decode(m.type_id(), m.bytes()));
//
// Ownership: Bus owns a tachyon_bus_t (move-only). TxGuard owns one reservation
// (rolled back unless commit() was called); RxGuard and Batch own received
// messages (released when they are destroyed, or at commit()). Guards refer to
// the C handle, so moving the Bus does not invalidate them; destroying the Bus
// while a guard lives does.
//
// Threading: as for the C API, each side of a bus is used by one thread at a time.
// Link with -ltachyon (or libtachyon.a and -lpthread).
#ifndef TACHYON_HPP
#define TACHYON_HPP

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "tachyon.h"

namespace tachyon {

// ---- Errors -------------------------------------------------------------------

// One enumerator per code of tachyon.h's error table (TACHYON_ERROR_LIST), named
// by its short name and with the same number: errc::PeerGone == TACHYON_ERR_PEER_GONE.
// Generated from the table, so a code added to tachyon.h appears here by itself.
#define TACHYON_HPP_ERRC_(name, number, short_name, text) short_name = number,
enum class errc : int { TACHYON_ERROR_LIST(TACHYON_HPP_ERRC_) };
#undef TACHYON_HPP_ERRC_

namespace detail {
class category_impl final : public std::error_category {
public:
    const char *name() const noexcept override { return "tachyon"; }
    std::string message(int ev) const override { return tachyon_strerror(static_cast<tachyon_error_t>(ev)); }
    // Codes with a portable meaning compare equal to it: err.code() == std::errc::timed_out.
    std::error_condition default_error_condition(int ev) const noexcept override
    {
        switch (static_cast<errc>(ev)) {
        case errc::InvalidArg: return std::errc::invalid_argument;
        case errc::NoMemory: return std::errc::not_enough_memory;
        case errc::PathTooLong: return std::errc::filename_too_long;
        case errc::AddrInUse: return std::errc::address_in_use;
        case errc::NoListener: return std::errc::connection_refused;
        case errc::Permission: return std::errc::permission_denied;
        case errc::Timeout: return std::errc::timed_out;
        case errc::Interrupted: return std::errc::interrupted;
        case errc::TooLarge: return std::errc::message_size;
        case errc::PeerGone: return std::errc::broken_pipe;
        default: return std::error_condition(ev, *this);
        }
    }
};
} // namespace detail

// The "tachyon" error category (one instance per program).
inline const std::error_category &error_category() noexcept
{
    static const detail::category_impl category;
    return category;
}

inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), error_category()}; }

// The table's short name of a code ("PeerGone").
inline const char *error_name(errc e) noexcept { return tachyon_error_name(static_cast<tachyon_error_t>(e)); }

// What every failed call throws: code() is in error_category(); what() names the
// call and carries the numbers the failure knows (tachyon_format_error: the errno
// behind a System failure, the sizes of a TooLarge, the time waited, ...).
class error : public std::system_error {
public:
    error(errc e, const std::string &what) : std::system_error(make_error_code(e), what)
    {
        detail_.code = static_cast<std::int32_t>(e);
    }
    error(const tachyon_error_detail_t &d, const std::string &call)
        : std::system_error(make_error_code(static_cast<errc>(d.code)), call + ": " + format(d)), detail_(d)
    {
    }
    // The code as the enum: if (e.value() == tachyon::errc::PeerGone) ...
    errc value() const noexcept { return static_cast<errc>(code().value()); }
    // The errno behind the failure (always set for errc::System), or 0.
    int os_errno() const noexcept { return detail_.os_errno; }
    // The errno as a std::error_code in the generic category (value 0: none).
    std::error_code os_code() const noexcept { return {detail_.os_errno, std::generic_category()}; }
    const tachyon_error_detail_t &detail() const noexcept { return detail_; }

private:
    static std::string format(const tachyon_error_detail_t &d)
    {
        char line[256];
        tachyon_format_error(&d, line, sizeof line);
        return line;
    }
    tachyon_error_detail_t detail_{};
};

namespace detail {
[[noreturn]] inline void raise(tachyon_error_t err, const char *what)
{
    // TACHYON_OK here means the C call broke its contract; report it as a state error.
    throw error(err == TACHYON_OK ? errc::State : static_cast<errc>(err), what);
}

// The last failure on `bus`, with its detail.
[[noreturn]] inline void raise_last(const tachyon_bus_t *bus, const char *what)
{
    tachyon_error_detail_t d{};
    if (tachyon_last_error_detail(bus, &d) == TACHYON_OK)
        d.code = TACHYON_ERR_STATE;
    throw error(d, what);
}

inline void check(tachyon_error_t err, const char *what)
{
    if (err != TACHYON_OK)
        raise(err, what);
}

// A failed call on `bus` that returned its code: thrown with the bus's detail.
inline void check_on(const tachyon_bus_t *bus, tachyon_error_t err, const char *what)
{
    if (err != TACHYON_OK)
        raise_last(bus, what);
}
} // namespace detail

} // namespace tachyon

template <> struct std::is_error_code_enum<tachyon::errc> : std::true_type {};

namespace tachyon {

// ---- Time -------------------------------------------------------------------------

using nanoseconds = std::chrono::nanoseconds;

// The clock of every deadline: CLOCK_MONOTONIC as tachyon_now_ns() reads it, so a
// Clock::time_point goes to the C library's _until calls unchanged.
struct Clock {
    using duration = nanoseconds;
    using rep = duration::rep;
    using period = duration::period;
    using time_point = std::chrono::time_point<Clock>;
    static constexpr bool is_steady = true;
    static time_point now() noexcept { return time_point(duration(tachyon_now_ns())); }
};

// No limit, as a timeout or as a deadline.
inline constexpr nanoseconds forever{TACHYON_FOREVER};
inline constexpr Clock::time_point no_deadline{forever};
// Spins before a blocking receive sleeps on the futex (the C examples' default).
inline constexpr std::uint32_t default_spin = 20000;

namespace detail {
// A timeout in the C API's terms: nanoseconds, < 0 for none.
inline std::int64_t timeout_ns(nanoseconds t) noexcept { return t < nanoseconds::zero() ? TACHYON_FOREVER : t.count(); }
// A deadline in the C API's terms: CLOCK_MONOTONIC nanoseconds, < 0 for none.
inline std::int64_t deadline_ns(Clock::time_point t) noexcept
{
    return t.time_since_epoch() < nanoseconds::zero() ? TACHYON_FOREVER : t.time_since_epoch().count();
}
// The deadline `timeout` from now (no_deadline for forever).
inline Clock::time_point after(nanoseconds timeout) noexcept
{
    return timeout < nanoseconds::zero() ? no_deadline : Clock::now() + timeout;
}
} // namespace detail

// ---- Options --------------------------------------------------------------------

struct Options {
    // 0: not bound; otherwise both peers must agree (a generated SCHEMA_FINGERPRINT).
    std::uint64_t schema_fingerprint = 0;
    // listen: how long to wait for a connector (zero: forever); connect: how long to
    // wait for a listener to appear and for the handshake (zero: 5 s). tachyon::forever: no limit.
    nanoseconds timeout = nanoseconds::zero();
    // Accept connectors of any uid (default: only the listener's own uid).
    bool allow_any_uid = false;

    tachyon_options_t to_c() const noexcept
    {
        tachyon_options_t o{};
        o.schema_fingerprint = schema_fingerprint;
        o.timeout_ns = detail::timeout_ns(timeout);
        o.flags = allow_any_uid ? TACHYON_OPT_ALLOW_ANY_UID : 0u;
        return o;
    }
};

enum class Role { consumer = TACHYON_ROLE_CONSUMER, producer = TACHYON_ROLE_PRODUCER };

// ---- Messages ---------------------------------------------------------------------

// One received message: its type id and its payload in the ring (valid while the
// guard or batch that produced it lives).
class Message {
public:
    Message() = default;
    Message(const void *data, std::size_t size, std::uint32_t type_id) noexcept
        : data_(static_cast<const std::byte *>(data)), size_(size), type_id_(type_id)
    {
    }

    std::uint32_t type_id() const noexcept { return type_id_; }
    std::span<const std::byte> bytes() const noexcept { return {data_, size_}; }
    const void *data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }

private:
    const std::byte *data_ = nullptr;
    std::size_t size_ = 0;
    std::uint32_t type_id_ = 0;
};

// A received message held in the ring; released (tachyon_commit_rx) by commit()
// or when the guard is destroyed.
class RxGuard : public Message {
public:
    RxGuard(tachyon_bus_t *bus, const void *data, std::size_t size, std::uint32_t type_id) noexcept
        : Message(data, size, type_id), bus_(bus)
    {
    }
    RxGuard(RxGuard &&o) noexcept : Message(o), bus_(std::exchange(o.bus_, nullptr)) {}
    RxGuard &operator=(RxGuard &&o) noexcept
    {
        if (this != &o) {
            release();
            Message::operator=(o);
            bus_ = std::exchange(o.bus_, nullptr);
        }
        return *this;
    }
    RxGuard(const RxGuard &) = delete;
    RxGuard &operator=(const RxGuard &) = delete;
    ~RxGuard() { release(); }

    // Releases the message now; its bytes may be reused at once.
    void commit()
    {
        if (!bus_)
            throw error(errc::State, "tachyon::RxGuard::commit: already released");
        detail::check(tachyon_commit_rx(std::exchange(bus_, nullptr)), "tachyon_commit_rx");
    }

private:
    void release() noexcept
    {
        if (bus_)
            (void)tachyon_commit_rx(std::exchange(bus_, nullptr));
    }
    tachyon_bus_t *bus_;
};

// A reserved slot in the ring. Write the payload through bytes(), then commit();
// a guard destroyed without commit() rolls the reservation back (nothing is sent).
class TxGuard {
public:
    TxGuard(tachyon_bus_t *bus, void *data, std::size_t size) noexcept
        : bus_(bus), data_(static_cast<std::byte *>(data)), size_(size)
    {
    }
    TxGuard(TxGuard &&o) noexcept
        : bus_(std::exchange(o.bus_, nullptr)), data_(o.data_), size_(o.size_)
    {
    }
    TxGuard &operator=(TxGuard &&o) noexcept
    {
        if (this != &o) {
            abandon();
            bus_ = std::exchange(o.bus_, nullptr);
            data_ = o.data_;
            size_ = o.size_;
        }
        return *this;
    }
    TxGuard(const TxGuard &) = delete;
    TxGuard &operator=(const TxGuard &) = delete;
    ~TxGuard() { abandon(); }

    // The reserved bytes (16-byte aligned), in the ring.
    std::span<std::byte> bytes() const noexcept { return {data_, size_}; }
    void *data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }
    // True until commit() or rollback().
    bool active() const noexcept { return bus_ != nullptr; }

    // Commits all reserved bytes as one message of `type_id`.
    void commit(std::uint32_t type_id) { commit(size_, type_id); }
    // Commits the first `actual_size` (<= size()) bytes as one message of `type_id`.
    void commit(std::size_t actual_size, std::uint32_t type_id)
    {
        if (!bus_)
            throw error(errc::State, "tachyon::TxGuard::commit: not active");
        tachyon_bus_t *bus = std::exchange(bus_, nullptr);
        tachyon_error_t err = tachyon_commit_tx(bus, actual_size, type_id);
        if (err != TACHYON_OK) {
            (void)tachyon_rollback_tx(bus);
            detail::raise(err, "tachyon_commit_tx");
        }
    }
    // Abandons the reservation now.
    void rollback()
    {
        if (!bus_)
            throw error(errc::State, "tachyon::TxGuard::rollback: not active");
        detail::check(tachyon_rollback_tx(std::exchange(bus_, nullptr)), "tachyon_rollback_tx");
    }

private:
    void abandon() noexcept
    {
        if (bus_)
            (void)tachyon_rollback_tx(std::exchange(bus_, nullptr));
    }
    tachyon_bus_t *bus_;
    std::byte *data_;
    std::size_t size_;
};

// The messages of one tachyon_drain_batch, as a range of Message; all released
// together by commit() or when the batch is destroyed.
class Batch {
public:
    Batch(tachyon_bus_t *bus, std::span<const tachyon_msg_t> msgs) noexcept : bus_(bus), msgs_(msgs) {}
    Batch(Batch &&o) noexcept : bus_(std::exchange(o.bus_, nullptr)), msgs_(std::exchange(o.msgs_, {})) {}
    Batch &operator=(Batch &&o) noexcept
    {
        if (this != &o) {
            release();
            bus_ = std::exchange(o.bus_, nullptr);
            msgs_ = std::exchange(o.msgs_, {});
        }
        return *this;
    }
    Batch(const Batch &) = delete;
    Batch &operator=(const Batch &) = delete;
    ~Batch() { release(); }

    class iterator {
    public:
        using iterator_category = std::random_access_iterator_tag;
        using value_type = Message;
        using difference_type = std::ptrdiff_t;
        using pointer = void;
        using reference = Message;

        iterator() = default;
        explicit iterator(const tachyon_msg_t *m) noexcept : m_(m) {}
        Message operator*() const noexcept { return {m_->data, m_->size, m_->type_id}; }
        Message operator[](difference_type n) const noexcept { return *(*this + n); }
        iterator &operator++() noexcept { ++m_; return *this; }
        iterator operator++(int) noexcept { iterator t = *this; ++m_; return t; }
        iterator &operator--() noexcept { --m_; return *this; }
        iterator operator--(int) noexcept { iterator t = *this; --m_; return t; }
        iterator &operator+=(difference_type n) noexcept { m_ += n; return *this; }
        iterator &operator-=(difference_type n) noexcept { m_ -= n; return *this; }
        friend iterator operator+(iterator i, difference_type n) noexcept { return i += n; }
        friend iterator operator+(difference_type n, iterator i) noexcept { return i += n; }
        friend iterator operator-(iterator i, difference_type n) noexcept { return i -= n; }
        friend difference_type operator-(iterator a, iterator b) noexcept { return a.m_ - b.m_; }
        friend auto operator<=>(const iterator &, const iterator &) = default;

    private:
        const tachyon_msg_t *m_ = nullptr;
    };

    iterator begin() const noexcept { return iterator(msgs_.data()); }
    iterator end() const noexcept { return iterator(msgs_.data() + msgs_.size()); }
    std::size_t size() const noexcept { return msgs_.size(); }
    bool empty() const noexcept { return msgs_.empty(); }
    Message operator[](std::size_t i) const noexcept { return begin()[static_cast<std::ptrdiff_t>(i)]; }

    // Releases every message of the batch now.
    void commit()
    {
        if (!bus_)
            throw error(errc::State, "tachyon::Batch::commit: already released");
        detail::check(tachyon_commit_rx_batch(std::exchange(bus_, nullptr), msgs_.size()),
                      "tachyon_commit_rx_batch");
    }

private:
    void release() noexcept
    {
        if (bus_)
            (void)tachyon_commit_rx_batch(std::exchange(bus_, nullptr), msgs_.size());
    }
    tachyon_bus_t *bus_;
    std::span<const tachyon_msg_t> msgs_;
};

// ---- The bus ---------------------------------------------------------------------------

class Bus;

// Range-for over received messages: each RxGuard is released when the loop moves
// on; the range ends when the producer is gone and everything it sent was read.
class MessageRange {
public:
    class iterator {
    public:
        using iterator_category = std::input_iterator_tag;
        using value_type = RxGuard;
        using difference_type = std::ptrdiff_t;

        iterator() = default;
        iterator(tachyon_bus_t *bus, std::uint32_t spin, std::atomic<bool> *interrupt)
            : bus_(bus), spin_(spin), interrupt_(interrupt)
        {
            advance();
        }
        iterator(iterator &&) noexcept = default;
        iterator &operator=(iterator &&) noexcept = default;
        RxGuard &operator*() const noexcept { return *current_; }
        RxGuard *operator->() const noexcept { return &*current_; }
        iterator &operator++()
        {
            current_.reset(); // release the previous message before taking the next
            advance();
            return *this;
        }
        void operator++(int) { ++*this; }
        friend bool operator==(const iterator &i, std::default_sentinel_t) noexcept { return !i.current_; }

    private:
        void advance()
        {
            for (;;) {
                std::uint32_t type_id = 0;
                std::size_t size = 0;
                const void *p = tachyon_acquire_rx_blocking(bus_, &type_id, &size, spin_);
                if (p) {
                    current_.emplace(bus_, p, size, type_id);
                    return;
                }
                tachyon_error_t err = tachyon_last_error(bus_);
                if (err == TACHYON_ERR_PEER_GONE)
                    return; // the end of the range
                if (err != TACHYON_ERR_INTERRUPTED || interrupt_->exchange(false, std::memory_order_acq_rel))
                    detail::raise_last(bus_, "tachyon_acquire_rx_blocking");
            }
        }
        tachyon_bus_t *bus_ = nullptr;
        std::uint32_t spin_ = default_spin;
        std::atomic<bool> *interrupt_ = nullptr;
        mutable std::optional<RxGuard> current_;
    };

    MessageRange(tachyon_bus_t *bus, std::uint32_t spin, std::atomic<bool> *interrupt) noexcept
        : bus_(bus), spin_(spin), interrupt_(interrupt)
    {
    }
    iterator begin() const { return iterator(bus_, spin_, interrupt_); }
    std::default_sentinel_t end() const noexcept { return {}; }

private:
    tachyon_bus_t *bus_;
    std::uint32_t spin_;
    std::atomic<bool> *interrupt_;
};

// One side of a bus: the listener consumes, the connector produces. Move-only.
class Bus {
public:
    // Listens on `path` ("@name": abstract namespace), waits for one producer and
    // returns the consumer side with a ring of `capacity` bytes (a power of two).
    static Bus listen(const std::string &path, std::size_t capacity, const Options &opts = {})
    {
        return listen(path, capacity, opts,
                      opts.timeout <= nanoseconds::zero() ? no_deadline : detail::after(opts.timeout));
    }
    // listen() that gives up at `deadline` (errc::Timeout); opts.timeout is ignored.
    static Bus listen(const std::string &path, std::size_t capacity, const Options &opts, Clock::time_point deadline)
    {
        tachyon_options_t o = opts.to_c();
        tachyon_bus_t *bus = nullptr;
        tachyon_error_detail_t d{};
        if (tachyon_bus_listen_until(path.c_str(), capacity, &o, detail::deadline_ns(deadline), &bus, &d) != TACHYON_OK)
            throw error(d, "tachyon_bus_listen " + path);
        return Bus(bus);
    }

    // Connects to the listener on `path` (waiting up to opts.timeout, 5 s when zero,
    // for it to appear) and returns the producer side.
    static Bus connect(const std::string &path, const Options &opts = {})
    {
        nanoseconds wait = opts.timeout == nanoseconds::zero() ? nanoseconds(TACHYON_CONNECT_DEFAULT_NS) : opts.timeout;
        return connect(path, opts, detail::after(wait));
    }
    // connect() that gives up at `deadline`; opts.timeout is ignored.
    static Bus connect(const std::string &path, const Options &opts, Clock::time_point deadline)
    {
        tachyon_options_t o = opts.to_c();
        tachyon_bus_t *bus = nullptr;
        tachyon_error_detail_t d{};
        if (tachyon_bus_connect_until(path.c_str(), &o, detail::deadline_ns(deadline), &bus, &d) != TACHYON_OK)
            throw error(d, "tachyon_bus_connect " + path);
        return Bus(bus);
    }

    // Bytes an arena with a ring of `capacity` bytes needs (0: invalid capacity).
    static std::size_t arena_size(std::size_t capacity) noexcept { return tachyon_arena_size(capacity); }
    // Formats caller memory (64-byte aligned) as an arena; both sides then attach().
    static void format_arena(std::span<std::byte> mem, std::size_t capacity, std::uint64_t fingerprint = 0)
    {
        detail::check(tachyon_arena_format(mem.data(), mem.size(), capacity, fingerprint), "tachyon_arena_format");
    }
    // One side of a formatted arena (same process); the memory stays the caller's.
    static Bus attach(std::span<std::byte> mem, Role role)
    {
        tachyon_bus_t *bus = nullptr;
        detail::check(tachyon_arena_attach(mem.data(), mem.size(), static_cast<tachyon_role_t>(role), &bus),
                      "tachyon_arena_attach");
        return Bus(bus);
    }

    // Takes ownership of a bus made through the C API.
    explicit Bus(tachyon_bus_t *bus) : bus_(bus), interrupt_requested_(std::make_unique<std::atomic<bool>>(false)) {}
    Bus(Bus &&o) noexcept
        : bus_(std::exchange(o.bus_, nullptr)), batch_storage_(std::move(o.batch_storage_)),
          interrupt_requested_(std::move(o.interrupt_requested_))
    {
    }
    Bus &operator=(Bus &&o) noexcept
    {
        if (this != &o) {
            close();
            bus_ = std::exchange(o.bus_, nullptr);
            batch_storage_ = std::move(o.batch_storage_);
            interrupt_requested_ = std::move(o.interrupt_requested_);
        }
        return *this;
    }
    Bus(const Bus &) = delete;
    Bus &operator=(const Bus &) = delete;
    ~Bus() { close(); }

    // Closes this side now (a producer flushes first); the peer sees peer_gone.
    void close() noexcept
    {
        tachyon_bus_destroy(std::exchange(bus_, nullptr));
    }
    tachyon_bus_t *native() const noexcept { return bus_; }

    // Makes the blocking call in progress on this bus (or, if none, the next one
    // to wait) throw errc::Interrupted: the one call another thread may make while
    // this bus's thread uses it, to cancel a wait (the range of messages() too,
    // which otherwise resumes waits that a signal interrupted).
    void interrupt() noexcept
    {
        if (bus_) {
            interrupt_requested_->store(true, std::memory_order_release);
            tachyon_bus_interrupt(bus_);
        }
    }
    explicit operator bool() const noexcept { return bus_ != nullptr; }

    // ---- producer ----

    // A slot of `max_size` bytes, or nullopt when the ring is full right now.
    std::optional<TxGuard> try_acquire_tx(std::size_t max_size)
    {
        void *p = tachyon_acquire_tx(handle(), max_size);
        if (p)
            return TxGuard(bus_, p, max_size);
        if (tachyon_last_error(bus_) == TACHYON_ERR_FULL)
            return std::nullopt;
        detail::raise_last(bus_, "tachyon_acquire_tx");
    }

    // A slot of `max_size` bytes, waiting up to `timeout` (or until `deadline`) for
    // room: errc::Timeout, errc::PeerGone, errc::TooLarge, ...
    TxGuard acquire_tx(std::size_t max_size, nanoseconds timeout = forever)
    {
        // Room now is the common case: no clock read, one call into the library.
        if (void *p = tachyon_acquire_tx(handle(), max_size))
            return TxGuard(bus_, p, max_size);
        if (tachyon_last_error(bus_) != TACHYON_ERR_FULL)
            detail::raise_last(bus_, "tachyon_acquire_tx");
        return acquire_tx(max_size, detail::after(timeout));
    }
    TxGuard acquire_tx(std::size_t max_size, Clock::time_point deadline)
    {
        void *p = tachyon_acquire_tx_until(handle(), max_size, detail::deadline_ns(deadline));
        if (!p)
            fail("tachyon_acquire_tx_until");
        return TxGuard(bus_, p, max_size);
    }

    // Copies `payload` into the ring as one message; false when the ring is full now.
    bool try_send(std::span<const std::byte> payload, std::uint32_t type_id)
    {
        tachyon_error_t err = tachyon_send(handle(), payload.data(), payload.size(), type_id);
        if (err == TACHYON_ERR_FULL)
            return false;
        detail::check_on(bus_, err, "tachyon_send");
        return true;
    }

    // Copies `payload` into the ring as one message, waiting up to `timeout` (or
    // until `deadline`) for room.
    void send(std::span<const std::byte> payload, std::uint32_t type_id, nanoseconds timeout = forever)
    {
        send(payload, type_id, detail::after(timeout));
    }
    void send(std::span<const std::byte> payload, std::uint32_t type_id, Clock::time_point deadline)
    {
        if (tachyon_send_until(handle(), payload.data(), payload.size(), type_id, detail::deadline_ns(deadline)) !=
            TACHYON_OK)
            fail("tachyon_send_until");
    }

    // Typed, in place: reserves Msg::SIZE bytes, zeroes them, calls fill(Msg::Mut
    // view over the slot) and commits them as Msg::ID. `Msg` is a message of a
    // tachc-generated header (market::msg::Bid); nothing is copied. If fill throws,
    // nothing is sent.
    template <class Msg, class Fill>
        requires std::invocable<Fill &, typename Msg::Mut>
    void send(Fill &&fill, nanoseconds timeout = forever)
    {
        TxGuard tx = acquire_tx(Msg::SIZE, timeout);
        typename Msg::Mut view(tx.bytes());
        view.clear();
        std::forward<Fill>(fill)(view);
        tx.commit(Msg::SIZE, Msg::ID);
    }
    // Typed, for a message with an empty payload (market::msg::End).
    template <class Msg>
    void send(nanoseconds timeout = forever)
    {
        static_assert(Msg::SIZE == 0, "this message has a payload: pass a function that fills it");
        send(std::span<const std::byte>{}, Msg::ID, timeout);
    }

    // Publishes every committed message now and wakes a sleeping consumer.
    void flush() { detail::check_on(bus_, tachyon_flush(handle()), "tachyon_flush"); }

    // ---- consumer ----

    // The next message if one is there now (nullopt: none yet). Throws
    // errc::PeerGone once the producer is gone and everything was read.
    std::optional<RxGuard> try_receive()
    {
        std::uint32_t type_id = 0;
        std::size_t size = 0;
        const void *p = tachyon_acquire_rx(handle(), &type_id, &size);
        if (p)
            return RxGuard(bus_, p, size, type_id);
        if (tachyon_last_error(bus_) == TACHYON_ERR_EMPTY)
            return std::nullopt;
        detail::raise_last(bus_, "tachyon_acquire_rx");
    }

    // The next message, waiting up to `timeout` (spinning `spin` times before it
    // sleeps). Throws errc::Timeout, errc::PeerGone (the producer is gone and
    // everything was read) or errc::Interrupted (a signal arrived; call again).
    RxGuard receive(nanoseconds timeout = forever, std::uint32_t spin = default_spin)
    {
        return receive(detail::after(timeout), spin);
    }
    RxGuard receive(Clock::time_point deadline, std::uint32_t spin = default_spin)
    {
        std::uint32_t type_id = 0;
        std::size_t size = 0;
        const void *p = tachyon_acquire_rx_until(handle(), &type_id, &size, spin, detail::deadline_ns(deadline));
        if (!p)
            fail("tachyon_acquire_rx_until");
        return RxGuard(bus_, p, size, type_id);
    }

    // Range-for over every message until the producer is gone (waits a signal
    // interrupted are resumed; interrupt() throws errc::Interrupted out of the loop):
    // for (tachyon::RxGuard &m : bus.messages()) ...
    MessageRange messages(std::uint32_t spin = default_spin)
    {
        return MessageRange(handle(), spin, interrupt_requested_.get());
    }

    // Up to storage.size() messages available now, without waiting (an empty
    // batch: none yet). Throws errc::PeerGone once the producer is gone and
    // everything was read. The batch releases them when it is destroyed.
    Batch drain_batch(std::span<tachyon_msg_t> storage)
    {
        std::size_t n = tachyon_drain_batch(handle(), storage.data(), storage.size());
        if (n == 0 && !storage.empty() && tachyon_last_error(bus_) != TACHYON_ERR_EMPTY)
            detail::raise_last(bus_, "tachyon_drain_batch");
        return Batch(bus_, storage.first(n));
    }
    // drain_batch into storage the bus keeps (allocated on the first call only).
    Batch drain_batch(std::size_t max = 64) { return drain_batch(storage(max)); }

    // drain_batch that first waits until at least one message is there, up to
    // `deadline` (errc::Timeout), spinning `spin` times before it sleeps.
    Batch drain_batch(std::span<tachyon_msg_t> storage, Clock::time_point deadline, std::uint32_t spin = default_spin)
    {
        std::size_t n =
            tachyon_drain_batch_until(handle(), storage.data(), storage.size(), spin, detail::deadline_ns(deadline));
        if (n == 0)
            fail("tachyon_drain_batch_until");
        return Batch(bus_, storage.first(n));
    }
    Batch drain_batch(std::size_t max, nanoseconds timeout, std::uint32_t spin = default_spin)
    {
        return drain_batch(storage(max), detail::after(timeout), spin);
    }

    // ---- queries ----

    Role role() const noexcept { return static_cast<Role>(tachyon_bus_role(bus_)); }
    std::size_t capacity() const noexcept { return tachyon_capacity(bus_); }
    std::size_t max_message_size() const noexcept { return tachyon_max_message_size(bus_); }
    std::uint64_t schema_fingerprint() const noexcept { return tachyon_schema_fingerprint(bus_); }
    // Whether the peer is attached and alive (may make a syscall).
    bool peer_alive() const noexcept { return tachyon_peer_alive(bus_) != 0; }
    tachyon_stats_t stats() const
    {
        tachyon_stats_t s{};
        detail::check_on(bus_, tachyon_get_stats(handle(), &s), "tachyon_get_stats");
        return s;
    }
    // The C handle, for the C calls this class does not wrap (tachyon_waitset_add_bus, ...).
    // Owned by the Bus; throws errc::State once it is closed or moved from.
    tachyon_bus_t *native_handle() const { return handle(); }

private:
    // Throws the last failure; an interrupted wait consumes a pending interrupt().
    [[noreturn]] void fail(const char *call)
    {
        if (tachyon_last_error(bus_) == TACHYON_ERR_INTERRUPTED)
            interrupt_requested_->store(false, std::memory_order_release);
        detail::raise_last(bus_, call);
    }
    std::span<tachyon_msg_t> storage(std::size_t max)
    {
        if (batch_storage_.size() < max)
            batch_storage_.resize(max);
        return {batch_storage_.data(), max};
    }
    tachyon_bus_t *handle() const
    {
        if (!bus_)
            throw error(errc::State, "tachyon::Bus: closed or moved from");
        return bus_;
    }
    tachyon_bus_t *bus_;
    std::vector<tachyon_msg_t> batch_storage_;
    // Set by interrupt(), so that messages() tells it from a signal; on the heap,
    // so that its address survives moves of the Bus.
    std::unique_ptr<std::atomic<bool>> interrupt_requested_;
};

} // namespace tachyon

#endif // TACHYON_HPP
