#!/usr/bin/env python3
"""The tachyon-bridge suite: a Tachyon bus carried over NATS, end to end on loopback.

Each test starts its own nats-server(s) on free loopback ports with their own store directories,
the bridges, and the peers, then prints "PASS: name", "FAIL: name" or "SKIP: name (why)".

  main-core / main-jetstream  C producer -> bridge out -> NATS -> bridge in -> Python consumer:
                              1 M MarketTicks, every field of every tick checked, in each mode
  frames                      1 KiB frames (one type per window) from C to Python, every sample checked
  cluster                     two clustered nats-server nodes ("two hosts"), one bridge on each
  cluster-restarts            JetStream across the two clustered nodes: kill -9 and restart in's node, then
                              the in bridge, mid-stream: every tick once, in order
  restarts                    JetStream: kill -9 and restart the server, then the in bridge, then
                              the out bridge, mid-stream: every tick once, in order
  new-stream                  JetStream: a server that comes back empty; in's saved position does not skip
  backpressure                JetStream: a slow receiving bus (through the stream's byte limit) and a paused
                              server hold the producer back; nothing is dropped
  strays                      JetStream: statuses (404, 408) and messages for pull requests `in` never made
                              (a late answer to an expired request), plus junk, land in its inbox mid-stream:
                              nothing is lost, repeated or reordered and `in` keeps running
  mismatch                    a bus bound to another schema fingerprint refuses the messages
  malformed                   messages without a window prefix, bad prefixes, short payloads, unknown types,
                              bad masks: refused
  cli                         bad command lines and schema inputs: one clear line, non-zero status

Usage: tests/bridge/run.py [--build DIR] [--count N] [--only NAME[,NAME]]
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Failure(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class World:
    """The processes and files of one test; everything is stopped and removed at the end."""

    def __init__(self, args, name):
        self.args = args
        self.name = name
        self.dir = tempfile.mkdtemp(prefix="tachyon-bridge-%s-" % name)
        self.procs = []
        self.tag = "%d-%s" % (os.getpid(), name)

    def sock(self, what):
        return "@tachyon-bridge-test-%s-%s" % (self.tag, what)

    def log(self, what):
        return os.path.join(self.dir, what + ".log")

    def start(self, what, cmd):
        f = open(self.log(what), "ab")
        p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=ROOT)
        f.close()
        p.what = what
        self.procs.append(p)
        return p

    def server(self, what, port, extra=()):
        store = os.path.join(self.dir, what + "-store")
        cmd = ["nats-server", "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", store] + list(extra)
        p = self.start(what, cmd)
        wait_port(port, p, self.log(what))
        return p

    def bridge(self, what, direction, socket_path, url, mode, extra=(), schema="market"):
        cmd = [os.path.join(self.args.build, "bin", "tachyon-bridge"), direction, "--socket", socket_path,
               "--lock", "schemas/tach.lock", "--schema", schema, "--nats", url, "--mode", mode,
               "--report", "0.5"] + list(extra)
        if direction == "in" and mode == "jetstream" and "--state" not in extra:
            cmd += ["--state", os.path.join(self.dir, what + ".state")]
        return self.start(what, cmd)

    def text(self, what):
        with open(self.log(what), "rb") as f:
            return f.read().decode("utf-8", "replace")

    def close(self, keep=False):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)


def wait_port(port, proc, log, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise Failure("nats-server exited at start:\n" + open(log).read()[-2000:])
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise Failure("nats-server did not listen on %d" % port)


def wait_exit(p, timeout, w):
    try:
        return p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Failure("%s did not finish within %ds; its log:\n%s" % (p.what, timeout, w.text(p.what)[-3000:]))


def stop(p, w):
    """SIGTERM a bridge and return its exit counters (the last 'exit:' line) as a dict."""
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
    code = wait_exit(p, 15, w)
    text = w.text(p.what)
    lines = [ln for ln in text.splitlines() if ": exit: " in ln]
    if not lines:
        raise Failure("%s printed no exit counters (status %d):\n%s" % (p.what, code, text[-3000:]))
    counters = dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", lines[-1]))
    counters["status"] = code
    if code != 0:
        raise Failure("%s exited with status %d after SIGTERM:\n%s" % (p.what, code, text[-3000:]))
    return counters


def wait_for_line(w, what, pattern, timeout, count=1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(re.findall(pattern, w.text(what))) >= count:
            return
        time.sleep(0.05)
    raise Failure("%s never printed %r:\n%s" % (what, pattern, w.text(what)[-3000:]))


def expect(cond, msg):
    if not cond:
        raise Failure(msg)


def test_main(args, w, mode):
    """1 M ticks from the C producer to the Python consumer through both bridges."""
    n = args.count
    port = free_port()
    w.server("nats", port)
    url = "nats://127.0.0.1:%d" % port
    s_out, s_in = w.sock("out"), w.sock("in")
    out = w.bridge("out", "out", s_out, url, mode)
    brin = w.bridge("in", "in", s_in, url, mode)
    cons = w.start("consumer", [sys.executable, "examples/peers/python/consumer.py", "--socket", s_in,
                                "--count", str(n), "--mode", "batch"])
    wait_for_line(w, "in", "subscribed to", 20)  # core NATS keeps nothing for a late subscriber
    prod = w.start("producer", [os.path.join(args.build, "examples", "c_producer"), "--socket", s_out,
                                "--count", str(n)])
    expect(wait_exit(prod, 120, w) == 0, "producer failed:\n" + w.text("producer"))
    code = wait_exit(cons, 120, w)
    expect(code == 0, "consumer failed (%d):\n%s" % (code, w.text("consumer")[-3000:]))
    co, ci = stop(out, w), stop(brin, w)
    expect(co["messages"] == n + 1 and co["dropped"] == 0, "out counters: %s" % co)
    expect(ci["delivered"] == n + 1 and ci["duplicates"] == 0 and ci["lost"] == 0, "in counters: %s" % ci)
    expect(co["nats_messages"] < n, "no batching: %d NATS messages for %d ticks" % (co["nats_messages"], n))
    # Every pull request of in ends with its last message or the server's 408; one this side had to give up on
    # (no answer past the server's expiry) means its count of what is due went wrong and delivery stalled.
    expect(ci.get("unanswered_pulls", 0) == 0, "in gave up on pull requests: %s" % ci)
    print("  %s: %d ticks in %d NATS messages; %s" % (mode, n, co["nats_messages"],
                                                     w.text("consumer").strip().splitlines()[-1]))


def test_frames(args, w):
    """1 KiB frames (one type: each window is one NATS message) from C to Python, every sample checked."""
    n = 20000
    port = free_port()
    w.server("nats", port)
    url = "nats://127.0.0.1:%d" % port
    for mode in ("core", "jetstream"):
        s_out, s_in = w.sock("out-" + mode), w.sock("in-" + mode)
        out = w.bridge("out-" + mode, "out", s_out, url, mode, schema="frames")
        brin = w.bridge("in-" + mode, "in", s_in, url, mode, schema="frames")
        cons = w.start("consumer-" + mode, [sys.executable, "examples/peers/python/consumer.py", "--socket", s_in,
                                            "--stream", "frames", "--count", str(n), "--mode", "batch"])
        wait_for_line(w, "in-" + mode, "subscribed to", 20)
        prod = w.start("producer-" + mode, [os.path.join(args.build, "examples", "c_producer"), "--socket", s_out,
                                            "--stream", "frames", "--count", str(n)])
        expect(wait_exit(prod, 60, w) == 0, "producer failed:\n" + w.text("producer-" + mode))
        code = wait_exit(cons, 60, w)
        expect(code == 0, "%s consumer failed:\n%s" % (mode, w.text("consumer-" + mode)[-2000:]))
        co, ci = stop(out, w), stop(brin, w)
        expect(ci["delivered"] == n + 1 and ci["lost"] == 0 and co["dropped"] == 0, "counters: %s %s" % (co, ci))
        expect(ci.get("unanswered_pulls", 0) == 0, "in gave up on pull requests (a stalled count): %s" % ci)
        print("  %s: %d frames in %d NATS messages; %s" % (mode, n, co["nats_messages"],
                                                         w.text("consumer-" + mode).strip().splitlines()[-1]))


def test_cluster(args, w):
    """Two nats-server nodes in one cluster stand for two hosts: out on A, in on B."""
    n = max(args.count // 5, 1000)
    pa, pb, ca, cb = free_port(), free_port(), free_port(), free_port()
    routes = "nats://127.0.0.1:%d,nats://127.0.0.1:%d" % (ca, cb)
    for name, port, cport in (("node-a", pa, ca), ("node-b", pb, cb)):
        w.server(name, port, ["-n", name, "--cluster_name", "tachyon-test", "--cluster",
                              "nats://127.0.0.1:%d" % cport, "--routes", routes])
    # JetStream needs both nodes to agree on a meta leader first.
    for mode in ("core", "jetstream"):
        s_out, s_in = w.sock("out-" + mode), w.sock("in-" + mode)
        out = w.bridge("out-" + mode, "out", s_out, "nats://127.0.0.1:%d" % pa, mode)
        brin = w.bridge("in-" + mode, "in", s_in, "nats://127.0.0.1:%d" % pb, mode)
        cons = w.start("consumer-" + mode, [os.path.join(args.build, "tests", "bridge", "bridge_peer"), "consume",
                                            "--socket", s_in, "--count", str(n), "--timeout", "90"])
        if mode == "core":
            # Core NATS keeps no message for a subscriber that is not there yet: wait for the route.
            wait_for_line(w, "in-" + mode, "subscribed to", 20)
            time.sleep(0.5)
        prod = w.start("producer-" + mode, [os.path.join(args.build, "examples", "c_producer"), "--socket", s_out,
                                            "--count", str(n)])
        expect(wait_exit(prod, 60, w) == 0, "producer failed:\n" + w.text("producer-" + mode))
        code = wait_exit(cons, 100, w)
        expect(code == 0, "%s consumer failed:\n%s\nin: %s" % (mode, w.text("consumer-" + mode)[-2000:],
                                                               w.text("in-" + mode)[-2000:]))
        co, ci = stop(out, w), stop(brin, w)
        expect(ci["delivered"] == n + 1 and ci["lost"] == 0, "%s in counters: %s" % (mode, ci))
        print("  %s across node-a -> node-b: %d ticks checked" % (mode, n))


def test_cluster_restarts(args, w):
    """JetStream over two clustered nodes (out on A, in on B): B's server is killed and restarted, then the in
    bridge, each in the middle of the stream; the consumer checks every tick once and in order."""
    n = 120000
    half = n // 2
    pa, pb, ca, cb = free_port(), free_port(), free_port(), free_port()
    routes = "nats://127.0.0.1:%d,nats://127.0.0.1:%d" % (ca, cb)
    node_args = {}
    for name, port, cport in (("node-a", pa, ca), ("node-b", pb, cb)):
        node_args[name] = ["-n", name, "--cluster_name", "tachyon-test", "--cluster", "nats://127.0.0.1:%d" % cport,
                           "--routes", routes]
        w.server(name, port, node_args[name])
    s_out, s_in = w.sock("out"), w.sock("in")
    state = os.path.join(w.dir, "in.state")
    peer = os.path.join(args.build, "tests", "bridge", "bridge_peer")
    out = w.bridge("out", "out", s_out, "nats://127.0.0.1:%d" % pa, "jetstream", ["--inflight", "16"])
    brin = w.bridge("in", "in", s_in, "nats://127.0.0.1:%d" % pb, "jetstream", ["--state", state])
    cons = w.start("consumer", [peer, "consume", "--socket", s_in, "--count", str(n), "--slow-us", "500",
                                "--timeout", "120"])
    wait_for_line(w, "out", "listening on", 30)  # out listens once the cluster's JetStream made its stream
    prod = w.start("producer-1", [peer, "produce", "--socket", s_out, "--from", "0", "--to", str(half),
                                  "--pace-us", "2000"])
    wait_for_line(w, "in", "subscribed to", 30)
    time.sleep(1.0)
    expect(prod.poll() is None, "slice 1 ended before node-b was killed: the test did not test")
    node_b = [p for p in w.procs if p.what == "node-b"][0]
    node_b.kill()  # in's server, kill -9
    node_b.wait()
    time.sleep(0.7)
    w.server("node-b", pb, node_args["node-b"])
    expect(wait_exit(prod, 120, w) == 0, "producer 1 failed:\n" + w.text("producer-1"))
    prod = w.start("producer-2", [peer, "produce", "--socket", s_out, "--from", str(half), "--to", str(n),
                                  "--end", "--pace-us", "2000"])
    time.sleep(0.5)
    expect(prod.poll() is None, "slice 2 ended before in was killed: the test did not test")
    brin.kill()
    brin.wait()
    time.sleep(0.3)
    brin = w.bridge("in-2", "in", s_in, "nats://127.0.0.1:%d" % pb, "jetstream", ["--state", state])
    expect(wait_exit(prod, 120, w) == 0, "producer 2 failed:\n" + w.text("producer-2"))
    code = wait_exit(cons, 120, w)
    expect(code == 0, "consumer failed:\n%s\n--- in:\n%s\n--- in-2:\n%s\n--- out:\n%s" % (
        w.text("consumer")[-2000:], w.text("in")[-2000:], w.text("in-2")[-2000:], w.text("out")[-2000:]))
    co, ci = stop(out, w), stop(brin, w)
    expect(co["messages"] == n + 1 and co["dropped"] == 0, "out counters: %s" % co)
    expect(ci["lost"] == 0 and 0 < ci["delivered"] <= n + 1, "in-2 counters: %s" % ci)
    print("  %s; node-b and in restarted mid-stream, the new in delivered %d (%d duplicates skipped)" % (
        w.text("consumer").strip().splitlines()[-1], ci["delivered"], ci["duplicates"]))


def test_restarts(args, w):
    """JetStream: the server, then the in bridge, then the out bridge are killed and restarted mid-stream."""
    n = 240000
    third = n // 3
    port = free_port()
    url = "nats://127.0.0.1:%d" % port
    w.server("nats", port)
    s_out, s_in = w.sock("out"), w.sock("in")
    state = os.path.join(w.dir, "in.state")
    peer = os.path.join(args.build, "tests", "bridge", "bridge_peer")
    out = w.bridge("out", "out", s_out, url, "jetstream", ["--inflight", "16"])
    brin = w.bridge("in", "in", s_in, url, "jetstream", ["--state", state])
    cons = w.start("consumer", [peer, "consume", "--socket", s_in, "--count", str(n), "--slow-us", "1000",
                                "--timeout", "60"])
    # Slice 1, paced to last a few seconds: the server is killed and restarted in the middle.
    prod = w.start("producer-1", [peer, "produce", "--socket", s_out, "--from", "0", "--to", str(third),
                                  "--pace-us", "2000"])
    time.sleep(1.0)
    expect(prod.poll() is None, "slice 1 ended before the server was killed: the test did not test")
    w.procs[0].kill()  # nats-server, kill -9
    w.procs[0].wait()
    time.sleep(0.7)
    w.procs[0] = w.server("nats", port)
    expect(wait_exit(prod, 90, w) == 0, "producer 1 failed:\n" + w.text("producer-1"))
    # Slice 2: the in bridge is killed while it delivers (the consumer is slow, so it has a backlog)
    # and restarted with its state file.
    prod = w.start("producer-2", [peer, "produce", "--socket", s_out, "--from", str(third), "--to",
                                  str(2 * third), "--pace-us", "500"])
    time.sleep(0.3)
    brin.kill()
    brin.wait()
    time.sleep(0.3)
    brin = w.bridge("in-2", "in", s_in, url, "jetstream", ["--state", state])
    expect(wait_exit(prod, 90, w) == 0, "producer 2 failed:\n" + w.text("producer-2"))
    # The out bridge is killed once it has stored everything it took (a ring dies with its consumer,
    # as with any killed consumer), while the in side is still delivering; a new one takes the rest.
    wait_for_line(w, "out", r"producer left; every message stored", 60, count=2)
    out.kill()
    out.wait()
    consumer_busy = cons.poll() is None
    out = w.bridge("out-2", "out", s_out, url, "jetstream", ["--inflight", "16"])
    prod = w.start("producer-3", [peer, "produce", "--socket", s_out, "--from", str(2 * third), "--to", str(n),
                                  "--end"])
    expect(wait_exit(prod, 90, w) == 0, "producer 3 failed:\n" + w.text("producer-3"))
    code = wait_exit(cons, 70, w)
    expect(code == 0, "consumer failed:\n%s\n--- in:\n%s\n--- in-2:\n%s\n--- out:\n%s" % (
        w.text("consumer")[-2000:], w.text("in")[-2000:], w.text("in-2")[-2000:], w.text("out")[-3000:]))
    co = stop(out, w)
    ci = stop(brin, w)
    # The restarted in bridge delivered the rest of slice 2 as well as slice 3: it was killed mid-stream.
    expect(ci["delivered"] > n - 2 * third + 1, "the in bridge was not killed mid-stream: %s" % ci)
    expect(ci["lost"] == 0, "in counters: %s" % ci)
    expect(co["messages"] == n - 2 * third + 1, "out counters: %s" % co)
    print("  %s; restarted in delivered %d (%d duplicates skipped); consumer still busy when out was killed: %s"
          % (w.text("consumer").strip().splitlines()[-1], ci["delivered"], ci["duplicates"], consumer_busy))


def test_new_stream(args, w):
    """JetStream: the server comes back with an empty store (the stream is made anew); the in bridge's state file
    holds positions of the old stream, which must not make it skip the new stream's first messages."""
    n = 20000
    port = free_port()
    url = "nats://127.0.0.1:%d" % port
    server = w.server("nats", port)
    s_out, s_in = w.sock("out"), w.sock("in")
    peer = os.path.join(args.build, "tests", "bridge", "bridge_peer")
    state = os.path.join(w.dir, "in.state")
    brin = w.bridge("in", "in", s_in, url, "jetstream", ["--state", state])
    for phase in (1, 2):
        out = w.bridge("out-%d" % phase, "out", s_out, url, "jetstream")
        cons = w.start("consumer-%d" % phase, [peer, "consume", "--socket", s_in, "--count", str(n), "--timeout", "30"])
        prod = w.start("producer-%d" % phase, [peer, "produce", "--socket", s_out, "--from", "0", "--to", str(n),
                                                "--end"])
        expect(wait_exit(prod, 40, w) == 0, "producer failed:\n" + w.text("producer-%d" % phase))
        code = wait_exit(cons, 40, w)
        expect(code == 0, "phase %d: consumer failed:\n%s\n--- in:\n%s" % (
            phase, w.text("consumer-%d" % phase)[-2000:], w.text("in")[-2000:]))
        stop(out, w)
        if phase == 1:
            server.kill()
            server.wait()
            shutil.rmtree(os.path.join(w.dir, "nats-store"))
            server = w.procs[0] = w.server("nats", port)
    ci = stop(brin, w)
    expect("was made anew" in w.text("in"), "in did not notice the new stream:\n" + w.text("in")[-2000:])
    expect(ci["delivered"] == 2 * (n + 1), "in counters: %s" % ci)
    print("  %d ticks through the old stream, %d through the new one, every one checked" % (n, n))


def test_backpressure(args, w):
    """JetStream: a slow receiving bus fills the stream to its limit, then the out bridge stops reading its ring and
    the producer waits; a paused server does the same. Nothing is dropped."""
    n = 30000
    port = free_port()
    url = "nats://127.0.0.1:%d" % port
    server = w.server("nats", port)
    s_out, s_in = w.sock("out"), w.sock("in")
    peer = os.path.join(args.build, "tests", "bridge", "bridge_peer")
    out = w.bridge("out", "out", s_out, url, "jetstream", ["--capacity", "65536", "--max-bytes", "131072",
                                                          "--inflight", "4"])
    brin = w.bridge("in", "in", s_in, url, "jetstream", ["--max-bytes", "131072"])
    cons = w.start("consumer", [peer, "consume", "--socket", s_in, "--count", str(n), "--slow-us", "10000",
                                "--timeout", "60"])
    start = time.monotonic()
    prod = w.start("producer", [peer, "produce", "--socket", s_out, "--from", "0", "--to", str(n), "--end"])
    time.sleep(1.5)
    # Everything buffered on the way (two 64 KiB rings, 4 windows in flight, 128 KiB of stream) holds a few
    # thousand ticks; the consumer takes about 6,000 a second, so the producer can only be waiting for room.
    expect(prod.poll() is None, "the producer finished in 1.5 s: nothing held it back")
    wait_for_line(w, "out", "JetStream does not take more yet", 20)
    server.send_signal(signal.SIGSTOP)  # a server that stops answering: the same wait, nothing lost
    time.sleep(1.0)
    server.send_signal(signal.SIGCONT)
    expect(wait_exit(prod, 60, w) == 0, "producer failed:\n" + w.text("producer"))
    took = time.monotonic() - start
    code = wait_exit(cons, 60, w)
    expect(code == 0, "consumer failed:\n%s\n--- out:\n%s" % (w.text("consumer")[-2000:], w.text("out")[-2000:]))
    co, ci = stop(out, w), stop(brin, w)
    expect(co["messages"] == n + 1 and co["dropped"] == 0, "out counters: %s" % co)
    expect(ci["delivered"] == n + 1 and ci["duplicates"] == 0, "in counters: %s" % ci)
    print("  producer held back for %.1f s; out re-sent %d times; %s" % (
        took, co["republished"], w.text("consumer").strip().splitlines()[-1]))


def test_strays(args, w):
    """JetStream: what comes into in's reply inbox without being asked for. A pull request that expired on the
    client's side still gets its messages and its 408 from the server later; libnats 3.4's Fetch wrote such
    leftovers past its message array (an abort in malloc under load). Here another client sends, into every
    pull-reply inbox of in, mid-stream and over and over: 404 and 408 statuses, pull requests of its own with
    in's inbox as the reply (so the server delivers stream messages in never asked for) and junk messages."""
    n = 60000
    port, mport = free_port(), free_port()
    url = "nats://127.0.0.1:%d" % port
    w.server("nats", port, ["-m", str(mport)])
    s_out, s_in = w.sock("out"), w.sock("in")
    peer = os.path.join(args.build, "tests", "bridge", "bridge_peer")
    out = w.bridge("out", "out", s_out, url, "jetstream")
    brin = w.bridge("in", "in", s_in, url, "jetstream")
    cons = w.start("consumer", [peer, "consume", "--socket", s_in, "--count", str(n), "--timeout", "90"])
    wait_for_line(w, "in", "subscribed to", 20)
    prod = w.start("producer", [peer, "produce", "--socket", s_out, "--from", "0", "--to", str(n), "--end",
                                "--pace-us", "3000"])
    def pull_inbox():
        """in's subscription for its pull replies: the _INBOX one that has received the most messages (the other
        is libnats' inbox for API replies). A wildcard one (in's <inbox>.*) gets a request id no one uses."""
        with urllib.request.urlopen("http://127.0.0.1:%d/connz?subs=detail" % mport, timeout=5) as r:
            conns = json.load(r).get("connections", [])
        subs = [d for c in conns if c.get("name") == "tachyon-bridge in"
                for d in c.get("subscriptions_list_detail", []) if d.get("subject", "").startswith("_INBOX.")]
        if not subs or max(d.get("msgs", 0) for d in subs) < 200:
            return None  # the stream has not started flowing: API replies may still lead
        sub = max(subs, key=lambda d: d.get("msgs", 0))["subject"]
        return sub[:-2] + ".999999" if sub.endswith(".*") else sub

    inbox, deadline = None, time.monotonic() + 20
    while inbox is None and time.monotonic() < deadline:
        inbox = pull_inbox()
        time.sleep(0.1)
    expect(inbox, "no _INBOX subscription of the in bridge with messages in the server's connz")
    next_subject = "$JS.API.CONSUMER.MSG.NEXT.TACHYON_market.tachyon-bridge-in"
    statuses = [b"NATS/1.0 408 Request Timeout\r\n\r\n", b"NATS/1.0 404 No Messages\r\n\r\n"]
    rounds = 0
    with socket.create_connection(("127.0.0.1", port)) as c:
        c.recv(4096)  # INFO
        c.sendall(b'CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":false}\r\n')
        while prod.poll() is None and rounds < 400:
            if rounds % 10 == 9:
                inbox = pull_inbox() or inbox  # in makes a new one when it re-creates its consumer
            for st in statuses:
                c.sendall(b"HPUB %s %d %d\r\n%s\r\n" % (inbox.encode(), len(st), len(st), st))
            body = b'{"batch":20,"expires":100000000}'
            c.sendall(b"PUB %s %s %d\r\n%s\r\n" % (next_subject.encode(), inbox.encode(), len(body), body))
            pub(c, inbox, b"junk")
            rounds += 1
            time.sleep(0.01)
        c.sendall(b"PING\r\n")
        c.recv(4096)
    expect(rounds >= 20, "the stream ended after %d rounds of strays: the test did not test" % rounds)
    expect(wait_exit(prod, 90, w) == 0, "producer failed:\n" + w.text("producer"))
    code = wait_exit(cons, 90, w)
    expect(code == 0, "consumer failed:\n%s\n--- in:\n%s" % (w.text("consumer")[-2000:], w.text("in")[-3000:]))
    co, ci = stop(out, w), stop(brin, w)
    expect(co["messages"] == n + 1 and ci["delivered"] == n + 1 and ci["lost"] == 0,
           "counters: out %s in %s" % (co, ci))
    expect(ci.get("strays", 0) > 0 and ci["malformed"] > 0, "in saw no strays or no junk: %s" % ci)
    print("  %d rounds of strays; in: %d strays, %d junk refused, %d resyncs; %s" % (
        rounds, ci["strays"], ci["malformed"], ci["resyncs"], w.text("consumer").strip().splitlines()[-1]))


def test_mismatch(args, w):
    """An in bridge whose bus has another schema fingerprint refuses every message."""
    n = 5000
    tachc = os.path.join(args.build, "tachc")
    edited = os.path.join(w.dir, "market.tach")
    with open(os.path.join(ROOT, "schemas", "market.tach")) as f:
        text = f.read()
    # Same sizes, another type: a layout change the fingerprint must catch.
    text2 = text.replace("quantity  @16 : u32", "quantity  @16 : i32")
    expect(text2 != text, "could not edit schemas/market.tach")
    with open(edited, "w") as f:
        f.write(text2)
    lock = os.path.join(w.dir, "edited.lock")
    with open(lock, "w") as f:
        subprocess.run([tachc, "lock", edited], stdout=f, check=True, cwd=ROOT)
    fp = re.search(r"^schema market fingerprint (0x[0-9a-f]+)", open(lock).read(), re.M).group(1)
    port = free_port()
    url = "nats://127.0.0.1:%d" % port
    w.server("nats", port)
    s_out, s_in = w.sock("out"), w.sock("in")
    for mode in ("core", "jetstream"):
        out = w.bridge("out-" + mode, "out", s_out, url, mode)
        brin = w.start("in-" + mode, [os.path.join(args.build, "bin", "tachyon-bridge"), "in", "--socket", s_in,
                                      "--lock", lock, "--schema", "market", "--nats", url, "--mode", mode,
                                      "--state", os.path.join(w.dir, "in.state")])
        silent = w.start("silent-" + mode, [os.path.join(args.build, "tests", "bridge", "bridge_peer"), "silent",
                                            "--socket", s_in, "--fingerprint", fp, "--seconds", "2"])
        wait_for_line(w, "in-" + mode, "subscribed to", 20)
        prod = w.start("producer-" + mode, [os.path.join(args.build, "examples", "c_producer"), "--socket",
                                            s_out, "--count", str(n)])
        expect(wait_exit(prod, 30, w) == 0, "producer failed:\n" + w.text("producer-" + mode))
        wait_for_line(w, "in-" + mode, "schema mismatch", 20)
        code = wait_exit(silent, 30, w)
        expect(code == 0, "the consumer received something:\n" + w.text("silent-" + mode))
        stop(out, w)
        ci = stop(brin, w)
        expect(ci["delivered"] == 0 and ci["refused_fingerprint"] == n + 1,
               "%s: in counters %s (want delivered=0 refused_fingerprint=%d)" % (mode, ci, n + 1))
        line = [ln for ln in w.text("in-" + mode).splitlines() if "schema mismatch" in ln][0]
        print("  %s: %s" % (mode, line))
        if os.path.exists(os.path.join(w.dir, "in.state")):
            os.unlink(os.path.join(w.dir, "in.state"))


def pub(sock, subject, payload):
    """Publishes one message in the NATS client protocol (PUB, no headers: the bridge's core mode sends none)."""
    sock.sendall(b"PUB %s %d\r\n" % (subject.encode(), len(payload)) + payload + b"\r\n")


def window(fp, type_id, size, count, payload, window_n=None, mask=None, version=1, plen=None, source=1, seq=1):
    """A NATS message of the bridge: the window prefix (bridge/bridge.h) written here independently, then payload."""
    mask_bytes = b""
    if mask is not None:
        mask_bytes = bytes((mask >> (8 * i)) & 0xff for i in range((window_n + 7) // 8))
    if plen is None:
        plen = 48 + len(mask_bytes)
    head = struct.pack("<4sBBHQQQIIII", b"TCHW", version, 1 if mask is not None else 0, plen, fp, source, seq,
                       type_id, size, count, count if window_n is None else window_n)
    return head + mask_bytes + payload


def test_malformed(args, w):
    """Messages that are not what they claim are refused, counted and never reach the bus."""
    port = free_port()
    url = "nats://127.0.0.1:%d" % port
    w.server("nats", port)
    s_in = w.sock("in")
    fpn = int(re.search(r"^schema market fingerprint (0x[0-9a-f]+)",
                        open(os.path.join(ROOT, "schemas", "tach.lock")).read(), re.M).group(1), 16)
    fp = "0x%016x" % fpn
    silent = w.start("silent", [os.path.join(args.build, "tests", "bridge", "bridge_peer"), "silent", "--socket",
                                s_in, "--fingerprint", fp, "--seconds", "2"])
    brin = w.bridge("in", "in", s_in, url, "core")
    wait_for_line(w, "in", "subscribed to", 20)
    bad = [
        ("malformed", b"x" * 32),                                             # no window prefix at all
        ("malformed", window(fpn, 1, 32, 1, b"x" * 31)),                      # payload shorter than count x size
        ("malformed", window(fpn, 1, 32, 1, b"x" * 32, version=2)),           # a version this bridge does not know
        ("malformed", window(fpn, 1, 32, 1, b"x" * 32, plen=56)),             # prefix length disagrees with flags
        ("malformed", window(fpn, 1, 32, 1, b"x" * 32, window_n=4, mask=3)),  # mask: 2 positions, count 1
        ("refused_type", window(fpn, 9, 32, 1, b"x" * 32)),                   # type id not in the schema
        ("refused_type", window(fpn, 1, 8, 1, b"x" * 8)),                     # size shorter than the type's layout
    ]
    with socket.create_connection(("127.0.0.1", port)) as c:
        c.recv(4096)  # INFO
        c.sendall(b'CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":false}\r\n')
        for _, payload in bad:
            pub(c, "tachyon.market.Bid", payload)
        c.sendall(b"PING\r\n")
        c.recv(4096)
    code = wait_exit(silent, 20, w)
    expect(code == 0, "the consumer received something:\n" + w.text("silent"))
    ci = stop(brin, w)
    want = dict((k, sum(1 for kind, _ in bad if kind == k)) for k in ("malformed", "refused_type"))
    expect(ci["delivered"] == 0 and all(ci[k] == v for k, v in want.items()),
           "in counters %s (want delivered=0 %s)" % (ci, want))
    print("  %d bad messages refused: %s" % (len(bad), ", ".join(
        ln.split(": ", 1)[1] for ln in w.text("in").splitlines() if "refused" in ln and ": exit: " not in ln and "counters" not in ln)))


def test_cli(args, w):
    """Bad command lines and bad schema inputs: a clear one-line error and a non-zero status."""
    bridge = os.path.join(args.build, "bin", "tachyon-bridge")
    base = ["--socket", w.sock("x"), "--lock", "schemas/tach.lock", "--schema", "market"]
    missing_lock = os.path.join(w.dir, "nope.lock")
    cases = [
        ([], 2, "usage"),
        (["sideways"] + base, 2, "unknown direction"),
        (["out", "--lock", "schemas/tach.lock", "--schema", "market"], 2, "needs --socket"),
        (["out"] + base + ["--mode", "fast"], 2, "--mode must be core or jetstream"),
        (["out"] + base + ["--capacity", "1000"], 2, "power of two"),
        (["out"] + base + ["--batch-max", "5000"], 2, "--batch-max must be"),
        (["in"] + base + ["--bogus", "1"], 2, "unknown option"),
        (["in"] + base + ["--report"], 2, "needs a value"),
        (["out", "--socket", "@x", "--lock", missing_lock, "--schema", "market"], 3, "cannot open lock file"),
        (["out", "--socket", "@x", "--lock", "schemas/tach.lock", "--schema", "nosuch"], 3, "no schema named"),
    ]
    for argv, want, text in cases:
        p = subprocess.run([bridge] + argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=10, cwd=ROOT)
        out = p.stdout.decode()
        expect(p.returncode == want and text in out,
               "tachyon-bridge %s: status %d (want %d), output %r (want %r)" % (" ".join(argv), p.returncode, want,
                                                                                 out, text))
    print("  %d bad command lines refused with their message" % len(cases))


TESTS = [
    ("main-core", lambda a, w: test_main(a, w, "core")),
    ("main-jetstream", lambda a, w: test_main(a, w, "jetstream")),
    ("frames", test_frames),
    ("cluster", test_cluster),
    ("cluster-restarts", test_cluster_restarts),
    ("restarts", test_restarts),
    ("new-stream", test_new_stream),
    ("backpressure", test_backpressure),
    ("strays", test_strays),
    ("mismatch", test_mismatch),
    ("malformed", test_malformed),
    ("cli", test_cli),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.environ.get("BUILD", "build"))
    ap.add_argument("--count", type=int, default=1000000)
    ap.add_argument("--only", default="")
    ap.add_argument("--keep", action="store_true", help="keep the logs of failed tests")
    args = ap.parse_args()
    args.build = os.path.join(ROOT, args.build)
    only = [o for o in args.only.split(",") if o]
    why = None
    if shutil.which("nats-server") is None:
        why = "nats-server not installed; install with: apt-get install nats-server"
    elif not os.access(os.path.join(args.build, "bin", "tachyon-bridge"), os.X_OK):
        why = "tachyon-bridge not built (libnats missing? apt-get install libnats-dev, then make)"
    else:
        try:
            import tachyon  # noqa: F401
        except ImportError:
            why = "the tachyon Python package is not installed (make python-install)"
    failed = 0
    for name, fn in TESTS:
        if only and name not in only:
            continue
        if why:
            print("SKIP: %s (%s)" % (name, why))
            continue
        w = World(args, name)
        start = time.monotonic()
        try:
            fn(args, w)
            print("PASS: %s (%.1fs)" % (name, time.monotonic() - start), flush=True)
            w.close()
        except Failure as e:
            failed += 1
            print("FAIL: %s (%.1fs)\n%s" % (name, time.monotonic() - start, e), flush=True)
            w.close(keep=args.keep)
            if args.keep:
                print("  logs kept in " + w.dir)
        except BaseException:
            w.close()
            raise
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
