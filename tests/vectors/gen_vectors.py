#!/usr/bin/env python3
"""Writes the cross-language test vectors tests/vectors/<schema>.json.

The layouts below are kept by hand from reading schemas/*.tach: every offset is
written out here, not taken from tachc or from generated code, so that the
vectors check the compiler's layout instead of repeating it. The bytes are made
with the struct module from these offsets alone.

Usage: tests/vectors/gen_vectors.py [--check]
  --check  do not write; exit 1 when a committed file differs from what this
           script would write (so the vectors cannot drift from the table).

Format (COMPILER.md): {"schema": ..., "vectors": [{"type", "hex", "fields"}]};
integers as decimal strings, floats as exactly representable JSON numbers or
"inf" / "-inf" / "nan", bool as true/false, char[N] as a string, enums and flags
as their integer (a string), arrays as lists, nested structs as objects, padding
omitted (zero bytes in hex). char[N] is UTF-8 text, NUL-padded: after the
generated vectors come hand-written ones with multi-byte code points (2, 3 and
4 bytes), including text that fills its field exactly. "text_refused" lists
text that does not fit its field, chosen so that cutting it at N bytes would
split a code point: every language's setter must refuse it and leave the
record's bytes ("hex") as they were. "text_invalid" lists records whose char[N]
bytes are not UTF-8 (a code point cut at the end, a stray byte): languages
whose strings are Unicode (Rust, Python, Java, Kotlin, C#, TypeScript) fail to
read them as text; C, C++ and Go read the bytes as they are ("raw", hex).
Each file also carries "types": the hand-kept
layout of every struct and enum its vectors use, for tests in languages that
need field types to compare values (C), plus "messages", "reserved", "consts"
and "enums" (the schema's own declarations, for the constant checks).
"""
import json
import math
import os
import random
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# ---- the hand-kept layouts -------------------------------------------------
# enum name -> (underlying primitive, is_flags, {member: value})
ENUMS = {
    "Side": ("u8", False, {"BUY": 1, "SELL": 2}),
    "Color": ("u8", False, {"RED": 1, "GREEN": 2, "BLUE": 0xFF}),
    "Level": ("i16", False, {"LOW": -32768, "ZERO": 0, "HIGH": 32767}),
    "Perm": ("u32", True, {"NONE": 0, "READ": 1, "WRITE": 2, "EXEC": 4, "ALL": 7, "TOP": 0x80000000}),
    "PixelFormat": ("u8", False, {"GRAY8": 1, "RGB565": 2, "YUV420": 3}),
    "FrameFlags": ("u16", True, {"KEY": 1, "DISCONTINUITY": 2, "END_OF_STREAM": 0x8000}),
}

ENUM_SCHEMA = {"Side": "common", "Color": "everything", "Level": "everything", "Perm": "everything",
               "PixelFormat": "frames", "FrameFlags": "frames"}

# struct name -> (schema, size, [(field, offset, type)]); type is a primitive,
# "char[N]", "pad[N]", an enum or struct name, or "T[N]" of those.
STRUCTS = {
    "MarketTick": ("market", 32, [
        ("symbol", 0, "char[8]"), ("price", 8, "f64"), ("quantity", 16, "u32"),
        ("timestamp", 20, "u64"), ("_", 28, "pad[4]")]),
    "Frame": ("frames", 1024, [("samples", 0, "f32[256]")]),
    "MediaHeader": ("frames", 32, [
        ("stream_id", 0, "u32"), ("seq", 4, "u64"), ("pts_ns", 12, "u64"), ("width", 20, "u16"),
        ("height", 22, "u16"), ("format", 24, "PixelFormat"), ("flags", 25, "FrameFlags"),
        ("_", 27, "pad[5]")]),
    "VideoFrame": ("frames", 4128, [("header", 0, "MediaHeader"), ("pixels", 32, "u8[4096]")]),
    "AudioFrame": ("frames", 1952, [("header", 0, "MediaHeader"), ("samples", 32, "i16[960]")]),
    "Vec3": ("common", 12, [("x", 0, "f32"), ("y", 4, "f32"), ("z", 8, "f32")]),
    "Money": ("common", 16, [
        ("units", 0, "i64"), ("nanos", 8, "i32"), ("currency", 12, "char[3]"), ("_", 15, "pad[1]")]),
    "Scalars": ("everything", 44, [
        ("a_u8", 0, "u8"), ("a_u16", 1, "u16"), ("a_u32", 3, "u32"), ("a_u64", 7, "u64"),
        ("a_i8", 15, "i8"), ("a_i16", 16, "i16"), ("a_i32", 18, "i32"), ("a_i64", 22, "i64"),
        ("a_f32", 30, "f32"), ("a_f64", 34, "f64"), ("flag", 42, "bool"), ("_", 43, "pad[1]")]),
    "Collections": ("everything", 128, [
        ("name", 0, "char[12]"), ("samples", 12, "i16[4]"), ("colors", 20, "Color[3]"),
        ("levels", 23, "Level[2]"), ("perms", 27, "Perm[2]"), ("points", 35, "Vec3[2]"),
        ("price", 59, "Money"), ("side", 75, "Side"), ("ready", 76, "bool[4]"),
        ("weights", 80, "f64[2]"), ("_", 96, "pad[32]")]),
    "Envelope": ("everything", 60, [
        ("seq", 0, "u64"), ("scalars", 8, "Scalars"), ("level", 52, "Level"), ("perm", 54, "Perm"),
        ("color", 58, "Color"), ("_", 59, "pad[1]")]),
}

# schema -> [(type id, message name, payload struct or None)], for decode tests
MESSAGES = {
    "market": [(0, "End", None), (1, "Bid", "MarketTick"), (2, "Ask", "MarketTick")],
    "frames": [(0, "End", None), (1, "Frame", "Frame"), (2, "Video", "VideoFrame"),
               (3, "Audio", "AudioFrame")],
    "common": [],
    "everything": [(0, "End", None), (1, "Scalars", "Scalars"), (2, "Collections", "Collections"),
                   (3, "Envelope", "Envelope"), (4, "Replay", "Envelope"), (5, "Position", "Vec3"),
                   (20, "Heartbeat", None)],
}
RESERVED = {"market": [], "frames": [], "common": [], "everything": [(6, 6), (10, 19)]}

# schema -> [(constant, type, value)]; values as written in the schema
CONSTS = {
    "market": [],
    "frames": [("FRAME_SAMPLES", "u32", 256), ("VIDEO_BYTES", "u32", 4096), ("AUDIO_SAMPLES", "u32", 960)],
    "common": [("MAX_LEGS", "u8", 4)],
    "everything": [("MIN_TEMP", "i32", -40), ("MAGIC", "u64", 0xFEEDFACECAFEBEEF), ("RATIO", "f64", 0.125),
                   ("STRICT", "bool", True), ("GREETING", "string", 'hello, "tach"'), ("NAME_LEN", "u16", 12)],
}

PRIMS = {"u8": "B", "u16": "H", "u32": "I", "u64": "Q", "i8": "b", "i16": "h", "i32": "i",
         "i64": "q", "f32": "f", "f64": "d", "bool": "?"}
F32_MAX = struct.unpack("<f", struct.pack("<I", 0x7F7FFFFF))[0]
F32_TINY = struct.unpack("<f", struct.pack("<I", 0x00000001))[0]  # smallest subnormal


def split_array(t):
    """'f32[256]' -> ('f32', 256); 'u8' -> ('u8', None)."""
    if t.endswith("]"):
        base, n = t[:-1].split("[")
        return base, int(n)
    return t, None


def prim_of(t):
    """The primitive a scalar type is stored as (enums: their underlying type)."""
    return ENUMS[t][0] if t in ENUMS else t


# ---- values ----------------------------------------------------------------
def int_range(p):
    bits = int(p[1:])
    return (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if p[0] == "i" else (0, (1 << bits) - 1)


def scalar_value(t, rng, mode, index):
    """A value of scalar type t: 'extreme' picks range ends and special floats,
    'typical' picks ordinary values. Returns a Python value (int, float, bool)."""
    if t in ENUMS:
        under, is_flags, members = ENUMS[t]
        values = sorted(set(members.values()))
        if is_flags:
            if mode == "extreme":
                every = 0
                for v in values:
                    every |= v
                return every if index % 2 == 0 else max(values)
            return values[(index + 1) % len(values)] | values[(index + 2) % len(values)]
        if mode == "extreme":
            return values[-1] if index % 2 == 0 else values[0]
        return values[(index + 1) % len(values)]
    if t == "bool":
        return (index % 2 == 0) if mode == "extreme" else (index % 3 == 1)
    if t == "f32":
        if mode == "extreme":
            return [-0.0, F32_MAX, F32_TINY, -F32_MAX, math.inf, -math.inf][index % 6]
        return rng.randint(-1 << 20, 1 << 20) / 64.0
    if t == "f64":
        if mode == "extreme":
            return [-0.0, 1.7976931348623157e308, 5e-324, -math.inf, math.inf][index % 5]
        return rng.randint(-1 << 40, 1 << 40) / 1024.0
    lo, hi = int_range(t)
    if mode == "extreme":
        return hi if index % 2 == 0 else lo
    return rng.randint(lo, hi)


def text_value(n, rng, mode, index):
    if mode == "extreme":
        return ("ZYXWVUTSRQPONMLKJIHGFEDCBA~!" * 4)[index % 7:index % 7 + n]  # fills all n bytes
    k = rng.randint(1, n - 1) if n > 1 else 1
    return "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(k))


def make_value(t, rng, mode, index):
    """A JSON-ready-later value of type t (Python objects, floats unconverted)."""
    base, n = split_array(t)
    if base == "char":
        return text_value(n, rng, mode, index)
    if n is not None:
        return [make_value(base, rng, mode, index + i) for i in range(n)]
    if t in STRUCTS:
        return make_struct(t, rng, mode, index)
    return scalar_value(t, rng, mode, index)


def make_struct(name, rng, mode, index=0):
    _, _, fields = STRUCTS[name]
    out = {}
    for i, (fname, _, ftype) in enumerate(fields):
        if ftype.startswith("pad["):
            continue
        out[fname] = make_value(ftype, rng, mode, index + i)
    return out


# ---- encoding ----------------------------------------------------------------
def encode_into(buf, off, t, value):
    base, n = split_array(t)
    if base == "char":
        raw = value.encode("utf-8")
        assert len(raw) <= n
        buf[off:off + len(raw)] = raw
        return
    if base == "pad":
        return
    if n is not None:
        size = type_size(base)
        for i, v in enumerate(value):
            encode_into(buf, off + i * size, base, v)
        return
    if t in STRUCTS:
        for fname, foff, ftype in STRUCTS[t][2]:
            if not ftype.startswith("pad["):
                encode_into(buf, off + foff, ftype, value[fname])
        return
    struct.pack_into("<" + PRIMS[prim_of(t)], buf, off, value)


def type_size(t):
    base, n = split_array(t)
    if base in ("char", "pad"):
        return n
    if n is not None:
        return type_size(base) * n
    if t in STRUCTS:
        return STRUCTS[t][1]
    return struct.calcsize("<" + PRIMS[prim_of(t)])


def check_layout(name):
    """The table's own sanity: fields in order, no gap, no overlap, sizes add up."""
    _, size, fields = STRUCTS[name]
    at = 0
    for fname, off, ftype in fields:
        assert off == at, "%s.%s at %d, expected %d" % (name, fname, off, at)
        at += type_size(ftype)
    assert at == size, "%s: fields end at %d, size %d" % (name, at, size)


# ---- JSON --------------------------------------------------------------------
def to_json_value(t, v):
    base, n = split_array(t)
    if base == "char":
        return v
    if n is not None:
        return [to_json_value(base, x) for x in v]
    if t in STRUCTS:
        return {k: to_json_value(ft, v[k]) for k, _, ft in STRUCTS[t][2] if not ft.startswith("pad[")}
    p = prim_of(t)
    if p == "bool":
        return bool(v)
    if p in ("f32", "f64"):
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        if math.isnan(v):
            return "nan"
        return v
    return str(int(v))


def referenced(name, seen):
    """Every struct and enum name that struct `name` uses, itself included."""
    if name in seen:
        return
    seen.add(name)
    if name in STRUCTS:
        for _, _, ftype in STRUCTS[name][2]:
            base, _ = split_array(ftype)
            if base in STRUCTS or base in ENUMS:
                referenced(base, seen)


def types_section(names):
    seen = set()
    for n in names:
        referenced(n, seen)
    structs = {}
    enums = {}
    for n in sorted(seen):
        if n in STRUCTS:
            schema, size, fields = STRUCTS[n]
            structs[n] = {"schema": schema, "size": size,
                          "fields": [{"name": f, "offset": o, "type": t} for f, o, t in fields]}
        else:
            under, is_flags, members = ENUMS[n]
            enums[n] = {"underlying": under, "flags": is_flags,
                        "values": {k: str(v) for k, v in members.items()}}
    return {"structs": structs, "enums": enums}


# schema -> [(struct, field, text)]: UTF-8 text vectors, each on a copy of the
# struct's first typical vector; "fills" marks text of exactly N bytes.
TEXT_VECTORS = {
    "market": [("MarketTick", "symbol", "\u03a9\u00e9\u20ac"),          # 2 + 2 + 3 bytes
               ("MarketTick", "symbol", "\U0001F600\u20acx")],           # 4 + 3 + 1: fills 8
    "common": [("Money", "currency", "\u20ac"),                          # 3: fills 3
               ("Money", "currency", "\u00e9")],
    "everything": [("Collections", "name", "Z\u00fcrich \u6771"),         # 1 + 2 + 4 + 1 + 3 bytes
                   ("Collections", "name", "\U0001F600\U0001F680\U0001F30D")],  # 3 x 4: fills 12
    "frames": [],
}
# schema -> [(struct, field, text)]: text one code point too long, cut inside it at N bytes
TEXT_REFUSED = {
    "market": [("MarketTick", "symbol", "abcdef\u20ac")],                # 9 bytes: the euro sign at 6..8
    "common": [("Money", "currency", "a\u20ac")],                        # 4 bytes
    "everything": [("Collections", "name", "\u65e5\u672c\u8a9e\U0001F600")],  # 9 + 4 = 13 bytes
    "frames": [],
}
# schema -> [(struct, field, raw bytes)]: char[N] bytes that are not UTF-8
TEXT_INVALID = {
    "market": [("MarketTick", "symbol", b"abcdef\xe2\x82"),              # a euro sign cut at 8 bytes
               ("MarketTick", "symbol", b"\xffAB")],                     # a byte UTF-8 never uses
    "common": [("Money", "currency", b"a\xc3")],                          # a 2-byte sequence cut
    "everything": [("Collections", "name", b"ok\x80")],                  # a stray continuation byte
    "frames": [],
}


def field_offset(struct_name, field):
    for fname, off, ftype in STRUCTS[struct_name][2]:
        if fname == field:
            return off, split_array(ftype)[1]
    raise KeyError(field)


def text_sections(schema, vectors):
    """The UTF-8 vectors (appended to `vectors`), "text_refused" and "text_invalid"."""
    first = {}
    for v in vectors:
        first.setdefault(v["type"], v)
    for name, field, text in TEXT_VECTORS[schema]:
        fields = dict(first[name]["fields"])
        fields[field] = text
        buf = bytearray.fromhex(first[name]["hex"])
        off, n = field_offset(name, field)
        buf[off:off + n] = bytes(n)
        encode_into(buf, off, "char[%d]" % n, text)
        vectors.append({"type": name, "hex": buf.hex(), "fields": fields})
    refused = []
    for name, field, text in TEXT_REFUSED[schema]:
        _, n = field_offset(name, field)
        raw = text.encode("utf-8")
        assert len(raw) > n and (raw[n] & 0xC0) == 0x80, "cutting at N must split a code point"
        refused.append({"type": name, "field": field, "value": text, "hex": first[name]["hex"]})
    invalid = []
    for name, field, raw in TEXT_INVALID[schema]:
        off, n = field_offset(name, field)
        assert len(raw) <= n
        try:
            raw.decode("utf-8")
            raise AssertionError("not invalid")
        except UnicodeDecodeError:
            pass
        buf = bytearray.fromhex(first[name]["hex"])
        buf[off:off + n] = raw + bytes(n - len(raw))
        invalid.append({"type": name, "field": field, "hex": buf.hex(), "raw": raw.hex()})
    return refused, invalid


def build(schema):
    rng = random.Random("tachyon-vectors-" + schema)
    names = [n for n, (s, _, _) in STRUCTS.items() if s == schema]
    vectors = []
    for name in names:
        check_layout(name)
        for mode, index in (("typical", 0), ("extreme", 0), ("extreme", 1)):
            value = make_struct(name, rng, mode, index)
            buf = bytearray(STRUCTS[name][1])
            encode_into(buf, 0, name, value)
            vectors.append({"type": name, "hex": buf.hex(), "fields": to_json_value(name, value)})
    # the market example of COMPILER.md, word for word
    if schema == "market":
        value = {"symbol": "BTCUSDT", "price": 65000.5, "quantity": 7, "timestamp": 1700000000000000000}
        buf = bytearray(32)
        encode_into(buf, 0, "MarketTick", value)
        vectors.insert(0, {"type": "MarketTick", "hex": buf.hex(), "fields": to_json_value("MarketTick", value)})
    refused, invalid = text_sections(schema, vectors)
    return {
        "schema": schema,
        "vectors": vectors,
        "types": types_section(names),
        "messages": [{"id": i, "name": n, "payload": p} for i, n, p in MESSAGES[schema]],
        "reserved": [list(r) for r in RESERVED[schema]],
        "consts": [{"name": n, "type": t, "value": const_json(t, v)} for n, t, v in CONSTS[schema]],
        "enums": {n: {"underlying": u, "flags": f, "values": {k: str(v) for k, v in m.items()}}
                  for n, (u, f, m) in ENUMS.items() if ENUM_SCHEMA[n] == schema},
        "text_refused": refused,
        "text_invalid": invalid,
    }


def const_json(t, v):
    if t in ("string", "bool") or t.startswith("f"):
        return v
    return str(v)


def render(doc):
    """One vector per line, so that a diff shows which vector changed."""
    dump = lambda v: json.dumps(v, allow_nan=False)  # noqa: E731
    lines = ['{"schema": %s,' % dump(doc["schema"]), ' "vectors": [']
    lines.append(",\n".join("  " + dump(v) for v in doc["vectors"]))
    lines.append(" ],")
    keys = ("types", "messages", "reserved", "consts", "enums", "text_refused", "text_invalid")
    for key in keys:
        lines.append(' %s: %s%s' % (dump(key), dump(doc[key]), "," if key != keys[-1] else ""))
    lines.append("}")
    return "\n".join(lines) + "\n"


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    for schema in ("market", "frames", "common", "everything"):
        text = render(build(schema))
        path = os.path.join(HERE, schema + ".json")
        if check:
            try:
                with open(path) as f:
                    if f.read() != text:
                        stale.append(path)
            except OSError:
                stale.append(path)
        else:
            with open(path, "w") as f:
                f.write(text)
    if stale:
        print("stale vectors (run tests/vectors/gen_vectors.py): " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
