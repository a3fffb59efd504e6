#!/usr/bin/env python3
"""Writes a GoogleTest program that checks generated/cpp against the
cross-language vectors in tests/vectors/*.json.

Per vector: decode the bytes (from an odd address, so every access is
unaligned) through the const view and compare every field (floats bit for bit);
write every field through the mutable view into a cleared buffer and compare the
bytes (twice: element setters, then copy_from for arrays), checking the bytes
around the record stay untouched; decode by type id into the std::variant. Per
schema: message ids, payload sizes and names, unknown ids, short payloads,
reserved ids, constants, enum values and names, flag operators.

The field types come from the hand-kept layout table inside each JSON file; the
generated names follow tachc's C++ rule (types and fields as written).

Usage: gen_test.py OUT.cc
"""
import json
import os
import re
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
VECTORS = os.path.join(ROOT, "tests", "vectors")
SCHEMAS = ("market", "frames", "common", "everything")

PRIMS = {"u8": "std::uint8_t", "u16": "std::uint16_t", "u32": "std::uint32_t", "u64": "std::uint64_t",
         "i8": "std::int8_t", "i16": "std::int16_t", "i32": "std::int32_t", "i64": "std::int64_t",
         "f32": "float", "f64": "double", "bool": "bool"}


def words(name):
    """tachc's word split (compiler/emit.c name_join)."""
    out, cur = [], ""
    for i, ch in enumerate(name):
        if ch == "_":
            if cur:
                out.append(cur)
            cur = ""
            continue
        prev = name[i - 1] if i else ""
        nxt = name[i + 1] if i + 1 < len(name) else ""
        boundary = ch.isupper() and (prev.islower() or prev.isdigit())
        if ch.isupper() and prev.isupper() and nxt.islower():
            boundary = True
        if boundary and cur:
            out.append(cur)
            cur = ""
        cur += ch
    if cur:
        out.append(cur)
    return out


def upper(name):
    return "_".join(w.upper() for w in words(name))


def split(t):
    m = re.fullmatch(r"(.+)\[(\d+)\]", t)
    return (m.group(1), int(m.group(2))) if m else (t, None)


def cstr(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Types:
    """Every struct and enum of every vector file, with the schema that declares it."""

    def __init__(self, docs):
        self.structs, self.enums, self.owner = {}, {}, {}
        for name, doc in docs.items():
            for st, info in doc["types"]["structs"].items():
                self.structs[st] = info
                self.owner[st] = info["schema"]
            for en, info in doc["types"]["enums"].items():
                self.enums[en] = info
            for en in doc["enums"]:
                self.owner[en] = name

    def prim(self, t):
        return self.enums[t]["underlying"] if t in self.enums else t

    def cpp(self, t):
        return "::%s::%s" % (self.owner[t], t) if t in self.owner else PRIMS[t]

    def fields(self, st):
        return [f for f in self.structs[st]["fields"] if not f["type"].startswith("pad[")]


def float_bits(p, v):
    v = float(v)
    if p == "f32":
        return "UINT32_C(0x%08x)" % struct.unpack("<I", struct.pack("<f", v))[0]
    return "UINT64_C(0x%016x)" % struct.unpack("<Q", struct.pack("<d", v))[0]


def int_lit(p, v):
    v = int(v)
    if p.startswith("u"):
        return "UINT64_C(%d)" % v
    if v == -(1 << 63):
        return "(-INT64_C(9223372036854775807) - 1)"
    return "INT64_C(%d)" % v


def value_expr(ty, t, v):
    """A C++ expression of the field's own type holding JSON value v."""
    p = ty.prim(t)
    if p == "bool":
        return "true" if v else "false"
    if p == "f32":
        return "std::bit_cast<float>(%s)" % float_bits(p, v)
    if p == "f64":
        return "std::bit_cast<double>(%s)" % float_bits(p, v)
    return "static_cast<%s>(%s)" % (ty.cpp(t), int_lit(p, v))


def check_expr(ty, t, expr, v, what):
    p = ty.prim(t)
    if p == "bool":
        return 'EXPECT_EQ(%s, %s) << "%s";' % (expr, "true" if v else "false", what)
    if p == "f32":
        return 'EXPECT_EQ(std::bit_cast<std::uint32_t>(%s), %s) << "%s";' % (expr, float_bits(p, v), what)
    if p == "f64":
        return 'EXPECT_EQ(std::bit_cast<std::uint64_t>(%s), %s) << "%s";' % (expr, float_bits(p, v), what)
    return 'EXPECT_EQ(raw(%s), static_cast<decltype(raw(%s))>(%s)) << "%s";' % (expr, expr, int_lit(p, v), what)


class Program:
    def __init__(self):
        self.parts = []
        self.n = 0

    def name(self, stem):
        self.n += 1
        return "%s_%d" % (stem, self.n)


def decode_lines(ty, st, view, want, where, out):
    for f in ty.fields(st):
        name, t = f["name"], f["type"]
        base, n = split(t)
        what = "%s.%s" % (where, name)
        v = want[name]
        if base == "char":
            out.append('EXPECT_EQ(%s.%s(), std::string_view(%s)) << "%s";' % (view, name, cstr(v), what))
            out.append('EXPECT_EQ(%s.%s_bytes().size(), %du);' % (view, name, n))
        elif t in ty.structs:
            decode_lines(ty, t, "%s.%s()" % (view, name), v, what, out)
        elif n is not None and base in ty.structs:
            for i in range(n):
                decode_lines(ty, base, "%s.%s()[%d]" % (view, name, i), v[i], "%s[%d]" % (what, i), out)
            out.append('EXPECT_THROW((void)%s.%s().at(%d), std::out_of_range);' % (view, name, n))
        elif n is not None:
            table = element_table(ty, base, v)
            p = ty.prim(base)
            out.append("{")
            out.append("    auto arr = %s.%s();" % (view, name))
            out.append("    static_assert(decltype(arr)::size() == %d);" % n)
            out.append("    static constexpr %s;" % table)
            out.append("    for (std::size_t i = 0; i < %d; i++)" % n)
            if p in ("f32", "f64"):
                out.append('        EXPECT_EQ(std::bit_cast<%s>(arr[i]), want[i]) << "%s[" << i << "]";'
                           % ("std::uint32_t" if p == "f32" else "std::uint64_t", what))
            else:
                out.append('        EXPECT_EQ(arr[i], want[i]) << "%s[" << i << "]";' % what)
            out.append("    std::size_t k = 0;")
            out.append("    for (auto e : arr)")
            out.append('        EXPECT_EQ(e, arr.at(k++)) << "%s iterated";' % what)
            out.append("    EXPECT_EQ(k, %du);" % n)
            out.append("    EXPECT_THROW((void)arr.at(%d), std::out_of_range);" % n)
            out.append("    std::array<%s, %d> all{};" % (ty.cpp(base), n))
            out.append("    arr.copy_to(all);")
            out.append("    for (std::size_t i = 0; i < %d; i++)" % n)
            out.append('        EXPECT_EQ(all[i], arr[i]) << "%s copied out";' % what)
            out.append("}")
        else:
            out.append(check_expr(ty, t, "%s.%s()" % (view, name), v, what))


def encode_lines(ty, st, view, want, where, out, use_copy):
    for f in ty.fields(st):
        name, t = f["name"], f["type"]
        base, n = split(t)
        what = "%s.%s" % (where, name)
        v = want[name]
        if base == "char":
            out.append("%s.set_%s(%s);" % (view, name, cstr(v)))
        elif t in ty.structs:
            encode_lines(ty, t, "%s.%s()" % (view, name), v, what, out, use_copy)
        elif n is not None and base in ty.structs:
            for i in range(n):
                encode_lines(ty, base, "%s.%s()[%d]" % (view, name, i), v[i], "%s[%d]" % (what, i), out, use_copy)
        elif n is not None:
            table = element_table(ty, base, v)
            p = ty.prim(base)
            elem = "want[i]"
            if p in ("f32", "f64"):
                elem = "std::bit_cast<%s>(want[i])" % PRIMS[p]
            out.append("{")
            out.append("    static constexpr %s;" % table)
            if use_copy:
                out.append("    std::array<%s, %d> all{};" % (ty.cpp(base), n))
                out.append("    for (std::size_t i = 0; i < %d; i++)" % n)
                out.append("        all[i] = %s;" % elem)
                out.append("    %s.%s().copy_from(all);" % (view, name))
            else:
                out.append("    for (std::size_t i = 0; i < %d; i++)" % n)
                out.append("        %s.%s().set(i, %s);" % (view, name, elem))
                out.append("    EXPECT_THROW(%s.%s().set(%d, %s{}), std::out_of_range);" % (view, name, n, ty.cpp(base)))
            out.append("}")
        else:
            out.append("%s.set_%s(%s);" % (view, name, value_expr(ty, t, v)))


def element_table(ty, t, values):
    """A `want` array declaration of the elements: floats as their bit patterns (exact
    for -0.0 and infinities), others in the element's own type."""
    p = ty.prim(t)
    if p in ("f32", "f64"):
        ctype = "std::uint32_t" if p == "f32" else "std::uint64_t"
        elems = [float_bits(p, x) for x in values]
    else:
        ctype = ty.cpp(t)
        elems = [value_expr(ty, t, x) for x in values]
    return "std::array<%s, %d> want{%s}" % (ctype, len(values), ", ".join(elems))


def hex_init(data):
    return ", ".join("0x%02x" % b for b in data)


def emit_vector(prog, ty, schema, doc, index, vec):
    st = vec["type"]
    cls = ty.cpp(st)
    data = bytes.fromhex(vec["hex"])
    test = "%s_%s_%d" % (schema, st, index)
    table = "k%s" % test
    prog.parts.append("const std::array<unsigned char, %d> %s{%s};" % (len(data), table, hex_init(data)))

    out = ["TEST(Decode, %s)" % test, "{",
           "    std::vector<std::byte> store(%s::SIZE + 1);" % cls,
           "    std::memcpy(store.data() + 1, %s.data(), %s::SIZE);" % (table, cls),
           "    const std::span<const std::byte> bytes(store.data() + 1, %s::SIZE);" % cls,
           "    EXPECT_THROW(%s(bytes.first(%s::SIZE - 1)), tachc::size_error);" % (cls, cls),
           "    const %s v(bytes);" % cls,
           "    EXPECT_EQ(v.bytes().data(), bytes.data());"]
    body = []
    decode_lines(ty, st, "v", vec["fields"], st, body)
    out += ["    " + line for line in body]
    # every message that carries this struct decodes to its own alternative, in place
    for m in doc["messages"]:
        if m["payload"] == st:
            alt = "::%s::msg::%s" % (schema, m["name"])
            out += ["    {",
                    "        auto m = ::%s::decode(%d, bytes);" % (schema, m["id"]),
                    "        ASSERT_TRUE(std::holds_alternative<%s>(m));" % alt,
                    "        EXPECT_EQ(std::get<%s>(m).payload.bytes().data(), bytes.data());" % alt,
                    "        EXPECT_EQ(::%s::type_id_of(m), %du);" % (schema, m["id"]),
                    "    }"]
    out.append("}")
    prog.parts.append("\n".join(out))

    for use_copy in (False, True):
        out = ["TEST(Encode, %s%s)" % (test, "_copy_from" if use_copy else ""), "{",
               "    std::vector<std::byte> store(%s::SIZE + 2, std::byte{0xa5});" % cls,
               "    const %sMut m(std::span<std::byte>(store.data() + 1, %s::SIZE));" % (cls, cls),
               "    m.clear();"]
        body = []
        encode_lines(ty, st, "m", vec["fields"], st, body, use_copy)
        out += ["    " + line for line in body]
        out += ["    EXPECT_EQ(std::memcmp(store.data() + 1, %s.data(), %s::SIZE), 0) << hex(store, 1, %s::SIZE);"
                % (table, cls, cls),
                "    EXPECT_EQ(store.front(), std::byte{0xa5});",
                "    EXPECT_EQ(store.back(), std::byte{0xa5});",
                "}"]
        prog.parts.append("\n".join(out))


def cbytes(raw):
    """A C++ string literal of raw bytes: printable ASCII as is, the rest octal."""
    out = []
    for b in raw:
        ch = chr(b)
        if 0x20 <= b < 0x7f and ch not in '\\"?':
            out.append(ch)
        else:
            out.append("\\%03o" % b)
    return '"' + "".join(out) + '"'


def emit_text_rules(prog, ty, schema, doc):
    """char[N] text that does not fit throws text_error with the record
    untouched; bytes that are not UTF-8 read back as they are (a
    std::string_view is bytes, as in C)."""
    for i, vec in enumerate(doc["text_refused"]):
        cls = ty.cpp(vec["type"])
        table = "k%s_refused_%d" % (schema, i)
        prog.parts.append("const std::array<unsigned char, %d> %s{%s};"
                          % (len(vec["hex"]) // 2, table, hex_init(bytes.fromhex(vec["hex"]))))
        prog.parts.append("\n".join([
            "TEST(Text, %s_refused_%d)" % (schema, i), "{",
            "    std::vector<std::byte> store(%s::SIZE);" % cls,
            "    std::memcpy(store.data(), %s.data(), %s::SIZE);" % (table, cls),
            "    const %sMut m(std::span<std::byte>(store.data(), %s::SIZE));" % (cls, cls),
            "    EXPECT_THROW(m.set_%s(std::string_view(%s)), tachc::text_error);"
            % (vec["field"], cbytes(vec["value"].encode("utf-8"))),
            "    EXPECT_EQ(std::memcmp(store.data(), %s.data(), %s::SIZE), 0) << hex(store, 0, %s::SIZE);"
            % (table, cls, cls),
            "}"]))
    for i, vec in enumerate(doc["text_invalid"]):
        cls = ty.cpp(vec["type"])
        raw = bytes.fromhex(vec["raw"])
        table = "k%s_invalid_%d" % (schema, i)
        prog.parts.append("const std::array<unsigned char, %d> %s{%s};"
                          % (len(vec["hex"]) // 2, table, hex_init(bytes.fromhex(vec["hex"]))))
        prog.parts.append("\n".join([
            "TEST(Text, %s_invalid_%d)" % (schema, i), "{",
            "    const %s v(std::as_bytes(std::span<const unsigned char>(%s)));" % (cls, table),
            "    EXPECT_EQ(v.%s(), std::string_view(%s, %d));" % (vec["field"], cbytes(raw), len(raw)),
            "}"]))


def emit_schema_checks(prog, ty, schema, doc):
    ns = "::" + schema
    out = ["TEST(Schema, %s_messages)" % schema, "{",
           "    static std::array<std::byte, 8192> buf{};",
           "    const std::span<const std::byte> all(buf);",
           "    EXPECT_NE(%s::SCHEMA_FINGERPRINT, 0u);" % ns]
    ids = set()
    for m in doc["messages"]:
        ids.add(m["id"])
        mid, alt = m["id"], "%s::msg::%s" % (ns, m["name"])
        out.append("    EXPECT_EQ(%s::MSG_%s, %du);" % (ns, upper(m["name"]), mid))
        out.append("    static_assert(%s::ID == %d);" % (alt, mid))
        size = "%s::SIZE" % ty.cpp(m["payload"]) if m["payload"] else "0"
        out.append("    EXPECT_EQ(%s::payload_size(%d), std::optional<std::size_t>(%s));" % (ns, mid, size))
        out.append('    EXPECT_EQ(%s::message_name(%d), "%s");' % (ns, mid, m["name"]))
        out.append("    EXPECT_TRUE(std::holds_alternative<%s>(%s::decode(%d, all)));" % (alt, ns, mid))
        if m["payload"]:
            out.append("    EXPECT_THROW((void)%s::decode(%d, all.first(%s - 1)), tachc::size_error);" % (ns, mid, size))
        else:
            out.append("    EXPECT_TRUE(std::holds_alternative<%s>(%s::decode(%d, all.first(0))));" % (alt, ns, mid))
    unknown = max(ids | {0}) + 1000
    out.append("    EXPECT_EQ(%s::payload_size(%d), std::nullopt);" % (ns, unknown))
    out.append("    EXPECT_EQ(%s::message_name(%d), \"\");" % (ns, unknown))
    out.append("    try {")
    out.append("        (void)%s::decode(%d, all);" % (ns, unknown))
    out.append('        ADD_FAILURE() << "an unknown id decoded";')
    out.append("    } catch (const tachc::unknown_type_error &e) {")
    out.append("        EXPECT_EQ(e.type_id(), %du);" % unknown)
    out.append("    }")
    for probe in range(40):
        want = any(lo <= probe <= hi for lo, hi in doc["reserved"])
        out.append("    EXPECT_EQ(%s::type_id_reserved(%d), %s);" % (ns, probe, "true" if want else "false"))
    out.append("}")
    prog.parts.append("\n".join(out))

    out = ["TEST(Schema, %s_constants_and_enums)" % schema, "{"]
    for k in doc["consts"]:
        name, t, v = "%s::%s" % (ns, k["name"]), k["type"], k["value"]
        if t == "string":
            out.append("    EXPECT_EQ(%s, std::string_view(%s));" % (name, cstr(v)))
        elif t == "bool":
            out.append("    EXPECT_EQ(%s, %s);" % (name, "true" if v else "false"))
        elif t in ("f32", "f64"):
            out.append("    " + check_expr(ty, t, name, v, k["name"]))
        else:
            out.append("    static_assert(std::is_same_v<decltype(%s), const %s>);" % (name, PRIMS[t]))
            out.append("    EXPECT_EQ(%s, static_cast<%s>(%s));" % (name, PRIMS[t], int_lit(t, v)))
    for en, e in sorted(doc["enums"].items()):
        cls = "%s::%s" % (ns, en)
        out.append("    static_assert(sizeof(%s) == %d);" % (cls, int(e["underlying"][1:]) // 8))
        for member, value in e["values"].items():
            out.append("    " + check_expr(ty, en, "%s::%s" % (cls, member), value, member))
            if not e["flags"]:
                out.append('    EXPECT_EQ(name_of(%s::%s), "%s");' % (cls, member, member))
        if e["flags"]:
            values = [int(x) for x in e["values"].values()]
            mask = 0
            for x in values:
                mask |= x
            bits = [x for x in values if x and x & (x - 1) == 0]
            a, b = bits[0], bits[-1]
            p = e["underlying"]
            out.append("    {")
            out.append("        constexpr auto a = static_cast<%s>(%s), b = static_cast<%s>(%s);"
                       % (cls, int_lit(p, a), cls, int_lit(p, b)))
            out.append("        static_assert(raw(a | b) == %s);" % int_lit(p, a | b))
            out.append("        static_assert(raw((a | b) & b) == %s);" % int_lit(p, b))
            out.append("        static_assert(raw((a | b) ^ a) == %s);" % int_lit(p, b))
            out.append("        static_assert(raw(~a & defined_bits(a)) == %s);" % int_lit(p, mask & ~a))
            out.append("        static_assert(has(a | b, a) && !has(a, a | b) && any(b) && !any(a & b));")
            out.append("        auto c = a;")
            out.append("        c |= b;")
            out.append("        c &= b;")
            out.append("        c ^= b;")
            out.append("        EXPECT_FALSE(any(c));")
            out.append("    }")
        else:
            used = {int(x) for x in e["values"].values()}
            undefined = next(x for x in range(1 << 8) if x not in used)
            out.append('    EXPECT_EQ(name_of(static_cast<%s>(%d)), "");' % (cls, undefined))
    out.append("}")
    prog.parts.append("\n".join(out))


PREAMBLE = """// Generated by tests/vectors/cpp/gen_test.py from tests/vectors/*.json. DO NOT EDIT.
#include <gtest/gtest.h>

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "common.hpp"
#include "everything.hpp"
#include "frames.hpp"
#include "market.hpp"

namespace {

// An enum as its underlying integer; any other value as itself.
template <class T> constexpr auto raw(T v)
{
    if constexpr (std::is_enum_v<T>)
        return static_cast<std::underlying_type_t<T>>(v);
    else
        return v;
}

std::string hex(const std::vector<std::byte> &b, std::size_t from, std::size_t n)
{
    static const char digits[] = "0123456789abcdef";
    std::string s;
    for (std::size_t i = from; i < from + n; i++) {
        auto x = std::to_integer<unsigned>(b[i]);
        s += digits[x >> 4];
        s += digits[x & 15];
    }
    return "wrote " + s;
}
"""


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen_test.py OUT.cc")
    docs = {}
    for schema in SCHEMAS:
        with open(os.path.join(VECTORS, schema + ".json")) as f:
            docs[schema] = json.load(f)
    ty = Types(docs)
    prog = Program()
    tests = []
    for schema in SCHEMAS:
        doc = docs[schema]
        for i, vec in enumerate(doc["vectors"]):
            emit_vector(prog, ty, schema, doc, i, vec)
        emit_schema_checks(prog, ty, schema, doc)
        emit_text_rules(prog, ty, schema, doc)
    consts = [p for p in prog.parts if p.startswith("const std::array")]
    tests = [p for p in prog.parts if not p.startswith("const std::array")]
    text = PREAMBLE + "\n" + "\n".join(consts) + "\n\n} // namespace\n\n" + "\n\n".join(tests) + "\n"
    with open(sys.argv[1], "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
