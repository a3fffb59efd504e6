#!/usr/bin/env python3
"""Every language's MarketTick producer into C, and C into every language's consumer.

The pairs are the example peers of examples/peers/<lang>/ (the programs of the interop
matrix): each writes or reads every message through its tachc-generated code, and every
consumer checks the type id and every field of every message against its position in
the deterministic stream (examples/peers/README.md), then its count; a pair counts only
when both sides exit 0 and the consumer got exactly what was sent.

In every round, in an order that rotates from round to round (so that a change of load
hits every language alike):
  lang_market  producer  C, C++, C#, Java, Kotlin, Node (sendBatch, and sendZeroCopy per
                         tick), Python (send_typed, and NumPy send_batch), Rust, Go
                         -> the C consumer
  lang_market  consumer  the C producer -> C++, C#, Java, Kotlin, Node (recvBatch of up to
                         1024, and of 1: per message), Python (typed, and NumPy batches),
                         Rust, Go
  python_to_rust         Python send_typed -> Rust consumer (the reference system's figure)
  lang_frames            1 KiB Frames (f32[256]): C -> C, and C++ -> Python (a NumPy array
                         per frame through DLPack; a PyTorch tensor per frame through
                         DLPack when torch is importable; and (n, 256) arrays per batch)
The C producer -> C consumer pair of each stream is the baseline: every row carries
ratio_to_c, its rate over the C pair's of the same round, as the median over rounds.
A producer row's msgs_per_s is the producer's own (its send loop, from the first tick to
End), a consumer row's the consumer's (first message to End); peer_msgs_per_s is the other
side's. The Java and Kotlin producers first send JVM_WARMUP ticks into a ring inside their
own process (--warmup; the row says warmup_msgs), so that their rows are those of a
compiled send loop, as a long-running JVM producer's would be; the Java and Kotlin consumers (an Inbox: batches of
up to 1024) likewise first receive and check JVM_WARMUP ticks that a thread of their own sends (--warmup), and
print their receiving thread's CPU time per message over the second half of the stream (jvm_warm_cpu_ns_per_msg,
as the producers' rows). Producers run pinned to CPU A, consumers to CPU B.

Builds what is missing on the way (make examples-*, make node, the JVM build scripts);
a language whose toolchain is missing or whose build fails is skipped with one SKIP line
on stderr, a pair that fails drops its row with a NOTE line.

Usage: lang_bench.py [--build DIR] [--json] [--rounds R] [--cpus A,B] [--quick]
                     [--messages N] [--only LANG,...]
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS = os.path.join(ROOT, "examples", "peers")
PAIR_TIMEOUT = 300
CONSUMER_LINE = re.compile(r"^consumer: (\d+) (ticks|frames) .*\+ End in ([0-9.]+) s")
PRODUCER_LINE = re.compile(r"^producer: ([0-9.]+) s, ")
JVM_CPU_LINE = re.compile(r"^producer: ([0-9.]+) ns of CPU per message")
JVM_RX_CPU_LINE = re.compile(r"^consumer: ([0-9.]+) ns of CPU per message")
JVM_WARMUP = 2000000  # ticks a JVM producer sends into a ring of its own before it connects


def note(kind, text):
    print("%s: %s" % (kind, text), file=sys.stderr, flush=True)


def run_quiet(cmd, cwd=ROOT, timeout=900):
    """Runs a build step; returns (ok, the last lines of its output)."""
    try:
        p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout,
                           stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, str(e)
    text = p.stdout.decode(errors="replace").strip()
    return p.returncode == 0, "\n".join(text.splitlines()[-3:])


def newest_mtime(*dirs):
    newest = 0.0
    for d in dirs:
        for base, _, files in os.walk(d):
            for f in files:
                newest = max(newest, os.path.getmtime(os.path.join(base, f)))
    return newest


class Peers:
    """Finds (building when needed) each language's producer and consumer commands."""

    def __init__(self, build, python):
        self.build = build
        self.python = python
        self.ex = os.path.join(build, "examples")

    def make(self, lang, *targets):
        ok, out = run_quiet(["make", "-s", "--no-print-directory", "BUILD=" + self.build] + list(targets))
        if not ok:
            note("SKIP", "%s rows: make %s failed: %s" % (lang, " ".join(targets), out))
        return ok

    def jvm(self, lang, script, sources):
        launchers = [os.path.join(self.ex, "%s_%s" % (lang, role)) for role in ("producer", "consumer")]
        if all(os.path.exists(x) for x in launchers) and \
                min(os.path.getmtime(x) for x in launchers) >= newest_mtime(*sources):
            return True
        p = subprocess.run(["bash", script, self.build], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, timeout=900)
        text = p.stdout.decode(errors="replace").strip()
        if p.returncode == 77:
            note("SKIP", "%s rows: %s" % (lang, text.splitlines()[-1] if text else "no JDK 22+"))
            return False
        if p.returncode != 0:
            note("SKIP", "%s rows: %s failed: %s" % (lang, os.path.relpath(script, ROOT), text[-300:]))
            return False
        return True

    def commands(self, lang):
        """{'producer': argv, 'consumer': argv} for lang, or None (a SKIP line said why)."""
        ex = self.ex
        if lang in ("c", "cpp"):
            if not self.make(lang, "examples-" + lang):
                return None
            return {"producer": [os.path.join(ex, lang + "_producer")], "consumer": [os.path.join(ex, lang + "_consumer")]}
        if lang == "rust":
            if not shutil.which("cargo"):
                note("SKIP", "rust rows: cargo is not installed")
                return None
            if not self.make(lang, "examples-rust"):
                return None
            rel = os.path.join(self.build, "cargo", "release")
            return {"producer": [os.path.join(rel, "rust_producer")], "consumer": [os.path.join(rel, "rust_consumer")]}
        if lang == "go":
            if not shutil.which("go"):
                note("SKIP", "go rows: go is not installed")
                return None
            if not self.make(lang, "examples-go"):
                return None
            return {"producer": [os.path.join(ex, "go_producer")], "consumer": [os.path.join(ex, "go_consumer")]}
        if lang == "csharp":
            missing = [t for t in ("mcs", "mono") if not shutil.which(t)]
            if missing:
                note("SKIP", "csharp rows: %s not installed (apt-get install mono-mcs mono-runtime)" % " and ".join(missing))
                return None
            if not self.make(lang, "examples-csharp"):
                return None
            return {"producer": ["mono", os.path.join(ex, "csharp_producer.exe")],
                    "consumer": ["mono", os.path.join(ex, "csharp_consumer.exe")]}
        if lang in ("java", "kotlin"):
            sources = [os.path.join(ROOT, "runtime", "java", "src", "main"), os.path.join(ROOT, "generated", "java"),
                       os.path.join(PEERS, lang)]
            if lang == "kotlin":
                sources += [os.path.join(ROOT, "runtime", "kotlin", "src", "main"),
                            os.path.join(ROOT, "generated", "kotlin")]
            if not self.jvm(lang, os.path.join(PEERS, lang, "build.sh"), sources):
                return None
            return {"producer": [os.path.join(ex, lang + "_producer")], "consumer": [os.path.join(ex, lang + "_consumer")]}
        if lang == "node":
            if not shutil.which("node"):
                note("SKIP", "node rows: node is not installed")
                return None
            if not self.make(lang, "node"):
                return None
            return {"producer": ["node", os.path.join(PEERS, "node", "producer.js")],
                    "consumer": ["node", os.path.join(PEERS, "node", "consumer.js")]}
        if lang == "python":
            p = subprocess.run([self.python, "-c", "import tachyon, numpy"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
            if p.returncode != 0:
                note("SKIP", "python rows: %s cannot import tachyon and numpy (make python-install): %s" % (
                    self.python, "".join(p.stdout.decode(errors="replace").strip().splitlines()[-1:])))
                return None
            return {"producer": [self.python, os.path.join(PEERS, "python", "producer.py")],
                    "consumer": [self.python, os.path.join(PEERS, "python", "consumer.py")]}
        raise ValueError(lang)


def pinned(cpu):
    return (lambda: os.sched_setaffinity(0, {cpu})) if cpu >= 0 else None


def wait_both(procs, deadline):
    """Waits for the processes in procs ({name: Popen}) with wait4, so each one's CPU time (user + system,
    its threads included) is known; once one failed, the other gets 5 s. Returns {name: (status, cpu_s)}."""
    done = {}
    while len(done) < len(procs):
        for name, p in procs.items():
            if name in done:
                continue
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                p.returncode = os.waitstatus_to_exitcode(status)
                done[name] = (p.returncode, usage.ru_utime + usage.ru_stime)
                if p.returncode != 0:
                    deadline = min(deadline, time.monotonic() + 5)
        if len(done) < len(procs):
            if time.monotonic() > deadline:
                for name, p in procs.items():
                    if name not in done:
                        p.kill()
                        p.wait()
                        done[name] = ("killed", 0.0)
                break
            time.sleep(0.02)  # the peers time themselves: this only notices the end
    return done


def listening(name):
    """True once some process listens on the abstract socket name (@...)."""
    with open("/proc/net/unix") as f:
        return any(line.split()[-1] == name for line in f if line.rstrip().endswith(name))


def run_pair(args, consumer, producer, stream, n, counter, wait_listener=False):
    """Runs one consumer (listening) and one producer over a fresh bus; returns the parsed figures.
    Raises RuntimeError unless both exit 0 and the consumer checked exactly n messages.
    wait_listener: start the producer only once the consumer listens (a consumer that imports
    PyTorch first may take longer than a producer retries its connect)."""
    sock = "@tachyon-langbench-%d-%d" % (os.getpid(), counter)
    common = ["--socket", sock, "--stream", stream, "--count", str(n)]
    env = dict(os.environ)
    lib = os.path.join(args.build, "lib")
    env["LD_LIBRARY_PATH"] = lib + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    with tempfile.TemporaryFile() as c_out, tempfile.TemporaryFile() as p_out:
        procs = {"consumer": subprocess.Popen(consumer + common, stdout=c_out, stderr=subprocess.STDOUT, env=env,
                                              stdin=subprocess.DEVNULL, preexec_fn=pinned(args.cpu_b))}
        while wait_listener and procs["consumer"].poll() is None and not listening(sock):
            time.sleep(0.05)
        try:
            procs["producer"] = subprocess.Popen(producer + common, stdout=p_out, stderr=subprocess.STDOUT, env=env,
                                                 stdin=subprocess.DEVNULL, preexec_fn=pinned(args.cpu_a))
        except OSError:
            procs["consumer"].kill()
            procs["consumer"].wait()
            raise
        status = wait_both(procs, time.monotonic() + PAIR_TIMEOUT)
        c_out.seek(0)
        p_out.seek(0)
        c_text, p_text = c_out.read().decode(errors="replace"), p_out.read().decode(errors="replace")
    if status["producer"][0] != 0 or status["consumer"][0] != 0:
        raise RuntimeError("producer exit %s, consumer exit %s: %s" % (
            status["producer"][0], status["consumer"][0], (p_text.strip()[-200:] + " | " + c_text.strip()[-200:])))
    got = {}
    for line in c_text.splitlines():
        m = CONSUMER_LINE.match(line)
        if m:
            got["received"], got["consumer_s"] = int(m.group(1)), float(m.group(3))
        m = JVM_RX_CPU_LINE.match(line)
        if m:
            got["consumer_cpu_ns_per_msg"] = float(m.group(1))
        if line.startswith("consumer: OK, every field of every message checked"):
            got["checked"] = True
    for line in p_text.splitlines():
        m = PRODUCER_LINE.match(line)
        if m:
            got["producer_s"] = float(m.group(1))
        m = JVM_CPU_LINE.match(line)
        if m:
            got["producer_cpu_ns_per_msg"] = float(m.group(1))
    if got.get("received") != n or not got.get("checked") or "producer_s" not in got:
        raise RuntimeError("the consumer did not report %d checked messages: %s" % (n, c_text.strip()[-300:]))
    got["producer_cpu_s"], got["consumer_cpu_s"] = status["producer"][1], status["consumer"][1]
    return got


class Job:
    """One pair of one round: which row it gives and how to run it."""

    def __init__(self, bench, lang, role, peer, mode, consumer, producer, stream, share):
        self.bench, self.lang, self.role, self.peer, self.mode = bench, lang, role, peer, mode
        self.consumer, self.producer, self.stream, self.share = consumer, producer, stream, share
        self.twin = None  # the C pair gives a producer row and a consumer row from one run
        self.wait_listener = False

    def key(self):
        return (self.bench, self.lang, self.role, self.peer, self.mode)


def row_of(job, got, n, rnd):
    size = 1024 if job.stream == "frames" else 32
    prod_rate, cons_rate = n / max(got["producer_s"], 1e-9), n / max(got["consumer_s"], 1e-9)
    mine, peer = (prod_rate, cons_rate) if job.role == "producer" else (cons_rate, prod_rate)
    row = {"bench": job.bench, "transport": "tachyon", "lang": job.lang, "role": job.role, "peer": job.peer,
           "mode": job.mode, "payload": size, "messages": n, "round": rnd,
           "seconds": got["producer_s"] if job.role == "producer" else got["consumer_s"],
           "msgs_per_s": round(mine), "peer_msgs_per_s": round(peer), "verified": True}
    if job.stream == "frames":
        row["gbytes_per_s"] = round(mine * size / 1e9, 4)
    # the process's CPU time (user + system, all threads, start-up included) per message: how fast it would go
    # with a core of its own, which a shared machine's wall clock does not say
    own_cpu = got["producer_cpu_s"] if job.role == "producer" else got["consumer_cpu_s"]
    row["cpu_s"] = round(own_cpu, 4)
    row["cpu_ns_per_msg"] = round(own_cpu * 1e9 / n, 1)
    own = job.producer if job.role == "producer" else job.consumer
    if "--warmup" in own:
        row["warmup_msgs"] = int(own[own.index("--warmup") + 1])
    if "producer_cpu_ns_per_msg" in got and job.role == "producer":
        # the JVM producers measure their sending thread after warm-up themselves
        row["jvm_warm_cpu_ns_per_msg"] = got["producer_cpu_ns_per_msg"]
    if "consumer_cpu_ns_per_msg" in got and job.role == "consumer" and job.lang in ("java", "kotlin"):
        # and the JVM consumers their receiving thread over the second half of the stream
        row["jvm_warm_cpu_ns_per_msg"] = got["consumer_cpu_ns_per_msg"]
    return row


def plan(peers, args):
    """The jobs of a round, and the SKIP lines of what cannot run."""
    wanted = args.only.split(",") if args.only else ["c", "cpp", "csharp", "java", "kotlin", "node", "python",
                                                       "rust", "go"]
    cmds = {}
    for lang in ["c"] + [x for x in wanted if x != "c"]:
        found = peers.commands(lang)
        if found:
            cmds[lang] = found
    if "c" not in cmds:
        note("SKIP", "every langs row: the C peers (the baseline and the other side of every pair) did not build")
        return []
    c = cmds["c"]
    # the share of --messages each pair moves: the slow paths fewer, so a round stays short
    shares = {"c": 1, "cpp": 1, "rust": 1, "go": 1, "java": 1, "kotlin": 1, "csharp": 0.25, "node": 0.5,
              "python": 0.25}
    jobs = [Job("lang_market", "c", "producer", "c", "typed", c["consumer"], c["producer"], "market", 1)]
    jobs[0].twin = Job("lang_market", "c", "consumer", "c", "typed", c["consumer"], c["producer"], "market", 1)
    for lang, cmd in cmds.items():
        if lang == "c":
            continue
        share = shares[lang]
        if lang == "node":
            jobs.append(Job("lang_market", lang, "producer", "c", "batch", c["consumer"],
                            cmd["producer"] + ["--mode", "batch"], "market", share))
            jobs.append(Job("lang_market", lang, "producer", "c", "view", c["consumer"],
                            cmd["producer"] + ["--mode", "view"], "market", share / 4))
            jobs.append(Job("lang_market", lang, "consumer", "c", "batch", cmd["consumer"] + ["--batch", "1024"],
                            c["producer"], "market", share))
            jobs.append(Job("lang_market", lang, "consumer", "c", "per-message", cmd["consumer"] + ["--batch", "1"],
                            c["producer"], "market", share / 20))
        elif lang == "python":
            for mode in ("typed", "batch"):
                jobs.append(Job("lang_market", lang, "producer", "c", mode, c["consumer"],
                                cmd["producer"] + ["--mode", mode], "market", share))
                jobs.append(Job("lang_market", lang, "consumer", "c", mode, cmd["consumer"] + ["--mode", mode],
                                c["producer"], "market", share))
        else:
            # A JVM producer first runs its send loop in-process (--warmup): the row is then the compiled loop's,
            # not the JIT's start-up on the producer's one pinned CPU (which took most of a 2e6-tick run); a JVM
            # consumer likewise receives and checks JVM_WARMUP ticks from a thread of its own before it listens
            warm = ["--warmup", str(JVM_WARMUP)] if lang in ("java", "kotlin") else []
            jobs.append(Job("lang_market", lang, "producer", "c", "typed", c["consumer"], cmd["producer"] + warm,
                            "market", share))
            jobs.append(Job("lang_market", lang, "consumer", "c", "typed", cmd["consumer"] + warm, c["producer"],
                            "market", share))
            jobs[-1].wait_listener = bool(warm)  # the C producer's connect would not wait out the warm-up
    if "python" in cmds and "rust" in cmds:
        jobs.append(Job("python_to_rust", "python", "producer", "rust", "typed", cmds["rust"]["consumer"],
                        cmds["python"]["producer"], "market", shares["python"]))
    jobs.append(Job("lang_frames", "c", "consumer", "c", "typed", c["consumer"], c["producer"], "frames", 0.1))
    if "python" in cmds and "cpp" in cmds:
        for mode in ("dlpack", "batch"):
            jobs.append(Job("lang_frames", "python", "consumer", "cpp", mode, cmds["python"]["consumer"] +
                            ["--mode", mode, "--batch", "1024"], cmds["cpp"]["producer"], "frames",
                            0.02 if mode == "dlpack" else 0.1))
        p = subprocess.run([peers.python, "-c", "import torch"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if p.returncode != 0:
            note("SKIP", "lang_frames python consumer (torch, peer cpp): torch is not importable by %s "
                         "(make python-install TORCH=1)" % peers.python)
        else:
            # torch.from_dlpack per frame, every sample checked as a tensor
            jobs.append(Job("lang_frames", "python", "consumer", "cpp", "torch", cmds["python"]["consumer"] +
                            ["--mode", "torch", "--batch", "1024"], cmds["cpp"]["producer"], "frames", 0.02))
            jobs[-1].wait_listener = True
    return jobs


def medians(jobs, rows):
    out = []
    base = {}
    for r in rows:
        if r["lang"] == "c" and r["peer"] == "c":
            base[(r["bench"], r["role"], r["round"])] = r["msgs_per_s"]
    for r in rows:
        b = base.get((r["bench"] if r["bench"] != "python_to_rust" else "lang_market", r["role"], r["round"]))
        if b:
            r["ratio_to_c"] = round(r["msgs_per_s"] / b, 4)
    for job in [x for j in jobs for x in (j, j.twin) if x]:
        mine = [r for r in rows if (r["bench"], r["lang"], r["role"], r["peer"], r["mode"]) == job.key()]
        if not mine:
            continue
        med = dict(mine[0])
        med.update({"round": "median", "rounds": len(mine), "messages": sum(r["messages"] for r in mine),
                    "verified": all(r["verified"] for r in mine)})
        for k in ("msgs_per_s", "peer_msgs_per_s", "seconds", "gbytes_per_s", "cpu_s", "cpu_ns_per_msg",
                  "jvm_warm_cpu_ns_per_msg", "ratio_to_c"):
            vals = [r[k] for r in mine if r.get(k) is not None]
            if vals:
                med[k] = round(statistics.median(vals), 4) if k in ("ratio_to_c", "gbytes_per_s") else \
                    statistics.median(vals)
            else:
                med.pop(k, None)
        med["min_msgs_per_s"] = min(r["msgs_per_s"] for r in mine)
        med["max_msgs_per_s"] = max(r["msgs_per_s"] for r in mine)
        out.append(med)
    return out


def show(row, as_json):
    if as_json:
        print(json.dumps(row), flush=True)
        return
    what = "%s %s %s (%s, peer %s)" % (row["bench"], row["lang"], row["role"], row["mode"], row["peer"])
    extra = " %.3f GB/s" % row["gbytes_per_s"] if "gbytes_per_s" in row else ""
    ratio = " %.2fx C" % row["ratio_to_c"] if row.get("ratio_to_c") is not None else ""
    print("%-55s round %-6s %11.0f msg/s%s%s" % (what, row["round"], row["msgs_per_s"], extra, ratio), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cpus", default="0,1")
    ap.add_argument("--messages", type=lambda s: int(float(s)), default=2000000,
                    help="ticks per run of the fast pairs (default 2e6); the slow paths move a share of it")
    ap.add_argument("--only", default="", help="languages besides C, e.g. cpp,node")
    ap.add_argument("--python", default=sys.executable, help="the interpreter of the Python peers")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.messages, args.rounds = min(args.messages, 300000), min(args.rounds, 2)
    args.build = os.path.abspath(args.build)
    a, _, b = args.cpus.partition(",")
    args.cpu_a, args.cpu_b = int(a), int(b)

    jobs = plan(Peers(args.build, args.python), args)
    rows, counter = [], 0
    for r in range(1, args.rounds + 1):
        t0 = time.monotonic()
        for k in range(len(jobs)):
            job = jobs[(k + (r - 1) * 5) % len(jobs)]  # the order rotates by 5 pairs a round
            n = max(1000, int(args.messages * job.share))
            counter += 1
            try:
                got = run_pair(args, job.consumer, job.producer, job.stream, n, counter, job.wait_listener)
            except Exception as e:  # one failing pair drops its row, not the others
                note("NOTE", "%s %s %s (%s, peer %s) round %d failed: %s" % (
                    job.bench, job.lang, job.role, job.mode, job.peer, r, e))
                continue
            for one in (job, job.twin):
                if one:
                    rows.append(row_of(one, got, n, r))
                    if not args.json:
                        show(rows[-1], False)
        note("NOTE", "langs round %d/%d took %.0f s" % (r, args.rounds, time.monotonic() - t0))
    meds = medians(jobs, rows)
    if args.json:
        for row in rows + meds:
            show(row, True)
    else:
        for row in meds:
            show(row, False)
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
