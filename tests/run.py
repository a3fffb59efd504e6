#!/usr/bin/env python3
"""Runs every Tachyon test suite and ends with one line: N passed, N failed[, N skipped].

Each suite is a command plus a way to count its cases:
  exec    every executable matching a glob is one case; exit 0 pass, 77 skip, else fail
  lines   the command prints "PASS: name", "FAIL: name" or "SKIP: name (why)" per case
  pytest  pytest, counted from its JUnit XML report
  cargo   cargo test, counted from its "test NAME ... ok|FAILED|ignored" lines
  gotest  go test -json, counted per test
  check   the command is one case: exit 0 pass, else fail
A suite whose command fails without reporting a failed case counts one failure,
so a crash or a build error never passes silently. A suite whose folder or
executables are missing is a failure; one whose tool is missing is a skip with
the command that gets the tool. Every skip's reason is printed in the summary.

Independent suites run in parallel (-j, default 2); each suite's lines are
printed together when it ends; suites that name the same "lock" (the Maven
ones, which share ~/.m2) run one at a time. With --strict (the default when CI=true) a skip
for a missing tool or package counts as a failure: CI installs every tool, so
such a skip there is a set-up bug (skips for other reasons stay skips).

Usage: tests/run.py [--build DIR] [--only NAME[,NAME]] [-j N] [--strict] [--list]
"""
import argparse
import concurrent.futures
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# A skip whose reason matches this is for something the set-up should have
# installed; --strict counts it as a failure.
MISSING_DEPENDENCY = re.compile(r"not installed|missing|install with|apt-get install|pip install|"
                                r"could not import|No module named|does not link", re.I)

# How to get a missing tool on Debian/Ubuntu, named in the skip line.
TOOL_HINTS = {
    "cargo": "apt-get install cargo, or https://rustup.rs",
    "cargo-clippy": "rustup component add clippy (Debian: apt-get install rust-clippy)",
    "go": "apt-get install golang-go, or https://go.dev/dl",
}


class Tally:
    """The cases of one suite (or of the whole run, once merged)."""

    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.failures = []  # (suite, case, detail)
        self.skips = []     # (suite, case, reason)

    def add(self, suite, name, verdict, detail=""):
        if verdict == "pass":
            self.passed += 1
        elif verdict == "skip":
            self.skipped += 1
            self.skips.append((suite, name, detail.strip() or "no reason given"))
        else:
            self.failed += 1
            self.failures.append((suite, name, detail))

    def merge(self, other):
        self.passed += other.passed
        self.failed += other.failed
        self.skipped += other.skipped
        self.failures += other.failures
        self.skips += other.skips


def run(cmd, cwd, timeout, env=None):
    """Runs cmd (a list or a shell string); returns (exit code, combined output)."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    try:
        p = subprocess.run(cmd, cwd=cwd, shell=isinstance(cmd, str), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=timeout,
                           env=full_env, start_new_session=True)
        return p.returncode, p.stdout.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace")
        return 124, out + "\n[timed out after %ds]" % timeout


def tail(text, n=40):
    lines = text.rstrip().splitlines()
    return "\n".join(lines[-n:])


def last_line(text):
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def suite_exec(s, t, build, log):
    pattern = os.path.join(ROOT, s["glob"].format(build=build))
    files = sorted(f for f in glob.glob(pattern)
                   if os.access(f, os.X_OK) and os.path.isfile(f) and not f.endswith((".d", ".o")))
    if not files:
        t.add(s["name"], "(no executables)", "fail",
              "nothing matched %s; build it first (%s)" % (pattern, s.get("build_hint", "make test-build")))
        return
    for f in files:
        name = os.path.relpath(f, ROOT)
        start = time.monotonic()
        code, out = run([f], ROOT, s.get("timeout", 300), s.get("env"))
        verdict = "pass" if code == 0 else "skip" if code == 77 else "fail"
        t.add(s["name"], name, verdict, last_line(out) if verdict == "skip" else tail(out))
        log("  %-4s %s (%.1fs)" % (verdict.upper(), name, time.monotonic() - start))


def suite_lines(s, t, code, out):
    seen_fail = False
    for line in out.splitlines():
        m = re.match(r"^(PASS|FAIL|SKIP): (.*)$", line)
        if m:
            verdict = {"PASS": "pass", "FAIL": "fail", "SKIP": "skip"}[m.group(1)]
            seen_fail |= verdict == "fail"
            name, detail = m.group(2), tail(out)
            if verdict == "skip":
                why = re.match(r"^(.*?) \((.*)\)$", name)
                name, detail = (why.group(1), why.group(2)) if why else (name, "")
            t.add(s["name"], name, verdict, detail)
    return seen_fail


def suite_pytest(s, t, code, out, xml_path):
    seen_fail = False
    try:
        tree = ET.parse(xml_path)
    except (OSError, ET.ParseError):
        return False
    for case in tree.iter("testcase"):
        name = "%s::%s" % (case.get("classname", ""), case.get("name", ""))
        skipped = case.find("skipped")
        if case.find("failure") is not None or case.find("error") is not None:
            t.add(s["name"], name, "fail", tail(out))
            seen_fail = True
        elif skipped is not None:
            t.add(s["name"], name, "skip", skipped.get("message", ""))
        else:
            t.add(s["name"], name, "pass")
    return seen_fail


def suite_cargo(s, t, code, out):
    seen_fail = False
    for line in out.splitlines():
        m = re.match(r"^test (.+?) \.\.\. (ok|FAILED|ignored)(?:, (.*))?", line)
        if m:
            verdict = {"ok": "pass", "FAILED": "fail", "ignored": "skip"}[m.group(2)]
            seen_fail |= verdict == "fail"
            detail = (m.group(3) or "#[ignore]") if verdict == "skip" else tail(out)
            t.add(s["name"], m.group(1), verdict, detail)
    return seen_fail


def suite_gotest(s, t, code, out):
    seen_fail = False
    said = {}  # test -> the lines it printed (a skip's reason is among them)
    for line in out.splitlines():
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        if not isinstance(ev, dict) or not ev.get("Test") or "/" in ev["Test"]:
            continue
        key = ev.get("Package", "") + "." + ev["Test"]
        action = ev.get("Action")
        if action == "output":
            text = ev.get("Output", "").strip()
            if text and not text.startswith(("=== ", "--- ")):
                said.setdefault(key, []).append(text)
        elif action in ("pass", "fail", "skip"):
            seen_fail |= action == "fail"
            detail = " ".join(said.get(key, [])) if action == "skip" else tail(out)
            t.add(s["name"], key, action, detail)
    return seen_fail


def suites(build):
    """The suite table. Paths are relative to the repository root."""
    cargo_env = {"CARGO_TARGET_DIR": os.path.join(ROOT, build, "cargo")}
    py = sys.executable
    return [
        # C runtime: one executable per behaviour, normal build and both sanitizer builds.
        {"name": "runtime", "kind": "exec", "glob": "{build}/tests/runtime/test_*"},
        {"name": "runtime-asan", "kind": "exec", "glob": "build/asan/tests/runtime/test_*",
         "env": {"TACHYON_TEST_SCALE": "0.1", "ASAN_OPTIONS": "detect_leaks=1"}, "build_hint": "make test-sanitizers"},
        {"name": "runtime-tsan", "kind": "exec", "glob": "build/tsan/tests/runtime/test_*",
         "env": {"TACHYON_TEST_SCALE": "0.05"}, "build_hint": "make test-sanitizers"},
        # Fault injection, security and soak (tests/fault), also under both sanitizers.
        {"name": "fault", "kind": "exec", "glob": "{build}/tests/fault/test_*", "timeout": 300},
        # The hot path's instructions per message under callgrind, against a committed budget.
        {"name": "insn-budget", "kind": "lines", "tool": "valgrind",
         "cmd": [py, "tests/perf/insn_budget.py", "--build", build]},
        # Fan-in's and fan-out's instruction goals (issue 19) under callgrind.
        {"name": "topology-insn", "kind": "lines", "tool": "valgrind",
         "cmd": [py, "tests/perf/topology_insn.py", "--build", build]},
        {"name": "fault-asan", "kind": "exec", "glob": "build/asan/tests/fault/test_*",
         "env": {"TACHYON_TEST_SCALE": "0.1", "ASAN_OPTIONS": "detect_leaks=1"}, "build_hint": "make test-sanitizers", "timeout": 300},
        {"name": "fault-tsan", "kind": "exec", "glob": "build/tsan/tests/fault/test_*",
         "env": {"TACHYON_TEST_SCALE": "0.05", "FAULT_TRIALS": "8"}, "build_hint": "make test-sanitizers", "timeout": 300},
        {"name": "fault-valgrind", "kind": "lines", "cmd": ["bash", "tests/fault/valgrind.sh", build]},
        {"name": "soak-python", "kind": "lines", "cmd": ["bash", "tests/fault/soak_python.sh", build], "timeout": 600},
        # libFuzzer smoke runs: every committed input replayed, then a short fuzz per target.
        {"name": "fuzz", "kind": "lines", "cmd": ["bash", "tests/fuzz/run.sh", "--seconds", "10"], "timeout": 900},
        # Compiler: error goldens, drift table, generated goldens, CLI.
        {"name": "compiler", "kind": "lines", "cmd": ["bash", "tests/compiler/run.sh", build + "/tachc"]},
        {"name": "rpc", "kind": "lines", "cmd": ["bash", "tests/rpc/run.sh", build]},
        # Cross-language vectors over the generated code.
        {"name": "vectors-c", "kind": "lines", "cmd": ["bash", "tests/vectors/c/run.sh", build],
         "needs_file": "tests/vectors/c/run.sh"},
        {"name": "vectors-cpp", "kind": "lines", "cmd": ["bash", "tests/vectors/cpp/run.sh", build],
         "needs_file": "tests/vectors/cpp/run.sh"},
        {"name": "vectors-csharp", "kind": "lines", "cmd": ["bash", "tests/vectors/csharp/run.sh", build],
         "needs_file": "tests/vectors/csharp/run.sh"},
        {"name": "vectors-python", "kind": "pytest", "cmd": [py, "-m", "pytest", "-q", "tests/vectors/python"],
         "needs_file": "tests/vectors/python"},
        {"name": "vectors-rust", "kind": "cargo", "cmd": ["cargo", "test", "--", "--test-threads=2"],
         "cwd": "tests/vectors/rust", "env": cargo_env, "tool": "cargo", "needs_file": "tests/vectors/rust"},
        {"name": "vectors-rust-clippy", "kind": "check",
         "cmd": "cargo clippy --quiet --all-targets -- -D warnings && cargo fmt --check",
         "cwd": "tests/vectors/rust", "env": cargo_env, "tool": "cargo-clippy", "needs_file": "tests/vectors/rust"},
        {"name": "vectors-go", "kind": "gotest", "cmd": ["go", "test", "-json", "-count=1", "./..."],
         "cwd": "tests/vectors/go", "tool": "go", "needs_file": "tests/vectors/go"},
        {"name": "vectors-go-vet", "kind": "check", "cmd": "go vet ./... && test -z \"$(gofmt -l . ../../../generated/go)\"",
         "cwd": "tests/vectors/go", "tool": "go", "needs_file": "tests/vectors/go"},
        {"name": "vectors-java", "kind": "lines", "lock": "maven", "cmd": ["bash", "runtime/java/scripts/mvn_junit.sh", "vectors-java",
         "tests/vectors/java"], "needs_file": "tests/vectors/java/pom.xml", "timeout": 900},
        {"name": "vectors-kotlin", "kind": "lines", "lock": "maven", "cmd": ["bash", "runtime/java/scripts/mvn_junit.sh", "vectors-kotlin",
         "tests/vectors/kotlin"], "needs_file": "tests/vectors/kotlin/pom.xml", "timeout": 900},
        {"name": "vectors-ts", "kind": "lines", "tool": "node", "needs_file": "tests/vectors/ts",
         "cmd": "{ test -x ../../../runtime/node/node_modules/.bin/tsc || (cd ../../../runtime/node && "
                "npm ci --no-audit --no-fund --ignore-scripts); } && "
                "node --test --test-reporter=../../../runtime/node/test/lines-reporter.mjs vectors.test.js names.test.js",
         "cwd": "tests/vectors/ts", "env": {"TACHC": os.path.join(ROOT, build, "tachc")}},
        # Language bindings.
        {"name": "python", "kind": "pytest", "cmd": [py, "-m", "pytest", "-q", "runtime/python/tests"],
         "needs_file": "runtime/python/tests", "timeout": 900},
        {"name": "rust", "kind": "cargo", "cmd": ["cargo", "test", "--", "--test-threads=1"],
         "cwd": "runtime/rust", "env": cargo_env, "tool": "cargo", "needs_file": "runtime/rust/Cargo.toml",
         "timeout": 900},
        {"name": "rust-clippy", "kind": "check",
         "cmd": "cargo clippy --quiet --all-targets -- -D warnings && cargo fmt --check",
         "cwd": "runtime/rust", "env": cargo_env, "tool": "cargo-clippy", "needs_file": "runtime/rust/Cargo.toml"},
        {"name": "go", "kind": "gotest", "cmd": ["go", "test", "-json", "-count=1", "./..."],
         "cwd": "runtime/go", "tool": "go", "needs_file": "runtime/go/go.mod", "timeout": 900},
        {"name": "go-vet", "kind": "check", "cmd": "go vet ./... && test -z \"$(gofmt -l .)\"",
         "cwd": "runtime/go", "tool": "go", "needs_file": "runtime/go/go.mod"},
        # Java (JDK 22+, Maven): install the binding (its JUnit suite runs first) for the suites built on it.
        {"name": "java", "kind": "lines", "lock": "maven", "cmd": ["bash", "runtime/java/scripts/mvn_junit.sh", "java", "runtime/java",
         "install", "-Dtachyon.library=" + os.path.join(ROOT, build, "lib", "libtachyon.so")],
         "needs_file": "runtime/java/pom.xml", "timeout": 900},
        {"name": "kotlin", "kind": "lines", "lock": "maven", "cmd": ["bash", "runtime/java/scripts/mvn_junit.sh", "--install-first",
         "runtime/java", "kotlin", "runtime/kotlin", "install",
         "-Dtachyon.library=" + os.path.join(ROOT, build, "lib", "libtachyon.so")],
         "needs_file": "runtime/kotlin/pom.xml", "timeout": 900},
        {"name": "kotlin-lint", "kind": "lines", "lock": "maven", "cmd": ["bash", "runtime/kotlin/scripts/ktlint.sh", build],
         "needs_file": "runtime/kotlin/scripts/ktlint.sh", "timeout": 900},
        {"name": "cpp", "kind": "lines", "cmd": ["bash", "runtime/cpp/tests/run.sh", build],
         "needs_file": "runtime/cpp/tests/run.sh"},
        {"name": "csharp", "kind": "lines", "cmd": ["bash", "runtime/csharp/tests/run.sh", build],
         "needs_file": "runtime/csharp/tests/run.sh"},
        # tachyon-bridge over NATS (starts its own nats-servers on loopback).
        {"name": "bridge", "kind": "lines", "cmd": [py, "tests/bridge/run.py", "--build", build],
         "needs_file": "tests/bridge/run.py", "timeout": 600},
        # The README's snippets run as written, and each package used from an outside project.
        {"name": "readme", "kind": "lines", "cmd": ["bash", "tests/setup/readme.sh", build], "timeout": 900},
        {"name": "node", "kind": "lines", "tool": "node", "needs_file": "runtime/node/package.json", "timeout": 900,
         "cmd": "node --test --test-reporter=./test/lines-reporter.mjs test/*.test.js", "cwd": "runtime/node"},
        {"name": "node-types", "kind": "check", "tool": "npm", "needs_file": "runtime/node/package.json",
         "cmd": "{ test -x node_modules/.bin/tsc || npm ci --no-audit --no-fund --ignore-scripts; } && "
                "node_modules/.bin/tsc -p tsconfig.json && node_modules/.bin/tsc -p ../../tests/vectors/ts/tsconfig.json",
         "cwd": "runtime/node"},
        # Examples end to end and the interop matrix.
        {"name": "examples", "kind": "lines", "cmd": ["bash", "tests/examples/run.sh", build],
         "needs_file": "tests/examples/run.sh", "timeout": 1800},
    ]


def run_suite(s, build):
    """Runs one suite; returns (its Tally, the lines it printed)."""
    t = Tally()
    lines = []
    log = lines.append
    name = s["name"]
    start = time.monotonic()

    def count_line():
        return "   %d passed, %d failed, %d skipped (%.1fs)" % (t.passed, t.failed, t.skipped,
                                                             time.monotonic() - start)

    if s.get("needs_file") and not os.path.exists(os.path.join(ROOT, s["needs_file"])):
        t.add(name, name, "fail", "%s is missing: the suite table names a part this tree does not have"
              % s["needs_file"])
        log("== %s: FAIL (%s missing)" % (name, s["needs_file"]))
        return t, lines
    tool = s.get("tool")
    if tool and shutil.which(tool) is None:
        why = "%s not installed; get it with: %s" % (tool, TOOL_HINTS.get(tool, "apt-get install " + tool))
        t.add(name, name, "skip", why)
        log("== %s: SKIP (%s)" % (name, why))
        return t, lines
    log("== %s" % name)
    if s["kind"] == "exec":
        suite_exec(s, t, build, log)
        log(count_line())
        return t, lines
    cwd = os.path.join(ROOT, s.get("cwd", ""))
    cmd = s["cmd"]
    xml_path = None
    if s["kind"] == "pytest":
        xml_path = os.path.join(ROOT, build, "tests", name + ".xml")
        if os.path.exists(xml_path):
            os.unlink(xml_path)
        cmd = cmd + ["-p", "no:cacheprovider", "--junitxml=" + xml_path]
    code, out = run(cmd, cwd, s.get("timeout", 600), s.get("env"))
    if s["kind"] == "check":
        t.add(name, name, "pass" if code == 0 else "fail", tail(out))
        seen_fail = code != 0
    elif s["kind"] == "lines":
        seen_fail = suite_lines(s, t, code, out)
    elif s["kind"] == "pytest":
        seen_fail = suite_pytest(s, t, code, out, xml_path)
        if code == 5:  # pytest: no tests collected
            code = 0
    elif s["kind"] == "cargo":
        seen_fail = suite_cargo(s, t, code, out)
    elif s["kind"] == "gotest":
        seen_fail = suite_gotest(s, t, code, out)
    else:
        raise SystemExit("unknown suite kind " + s["kind"])
    if code != 0 and not seen_fail:
        t.add(name, name + " (exit %d)" % code, "fail", tail(out))
    log(count_line())
    return t, lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.environ.get("BUILD", "build"))
    ap.add_argument("--only", default="", help="comma-separated suite names (see --list)")
    ap.add_argument("-j", "--jobs", type=int, default=int(os.environ.get("TEST_JOBS", "2")),
                    help="suites run at the same time (default 2)")
    ap.add_argument("--strict", action="store_true", default=os.environ.get("CI", "") == "true",
                    help="count skips for a missing tool or package as failures (default when CI=true)")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    table = suites(args.build)
    names = [s["name"] for s in table]
    only = [o for o in args.only.split(",") if o]
    unknown = [o for o in only if o not in names]
    if unknown:
        print("run.py: no suite named %s (--list names them)" % ", ".join(unknown), file=sys.stderr)
        return 2
    chosen = [s for s in table if not only or s["name"] in only]
    if args.list:
        print("\n".join(s["name"] for s in chosen))
        return 0
    os.makedirs(os.path.join(ROOT, args.build, "tests"), exist_ok=True)
    # Scripts the suites run use $PYTHON; default it to the interpreter running us (the venv's).
    os.environ.setdefault("PYTHON", sys.executable)
    # Debian installs servers such as nats-server in /usr/sbin, which an ordinary user's PATH lacks.
    path = os.environ.get("PATH", "").split(os.pathsep)
    os.environ["PATH"] = os.pathsep.join(path + [d for d in ("/usr/local/sbin", "/usr/sbin", "/sbin") if d not in path])
    # The Go suites and peers #include the runtime's .c files, which cgo's build cache does
    # not key on: the Makefile puts a checksum of them in CGO_CFLAGS (TACHYON_SRC_STAMP);
    # run directly, we add the same one, or a cached Go build keeps an older runtime.
    if "TACHYON_SRC_STAMP" not in os.environ.get("CGO_CFLAGS", ""):
        srcs = sorted(glob.glob(os.path.join(ROOT, "runtime", "src", "*.c"))) + \
            sorted(glob.glob(os.path.join(ROOT, "runtime", "src", "*.h"))) + \
            sorted(glob.glob(os.path.join(ROOT, "runtime", "include", "*.h")))
        stamp = subprocess.run(["cksum"], input=b"".join(open(f, "rb").read() for f in srcs),
                               stdout=subprocess.PIPE, check=True).stdout.split()[0].decode()
        os.environ["CGO_CFLAGS"] = "%s -DTACHYON_SRC_STAMP=%s" % (os.environ.get("CGO_CFLAGS", "-O2 -g"), stamp)
    print_lock = threading.Lock()
    results = {}
    # Suites that share a "lock" never run at the same time: the Maven suites build and
    # install the same runtime/java into the same ~/.m2, which two Maven runs at once corrupt.
    suite_locks = {s["lock"]: threading.Lock() for s in chosen if s.get("lock")}

    def one(s):
        if s.get("lock"):
            with suite_locks[s["lock"]]:
                t, lines = run_suite(s, args.build)
        else:
            t, lines = run_suite(s, args.build)
        with print_lock:
            print("\n".join(lines), flush=True)
        return t

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {pool.submit(one, s): s["name"] for s in chosen}
        for f in concurrent.futures.as_completed(futures):
            results[futures[f]] = f.result()

    total = Tally()
    for s in chosen:  # the summary in table order, whatever order the suites ended in
        total.merge(results[s["name"]])
    for suite, name, detail in total.failures:
        print("\n--- FAILED %s: %s\n%s" % (suite, name, detail))
    if total.skips:
        print()
    for suite, name, why in total.skips:
        unmet = args.strict and MISSING_DEPENDENCY.search(why)
        print("%s %s: %s (%s)" % ("FAILED (strict: missing in CI)" if unmet else "SKIP", suite, name, why))
    unmet = [k for k in total.skips if MISSING_DEPENDENCY.search(k[2])] if args.strict else []
    failed = total.failed + len(unmet)
    skipped = total.skipped - len(unmet)
    line = "%d passed, %d failed" % (total.passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
    print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
