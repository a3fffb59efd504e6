"""Prints the UTF-8 bytes (hex) of the MOTTO constant strings.tach spells: the
text between its quotes with the escapes \\ \" \t \n decoded."""
import sys

src = open(sys.argv[1], "rb").read()
body = src[src.index(b'MOTTO : string = "') + len(b'MOTTO : string = "'):]
out, i = bytearray(), 0
while body[i:i + 1] != b'"':
    if body[i:i + 1] == b"\\":
        out += {b"t": b"\t", b"n": b"\n"}.get(body[i + 1:i + 2], body[i + 1:i + 2])
        i += 2
    else:
        out += body[i:i + 1]
        i += 1
print(out.hex())
