#!/usr/bin/env python3
"""Writes an NUnit-attributed C# test class that checks generated/csharp against
the cross-language vectors in tests/vectors/*.json (run by runtime/csharp's
Runner.cs under Mono).

Per vector: decode the bytes (from an odd address, so every access is
unaligned) through the view and compare every field (floats bit for bit);
write every field through the view into a cleared buffer and compare the bytes,
checking the bytes around the record stay untouched; decode by type id. Per
schema: message ids, payload sizes and names, unknown ids, short payloads,
reserved ids, constants and enum values.

Names follow tachc's C# rule: types and properties PascalCase, enum values and
constants as written; a property that meets a fixed member (Name, Size, ...)
gets a trailing '_'.

Usage: gen_test.py OUT.cs
"""
import json
import os
import re
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
VECTORS = os.path.join(ROOT, "tests", "vectors")
SCHEMAS = ("market", "frames", "common", "everything")
PRIMS = {"u8": "byte", "u16": "ushort", "u32": "uint", "u64": "ulong", "i8": "sbyte", "i16": "short",
         "i32": "int", "i64": "long", "f32": "float", "f64": "double", "bool": "bool"}
VIEW_MEMBERS = {"Size", "Fingerprint", "Name", "Pointer", "Bytes", "Clear", "p", "Equals", "GetHashCode",
                "ToString", "GetType"}


def words(name):
    """tachc's word split (compiler/names.c)."""
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


def pascal(name):
    return "".join(w[:1].upper() + w[1:].lower() for w in words(name))


def split(t):
    m = re.fullmatch(r"(.+)\[(\d+)\]", t)
    return (m.group(1), int(m.group(2))) if m else (t, None)


def cstr(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Types:
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

    def cs(self, t):
        return "global::%s.%s" % (pascal(self.owner[t]), t) if t in self.owner else PRIMS[t]

    def fields(self, st):
        """(field, property name) for every accessor field, with the C# rule's suffixes."""
        taken = set(VIEW_MEMBERS) | {st}
        out = []
        for f in self.structs[st]["fields"]:
            if f["type"].startswith("pad["):
                continue
            prop = pascal(f["name"])
            while prop in taken or any(d % prop in taken for d in ("%sOffset", "%sSize", "%sCount", "%sBytes",
                                                                    "Set%s")):
                prop += "_"
            taken |= {prop} | {d % prop for d in ("%sOffset", "%sSize", "%sCount", "%sBytes", "Set%s")}
            out.append((f, prop))
        return out


def float_bits(p, v):
    v = float(v)
    if p == "f32":
        return "0x%08xU" % struct.unpack("<I", struct.pack("<f", v))[0]
    return "0x%016xUL" % struct.unpack("<Q", struct.pack("<d", v))[0]


def int_lit(p, v):
    v = int(v)
    if p == "i64" and v == -(1 << 63):
        return "long.MinValue"
    return "%d%s" % (v, {"u64": "UL", "u32": "U", "i64": "L"}.get(p, ""))


def value_expr(ty, t, v):
    p = ty.prim(t)
    if p == "bool":
        return "true" if v else "false"
    if p == "f32":
        return "F32(%s)" % float_bits(p, v)
    if p == "f64":
        return "BitConverter.Int64BitsToDouble(unchecked((long)%s))" % float_bits(p, v)
    return "(%s)(%s)" % (ty.cs(t), int_lit(p, v))


def check(ty, t, expr, v, what):
    p = ty.prim(t)
    if p == "f32":
        return 'Assert.AreEqual(%s, Bits(%s), "%s");' % (float_bits(p, v), expr, what)
    if p == "f64":
        return 'Assert.AreEqual(%s, unchecked((ulong)BitConverter.DoubleToInt64Bits(%s)), "%s");' % (
            float_bits(p, v), expr, what)
    return 'Assert.AreEqual(%s, %s, "%s");' % (value_expr(ty, t, v), expr, what)


class Namer:
    def __init__(self):
        self.n = 0

    def __call__(self, stem):
        self.n += 1
        return "%s%d" % (stem, self.n)


def decode_lines(ty, st, view, want, where, out, fresh):
    for f, prop in ty.fields(st):
        t, v = f["type"], want[f["name"]]
        base, n = split(t)
        what = "%s.%s" % (where, f["name"])
        if base == "char":
            out.append('Assert.AreEqual(%s, %s.%s, "%s");' % (cstr(v), view, prop, what))
        elif t in ty.structs:
            local = fresh("s")
            out.append("var %s = %s.%s;" % (local, view, prop))
            decode_lines(ty, t, local, v, what, out, fresh)
        elif n is not None and base in ty.structs:
            for i in range(n):
                local = fresh("e")
                out.append("var %s = %s.%s(%d);" % (local, view, prop, i))
                decode_lines(ty, base, local, v[i], "%s[%d]" % (what, i), out, fresh)
            out.append("{ var o = %s; Assert.Throws<ArgumentOutOfRangeException>(() => o.%s(%d)); }" % (view, prop, n))
        elif n is not None:
            for i in range(n):
                out.append(check(ty, base, "%s.%s(%d)" % (view, prop, i), v[i], "%s[%d]" % (what, i)))
            out.append("{ var o = %s; Assert.Throws<ArgumentOutOfRangeException>(() => o.%s(%d)); }" % (view, prop, n))
        else:
            out.append(check(ty, t, "%s.%s" % (view, prop), v, what))


def encode_lines(ty, st, view, want, out, fresh):
    for f, prop in ty.fields(st):
        t, v = f["type"], want[f["name"]]
        base, n = split(t)
        if base == "char":
            out.append("%s.%s = %s;" % (view, prop, cstr(v)))
        elif t in ty.structs:
            local = fresh("s")
            out.append("var %s = %s.%s;" % (local, view, prop))
            encode_lines(ty, t, local, v, out, fresh)
        elif n is not None and base in ty.structs:
            for i in range(n):
                local = fresh("e")
                out.append("var %s = %s.%s(%d);" % (local, view, prop, i))
                encode_lines(ty, base, local, v[i], out, fresh)
        elif n is not None:
            if n > 16:
                table = fresh("want")
                out.append("var %s = new %s[] { %s };" % (table, ty.cs(base), ", ".join(value_expr(ty, base, x) for x in v)))
                out.append("for (int i = 0; i < %d; i++) %s.Set%s(i, %s[i]);" % (n, view, prop, table))
            else:
                for i, x in enumerate(v):
                    out.append("%s.Set%s(%d, %s);" % (view, prop, i, value_expr(ty, base, x)))
        else:
            out.append("%s.%s = %s;" % (view, prop, value_expr(ty, t, v)))


def decode_arrays_compact(lines):
    return lines


def emit_vector(ty, schema, doc, index, vec, out):
    st = vec["type"]
    cls = ty.cs(st)
    fresh = Namer()
    hexs = vec["hex"]
    name = "%s_%s_%d" % (pascal(schema), st, index)
    out.append("    [Test]")
    out.append("    public unsafe void Decode_%s()" % name)
    out.append("    {")
    out.append('        byte[] want = Hex("%s");' % hexs)
    out.append("        var store = new byte[want.Length + 1];")
    out.append("        Buffer.BlockCopy(want, 0, store, 1, want.Length);")
    out.append("        fixed (byte* s = store)")
    out.append("        {")
    out.append("            byte* p = s + 1;")
    out.append("            IntPtr ip = (IntPtr)p; // lambdas cannot capture a fixed pointer")
    out.append("            Assert.Throws<Tachc.SizeException>(() => new %s((byte*)ip, %s.Size - 1));" % (cls, cls))
    out.append("            var v = new %s(p, %s.Size);" % (cls, cls))
    body = []
    decode_lines(ty, st, "v", vec["fields"], st, body, fresh)
    out += ["            " + x for x in body]
    for m in doc["messages"]:
        if m["payload"] == st:
            out.append("            Assert.IsInstanceOf<%s>(global::%s.Schema.Decode(%d, p, %s.Size));"
                       % (cls, pascal(schema), m["id"], cls))
            out.append("            Assert.IsTrue(((%s)global::%s.Schema.Decode(%d, p, %s.Size)).Pointer == p);"
                       % (cls, pascal(schema), m["id"], cls))
    out.append("        }")
    out.append("    }")
    out.append("")
    out.append("    [Test]")
    out.append("    public unsafe void Encode_%s()" % name)
    out.append("    {")
    out.append('        byte[] want = Hex("%s");' % hexs)
    out.append("        var store = new byte[want.Length + 2];")
    out.append("        for (int i = 0; i < store.Length; i++) store[i] = 0xa5;")
    out.append("        fixed (byte* s = store)")
    out.append("        {")
    out.append("            var v = new %s(s + 1, %s.Size);" % (cls, cls))
    out.append("            v.Clear();")
    body = []
    encode_lines(ty, st, "v", vec["fields"], body, fresh)
    out += ["            " + x for x in body]
    out.append("        }")
    out.append("        for (int i = 0; i < want.Length; i++)")
    out.append('            Assert.AreEqual(want[i], store[i + 1], "byte " + i);')
    out.append("        Assert.AreEqual(0xa5, store[0]);")
    out.append("        Assert.AreEqual(0xa5, store[store.Length - 1]);")
    out.append("    }")
    out.append("")


def cs_text(s):
    """A C# string literal, every non-ASCII code point escaped."""
    out = []
    for ch in s:
        c = ord(ch)
        if ch in '\\"':
            out.append("\\" + ch)
        elif 0x20 <= c < 0x7f:
            out.append(ch)
        elif c > 0xffff:
            out.append("\\U%08x" % c)
        else:
            out.append("\\u%04x" % c)
    return '"' + "".join(out) + '"'


def prop_of(ty, st, field):
    return next(prop for f, prop in ty.fields(st) if f["name"] == field)


def emit_text_rules(ty, schema, doc, out):
    """char[N] text that does not fit throws TextException with the record
    untouched; bytes that are not UTF-8 fail to read as text."""
    for i, vec in enumerate(doc["text_refused"]):
        cls = ty.cs(vec["type"])
        out.append("    [Test]")
        out.append("    public unsafe void TextRefused_%s_%d()" % (pascal(schema), i))
        out.append("    {")
        out.append('        byte[] want = Hex("%s");' % vec["hex"])
        out.append("        var store = (byte[])want.Clone();")
        out.append("        fixed (byte* s = store)")
        out.append("        {")
        out.append("            IntPtr ip = (IntPtr)s; // lambdas cannot capture a fixed pointer")
        out.append("            Assert.Throws<Tachc.TextException>(() => { var v = new %s((byte*)ip, %s.Size); v.%s = %s; });"
                   % (cls, cls, prop_of(ty, vec["type"], vec["field"]), cs_text(vec["value"])))
        out.append("        }")
        out.append("        Assert.AreEqual(want, store);")
        out.append("    }")
        out.append("")
    for i, vec in enumerate(doc["text_invalid"]):
        cls = ty.cs(vec["type"])
        out.append("    [Test]")
        out.append("    public unsafe void TextInvalid_%s_%d()" % (pascal(schema), i))
        out.append("    {")
        out.append('        byte[] bytes = Hex("%s");' % vec["hex"])
        out.append("        fixed (byte* s = bytes)")
        out.append("        {")
        out.append("            IntPtr ip = (IntPtr)s;")
        out.append("            Assert.Throws<System.Text.DecoderFallbackException>(() => "
                   "{ var unused = new %s((byte*)ip, %s.Size).%s; });"
                   % (cls, cls, prop_of(ty, vec["type"], vec["field"])))
        out.append("        }")
        out.append("    }")
        out.append("")


def emit_schema_checks(ty, schema, doc, out):
    s = "global::%s.Schema" % pascal(schema)
    out.append("    [Test]")
    out.append("    public unsafe void Messages_%s()" % pascal(schema))
    out.append("    {")
    out.append("        var buf = new byte[8192];")
    out.append("        fixed (byte* p = buf)")
    out.append("        {")
    out.append("            IntPtr ip = (IntPtr)p; // lambdas cannot capture a fixed pointer")
    out.append("            Assert.AreNotEqual(0UL, %s.Fingerprint);" % s)
    ids = set()
    for m in doc["messages"]:
        ids.add(m["id"])
        size = "%s.Size" % ty.cs(m["payload"]) if m["payload"] else "0"
        out.append("            Assert.AreEqual(%dU, %s.Msg%s);" % (m["id"], s, pascal(m["name"])))
        out.append("            Assert.AreEqual(%s, %s.PayloadSize(%d));" % (size, s, m["id"]))
        out.append('            Assert.AreEqual("%s", %s.MessageName(%d));' % (m["name"], s, m["id"]))
        if m["payload"]:
            out.append("            Assert.Throws<Tachc.SizeException>(() => %s.Decode(%d, (byte*)ip, %s - 1));" % (s, m["id"], size))
        else:
            out.append("            Assert.IsNull(%s.Decode(%d, p, 0));" % (s, m["id"]))
    unknown = max(ids | {0}) + 1000
    out.append("            Assert.AreEqual(-1, %s.PayloadSize(%d));" % (s, unknown))
    out.append("            Assert.IsNull(%s.MessageName(%d));" % (s, unknown))
    out.append("            var e = Assert.Throws<Tachc.UnknownTypeException>(() => %s.Decode(%d, (byte*)ip, 8192));" % (s, unknown))
    out.append("            Assert.AreEqual(%dU, e.TypeId);" % unknown)
    for probe in range(40):
        want = any(lo <= probe <= hi for lo, hi in doc["reserved"])
        out.append("            Assert.AreEqual(%s, %s.IsReserved(%d));" % ("true" if want else "false", s, probe))
    out.append("        }")
    out.append("    }")
    out.append("")
    out.append("    [Test]")
    out.append("    public void ConstantsAndEnums_%s()" % pascal(schema))
    out.append("    {")
    for k in doc["consts"]:
        name, t, v = "%s.%s" % (s, k["name"]), k["type"], k["value"]
        if t == "string":
            out.append("        Assert.AreEqual(%s, %s);" % (cstr(v), name))
        elif t == "bool":
            out.append("        Assert.AreEqual(%s, %s);" % ("true" if v else "false", name))
        else:
            out.append("        " + check(ty, t, name, v, k["name"]))
            if t not in ("f32", "f64"):
                out.append("        Assert.AreEqual(typeof(%s), %s.GetType());" % (PRIMS[t], name))
    for en, e in sorted(doc["enums"].items()):
        cls = ty.cs(en)
        out.append("        Assert.AreEqual(typeof(%s), Enum.GetUnderlyingType(typeof(%s)));" % (PRIMS[e["underlying"]], cls))
        out.append("        Assert.AreEqual(%s, typeof(%s).IsDefined(typeof(FlagsAttribute), false));"
                   % ("true" if e["flags"] else "false", cls))
        for member, value in e["values"].items():
            out.append("        Assert.AreEqual(%s, (%s)%s.%s);" % (int_lit(e["underlying"], value), PRIMS[e["underlying"]], cls, member))
    out.append("    }")
    out.append("")


HEAD = """// Generated by tests/vectors/csharp/gen_test.py from tests/vectors/*.json. DO NOT EDIT.
using System;
using NUnit.Framework;

[TestFixture]
public class Vectors
{
    static byte[] Hex(string s)
    {
        var b = new byte[s.Length / 2];
        for (int i = 0; i < b.Length; i++)
            b[i] = Convert.ToByte(s.Substring(2 * i, 2), 16);
        return b;
    }

    static unsafe uint Bits(float f) { return *(uint*)&f; }
    static unsafe float F32(uint u) { return *(float*)&u; }

"""


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen_test.py OUT.cs")
    docs = {}
    for schema in SCHEMAS:
        with open(os.path.join(VECTORS, schema + ".json")) as f:
            docs[schema] = json.load(f)
    ty = Types(docs)
    out = []
    for schema in SCHEMAS:
        for i, vec in enumerate(docs[schema]["vectors"]):
            emit_vector(ty, schema, docs[schema], i, vec, out)
        emit_schema_checks(ty, schema, docs[schema], out)
        emit_text_rules(ty, schema, docs[schema], out)
    with open(sys.argv[1], "w") as f:
        f.write(HEAD + "\n".join(out).rstrip() + "\n}\n")


if __name__ == "__main__":
    main()
