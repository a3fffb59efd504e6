// tachyon_topology.hpp - RAII over libtachyon's fan-out, fan-in and wait-sets
// (tachyon.h, "Fan-out", "Fan-in", "Wait-sets"), in the style of tachyon.hpp:
// failures throw tachyon::error, deadlines are tachyon::Clock time points.
//
//   auto pub = tachyon::FanOut::listen("@ticks", 1 << 20, tachyon::LagPolicy::drop);
//   auto sub = tachyon::Subscriber::connect("@ticks");
//   pub.send(std::as_bytes(std::span(tick)), 1);
//   if (auto m = sub.receive(tachyon::Clock::now() + 1s)) { ...m->bytes()...; m->commit(); }
#ifndef TACHYON_TOPOLOGY_HPP
#define TACHYON_TOPOLOGY_HPP

#include <atomic>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "tachyon.hpp"

namespace tachyon {

enum class LagPolicy { block = TACHYON_LAG_BLOCK, drop = TACHYON_LAG_DROP };
enum class Join : std::uint32_t { newest = TACHYON_JOIN_NEWEST, oldest = TACHYON_JOIN_OLDEST };

namespace detail {
// Owns one C handle; `Destroy` frees it.
template <class T, void (*Destroy)(T *)> class Handle {
public:
    explicit Handle(T *p = nullptr) noexcept : p_(p) {}
    Handle(Handle &&o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
    Handle &operator=(Handle &&o) noexcept
    {
        if (this != &o) {
            reset();
            p_ = std::exchange(o.p_, nullptr);
        }
        return *this;
    }
    Handle(const Handle &) = delete;
    Handle &operator=(const Handle &) = delete;
    ~Handle() { reset(); }
    void reset() noexcept
    {
        if (p_)
            Destroy(std::exchange(p_, nullptr));
    }
    T *peek() const noexcept { return p_; }
    T *get(const char *what) const
    {
        if (!p_)
            throw error(errc::State, what);
        return p_;
    }

private:
    T *p_;
};

// What interrupt() asked for: a wait that ends INTERRUPTED throws errc::Interrupted
// when it was interrupt() (the flag is consumed), and resumes to the same deadline
// when it was only a signal, as Bus's waits do.
class InterruptFlag {
public:
    InterruptFlag() : f_(std::make_unique<std::atomic<bool>>(false)) {}
    void raise() noexcept
    {
        if (f_)
            f_->store(true, std::memory_order_release);
    }
    bool consume() noexcept { return f_ && f_->exchange(false, std::memory_order_acq_rel); }

private:
    std::unique_ptr<std::atomic<bool>> f_;
};

// Throws errc::Interrupted for an interrupt() the wait that ended INTERRUPTED answered.
inline void interrupted(InterruptFlag &flag, tachyon_error_t err, const char *call)
{
    if (err == TACHYON_ERR_INTERRUPTED && flag.consume())
        raise(err, call);
}
} // namespace detail

// The producer of a fan-out: each message is written once and read in place by every subscriber.
class FanOut {
public:
    static FanOut listen(const std::string &path, std::size_t capacity, LagPolicy policy = LagPolicy::block,
                         const Options &opts = {})
    {
        tachyon_options_t o = opts.to_c();
        tachyon_fanout_t *p = nullptr;
        detail::check(tachyon_fanout_listen(path.c_str(), capacity, static_cast<tachyon_lag_policy_t>(policy), &o, &p),
                      "tachyon_fanout_listen");
        return FanOut(p);
    }
    // Publishes one message, waiting for room until `deadline` (no_deadline: no limit).
    void send(std::span<const std::byte> payload, std::uint32_t type_id, Clock::time_point deadline = no_deadline)
    {
        for (;;) {
            tachyon_error_t err = tachyon_fanout_send_until(h_.get("tachyon::FanOut: closed"), payload.data(),
                                                            payload.size(), type_id, detail::deadline_ns(deadline));
            detail::interrupted(interrupt_, err, "tachyon_fanout_send_until");
            if (err != TACHYON_ERR_INTERRUPTED) {
                detail::check(err, "tachyon_fanout_send_until");
                return;
            }
        }
    }
    // Publishes one message if there is room now; false when the ring is full.
    bool try_send(std::span<const std::byte> payload, std::uint32_t type_id)
    {
        tachyon_error_t err = tachyon_fanout_send_until(h_.get("tachyon::FanOut: closed"), payload.data(),
                                                        payload.size(), type_id, 0);
        if (err == TACHYON_ERR_FULL)
            return false;
        detail::check(err, "tachyon_fanout_send_until");
        return true;
    }
    std::size_t subscribers() const { return tachyon_fanout_subscribers(h_.get("tachyon::FanOut: closed")); }
    // Makes the send waiting now (or, if none, the next one to wait) throw
    // errc::Interrupted: the one call another thread may make on this object.
    void interrupt() noexcept { interrupt_.raise(), tachyon_fanout_interrupt(h_.peek()); }
    void close() noexcept { h_.reset(); }

private:
    explicit FanOut(tachyon_fanout_t *p) noexcept : h_(p) {}
    detail::Handle<tachyon_fanout_t, tachyon_fanout_destroy> h_;
    detail::InterruptFlag interrupt_;
};

// A message held in place by a Subscriber or a FanIn until commit() (or destruction).
template <class T, tachyon_error_t (*Commit)(T *)> class Held : public Message {
public:
    Held(T *owner, const void *data, std::size_t size, std::uint32_t type_id) noexcept
        : Message(data, size, type_id), owner_(owner)
    {
    }
    Held(Held &&o) noexcept : Message(o), owner_(std::exchange(o.owner_, nullptr)) {}
    Held(const Held &) = delete;
    Held &operator=(const Held &) = delete;
    Held &operator=(Held &&) = delete;
    ~Held()
    {
        if (owner_)
            Commit(owner_);
    }
    // Releases the message. A subscriber dropped while it held it gets errc::Lagged:
    // what was read from bytes() may have been overwritten and must be discarded.
    void commit()
    {
        if (T *o = std::exchange(owner_, nullptr))
            detail::check(Commit(o), "commit");
    }

private:
    T *owner_;
};

using SubMessage = Held<tachyon_sub_t, tachyon_sub_commit_rx>;

class Subscriber {
public:
    static Subscriber connect(const std::string &path, Join join = Join::newest, const Options &opts = {},
                              Clock::time_point deadline = Clock::now() + nanoseconds(TACHYON_CONNECT_DEFAULT_NS))
    {
        tachyon_options_t o = opts.to_c();
        tachyon_sub_t *p = nullptr;
        tachyon_error_detail_t d{};
        tachyon_error_t err = tachyon_sub_connect_until(path.c_str(), &o, static_cast<std::uint32_t>(join),
                                                        detail::deadline_ns(deadline), &p, &d);
        if (err != TACHYON_OK)
            throw error(d, "tachyon_sub_connect_until");
        return Subscriber(p);
    }
    // The next message in place, waiting until `deadline`; nullopt when it passed.
    // Throws errc::PeerGone at the end of the stream, errc::Lagged once dropped.
    std::optional<SubMessage> receive(Clock::time_point deadline = no_deadline)
    {
        tachyon_sub_t *s = h_.get("tachyon::Subscriber: closed");
        std::uint32_t type_id = 0;
        std::size_t size = 0;
        for (;;) {
            const void *p = tachyon_sub_acquire_rx_until(s, &type_id, &size, detail::deadline_ns(deadline));
            if (p)
                return SubMessage(s, p, size, type_id);
            tachyon_error_t err = tachyon_sub_last_error(s);
            if (err == TACHYON_ERR_TIMEOUT)
                return std::nullopt;
            detail::interrupted(interrupt_, err, "tachyon_sub_acquire_rx_until");
            if (err != TACHYON_ERR_INTERRUPTED)
                detail::raise(err, "tachyon_sub_acquire_rx_until");
        }
    }
    void rejoin(Join join = Join::newest)
    {
        detail::check(tachyon_sub_rejoin(h_.get("tachyon::Subscriber: closed"), static_cast<std::uint32_t>(join)),
                      "tachyon_sub_rejoin");
    }
    tachyon_sub_t *native_handle() const { return h_.get("tachyon::Subscriber: closed"); }
    // Makes the receive waiting now (or, if none, the next one to wait) throw errc::Interrupted.
    void interrupt() noexcept { interrupt_.raise(), tachyon_sub_interrupt(h_.peek()); }
    void close() noexcept { h_.reset(); }

private:
    explicit Subscriber(tachyon_sub_t *p) noexcept : h_(p) {}
    detail::Handle<tachyon_sub_t, tachyon_sub_destroy> h_;
    detail::InterruptFlag interrupt_;
};

using FanInMessage = Held<tachyon_fanin_t, tachyon_fanin_commit_rx>;

// The consumer of a fan-in: producers connect with Bus::connect; one message per producer in turn.
class FanIn {
public:
    static FanIn listen(const std::string &path, std::size_t capacity, const Options &opts = {})
    {
        tachyon_options_t o = opts.to_c();
        tachyon_fanin_t *p = nullptr;
        detail::check(tachyon_fanin_listen(path.c_str(), capacity, &o, &p), "tachyon_fanin_listen");
        return FanIn(p);
    }
    // The next message and its sender, waiting until `deadline`; nullopt when it passed.
    std::optional<std::pair<FanInMessage, tachyon_sender_t>> receive(Clock::time_point deadline = no_deadline)
    {
        tachyon_fanin_t *f = h_.get("tachyon::FanIn: closed");
        std::uint32_t type_id = 0;
        std::size_t size = 0;
        tachyon_sender_t from{};
        for (;;) {
            const void *p =
                tachyon_fanin_acquire_rx_until(f, &type_id, &size, &from, detail::deadline_ns(deadline));
            if (p)
                return std::pair<FanInMessage, tachyon_sender_t>(FanInMessage(f, p, size, type_id), from);
            tachyon_error_t err = tachyon_fanin_last_error(f);
            if (err == TACHYON_ERR_TIMEOUT)
                return std::nullopt;
            detail::interrupted(interrupt_, err, "tachyon_fanin_acquire_rx_until");
            if (err != TACHYON_ERR_INTERRUPTED)
                detail::raise(err, "tachyon_fanin_acquire_rx_until");
        }
    }
    std::size_t producers() const { return tachyon_fanin_producers(h_.get("tachyon::FanIn: closed")); }
    tachyon_fanin_t *native_handle() const { return h_.get("tachyon::FanIn: closed"); }
    // Makes the receive waiting now (or, if none, the next one to wait) throw errc::Interrupted.
    void interrupt() noexcept { interrupt_.raise(), tachyon_fanin_interrupt(h_.peek()); }
    void close() noexcept { h_.reset(); }

private:
    explicit FanIn(tachyon_fanin_t *p) noexcept : h_(p) {}
    detail::Handle<tachyon_fanin_t, tachyon_fanin_destroy> h_;
    detail::InterruptFlag interrupt_;
};

// One thread waiting on many consumers; fd() for event loops. Members must outlive their membership.
class WaitSet {
public:
    WaitSet()
    {
        tachyon_waitset_t *p = nullptr;
        detail::check(tachyon_waitset_new(&p), "tachyon_waitset_new");
        h_ = detail::Handle<tachyon_waitset_t, tachyon_waitset_destroy>(p);
    }
    void add(Bus &bus, std::uint64_t key)
    {
        detail::check(tachyon_waitset_add_bus(ws(), bus.native_handle(), key), "tachyon_waitset_add_bus");
    }
    void add(Subscriber &sub, std::uint64_t key)
    {
        detail::check(tachyon_waitset_add_sub(ws(), sub.native_handle(), key), "tachyon_waitset_add_sub");
    }
    void add(FanIn &fi, std::uint64_t key)
    {
        detail::check(tachyon_waitset_add_fanin(ws(), fi.native_handle(), key), "tachyon_waitset_add_fanin");
    }
    void remove(std::uint64_t key) { detail::check(tachyon_waitset_remove(ws(), key), "tachyon_waitset_remove"); }
    // Keys of the members with something to read; empty once `deadline` passed
    // (Clock::time_point{}: do not wait, and re-arm fd()).
    std::vector<std::uint64_t> wait(Clock::time_point deadline = no_deadline)
    {
        std::uint64_t keys[TACHYON_MAX_MEMBERS];
        for (;;) {
            tachyon_error_t err = TACHYON_OK;
            std::size_t n = tachyon_waitset_wait_until(ws(), keys, TACHYON_MAX_MEMBERS, detail::deadline_ns(deadline), &err);
            if (n || err == TACHYON_ERR_TIMEOUT)
                return std::vector<std::uint64_t>(keys, keys + n);
            detail::interrupted(interrupt_, err, "tachyon_waitset_wait_until");
            if (err != TACHYON_ERR_INTERRUPTED)
                detail::raise(err, "tachyon_waitset_wait_until");
        }
    }
    // An fd (epoll) readable when a member has something to read, until a wait(0) finds nothing; owned by the wait-set.
    int fd()
    {
        int fd = tachyon_waitset_fd(ws());
        if (fd < 0)
            throw error(errc::System, "tachyon_waitset_fd");
        return fd;
    }

    // Makes the wait in progress (or, if none, the next one to wait) throw errc::Interrupted.
    void interrupt() noexcept { interrupt_.raise(), tachyon_waitset_interrupt(h_.peek()); }

private:
    tachyon_waitset_t *ws() const { return h_.get("tachyon::WaitSet: closed"); }
    detail::Handle<tachyon_waitset_t, tachyon_waitset_destroy> h_;
    detail::InterruptFlag interrupt_;
};

} // namespace tachyon

#endif // TACHYON_TOPOLOGY_HPP
