#!/usr/bin/env python3
"""Prints one fenced code block of the README, the one right after the line
`<!-- snippet: NAME -->`, so tests run the README's own text.

Usage: tests/setup/snippet.py NAME [--commands | --script | --output] [README]
  --commands   only the commands of the block: its `$ ` lines without the `$ `
               (a line ending in a backslash continues onto the next)
  --script     the commands, with `echo @@output@@` before the last one: what
               follows the marker is what the README shows
  --output     only the lines after the last command (what the commands print)
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
    # A command is a `$ ` line and the lines its trailing backslashes continue it onto.
    commands, ends = [], []
    i = 0
    while i < len(lines):
        if lines[i].startswith("$ "):
            cmd = [lines[i][2:]]
            while cmd[-1].endswith("\\") and i + 1 < len(lines):
                i += 1
                cmd.append(lines[i])
            commands.append("\n".join(cmd))
            ends.append(i)
        i += 1
    if "--commands" in argv:
        lines = commands
    elif "--script" in argv:
        lines = commands[:-1] + ["echo @@output@@"] + commands[-1:]
    elif "--output" in argv:
        lines = lines[ends[-1] + 1:] if ends else lines
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1:])
