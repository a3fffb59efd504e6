#!/usr/bin/env python3
"""Writes a large .tach schema for the tachc benchmark (DESIGN 7: a 10,000-type
schema generates all four languages in under a second).

Usage: gen_big_schema.py [--types N] [--out FILE]   (default 10000 types, stdout)

Every tenth type is an enum; the others are structs of 4 to 8 fields mixing
primitives, char[N], arrays, enums and structs declared earlier, with explicit
offsets on some fields and a declared size on some structs. Every struct is the
payload of one message id. The output is deterministic.
"""
import argparse
import sys

PRIMS = [("u8", 1), ("u16", 2), ("u32", 4), ("u64", 8), ("i8", 1), ("i16", 2),
         ("i32", 4), ("i64", 8), ("f32", 4), ("f64", 8), ("bool", 1)]


def generate(ntypes):
    out = ["/// A generated schema of %d types, for the tachc benchmark." % ntypes,
           "schema big;", "", "const LEN : u32 = 3;", ""]
    structs = []   # (name, size)
    enums = []
    for i in range(ntypes):
        if i % 10 == 0:
            name = "Kind%d" % i
            out.append("/// Enum number %d." % i)
            out.append("enum %s : u16 {" % name)
            for v in range(4):
                out.append("    V%d = %d," % (v, v * 3 + i % 7))
            out.append("}")
            out.append("")
            enums.append(name)
            continue
        name = "Type%d" % i
        nfields = 4 + i % 5
        fields = []
        offset = 0
        for f in range(nfields):
            pick = (i * 7 + f * 13) % 16
            if pick < 11:
                t, size = PRIMS[pick]
            elif pick == 11:
                t, size = "char[%d]" % (4 + f), 4 + f
            elif pick == 12:
                t, size = "f32[LEN]", 12
            elif pick == 13 and enums:
                t, size = enums[(i + f) % len(enums)], 2
            elif pick == 14 and structs:
                sname, size = structs[(i * 31 + f) % len(structs)]
                t = sname
            else:
                t, size = "u32[2]", 8
            explicit = " @%d" % offset if f % 3 == 0 else ""
            fields.append("    f%d%s : %s;   /// field %d" % (f, explicit, t, f))
            offset += size
        declared = " size %d" % offset if i % 4 == 0 else ""
        out.append("/// Struct number %d." % i)
        out.append("struct %s%s {" % (name, declared))
        out.extend(fields)
        out.append("}")
        out.append("")
        structs.append((name, offset))
    out.append("messages {")
    out.append("    0 = End;")
    for n, (name, _) in enumerate(structs, start=1):
        out.append("    %d = M%s : %s;" % (n, name, name))
    out.append("}")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--types", type=int, default=10000)
    ap.add_argument("--out")
    args = ap.parse_args()
    text = generate(args.types)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
