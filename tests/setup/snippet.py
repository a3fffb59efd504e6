#!/usr/bin/env python3
"""Prints one fenced code block of the README, the one right after the line
`<!-- snippet: NAME -->`, so tests run the README's own text.

Usage: tests/setup/snippet.py NAME [--commands | --output] [README]
  --commands   only the `$ ` lines of the block, without the `$ `
  --output     only the lines after the last `$ ` line (what the commands print)
Exits 1 with a message when the README has no such snippet.
"""
import os
import re
import sys


def snippet(text, name):
    m = re.search(r"^<!-- snippet: %s -->\n```[^\n]*\n(.*?)^```$" % re.escape(name), text, re.M | re.S)
    return m.group(1) if m else None


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    if not args:
        sys.exit(__doc__)
    readme = args[1] if len(args) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "README.md")
    with open(readme, encoding="utf-8") as f:
        block = snippet(f.read(), args[0])
    if block is None:
        sys.exit("snippet.py: %s has no block marked <!-- snippet: %s -->" % (readme, args[0]))
    lines = block.splitlines()
    if "--commands" in argv:
        lines = [ln[2:] for ln in lines if ln.startswith("$ ")]
    elif "--output" in argv:
        last = max((i for i, ln in enumerate(lines) if ln.startswith("$ ")), default=-1)
        lines = lines[last + 1:]
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1:])
