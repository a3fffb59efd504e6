#!/usr/bin/env python3
"""Writes a C program (valid C11 and C++17) that checks generated/c against the
cross-language vectors in tests/vectors/*.json.

For every vector the program decodes the bytes through the generated getters
and compares every field (floats bit for bit), then writes every field through
the generated setters into a zeroed buffer and compares the bytes; it also
checks the size guards, decoding by type id and reserved ids. It prints one
line per case, `PASS: <label> <case>` or `FAIL: <label> <case>` followed by
detail lines; the label (argv[1]) names the compiler that built it.

The field types come from the hand-kept layout table inside each JSON file;
accessor names follow tachc's naming rule (MarketTick -> market_tick).

Usage: gen_test.py OUT.c
"""
import json
import math
import os
import re
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
VECTORS = os.path.join(ROOT, "tests", "vectors")
SCHEMAS = ("market", "frames", "common", "everything")

C_TYPES = {"u8": "uint8_t", "u16": "uint16_t", "u32": "uint32_t", "u64": "uint64_t",
           "i8": "int8_t", "i16": "int16_t", "i32": "int32_t", "i64": "int64_t",
           "f32": "float", "f64": "double", "bool": "bool"}


def words(name):
    """tachc's word split (compiler/emit.c name_join): at '_', lower/digit ->
    upper, and before the last capital of an upper-case run."""
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


def snake(name):
    return "_".join(w.lower() for w in words(name))


def upper(name):
    return "_".join(w.upper() for w in words(name))


def split(t):
    m = re.fullmatch(r"(.+)\[(\d+)\]", t)
    return (m.group(1), int(m.group(2))) if m else (t, None)


class Program:
    def __init__(self):
        self.funcs = []     # C function bodies
        self.cases = []     # (case name, function name)
        self.data = []      # static tables
        self.counter = 0

    def name(self, stem):
        self.counter += 1
        return "%s_%d" % (stem, self.counter)


class Schema:
    def __init__(self, doc):
        self.doc = doc
        self.structs = doc["types"]["structs"]
        self.enums = doc["types"]["enums"]

    def prim(self, t):
        return self.enums[t]["underlying"] if t in self.enums else t

    def ctype(self, t):
        return snake(t) + "_t" if t in self.enums else C_TYPES[t]

    def fields(self, st):
        return [f for f in self.structs[st]["fields"] if not f["type"].startswith("pad[")]


def float_bits(p, v):
    if isinstance(v, str):
        v = float(v)
    if p == "f32":
        return "UINT32_C(0x%08x)" % struct.unpack("<I", struct.pack("<f", v))[0]
    return "UINT64_C(0x%016x)" % struct.unpack("<Q", struct.pack("<d", v))[0]


def int_literal(p, v):
    v = int(v)
    if p.startswith("u"):
        return "UINT64_C(%d)" % v
    if v == -(1 << 63):
        return "(-INT64_C(9223372036854775807) - 1)"
    return "INT64_C(%d)" % v


def typed_scalar(sc, t, v):
    """A C expression of the field's own type holding JSON value v."""
    p = sc.prim(t)
    if p == "bool":
        return "true" if v else "false"
    if p == "f32":
        return "f32_of(%s)" % float_bits(p, v)
    if p == "f64":
        return "f64_of(%s)" % float_bits(p, v)
    return "(%s)%s" % (sc.ctype(t), int_literal(p, v))


def check_scalar(sc, t, expr, v, what):
    p = sc.prim(t)
    if p == "bool":
        return 'bad += check_b("%s", %s, %s);' % (what, expr, "true" if v else "false")
    if p in ("f32", "f64"):
        return 'bad += check_%s("%s", %s, %s);' % (p, what, expr, float_bits(p, v))
    kind = "u" if p.startswith("u") else "i"
    return 'bad += check_%s("%s", %s, %s);' % (kind, what, expr, int_literal(p, v))


def c_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def decode_lines(prog, sc, st, ptr, want, where, out):
    pre = snake(st)
    for f in sc.fields(st):
        name, t = f["name"], f["type"]
        fs = snake(name)
        base, n = split(t)
        what = "%s.%s" % (where, name)
        v = want[name]
        if base == "char":
            out.append("{")
            out.append("    char text[%d];" % (n + 2))
            out.append("    size_t len = %s_get_%s(%s, text, sizeof text);" % (pre, fs, ptr))
            out.append('    bad += check_s("%s", text, len, %s);' % (what, c_string(v)))
            out.append("}")
        elif t in sc.structs:
            decode_lines(prog, sc, t, "%s_get_%s(%s)" % (pre, fs, ptr), v, what, out)
        elif n is not None and base in sc.structs:
            for i in range(n):
                decode_lines(prog, sc, base, "%s_get_%s(%s, %d)" % (pre, fs, ptr, i), v[i],
                             "%s[%d]" % (what, i), out)
            out.append('bad += check_b("%s out of range is NULL", %s_get_%s(%s, %d) == NULL, true);'
                       % (what, pre, fs, ptr, n))
        elif n is not None:
            # a table of the expected elements (floats as their bits), checked by
            # index and by copy-out
            p = sc.prim(base)
            table = element_table(prog, sc, base, v)
            out.append("for (size_t i = 0; i < %d; i++) {" % n)
            if p in ("f32", "f64"):
                out.append('    bad += check_%s("%s[i]", %s_get_%s(%s, i), %s[i]);'
                           % (p, what, pre, fs, ptr, table))
            elif p == "bool":
                out.append('    bad += check_b("%s[i]", %s_get_%s(%s, i), %s[i]);' % (what, pre, fs, ptr, table))
            else:
                kind = "u" if p.startswith("u") else "i"
                out.append('    bad += check_%s("%s[i]", %s_get_%s(%s, i), %s[i]);'
                           % (kind, what, pre, fs, ptr, table))
            out.append("}")
            out.append("{")
            out.append("    %s all[%d];" % (sc.ctype(base), n))
            out.append("    %s_copy_%s_out(%s, all);" % (pre, fs, ptr))
            out.append("    for (size_t i = 0; i < %d; i++)" % n)
            if p in ("f32", "f64"):
                out.append('        bad += check_%s("%s copied out", all[i], %s[i]);' % (p, what, table))
            else:
                out.append('        bad += check_b("%s copied out", all[i] == %s[i], true);' % (what, table))
            out.append("}")
            zero = "false" if p == "bool" else "0"
            out.append('bad += check_b("%s[%d] out of range reads 0", %s_get_%s(%s, %d) == %s, true);'
                       % (what, n, pre, fs, ptr, n, zero))
        else:
            out.append(check_scalar(sc, t, "%s_get_%s(%s)" % (pre, fs, ptr), v, what))


def encode_lines(prog, sc, st, ptr, want, where, out, use_copy_in):
    pre = snake(st)
    for f in sc.fields(st):
        name, t = f["name"], f["type"]
        fs = snake(name)
        base, n = split(t)
        what = "%s.%s" % (where, name)
        v = want[name]
        if base == "char":
            out.append('bad += check_b("%s set", %s_set_%s(%s, %s) == 0, true);' % (what, pre, fs, ptr, c_string(v)))
        elif t in sc.structs:
            encode_lines(prog, sc, t, "%s_mut_%s(%s)" % (pre, fs, ptr), v, what, out, use_copy_in)
        elif n is not None and base in sc.structs:
            for i in range(n):
                encode_lines(prog, sc, base, "%s_mut_%s(%s, %d)" % (pre, fs, ptr, i), v[i],
                             "%s[%d]" % (what, i), out, use_copy_in)
            out.append('bad += check_b("%s out of range is NULL", %s_mut_%s(%s, %d) == NULL, true);'
                       % (what, pre, fs, ptr, n))
        elif n is not None:
            p = sc.prim(base)
            table = element_table(prog, sc, base, v)
            elem = ("f32_of(%s[i])" if p == "f32" else "f64_of(%s[i])" if p == "f64" else "%s[i]") % table
            if use_copy_in:
                out.append("{")
                out.append("    %s all[%d];" % (sc.ctype(base), n))
                out.append("    for (size_t i = 0; i < %d; i++)" % n)
                out.append("        all[i] = %s;" % elem)
                out.append("    %s_copy_%s_in(%s, all);" % (pre, fs, ptr))
                out.append("}")
            else:
                out.append("for (size_t i = 0; i < %d; i++)" % n)
                out.append('    bad += check_b("%s[i] set", %s_set_%s(%s, i, %s) == 0, true);'
                           % (what, pre, fs, ptr, elem))
            out.append('bad += check_b("%s[%d] set out of range", %s_set_%s(%s, %d, (%s)0) == -1, true);'
                       % (what, n, pre, fs, ptr, n, sc.ctype(base)))
        else:
            out.append("%s_set_%s(%s, %s);" % (pre, fs, ptr, typed_scalar(sc, t, v)))


def element_table(prog, sc, t, values):
    """A static table of array elements: floats as their bit patterns (so that
    -0.0 and infinities are exact constants), others in the element's C type."""
    p = sc.prim(t)
    table = prog.name("elems")
    if p in ("f32", "f64"):
        ctype = "uint32_t" if p == "f32" else "uint64_t"
        elems = [float_bits(p, x) for x in values]
    else:
        ctype = sc.ctype(t)
        elems = [typed_scalar(sc, t, x) for x in values]
    prog.data.append("static const %s %s[%d] = {\n    %s,\n};" % (ctype, table, len(values), ",\n    ".join(elems)))
    return table


def undefined_value(e):
    """A value of the enum's type that names no member."""
    used = {int(v) for v in e["values"].values()}
    v = 0
    while v in used:
        v += 1
    return v


def hex_table(prog, data):
    table = prog.name("bytes")
    body = ", ".join("0x%02x" % b for b in data)
    prog.data.append("static const unsigned char %s[%d] = {%s};" % (table, len(data), body))
    return table


def emit_vector(prog, schema, sc, index, vec):
    st = vec["type"]
    pre, up = snake(st), upper(st)
    data = bytes.fromhex(vec["hex"])
    table = hex_table(prog, data)
    case = "%s.%s[%d]" % (schema, st, index)

    # decode, from an odd address so that every access is unaligned
    fn = prog.name("decode")
    out = []
    decode_lines(prog, sc, st, "p", vec["fields"], st, out)
    body = ["static int %s(void)" % fn, "{",
            "    int bad = 0;",
            "    unsigned char *store = (unsigned char *)malloc(%s_SIZE + 1);" % up,
            "    if (!store)",
            "        return 1;",
            "    memcpy(store + 1, %s, %s_SIZE);" % (table, up),
            "    const void *p = %s_from(store + 1, %s_SIZE);" % (pre, up),
            '    bad += check_b("%s_from(SIZE)", p == store + 1, true);' % pre,
            '    bad += check_b("%s_from(SIZE - 1) is NULL", %s_from(store + 1, %s_SIZE - 1) == NULL, true);'
            % (pre, pre, up),
            "    if (p) {"]
    body += ["        " + line for line in out]
    body += ["    }", "    free(store);", "    return bad;", "}"]
    prog.funcs.append("\n".join(body))
    prog.cases.append((case + " decode", fn))

    # encode twice: element setters, then the copy-in helpers
    for use_copy_in in (False, True):
        fn = prog.name("encode")
        out = []
        encode_lines(prog, sc, st, "q", vec["fields"], st, out, use_copy_in)
        body = ["static int %s(void)" % fn, "{",
                "    int bad = 0;",
                "    unsigned char *store = (unsigned char *)malloc(%s_SIZE + 3);" % up,
                "    if (!store)",
                "        return 1;",
                "    memset(store, 0xa5, %s_SIZE + 3);" % up,
                "    void *q = %s_from_mut(store + 1, %s_SIZE);" % (pre, up),
                "    %s_clear(q);" % pre]
        body += ["    " + line for line in out]
        body += ['    bad += check_bytes("%s", store + 1, %s, %s_SIZE);' % (st, table, up),
                 '    bad += check_b("bytes around the record untouched", store[0] == 0xa5 && '
                 'store[%s_SIZE + 1] == 0xa5, true);' % up,
                 "    free(store);", "    return bad;", "}"]
        prog.funcs.append("\n".join(body))
        prog.cases.append((case + (" encode (copy_in)" if use_copy_in else " encode"), fn))


def c_bytes(raw):
    """A C string literal of raw bytes: printable ASCII as is, the rest octal."""
    out = []
    for b in raw:
        ch = chr(b)
        if 0x20 <= b < 0x7f and ch not in '\\"?':
            out.append(ch)
        else:
            out.append("\\%03o" % b)
    return '"' + "".join(out) + '"'


def field_of(sc, st, name):
    return next(f for f in sc.fields(st) if f["name"] == name)


def emit_text_rules(prog, schema, sc, doc):
    """char[N] text that does not fit is refused with the record untouched;
    bytes that are not UTF-8 read back as they are (C strings are bytes)."""
    for i, vec in enumerate(doc["text_refused"]):
        st, fs = vec["type"], snake(vec["field"])
        pre, up = snake(st), upper(st)
        table = hex_table(prog, bytes.fromhex(vec["hex"]))
        fn = prog.name("refused")
        prog.funcs.append("\n".join([
            "static int %s(void)" % fn, "{", "    int bad = 0;",
            "    unsigned char store[%s_SIZE];" % up,
            "    memcpy(store, %s, %s_SIZE);" % (table, up),
            "    void *q = %s_from_mut(store, %s_SIZE);" % (pre, up),
            '    bad += check_b("%s.%s refused", %s_set_%s(q, %s) != 0, true);'
            % (st, vec["field"], pre, fs, c_bytes(vec["value"].encode("utf-8"))),
            '    bad += check_bytes("%s untouched", store, %s, %s_SIZE);' % (st, table, up),
            "    return bad;", "}"]))
        prog.cases.append(("%s.text_refused[%d]" % (schema, i), fn))
    for i, vec in enumerate(doc["text_invalid"]):
        st, fs = vec["type"], snake(vec["field"])
        pre, up = snake(st), upper(st)
        _, n = split(field_of(sc, st, vec["field"])["type"])
        table = hex_table(prog, bytes.fromhex(vec["hex"]))
        raw = bytes.fromhex(vec["raw"])
        fn = prog.name("invalid")
        prog.funcs.append("\n".join([
            "static int %s(void)" % fn, "{", "    int bad = 0;",
            "    char text[%d];" % (n + 2),
            "    size_t len = %s_get_%s(%s_from(%s, %s_SIZE), text, sizeof text);" % (pre, fs, pre, table, up),
            '    bad += check_s("%s.%s as bytes", text, len, %s);' % (st, vec["field"], c_bytes(raw)),
            "    return bad;", "}"]))
        prog.cases.append(("%s.text_invalid[%d]" % (schema, i), fn))


def emit_schema_checks(prog, schema, sc):
    s_lo, s_up = snake(schema), upper(schema)
    fn = prog.name("messages")
    out = ["static int %s(void)" % fn, "{", "    int bad = 0;"]
    ids = set()
    for m in sc.doc["messages"]:
        ids.add(m["id"])
        mu = upper(m["name"])
        out.append('    bad += check_u("%s_MSG_%s", %s_MSG_%s, %d);' % (s_up, mu, s_up, mu, m["id"]))
        size = "%s_SIZE" % upper(m["payload"]) if m["payload"] else "0"
        out.append('    bad += check_i("payload_size(%d)", %s_payload_size(%d), (int64_t)%s);'
                   % (m["id"], s_lo, m["id"], size))
        out.append('    bad += check_s("message_name(%d)", %s_message_name(%d), strlen(%s), %s);'
                   % (m["id"], s_lo, m["id"], c_string(m["name"]), c_string(m["name"])))
        if m["payload"]:
            out.append('    bad += check_b("decode(%d) short", %s_decode(%d, buf, %s - 1) == NULL, true);'
                       % (m["id"], s_lo, m["id"], size))
            out.append('    bad += check_b("decode(%d)", %s_decode(%d, buf, %s) == buf, true);'
                       % (m["id"], s_lo, m["id"], size))
    unknown = max(ids | {0}) + 1000
    out.append('    bad += check_i("payload_size(unknown)", %s_payload_size(%d), -1);' % (s_lo, unknown))
    out.append('    bad += check_b("message_name(unknown)", %s_message_name(%d) == NULL, true);' % (s_lo, unknown))
    out.append('    bad += check_b("decode(unknown)", %s_decode(%d, buf, sizeof buf) == NULL, true);'
               % (s_lo, unknown))
    reserved = sc.doc["reserved"]
    for probe in range(0, 40):
        want = any(lo <= probe <= hi for lo, hi in reserved)
        out.append('    bad += check_b("type_id_reserved(%d)", %s_type_id_reserved(%d), %s);'
                   % (probe, s_lo, probe, "true" if want else "false"))
    out.append('    bad += check_b("schema fingerprint is not 0", %s_SCHEMA_FINGERPRINT != 0, true);' % s_up)
    out += ["    return bad;", "}"]
    out.insert(3, "    static unsigned char buf[8192];")
    prog.funcs.append("\n".join(out))
    prog.cases.append(("%s messages" % schema, fn))

    for st, info in sorted(sc.structs.items()):
        bools = [f for f in sc.fields(st) if f["type"] == "bool"] if info["schema"] == schema else []
        for f in bools:
            fn = prog.name("bool")
            pre, up, fu = snake(st), upper(st), upper(f["name"])
            prog.funcs.append("\n".join([
                "static int %s(void)" % fn, "{", "    int bad = 0;",
                "    static unsigned char rec[%s_SIZE];" % up,
                "    rec[%s_%s_OFFSET] = 2;" % (up, fu),
                '    bad += check_b("byte 2 reads true", %s_get_%s(rec), true);' % (pre, snake(f["name"])),
                "    %s_set_%s(rec, true);" % (pre, snake(f["name"])),
                '    bad += check_u("true is stored as 1", rec[%s_%s_OFFSET], 1);' % (up, fu),
                "    return bad;", "}"]))
            prog.cases.append(("%s.%s.%s bool normalised" % (schema, st, f["name"]), fn))

    fn = prog.name("consts")
    out = ["static int %s(void)" % fn, "{", "    int bad = 0;"]
    for k in sc.doc["consts"]:
        macro = "%s_%s" % (s_up, upper(k["name"]))
        t, v = k["type"], k["value"]
        if t == "string":
            out.append('    bad += check_s("%s", %s, strlen(%s), %s);' % (macro, macro, macro, c_string(v)))
        elif t == "bool":
            out.append('    bad += check_b("%s", %s, %s);' % (macro, macro, "true" if v else "false"))
        elif t in ("f32", "f64"):
            out.append('    bad += check_%s("%s", %s, %s);' % (t, macro, macro, float_bits(t, v)))
        else:
            kind = "u" if t.startswith("u") else "i"
            out.append('    bad += check_%s("%s", %s, %s);' % (kind, macro, macro, int_literal(t, v)))
            out.append('    bad += check_b("%s has type %s", sizeof(%s) == sizeof(%s), true);'
                       % (macro, C_TYPES[t], macro, C_TYPES[t]))
    for name, e in sorted(sc.doc["enums"].items()):
        kind = "u" if e["underlying"].startswith("u") else "i"
        for member, value in e["values"].items():
            macro = "%s_%s" % (upper(name), upper(member))
            out.append('    bad += check_%s("%s", %s, %s);' % (kind, macro, macro, int_literal(e["underlying"], value)))
        out.append('    bad += check_b("sizeof(%s_t)", sizeof(%s_t) == %d, true);'
                   % (snake(name), snake(name), int(e["underlying"][1:]) // 8))
    out += ["    return bad;", "}"]
    prog.funcs.append("\n".join(out))
    prog.cases.append(("%s constants and enum values" % schema, fn))

    for name, e in sorted(sc.doc["enums"].items()):
        if e["flags"]:
            continue
        fn = prog.name("enum")
        out = ["static int %s(void)" % fn, "{", "    int bad = 0;"]
        for member, value in e["values"].items():
            out.append('    bad += check_s("%s_name(%s)", %s_name(%s_%s), strlen("%s"), "%s");'
                       % (snake(name), member, snake(name), upper(name), upper(member), member, member))
        out.append('    bad += check_b("%s_name(undefined) is NULL", %s_name((%s_t)%s) == NULL, true);'
                   % (snake(name), snake(name), snake(name), undefined_value(e)))
        out += ["    return bad;", "}"]
        prog.funcs.append("\n".join(out))
        prog.cases.append(("%s enum %s names" % (schema, name), fn))


PRELUDE = r"""/* Description: cross-language vectors decoded and re-encoded through the generated C headers */
/* Generated by tests/vectors/c/gen_test.py from the JSON vectors in tests/vectors; not committed. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

%(includes)s

static const char *label = "cc";

/* Detail lines of the running case, printed after its FAIL line. */
static char notes[8192];
static size_t notes_len;

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (notes_len < sizeof notes - 1) {
        int n = vsnprintf(notes + notes_len, sizeof notes - notes_len, fmt, ap);
        if (n > 0)
            notes_len += (size_t)n < sizeof notes - notes_len ? (size_t)n : sizeof notes - 1 - notes_len;
    }
    va_end(ap);
}

static float f32_of(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static double f64_of(uint64_t bits)
{
    double f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static uint32_t bits_f32(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static uint64_t bits_f64(double f)
{
    uint64_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static int check_u(const char *what, uint64_t got, uint64_t want)
{
    if (got == want)
        return 0;
    note("  %%s: got %%llu, want %%llu\n", what, (unsigned long long)got, (unsigned long long)want);
    return 1;
}

static int check_i(const char *what, int64_t got, int64_t want)
{
    if (got == want)
        return 0;
    note("  %%s: got %%lld, want %%lld\n", what, (long long)got, (long long)want);
    return 1;
}

static int check_f32(const char *what, float got, uint32_t want)
{
    if (bits_f32(got) == want)
        return 0;
    note("  %%s: got %%a (0x%%08lx), want %%a\n", what, (double)got, (unsigned long)bits_f32(got),
           (double)f32_of(want));
    return 1;
}

static int check_f64(const char *what, double got, uint64_t want)
{
    if (bits_f64(got) == want)
        return 0;
    note("  %%s: got %%a, want %%a\n", what, got, f64_of(want));
    return 1;
}

static int check_b(const char *what, bool got, bool want)
{
    if (got == want)
        return 0;
    note("  %%s: got %%s, want %%s\n", what, got ? "true" : "false", want ? "true" : "false");
    return 1;
}

static int check_s(const char *what, const char *got, size_t got_len, const char *want)
{
    if (got && strcmp(got, want) == 0 && got_len == strlen(want))
        return 0;
    note("  %%s: got \"%%s\" (length %%lu), want \"%%s\"\n", what, got ? got : "(null)",
           (unsigned long)got_len, want);
    return 1;
}

static int check_bytes(const char *what, const unsigned char *got, const unsigned char *want, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (got[i] != want[i]) {
            note("  %%s: byte %%lu is 0x%%02x, want 0x%%02x\n", what, (unsigned long)i, got[i], want[i]);
            return 1;
        }
    }
    return 0;
}
"""


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen_test.py OUT.c")
    prog = Program()
    for schema in SCHEMAS:
        with open(os.path.join(VECTORS, schema + ".json")) as f:
            doc = json.load(f)
        sc = Schema(doc)
        for i, vec in enumerate(doc["vectors"]):
            emit_vector(prog, schema, sc, i, vec)
        emit_schema_checks(prog, schema, sc)
        emit_text_rules(prog, schema, sc, doc)
    includes = "\n".join('#include "%s.h"' % s for s in SCHEMAS)
    text = [PRELUDE % {"includes": includes}]
    text += prog.data
    text.append("")
    text += [f + "\n" for f in prog.funcs]
    text.append("typedef struct vector_case {\n    const char *name;\n    int (*run)(void);\n} vector_case;\n")
    text.append("static const vector_case cases[] = {")
    text += ['    {%s, %s},' % (c_string(name), fn) for name, fn in prog.cases]
    text.append("};\n")
    text.append("""int main(int argc, char **argv)
{
    int failed = 0;
    if (argc > 1)
        label = argv[1];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        notes_len = 0;
        notes[0] = '\\0';
        int bad = cases[i].run();
        printf("%s: %s %s\\n%s", bad ? "FAIL" : "PASS", label, cases[i].name, bad ? notes : "");
        failed += bad != 0;
    }
    return failed ? 1 : 0;
}""")
    with open(sys.argv[1], "w") as f:
        f.write("\n".join(text) + "\n")


if __name__ == "__main__":
    main()
