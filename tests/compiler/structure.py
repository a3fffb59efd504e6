#!/usr/bin/env python3
"""The compiler's structure rules (issue 13), checked on the sources and objects.

Usage: structure.py COMPILER_DIR OBJ_DIR
Prints PASS:/FAIL: lines:
  structure/front-end-layering  the front end (lexer, parser, ast, scope, sema,
                                layout, abi and their helpers) includes no
                                emitter, lock or language-table header
  structure/no-include-cycle    no cycle among compiler/ headers and sources
  structure/no-mutable-globals  no object in .data/.bss of any compiler object
                                (options travel in tachc_options)
  structure/keywords-sorted     each keyword list in names.c is in strcmp order
                                (names_is_keyword searches it by halves)
"""
import os
import re
import subprocess
import sys

FRONT_END = ["arena.c", "arena.h", "ast.c", "ast.h", "diag.c", "diag.h", "model.c", "model.h", "buf.c", "buf.h",
             "abi.c", "abi.h", "scope.c", "scope.h", "sema.c", "layout.c", "layout.h", "names.c", "names.h",
             "lexer.l", "parser.y", "tachc.h", "utf8.h"]
BACK_END_HEADERS = {"emit.h", "lock.h", "langs.h"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def includes(path):
    with open(path, encoding="utf-8") as f:
        return INCLUDE.findall(f.read())


def main():
    src, obj = sys.argv[1], sys.argv[2]
    failures = 0

    def report(name, problems):
        nonlocal failures
        if problems:
            failures += 1
            print(f"FAIL: {name}")
            for p in problems:
                print(f"    {p}")
        else:
            print(f"PASS: {name}")

    bad = []
    for name in FRONT_END:
        path = os.path.join(src, name)
        if not os.path.exists(path):
            bad.append(f"{name}: missing (update the front-end list in {sys.argv[0]})")
            continue
        for inc in includes(path):
            if inc in BACK_END_HEADERS or inc.startswith("emit_"):
                bad.append(f"{name} includes {inc}")
    report("structure/front-end-layering", bad)

    # Sources and headers as one graph: x.c belongs to x.h, so a.c including b.h
    # and b.c including a.h is a cycle between modules a and b.
    graph = {}
    for name in sorted(os.listdir(src)):
        if not re.search(r"\.(c|h|l|y)$", name):
            continue
        mod = os.path.splitext(name)[0]
        deps = {os.path.splitext(i)[0] for i in includes(os.path.join(src, name))
                if os.path.exists(os.path.join(src, i))}
        graph.setdefault(mod, set()).update(deps - {mod})
    cycles, state, stack = [], {}, []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for d in sorted(graph.get(m, ())):
            if state.get(d) == 1:
                cycles.append(" -> ".join(stack[stack.index(d):] + [d]))
            elif d not in state:
                visit(d)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
    report("structure/no-include-cycle", cycles)

    globals_ = []
    for name in sorted(os.listdir(obj)):
        if not name.endswith(".o") or name in ("lexer.o", "parser.o"):
            continue
        out = subprocess.run(["objdump", "-t", os.path.join(obj, name)], capture_output=True, text=True,
                             check=True).stdout
        for line in out.splitlines():
            cols = line.split()
            if len(cols) >= 6 and cols[2] == "O" and cols[3] in (".data", ".bss", ".data.rel", ".data.rel.local",
                                                                  ".tbss", ".tdata"):
                globals_.append(f"{name}: {cols[-1]} in {cols[3]}")
    report("structure/no-mutable-globals", globals_)

    unsorted = []
    with open(os.path.join(src, "names.c"), encoding="utf-8") as f:
        text = f.read()
    lists = re.findall(r"static const char \*const (kw_\w+)\[\] = \{(.*?)NULL\};", text, re.S)
    for name, body in lists:
        words = [w.encode() for w in re.findall(r'"([^"]+)"', body)]
        if words != sorted(words) or len(words) != len(set(words)):
            unsorted.append(f"{name} is not in strcmp order (or repeats a word)")
    if len(lists) < 9:
        unsorted.append(f"expected the keyword lists of 9 languages in names.c, found {len(lists)}")
    report("structure/keywords-sorted", unsorted)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
