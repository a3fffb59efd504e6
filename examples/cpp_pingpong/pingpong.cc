// pingpong.cc - round-trip latency of a 32-byte message between two processes
// over two tachyon buses (one per direction) through the C++ binding, next to
// the physical floor: the same two processes bouncing 32 bytes through one bare
// shared cache line per direction. The C++ twin of examples/c_pingpong.
//
//   cpp_pingpong [--samples N] [--cpus A,B] [--json]
//
// Every sample is one floor round trip then one tachyon round trip in the same
// pair of processes, so both see the same CPU placement. Both processes are
// pinned to one CPU each (default: the first two CPUs this process may use).
#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "tachyon.hpp"

namespace {

constexpr std::size_t payload_size = 32;
constexpr std::uint64_t warmup = 20000;
constexpr std::uint32_t spin = 1u << 22;
constexpr std::size_t ring = 1024; // one message in flight cycles through 16 lines that stay in L1
constexpr std::uint32_t ping_type = 1;

struct Options {
    std::uint64_t samples = 1000000;
    std::array<int, 2> cpu{-1, -1};
    bool json = false;
};

std::int64_t now_ns()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

void pin(int cpu)
{
    if (cpu < 0)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0)
        std::fprintf(stderr, "cpp_pingpong: cannot pin to cpu %d\n", cpu);
}

std::array<int, 2> default_cpus()
{
    cpu_set_t set;
    std::array<int, 2> cpu{-1, -1};
    int n = 0;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return cpu;
    for (int i = 0; i < CPU_SETSIZE && n < 2; i++)
        if (CPU_ISSET(i, &set))
            cpu[static_cast<std::size_t>(n++)] = i;
    return n == 2 ? cpu : std::array<int, 2>{-1, -1};
}

inline void cpu_relax()
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

// ---- floor: one line per direction, the sequence number written last ----
struct alignas(128) FloorLine {
    std::array<std::byte, payload_size> payload;
    std::atomic<std::uint64_t> seq;
};
struct FloorShm {
    FloorLine ping, pong;
};

void floor_wait(FloorLine &line, std::uint64_t seq)
{
    while (line.seq.load(std::memory_order_acquire) != seq)
        cpu_relax();
}

void floor_put(FloorLine &line, std::span<const std::byte, payload_size> msg, std::uint64_t seq)
{
    std::memcpy(line.payload.data(), msg.data(), payload_size);
    line.seq.store(seq, std::memory_order_release);
}

// ---- tachyon: bus "ping" parent -> child, bus "pong" child -> parent ----
void send32(tachyon::Bus &bus, std::span<const std::byte> msg)
{
    tachyon::TxGuard tx = bus.acquire_tx(payload_size);
    std::memcpy(tx.data(), msg.data(), payload_size);
    tx.commit(ping_type);
    bus.flush();
}

int child_echo(const Options &o, FloorShm &shm, const std::string &ping, const std::string &pong, std::uint64_t total)
{
    pin(o.cpu[1]);
    try {
        tachyon::Bus rx = tachyon::Bus::listen(ping, ring);
        tachyon::Bus tx = tachyon::Bus::connect(pong);
        std::array<std::byte, payload_size> buf{};
        for (std::uint64_t seq = 1; seq <= total; seq++) {
            floor_wait(shm.ping, seq);
            std::memcpy(buf.data(), shm.ping.payload.data(), payload_size);
            floor_put(shm.pong, buf, seq);
            tachyon::RxGuard m = rx.receive(tachyon::forever, spin);
            if (m.size() != payload_size)
                return 1;
            send32(tx, m.bytes());
        }
    } catch (const std::exception &e) {
        std::fprintf(stderr, "cpp_pingpong (child): %s\n", e.what());
        return 1;
    }
    return 0;
}

struct Result {
    std::array<std::uint64_t, 7> pct{}; // min p50 p90 p99 p99.9 p99.99 max
    double rtt_per_s = 0;
};

Result summarize(std::vector<std::uint32_t> &rtt, std::int64_t elapsed_ns)
{
    static constexpr std::array<double, 7> q{0, 0.50, 0.90, 0.99, 0.999, 0.9999, 1};
    std::sort(rtt.begin(), rtt.end());
    Result r;
    for (std::size_t i = 0; i < q.size(); i++) {
        auto idx = q[i] <= 0 ? 0 : static_cast<std::size_t>(q[i] * static_cast<double>(rtt.size()) + 0.999999) - 1;
        r.pct[i] = rtt[std::min(idx, rtt.size() - 1)];
    }
    r.rtt_per_s = static_cast<double>(rtt.size()) * 1e9 / static_cast<double>(elapsed_ns);
    return r;
}

void print(const Options &o, const char *transport, const Result &r)
{
    if (o.json) {
        std::printf("{\"bench\":\"pingpong\",\"transport\":\"%s\",\"payload\":%zu,\"samples\":%llu,\"min_ns\":%llu,"
                    "\"p50_ns\":%llu,\"p90_ns\":%llu,\"p99_ns\":%llu,\"p999_ns\":%llu,\"p9999_ns\":%llu,"
                    "\"max_ns\":%llu,\"rtt_per_s\":%.0f}\n",
                    transport, payload_size, static_cast<unsigned long long>(o.samples),
                    static_cast<unsigned long long>(r.pct[0]), static_cast<unsigned long long>(r.pct[1]),
                    static_cast<unsigned long long>(r.pct[2]), static_cast<unsigned long long>(r.pct[3]),
                    static_cast<unsigned long long>(r.pct[4]), static_cast<unsigned long long>(r.pct[5]),
                    static_cast<unsigned long long>(r.pct[6]), r.rtt_per_s);
        return;
    }
    std::printf("%-12s min %5llu  p50 %5llu  p90 %5llu  p99 %6llu  p99.9 %6llu  p99.99 %7llu  max %8llu ns  "
                "%.0f rtt/s\n",
                transport, static_cast<unsigned long long>(r.pct[0]), static_cast<unsigned long long>(r.pct[1]),
                static_cast<unsigned long long>(r.pct[2]), static_cast<unsigned long long>(r.pct[3]),
                static_cast<unsigned long long>(r.pct[4]), static_cast<unsigned long long>(r.pct[5]),
                static_cast<unsigned long long>(r.pct[6]), r.rtt_per_s);
}

Options parse(int argc, char **argv)
{
    Options o;
    o.cpu = default_cpus();
    for (int i = 1; i < argc; i++) {
        std::string_view a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : nullptr;
        if (a == "--json") {
            o.json = true;
        } else if (a == "--samples" && v) {
            o.samples = std::strtoull(v, nullptr, 10);
            i++;
        } else if (a == "--cpus" && v && std::sscanf(v, "%d,%d", &o.cpu[0], &o.cpu[1]) == 2) {
            i++;
        } else {
            std::fprintf(stderr, "usage: %s [--samples N] [--cpus A,B] [--json]\n", argv[0]);
            std::exit(2);
        }
    }
    if (o.samples == 0) {
        std::fprintf(stderr, "cpp_pingpong: --samples must be at least 1\n");
        std::exit(2);
    }
    return o;
}

} // namespace

int main(int argc, char **argv)
{
    Options o = parse(argc, argv);
    void *mem = mmap(nullptr, sizeof(FloorShm), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED)
        return 1;
    auto *shm = new (mem) FloorShm{};
    std::string tag = "@cpp_pingpong-" + std::to_string(getpid());
    std::string ping = tag + "-ping", pong = tag + "-pong";
    std::uint64_t total = warmup + o.samples;
    pid_t child = fork();
    if (child < 0)
        return 1;
    if (child == 0)
        _exit(child_echo(o, *shm, ping, pong, total));

    pin(o.cpu[0]);
    std::vector<std::uint32_t> floor_rtt(o.samples), tachyon_rtt(o.samples);
    std::int64_t floor_ns = 0, tachyon_ns = 0;
    bool ok = true;
    try {
        tachyon::Bus tx = tachyon::Bus::connect(ping, {.timeout = std::chrono::seconds(10)});
        tachyon::Bus rx = tachyon::Bus::listen(pong, ring, {.timeout = std::chrono::seconds(10)});
        std::array<std::byte, payload_size> msg{};
        for (std::uint64_t seq = 1; seq <= total && ok; seq++) {
            std::memcpy(msg.data(), &seq, sizeof seq);
            std::int64_t t0 = now_ns();
            floor_put(shm->ping, msg, seq);
            floor_wait(shm->pong, seq);
            std::memcpy(msg.data(), shm->pong.payload.data(), payload_size);
            std::int64_t t1 = now_ns();
            send32(tx, msg);
            {
                tachyon::RxGuard reply = rx.receive(tachyon::forever, spin);
                ok = reply.size() == payload_size && std::memcmp(reply.data(), &seq, sizeof seq) == 0;
            }
            std::int64_t t2 = now_ns();
            if (seq > warmup) {
                floor_rtt[seq - warmup - 1] = static_cast<std::uint32_t>(t1 - t0);
                tachyon_rtt[seq - warmup - 1] = static_cast<std::uint32_t>(t2 - t1);
                floor_ns += t1 - t0;
                tachyon_ns += t2 - t1;
            }
        }
    } catch (const std::exception &e) {
        std::fprintf(stderr, "cpp_pingpong: %s\n", e.what());
        ok = false;
    }
    int status = 0;
    if (!ok)
        kill(child, SIGKILL);
    waitpid(child, &status, 0);
    munmap(mem, sizeof(FloorShm));
    if (!ok || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "cpp_pingpong: the round trip failed\n");
        return 1;
    }
    Result floor_r = summarize(floor_rtt, floor_ns), tachyon_r = summarize(tachyon_rtt, tachyon_ns);
    if (!o.json)
        std::printf("cpp_pingpong: %llu round trips of %zu bytes, cpus %d,%d\n",
                    static_cast<unsigned long long>(o.samples), payload_size, o.cpu[0], o.cpu[1]);
    print(o, "floor", floor_r);
    print(o, "tachyon-cpp", tachyon_r);
    if (!o.json)
        std::printf("p50 ratio tachyon-cpp / floor: %.2fx\n",
                    static_cast<double>(tachyon_r.pct[1]) / static_cast<double>(floor_r.pct[1]));
    return 0;
}
