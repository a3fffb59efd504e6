#!/usr/bin/env python3
"""Writes a large .tach schema for the tachc generation-time benchmark.

The schema has TYPES named types (default 10,000): one enum in ten, the rest
structs of four to seven fields that mix every scalar type, char arrays, fixed
arrays, an enum field and, one struct in five, a nested earlier struct; one
struct in seven has explicit offsets, a declared size and padding, like
MarketTick. A `messages` block gives a type id to one struct in four, and each
struct carries a doc comment, so every emitter path has work to do.

Usage: gen_big_schema.py [--types N] [OUT.tach]   (stdout without OUT)
"""
import argparse
import sys

SCALARS = [("u8", 1), ("u16", 2), ("u32", 4), ("u64", 8), ("i8", 1), ("i16", 2), ("i32", 4), ("i64", 8),
           ("f32", 4), ("f64", 8), ("bool", 1)]


def generate(types):
    out = ["schema big;", ""]
    enums = []        # names of enums declared so far
    structs = []      # (name, size) of structs declared so far
    messages = []
    for i in range(types):
        if i % 10 == 0:
            name = "Kind%d" % i
            out.append("/// Enum number %d." % i)
            out.append("enum %s : u16 { Zero, One, Two = %d, Three = %d }" % (name, 2 + i % 7, 100 + i % 50))
            out.append("")
            enums.append(name)
            continue
        name = "Rec%d" % i
        out.append("/// Record number %d, generated for the tachc benchmark." % i)
        if i % 7 == 0:
            # MarketTick's shape: explicit offsets, a declared size, padding
            out.append("struct %s size 32 {" % name)
            out.append("    symbol    @0  : char[8];   /// NUL-padded")
            out.append("    price     @8  : f64;")
            out.append("    quantity  @16 : u32;")
            out.append("    timestamp @20 : u64;")
            out.append("    _         @28 : pad[4];")
            out.append("}")
            size = 32
        else:
            out.append("struct %s {" % name)
            size = 0
            nfields = 4 + i % 4
            for f in range(nfields):
                kind = (i + f) % 6
                if kind == 5 and enums:
                    out.append("    kind%d : %s;" % (f, enums[(i + f) % len(enums)]))
                    size += 2
                elif kind == 4:
                    n = 1 + (i + f) % 16
                    out.append("    text%d : char[%d];" % (f, n))
                    size += n
                elif kind == 3:
                    t, w = SCALARS[(i * 3 + f) % len(SCALARS)]
                    n = 2 + (i + f) % 6
                    out.append("    values%d : %s[%d];   /// a fixed array" % (f, t, n))
                    size += w * n
                else:
                    t, w = SCALARS[(i + f * 5) % len(SCALARS)]
                    out.append("    field%d : %s;" % (f, t))
                    size += w
            if i % 5 == 0 and structs:
                inner, inner_size = structs[(i * 13) % len(structs)]
                out.append("    inner : %s;   /// a nested struct" % inner)
                size += inner_size
            out.append("}")
        out.append("")
        structs.append((name, size))
        if i % 4 == 1:
            messages.append(name)
    out.append("messages {")
    out.append("    0 = End;")
    for n, name in enumerate(messages, start=1):
        out.append("    %d = Msg%d : %s;" % (n, n, name))
    out.append("    reserved %d..%d;" % (len(messages) + 1, len(messages) + 10))
    out.append("}")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--types", type=int, default=10000)
    ap.add_argument("out", nargs="?")
    args = ap.parse_args()
    text = generate(args.types)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
