// tachyon_support.hpp - the support code every C++ header tachc generates
// carries (namespace tachc): little-endian loads and stores through memcpy and
// std::bit_cast, char[N] text, size/text/unknown-id exceptions, and span-like
// views over arrays of scalars and of structs.
//
// tachc embeds the lines between the tachc-support markers into each generated
// header at build time (compiler/embed_support.awk); they are guarded, so
// several generated headers can be included in one translation unit. The
// compiler tests compile this file as C++20 with every warning on.
#include <bit>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

// tachc-support: begin helpers
#ifndef TACHC_CPP_SUPPORT_V1
#define TACHC_CPP_SUPPORT_V1
// What every tachc-generated C++ header shares (namespace tachc).
namespace tachc {

static_assert(sizeof(float) == 4 && sizeof(double) == 8 && sizeof(bool) == 1,
              "the wire types need 4-byte float, 8-byte double and 1-byte bool");
static_assert(std::endian::native == std::endian::little || std::endian::native == std::endian::big);

// A payload shorter than the struct a view needs.
class size_error : public std::length_error {
public:
    size_error(std::string_view type, std::size_t need, std::size_t got)
        : std::length_error(std::string(type) + " needs " + std::to_string(need) + " bytes, got " +
                            std::to_string(got))
    {
    }
};

// A type id that no message of the schema has.
class unknown_type_error : public std::invalid_argument {
public:
    unknown_type_error(std::string_view schema, std::uint32_t id)
        : std::invalid_argument("unknown " + std::string(schema) + " type id " + std::to_string(id)), id_(id)
    {
    }
    std::uint32_t type_id() const noexcept { return id_; }

private:
    std::uint32_t id_;
};

// Text longer than its char[N] field.
class text_error : public std::length_error {
public:
    text_error(std::string_view field, std::size_t cap, std::size_t len)
        : std::length_error(std::string(field) + " holds " + std::to_string(cap) + " bytes, text has " +
                            std::to_string(len))
    {
    }
};

namespace detail {
template <class U> constexpr U byteswap(U v) noexcept
{
    U r = 0;
    for (std::size_t i = 0; i < sizeof(U); i++, v = static_cast<U>(v >> 8))
        r = static_cast<U>((r << 8) | (v & 0xffu));
    return r;
}

template <std::size_t N> struct uint_of;
template <> struct uint_of<1> { using type = std::uint8_t; };
template <> struct uint_of<2> { using type = std::uint16_t; };
template <> struct uint_of<4> { using type = std::uint32_t; };
template <> struct uint_of<8> { using type = std::uint64_t; };

// A little-endian value of T at p (any alignment). bool: any non-zero byte is true.
template <class T> T load(const std::byte *p) noexcept
{
    if constexpr (std::is_same_v<T, bool>) {
        return std::to_integer<unsigned>(*p) != 0;
    } else {
        using U = typename uint_of<sizeof(T)>::type;
        U u;
        std::memcpy(&u, p, sizeof u);
        if constexpr (std::endian::native == std::endian::big)
            u = byteswap(u);
        if constexpr (std::is_floating_point_v<T>)
            return std::bit_cast<T>(u);
        else
            return static_cast<T>(u);
    }
}

// Stores v little-endian at p (any alignment). bool: true is stored as 1.
template <class T> void store(std::byte *p, T v) noexcept
{
    if constexpr (std::is_same_v<T, bool>) {
        *p = std::byte{static_cast<unsigned char>(v ? 1 : 0)};
    } else {
        using U = typename uint_of<sizeof(T)>::type;
        U u;
        if constexpr (std::is_floating_point_v<T>)
            u = std::bit_cast<U>(v);
        else
            u = static_cast<U>(v);
        if constexpr (std::endian::native == std::endian::big)
            u = byteswap(u);
        std::memcpy(p, &u, sizeof u);
    }
}

inline void check_size(std::string_view type, std::size_t need, std::size_t got)
{
    if (got < need)
        throw size_error(type, need, got);
}

// The text of a char[n] field: its bytes before the first NUL.
inline std::string_view load_text(const std::byte *p, std::size_t n) noexcept
{
    const char *s = reinterpret_cast<const char *>(p);
    const void *nul = std::memchr(s, 0, n);
    return {s, nul ? static_cast<std::size_t>(static_cast<const char *>(nul) - s) : n};
}

// Stores text NUL-padded to n bytes; longer text throws text_error and writes nothing.
inline void store_text(std::byte *p, std::size_t n, std::string_view text, std::string_view field)
{
    if (text.size() > n)
        throw text_error(field, n, text.size());
    if (!text.empty())
        std::memcpy(p, text.data(), text.size());
    std::memset(p + text.size(), 0, n - text.size());
}

inline void check_index(std::size_t i, std::size_t n)
{
    if (i >= n)
        throw std::out_of_range("index " + std::to_string(i) + " of an array of " + std::to_string(n));
}

// A random-access iterator over elements made on the fly by at(base, i).
template <class Owner, class T> class index_iterator {
public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = T;

    index_iterator() = default;
    index_iterator(const Owner *o, std::size_t i) noexcept : o_(o), i_(i) {}
    T operator*() const noexcept { return (*o_)[i_]; }
    T operator[](difference_type n) const noexcept { return (*o_)[i_ + static_cast<std::size_t>(n)]; }
    index_iterator &operator++() noexcept { ++i_; return *this; }
    index_iterator operator++(int) noexcept { index_iterator t = *this; ++i_; return t; }
    index_iterator &operator--() noexcept { --i_; return *this; }
    index_iterator operator--(int) noexcept { index_iterator t = *this; --i_; return t; }
    index_iterator &operator+=(difference_type n) noexcept { i_ += static_cast<std::size_t>(n); return *this; }
    index_iterator &operator-=(difference_type n) noexcept { i_ -= static_cast<std::size_t>(n); return *this; }
    friend index_iterator operator+(index_iterator a, difference_type n) noexcept { return a += n; }
    friend index_iterator operator+(difference_type n, index_iterator a) noexcept { return a += n; }
    friend index_iterator operator-(index_iterator a, difference_type n) noexcept { return a -= n; }
    friend difference_type operator-(index_iterator a, index_iterator b) noexcept
    {
        return static_cast<difference_type>(a.i_) - static_cast<difference_type>(b.i_);
    }
    friend bool operator==(index_iterator a, index_iterator b) noexcept { return a.i_ == b.i_; }
    friend auto operator<=>(index_iterator a, index_iterator b) noexcept { return a.i_ <=> b.i_; }

private:
    const Owner *o_ = nullptr;
    std::size_t i_ = 0;
};
} // namespace detail

// T[N] in place: elements read by value, little-endian, at any alignment.
template <class T, std::size_t N> class array_view {
public:
    using value_type = T;
    using iterator = detail::index_iterator<array_view, T>;
    static constexpr std::size_t STRIDE = sizeof(T);

    explicit array_view(const std::byte *p) noexcept : p_(p) {}
    static constexpr std::size_t size() noexcept { return N; }
    // Element i (i < N, unchecked); at(i) checks.
    T operator[](std::size_t i) const noexcept { return detail::load<T>(p_ + i * STRIDE); }
    T at(std::size_t i) const
    {
        detail::check_index(i, N);
        return (*this)[i];
    }
    iterator begin() const noexcept { return iterator(this, 0); }
    iterator end() const noexcept { return iterator(this, N); }
    // The N * sizeof(T) bytes, in place.
    std::span<const std::byte, N * STRIDE> bytes() const noexcept { return std::span<const std::byte, N * STRIDE>(p_, N * STRIDE); }
    // The elements as a std::span<const T, N> in place, when this host is little-endian and
    // the bytes are aligned for T (a payload field at an aligned offset); else nullopt.
    std::optional<std::span<const T, N>> native() const noexcept
    {
        if constexpr (std::endian::native == std::endian::little && !std::is_same_v<T, bool>) {
            if (reinterpret_cast<std::uintptr_t>(p_) % alignof(T) == 0)
                return std::span<const T, N>(reinterpret_cast<const T *>(p_), N);
        }
        return std::nullopt;
    }
    // Copies every element out.
    void copy_to(std::span<T, N> out) const noexcept
    {
        for (std::size_t i = 0; i < N; i++)
            out[i] = (*this)[i];
    }

private:
    const std::byte *p_;
};

// T[N] in place, writable.
template <class T, std::size_t N> class array_mut {
public:
    using value_type = T;
    using iterator = detail::index_iterator<array_mut, T>;
    static constexpr std::size_t STRIDE = sizeof(T);

    explicit array_mut(std::byte *p) noexcept : p_(p) {}
    static constexpr std::size_t size() noexcept { return N; }
    T operator[](std::size_t i) const noexcept { return detail::load<T>(p_ + i * STRIDE); }
    T at(std::size_t i) const
    {
        detail::check_index(i, N);
        return (*this)[i];
    }
    // Stores element i; i >= N throws std::out_of_range.
    void set(std::size_t i, T v) const
    {
        detail::check_index(i, N);
        detail::store<T>(p_ + i * STRIDE, v);
    }
    // Stores every element.
    void copy_from(std::span<const T, N> in) const noexcept
    {
        for (std::size_t i = 0; i < N; i++)
            detail::store<T>(p_ + i * STRIDE, in[i]);
    }
    void fill(T v) const noexcept
    {
        for (std::size_t i = 0; i < N; i++)
            detail::store<T>(p_ + i * STRIDE, v);
    }
    iterator begin() const noexcept { return iterator(this, 0); }
    iterator end() const noexcept { return iterator(this, N); }
    std::span<std::byte, N * STRIDE> bytes() const noexcept { return std::span<std::byte, N * STRIDE>(p_, N * STRIDE); }
    // As array_view::native, writable.
    std::optional<std::span<T, N>> native() const noexcept
    {
        if constexpr (std::endian::native == std::endian::little && !std::is_same_v<T, bool>) {
            if (reinterpret_cast<std::uintptr_t>(p_) % alignof(T) == 0)
                return std::span<T, N>(reinterpret_cast<T *>(p_), N);
        }
        return std::nullopt;
    }
    operator array_view<T, N>() const noexcept { return array_view<T, N>(p_); }

private:
    std::byte *p_;
};

// N structs in place: element i is a view (V, or V's Mut) over its V::SIZE bytes.
template <class V, std::size_t N, class Byte = const std::byte> class struct_array {
public:
    using value_type = V;
    using iterator = detail::index_iterator<struct_array, V>;

    explicit struct_array(Byte *p) noexcept : p_(p) {}
    static constexpr std::size_t size() noexcept { return N; }
    V operator[](std::size_t i) const noexcept { return V(std::span<Byte>(p_ + i * V::SIZE, V::SIZE)); }
    V at(std::size_t i) const
    {
        detail::check_index(i, N);
        return (*this)[i];
    }
    iterator begin() const noexcept { return iterator(this, 0); }
    iterator end() const noexcept { return iterator(this, N); }

private:
    Byte *p_;
};
} // namespace tachc
#endif // TACHC_CPP_SUPPORT_V1
// tachc-support: end
