#!/usr/bin/env python3
"""Runs Tachyon's benchmarks with their baselines and saves the results.

`make bench` calls this after building the programs in BUILD/bench. Sections:
  rtt         ping-pong round trips, 32 B, two pinned processes: Tachyon, the
              cache-line floor, a ring floor, UDS, pipe, ZeroMQ (if built), and the
              futex wake-up round trip next to eventfd; R rounds interleaved, plus
              examples/c_pingpong's own run in every round when that program exists
  throughput  one-way C->C throughput, 32 B / 1 KiB / 64 KiB, every byte read
  python      MarketTick producers in Python (generated accessors, hand-written
              struct.pack_into, the batch path) and 1 KiB frames into NumPy
  langs       every language's example producer into the C consumer and the C
              producer into every language's consumer (MarketTick, every field
              checked), Python to Rust, 1 KiB frames from C++ into NumPy; the C
              pair of the same rounds is the baseline (bench/lang_bench.py)
  tachc       generation time of a 10,000-type schema, all four languages
  topology    fan-out to 1/2/4/8 subscribers (msg/s, producer ns/msg, RTT to the
              slowest) and fan-in from 1/2/4/8 producers (total msg/s), each next to
              N independent SPSC buses doing the same work, interleaved rounds

Every program prints one JSON object per result line (DESIGN.md section 7). This
script collects them into bench/results/<date>-<host>.jsonl (the first line
describes the machine), writes a Markdown summary beside it and a PNG of the
round-trip distributions, and prints the summary. Nothing here is a pass/fail
test: a target missed is reported, not failed.

Usage: bench/run.py [--build DIR] [--samples N] [--slow-samples N] [--rounds R]
                    [--seconds S] [--cpus A,B] [--only SECTION,...] [--quick]
                    [--no-save]
"""
import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
SECTIONS = ["rtt", "throughput", "python", "langs", "tachc", "topology"]
PERCENTILES = ["min_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "p9999_ns", "max_ns", "mean_ns", "tmean_ns"]

# DESIGN.md section 7, and the reference system's published figures
TARGETS = {
    "rtt_ratio_to_floor": 1.3,
    "rtt_x_faster_than_uds": 100.0,
    "tp_32_msgs_per_s": 25e6,
    "tp_1k_gbytes_per_s": 2.0,
    "py_typed_vs_hand": 1.0,
    "py_batch_vs_hand": 3.0,
    "py_dlpack_gbytes_per_s": 1.0,
    "tachc_seconds": 1.0,
}
# Goals of later issues, reported beside DESIGN.md's (a missed goal is reported, never fails the run)
GOALS = {
    "rpc_p50_over_pingpong": 1.5,      # issue 18: an empty call's p50 at most 1.5x the bus ping-pong p50
    "fanin_over_spsc": 0.8,            # issue 19: fan-in total at least 0.8x N SPSC buses
    "bridge_over_nats_client": 0.8,    # issue 21: the bridge at least 0.8x a plain libnats pair
}
REFERENCE = {
    "rtt_p50_ns": 49.9,
    "py_producer_msgs_per_s": 1.06e6,
    "py_dlpack_gbytes_per_s": 0.53,
    "python_to_rust_msgs_per_s": 1.119e6,
}


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def run_json(cmd, timeout, env=None, cwd=ROOT):
    """Runs cmd; returns (exit code, [JSON objects from its stdout], stderr)."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    try:
        p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                           env=full_env, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace")
        return 124, parse_lines(out), "timed out after %ds" % timeout
    except OSError as e:
        return 127, [], str(e)
    return p.returncode, parse_lines(p.stdout.decode("utf-8", "replace")), p.stderr.decode("utf-8", "replace")


def parse_lines(text):
    objs = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                objs.append(json.loads(line))
            except ValueError:
                pass
    return objs


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


# ---- machine ---------------------------------------------------------------------------------------------------

def make_command(argv):
    """The `make bench` line that gives this run: what make itself passes (--build, --bridge-rows) is not
    BENCH_ARGS."""
    extra, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a in ("--build", "--bridge-rows"):
            skip = True
        elif not a.startswith(("--build=", "--bridge-rows=")):
            extra.append(a)
    return "make bench" + (" BENCH_ARGS=\"%s\"" % " ".join(extra) if extra else "")


def machine_info(args):
    info = {"bench": "machine", "host": socket.gethostname(), "nproc": os.cpu_count(),
            "kernel": platform.release(), "python": platform.python_version(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "cpus_used": args.cpus, "loadavg_start": os.getloadavg()[0],
            "command": make_command(sys.argv[1:]),
            "settings": {"samples": args.samples, "slow_samples": args.slow_samples, "rounds": args.rounds,
                         "throughput_seconds": args.seconds}}
    try:
        out = subprocess.run(["lscpu"], stdout=subprocess.PIPE, text=True, timeout=10).stdout
        for line in out.splitlines():
            key, _, value = line.partition(":")
            key, value = key.strip(), value.strip()
            if key == "Model name":
                info["cpu_model"] = value
            elif key == "Hypervisor vendor":
                info["hypervisor"] = value
            elif key in ("L2 cache", "L3 cache"):
                info[key.lower().replace(" ", "_")] = value
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        cc = os.environ.get("CC", "cc")
        info["cc"] = subprocess.run([cc, "--version"], stdout=subprocess.PIPE, text=True,
                                    timeout=10).stdout.splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        pass
    return info


# ---- rtt -------------------------------------------------------------------------------------------------------

def find_pingpong_example(build):
    for rel in ("examples/c_pingpong", "examples/c_pingpong/c_pingpong", "examples/c_pingpong/pingpong",
                "examples/pingpong"):
        path = os.path.join(build, rel)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def find_iox2(build):
    """The iceoryx2 peer (bench/iceoryx2, built by `make bench` into build/bench/iceoryx2), or None."""
    path = os.path.join(build, "bench", "iceoryx2", "release", "iox2-bench")
    return path if os.access(path, os.X_OK) else None


def section_rtt(args, build, results, notes, cdf_path):
    rtt = os.path.join(build, "bench", "rtt")
    listed = subprocess.run([rtt, "--list"], stdout=subprocess.PIPE, text=True).stdout
    if " zmq" not in listed:
        notes.append("ZeroMQ baseline skipped: libzmq was not found when bench/rtt was built "
                     "(apt-get install libzmq3-dev, then rebuild).")
    example = find_pingpong_example(build)
    iox2 = find_iox2(build)
    if not iox2:
        notes.append("iceoryx2 rows skipped: %s was not built (make bench builds it with cargo when crates.io "
                     "is reachable)." % os.path.join(build, "bench", "iceoryx2", "release", "iox2-bench"))
    if not example:
        notes.append("examples/c_pingpong not built: the ping-pong rows come from bench/rtt's own Tachyon driver only.")
    per_round = []
    rpc_rows = []
    rpc_prog = os.path.join(build, "bench", "rpc_bench")
    for r in range(1, args.rounds + 1):
        if os.path.exists(rpc_prog):
            code, objs, err = run_json([rpc_prog, "--json", "--first-round", str(r), "--samples", str(args.samples),
                                        "--cpus", args.cpus], timeout=300)
            if code != 0:
                notes.append("rpc_bench round %d exited %d: %s" % (r, code, err.strip()[-300:]))
            rpc_rows += objs
        cmd = [rtt, "--json", "--rounds", "1", "--first-round", str(r), "--samples", str(args.samples),
               "--slow-samples", str(args.slow_samples), "--cpus", args.cpus, "--cdf", cdf_path]
        code, objs, err = run_json(cmd, timeout=300)
        if code != 0:
            notes.append("rtt round %d exited %d: %s" % (r, code, err.strip()[-300:]))
        per_round += [o for o in objs if o.get("round") != "median"]
        if example:
            code, objs, err = run_json([example, "--json", "--rounds", "1", "--samples", str(args.samples),
                                        "--cpus", args.cpus], timeout=300)
            if code != 0:
                notes.append("examples/c_pingpong round %d exited %d: %s" % (r, code, err.strip()[-300:]))
            for o in objs:
                if o.get("bench") != "pingpong":
                    continue
                o["round"] = r
                o["program"] = "examples/c_pingpong"
                o["transport"] = "c_pingpong:" + str(o.get("transport", "?"))
                per_round.append(o)
        if iox2:
            for size in (32, 1024):
                code, objs, err = run_json([iox2, "pingpong", "--size", str(size), "--samples", str(args.samples),
                                            "--cpus", args.cpus, "--round", str(r)], timeout=300)
                if code != 0:
                    notes.append("iceoryx2 ping-pong %d B round %d exited %d: %s" % (size, r, code,
                                                                                  err.strip()[-300:]))
                per_round += objs
        log("rtt round %d/%d done" % (r, args.rounds))
    results += per_round

    # medians over rounds, then each transport's p50 ratio to every other of its bench and payload, per round
    keys = []
    for o in per_round:
        k = (o["bench"], o["transport"], o.get("payload"))
        if k not in keys:
            keys.append(k)

    def rows_of(bench, transport, payload):
        return [o for o in per_round if o["bench"] == bench and o["transport"] == transport
                and o.get("payload") == payload]

    def ratio_series(rows, others, key, lower=False):
        """Per round: rows' key over the others' (the lowest of them when lower), then the median."""
        ratios = []
        for r in range(1, args.rounds + 1):
            a = [o.get(key) for o in rows if o["round"] == r]
            b = [o.get(key) for other in others for o in other if o["round"] == r and o.get(key)]
            if a and a[0] and b and (lower or len(b) == 1):
                ratios.append(a[0] / min(b))
        return round(median(ratios), 4) if ratios else None

    for bench, transport, payload in keys:
        rows = rows_of(bench, transport, payload)
        med = {"bench": bench, "transport": transport, "payload": payload,
               "samples": rows[0].get("samples"), "round": "median", "rounds": len(rows)}
        for p in PERCENTILES + ["over_2x_p50"]:
            med[p] = median([o.get(p) for o in rows])
        med["rtt_per_s"] = round(1e9 / med["mean_ns"]) if med.get("mean_ns") else None
        if any("cpu_share" in o for o in rows):
            med["cpu_share"] = median([o.get("cpu_share") for o in rows])
        if transport in ("tachyon", "tachyon-futex") or transport.startswith("c_pingpong:tachyon"):
            for other_bench, other, other_payload in keys:
                if other_bench != bench or other == transport or other_payload != payload:
                    continue
                name = other.replace("-", "_").replace(":", "_")
                for key, prefix in (("p50_ns", "ratio_to_"), ("tmean_ns", "tmean_ratio_to_"),
                                    ("p99_ns", "p99_ratio_to_")):
                    v = ratio_series(rows, [rows_of(bench, other, payload)], key)
                    if v is not None:
                        med[prefix + name] = v
            if bench == "pingpong":
                # against the lower of the two floors in each round (pausing, pure spin)
                floors = [rows_of(bench, f, payload) for f in ("floor", "spin-floor", "c_pingpong:floor")]
                for key, name in (("p50_ns", "ratio_to_lower_floor"), ("p99_ns", "p99_ratio_to_lower_floor")):
                    v = ratio_series(rows, floors, key, lower=True)
                    if v is not None:
                        med[name] = v
        results.append(med)
    section_rpc_medians(args, per_round, rpc_rows, results)


def section_rpc_medians(args, per_round, rpc_rows, results):
    """The RPC rows, run in the ping-pong rounds: medians over rounds, and the empty call's p50 as a ratio to the
    bus ping-pong p50 of the same round (issue 18's goal: at most 1.5)."""
    results += rpc_rows
    calls = [o for o in rpc_rows if o.get("bench") == "rpc"]
    if calls:
        med = {"bench": "rpc", "transport": "tachyon", "payload": 0, "samples": calls[0].get("samples"),
               "round": "median", "rounds": len(calls)}
        for p in PERCENTILES:
            med[p] = median([o.get(p) for o in calls])
        ratios = []
        for o in calls:
            ping = [x.get("p50_ns") for x in per_round if x.get("bench") == "pingpong"
                    and x.get("transport") == "tachyon" and x.get("round") == o.get("round")]
            if ping and ping[0] and o.get("p50_ns"):
                ratios.append(o["p50_ns"] / ping[0])
        if ratios:
            med["ratio_to_pingpong_tachyon"] = round(median(ratios), 4)
        results.append(med)
    piped = [o for o in rpc_rows if o.get("bench") == "rpc_pipelined"]
    if piped:
        results.append({"bench": "rpc_pipelined", "transport": "tachyon", "payload": 0,
                        "inflight": piped[0].get("inflight"), "round": "median", "rounds": len(piped),
                        "calls_per_s": median([o.get("calls_per_s") for o in piped])})


# ---- throughput ------------------------------------------------------------------------------------------------

def section_throughput(args, build, results, notes):
    """One round at a time (Tachyon, the bare ring, then iceoryx2 if built), so that each round's ratios
    compare runs minutes apart at most; medians and per-round ratios computed here."""
    tp = os.path.join(build, "bench", "throughput")
    iox2 = find_iox2(build)
    per_round = []
    for r in range(1, args.rounds_tp + 1):
        cmd = [tp, "--json", "--rounds", "1", "--seconds", str(args.seconds), "--cpus", args.cpus]
        code, objs, err = run_json(cmd, timeout=600)
        if code != 0:
            notes.append("throughput round %d exited %d: %s" % (r, code, err.strip()[-300:]))
        for o in objs:
            if o.get("round") != "median":
                o["round"] = r
                per_round.append(o)
        if iox2:
            for size in (32, 1024):
                code, objs, err = run_json([iox2, "throughput", "--size", str(size), "--seconds", str(args.seconds),
                                            "--cpus", args.cpus, "--round", str(r)], timeout=300)
                if code != 0:
                    notes.append("iceoryx2 throughput %d B round %d exited %d: %s" % (size, r, code,
                                                                                    err.strip()[-300:]))
                per_round += objs
        log("throughput round %d/%d done" % (r, args.rounds_tp))
    results += per_round
    keys = []
    for o in per_round:
        k = (o["transport"], o.get("payload"))
        if k not in keys:
            keys.append(k)
    for transport, payload in keys:
        rows = [o for o in per_round if o["transport"] == transport and o.get("payload") == payload]
        med = dict(rows[0])
        med.update({"round": "median", "rounds": len(rows)})
        for key in ("msgs_per_s", "gbytes_per_s", "seconds", "cpu_share_producer", "cpu_share_consumer"):
            if any(key in o for o in rows):
                med[key] = median([o.get(key) for o in rows])
        med["messages"] = sum(o.get("messages", 0) for o in rows)
        med["verified"] = all(o.get("verified", False) for o in rows)
        med.pop("ratio_to_bare_ring", None)
        if transport == "tachyon":
            for other in ("bare-ring", "iceoryx2"):
                ratios = []
                for r in range(1, args.rounds_tp + 1):
                    a = [o["msgs_per_s"] for o in rows if o["round"] == r and o.get("msgs_per_s")]
                    b = [o["msgs_per_s"] for o in per_round if o["transport"] == other
                         and o.get("payload") == payload and o["round"] == r and o.get("msgs_per_s")]
                    if a and b:
                        ratios.append(a[0] / b[0])
                if ratios:
                    med["ratio_to_" + other.replace("-", "_")] = round(median(ratios), 4)
                    med["ratios_to_%s_per_round" % other.replace("-", "_")] = [round(x, 4) for x in ratios]
        results.append(med)
        if not med["verified"]:
            notes.append("throughput %s %s B: a round was not verified (checksum or count)" % (transport, payload))


# ---- topology --------------------------------------------------------------------------------------------------

def section_topology(args, build, results, notes):
    prog = os.path.join(build, "bench", "topology")
    cmd = [prog, "--json", "--rounds", str(args.rounds_py)]
    if args.quick:
        cmd += ["--messages", "200000", "--pings", "300"]
    code, objs, err = run_json(cmd, timeout=1200)
    if code != 0:
        notes.append("topology exited %d: %s" % (code, err.strip()[-300:]))
    for o in objs:  # each row next to its baseline of the same run
        key = "subscribers" if o["bench"] == "fanout" else "producers"
        base = find(results + objs, bench=o["bench"], transport="spsc", round="median", **{key: o[key]})
        if o["transport"] == "tachyon" and base and base.get("msgs_per_s"):
            o["ratio_to_spsc"] = round(o["msgs_per_s"] / base["msgs_per_s"], 3)
    results += objs


# ---- python ----------------------------------------------------------------------------------------------------

def section_python(args, build, results, notes):
    cmd = [sys.executable, os.path.join(BENCH, "py_bench.py"), "--build", build, "--json",
           "--rounds", str(args.rounds_py), "--cpus", args.cpus]
    if args.quick:
        cmd.append("--quick")
    code, objs, err = run_json(cmd, timeout=600)
    for line in err.splitlines():
        if line.startswith("SKIP") or line.startswith("NOTE"):
            notes.append("python: " + line)
    if code != 0 and not objs:
        notes.append("python benchmarks exited %d: %s" % (code, err.strip()[-400:]))
    results += objs


def section_langs(args, build, results, notes):
    """bench/lang_bench.py: every language's example producer into the C consumer and the C producer into every
    language's consumer (MarketTick), Python to Rust, and 1 KiB frames from C++ into Python, with the C pair of the
    same rounds as the baseline (ratio_to_c)."""
    cmd = [sys.executable, os.path.join(BENCH, "lang_bench.py"), "--build", build, "--json",
           "--rounds", str(args.rounds_py), "--cpus", args.cpus]
    if args.quick:
        cmd.append("--quick")
    code, objs, err = run_json(cmd, timeout=3600)
    for line in err.splitlines():
        if line.startswith("SKIP") or (line.startswith("NOTE") and " took " not in line):
            notes.append("langs: " + line)
    if code != 0 and not objs:
        notes.append("the language benchmarks exited %d: %s" % (code, err.strip()[-400:]))
    results += objs


def langs_table(results):
    """The summary's table of section langs (median rows), C's pair first in each block."""
    rows = [o for o in results if o.get("bench") in ("lang_market", "python_to_rust", "lang_frames")
            and o.get("round") == "median"]
    if not rows:
        return []
    md = ["## Languages: example peers, every field checked by the consumer (median of rounds)", "",
          "| stream | language | role | path | other side | msg/s | GB/s | / C pair, same round | lowest .. highest "
          "| CPU ns/msg (start-up included) |",
          "|---|---|---|---|---|---|---|---|---|---|"]
    for o in rows:
        md.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s .. %s | %s |" % (
            "1 KiB frames" if o["bench"] == "lang_frames" else "MarketTick", o["lang"], o["role"], o["mode"],
            o["peer"], fmt(o.get("msgs_per_s"), "rate"), fmt(o.get("gbytes_per_s"), "gb"),
            fmt(o.get("ratio_to_c"), "x"), fmt(o.get("min_msgs_per_s"), "rate"), fmt(o.get("max_msgs_per_s"), "rate"),
            "%.0f" % o["cpu_ns_per_msg"] if o.get("cpu_ns_per_msg") else "-"))
    return md + [""]


# ---- tachc -----------------------------------------------------------------------------------------------------

def section_bridge(path, results, notes):
    """The NATS bridge rows that `make bench-bridge` measured just before this run (bench/bridge_bench.c runs its own
    interleaved rounds, medians and ratios); a missing file is a note, not a failure."""
    if not os.path.exists(path):
        notes.append("bridge rows skipped: %s does not exist (make bench-bridge needs libnats-dev and nats-server)"
                     % path)
        return
    with open(path) as f:
        rows = [o for o in parse_lines(f.read()) if o.get("bench") == "bridge"]
    if not rows:
        notes.append("bridge rows skipped: %s holds no bridge row (did bench_bridge fail?)" % path)
    results += rows


def section_tachc(args, build, results, notes):
    tachc = os.path.join(build, "tachc")
    if not os.access(tachc, os.X_OK):
        notes.append("tachc row skipped: %s was not built" % tachc)
        return
    with tempfile.TemporaryDirectory(prefix="tachyon-bench-") as tmp:
        schema = os.path.join(tmp, "big.tach")
        subprocess.run([sys.executable, os.path.join(BENCH, "gen_big_schema.py"), "--types", str(args.types),
                        schema], check=True)
        times, cpu = [], []
        for i in range(3):
            out = os.path.join(tmp, "out%d" % i)
            os.mkdir(out)
            ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            p = subprocess.run([tachc, "gen", "--lang", "c", "--lang", "rust", "--lang", "python", "--lang", "go",
                                "--out", out, schema], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            elapsed = time.perf_counter() - t0
            ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(ru1.ru_utime - ru0.ru_utime + ru1.ru_stime - ru0.ru_stime)
            if p.returncode != 0:
                notes.append("tachc gen failed on the %d-type schema (exit %d): %s" %
                             (args.types, p.returncode, p.stderr.decode("utf-8", "replace").strip()[-400:]))
                return
            times.append(elapsed)
        files = sum(len(fs) for _, _, fs in os.walk(os.path.join(tmp, "out0")))
        size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(os.path.join(tmp, "out0")) for f in fs)
        results.append({"bench": "tachc", "transport": "tachc", "types": args.types,
                        "langs": ["c", "rust", "python", "go"], "seconds": round(median(times), 4),
                        "runs_s": [round(t, 4) for t in times], "cpu_seconds": round(median(cpu), 4),
                        "files": files, "output_bytes": size,
                        "schema_bytes": os.path.getsize(schema), "round": "median"})


# ---- summary ---------------------------------------------------------------------------------------------------

def find(results, **want):
    for o in results:
        if all(o.get(k) == v for k, v in want.items()):
            return o
    return None


def fmt(v, unit=""):
    if v is None:
        return "-"
    if unit == "ns":
        return "%.1f" % v
    if unit == "rate":
        return "%.2f M" % (v / 1e6) if v >= 1e5 else "%.0f" % v
    if unit == "x":
        return "%.2fx" % v
    if unit == "gb":
        return "%.2f" % v
    return str(v)


def verdict(ok):
    return "-" if ok is None else ("met" if ok else "MISSED")


def summarise(machine, results, notes):
    md = []
    md.append("# Tachyon benchmarks, %s on %s" % (machine["date"], machine["host"]))
    md.append("")
    md.append("Machine: %s, %s CPUs%s, kernel %s; pinned to CPUs %s; load average at start %.2f, at end %.2f." % (
        machine.get("cpu_model", "?"), machine["nproc"],
        " (%s guest)" % machine["hypervisor"] if machine.get("hypervisor") else "", machine["kernel"],
        machine["cpus_used"], machine["loadavg_start"], machine.get("loadavg_end", 0.0)))
    md.append("")
    md.append("Command: `%s` (%d rounds; %d round trips per round for the busy-polling transports, %d for the others; "
              "%.2f s per throughput run). Run time %.0f s." % (
                  machine["command"], machine["settings"]["rounds"], machine["settings"]["samples"],
                  machine["settings"]["slow_samples"], machine["settings"]["throughput_seconds"],
                  machine.get("seconds", 0)))
    md.append("")

    rtt = [o for o in results if o.get("bench") in ("pingpong", "wakeup") and o.get("round") == "median"]
    if rtt:
        md.append("## Round trip, two processes (median of rounds; ns)")
        md.append("")
        md.append("| bench | transport | payload | samples/round | min | p50 | p90 | p99 | p99.9 | p99.99 | max | "
                  "Tachyon p50 / this p50 | CPU share |")
        md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        tach = find(results, bench="pingpong", transport="tachyon", round="median")
        futex = find(results, bench="wakeup", transport="tachyon-futex", round="median")
        example = find(results, bench="pingpong", transport="c_pingpong:tachyon", round="median")
        for o in rtt:
            ref = example if o["transport"].startswith("c_pingpong:") else tach if o["bench"] == "pingpong" else futex
            key = "ratio_to_" + o["transport"].replace("-", "_").replace(":", "_")
            # bench/rtt's own rows are 32 B: a row of another size has no ratio to them
            ratio = ref.get(key) if ref and ref is not o and o.get("payload", 32) == 32 else None
            share = o.get("cpu_share")
            md.append("| %s | %s | %s B | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                o["bench"], o["transport"], o.get("payload", 32), o.get("samples"), fmt(o.get("min_ns"), "ns"),
                fmt(o.get("p50_ns"), "ns"),
                fmt(o.get("p90_ns"), "ns"), fmt(o.get("p99_ns"), "ns"), fmt(o.get("p999_ns"), "ns"),
                fmt(o.get("p9999_ns"), "ns"), fmt(o.get("max_ns"), "ns"),
                "%.3f" % ratio if ratio is not None else "", "%.2f" % share if share is not None else ""))
        md.append("")

    tp = [o for o in results if o.get("bench") == "throughput" and o.get("round") == "median"]
    if tp:
        md.append("## One-way throughput, C to C, consumer reads every byte (median of rounds)")
        md.append("")
        md.append("| payload | transport | msg/s | GB/s | msg/s, lowest and highest round | Tachyon / bare ring | ring "
                  "| consumer | CPU share prod/cons | checksum |")
        md.append("|---|---|---|---|---|---|---|---|---|---|")
        for o in sorted(tp, key=lambda o: (o["payload"], o["transport"] != "tachyon")):
            ratio = o.get("ratio_to_bare_ring")
            md.append("| %s B | %s | %s | %s | %s .. %s | %s | %s KiB | %s | %.2f / %.2f | %s |" % (
                o["payload"], o["transport"], fmt(o.get("msgs_per_s"), "rate"), fmt(o.get("gbytes_per_s"), "gb"),
                fmt(o.get("min_msgs_per_s"), "rate"), fmt(o.get("max_msgs_per_s"), "rate"),
                "%.2fx" % ratio if ratio else "", o.get("ring", 0) // 1024, o.get("consumer", "?"),
                o.get("cpu_share_producer", -1), o.get("cpu_share_consumer", -1),
                "ok" if o.get("verified") else "MISMATCH"))
        md.append("")

    py = [o for o in results if o.get("bench") in ("py_producer", "py_consumer")
          and o.get("round") == "median"]
    if py:
        md.append("## Python (median of rounds)")
        md.append("")
        md.append("| bench | transport | payload | msg/s | GB/s | ratio |")
        md.append("|---|---|---|---|---|---|")
        for o in py:
            ratio = o.get("ratio_to_hand_written")
            md.append("| %s | %s | %s | %s | %s | %s |" % (
                o["bench"], o["transport"], o.get("payload"), fmt(o.get("msgs_per_s"), "rate"),
                fmt(o.get("gbytes_per_s"), "gb"), "%.2fx hand-written" % ratio if ratio is not None else ""))
        md.append("")

    md += langs_table(results)

    topo = [o for o in results if o.get("bench") in ("fanout", "fanin") and o.get("round") == "median"]
    if topo:
        md.append("## Fan-out and fan-in, 32 B, next to N independent SPSC buses (median of rounds, same run)")
        md.append("")
        md.append("| bench | N | transport | msg/s | / SPSC x N | producer ns/msg | RTT to slowest p50 | p99 |")
        md.append("|---|---|---|---|---|---|---|---|")
        for o in sorted(topo, key=lambda o: (o["bench"], o.get("subscribers", o.get("producers")),
                                             o["transport"] != "tachyon")):
            md.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
                o["bench"], o.get("subscribers", o.get("producers")), o["transport"],
                fmt(o.get("msgs_per_s"), "rate"), "%.2fx" % o["ratio_to_spsc"] if "ratio_to_spsc" in o else "",
                "%.1f" % o["producer_ns_per_msg"] if "producer_ns_per_msg" in o else "",
                "%.0f ns" % o["rtt_slowest_p50_ns"] if "rtt_slowest_p50_ns" in o else "",
                "%.0f ns" % o["rtt_slowest_p99_ns"] if "rtt_slowest_p99_ns" in o else ""))
        md.append("")

    rpc = find(results, bench="rpc", round="median")
    piped = find(results, bench="rpc_pipelined", round="median")
    if rpc:
        md.append("## RPC, empty call, two processes (median of rounds, run in the ping-pong rounds)")
        md.append("")
        md.append("| bench | p50 | p90 | p99 | p99.9 | p50 / bus ping-pong p50, same round | calls/s |")
        md.append("|---|---|---|---|---|---|---|")
        md.append("| rpc (one call at a time) | %s | %s | %s | %s | %s | |" % (
            fmt(rpc.get("p50_ns"), "ns"), fmt(rpc.get("p90_ns"), "ns"), fmt(rpc.get("p99_ns"), "ns"),
            fmt(rpc.get("p999_ns"), "ns"),
            fmt(rpc.get("ratio_to_pingpong_tachyon"), "x")))
        if piped:
            md.append("| rpc_pipelined (%s in flight) | | | | | | %s |" % (
                piped.get("inflight"), fmt(piped.get("calls_per_s"), "rate")))
        md.append("")

    bridge = [o for o in results if o.get("bench") == "bridge" and o.get("round") == "median"]
    if bridge:
        md.append("## NATS bridge, C producer -> bridge out -> nats-server -> bridge in -> C consumer "
                  "(bench/bridge_bench.c, median of rounds)")
        md.append("")
        md.append("| mode | payload | transport | msg/s | p50 latency | p99 latency | lost | bridge / nats-client |")
        md.append("|---|---|---|---|---|---|---|---|")
        for o in sorted(bridge, key=lambda o: (o.get("mode") != "core", o.get("payload"),
                                               o.get("transport") != "tachyon-bridge")):
            md.append("| %s | %s | %s | %s | %.0f us | %.0f us | %s | %s |" % (
                o.get("mode"), o.get("payload"), o.get("transport"), fmt(o.get("msgs_per_s"), "rate"),
                (o.get("p50_ns") or 0) / 1e3, (o.get("p99_ns") or 0) / 1e3, o.get("lost"),
                fmt(o.get("ratio_vs_nats_client"), "x") if "ratio_vs_nats_client" in o else ""))
        md.append("")

    tc = find(results, bench="tachc")
    if tc:
        md.append("## tachc")
        md.append("")
        md.append("%d-type schema (%d KiB) to C, Rust, Python and Go: %.3f s wall (median of %s), %.3f s of CPU "
                  "(user + system, the four emitters run in parallel threads); %d files, %.0f MB." % (
                      tc["types"], tc["schema_bytes"] // 1024, tc["seconds"],
                      ", ".join("%.3f" % t for t in tc["runs_s"]), tc.get("cpu_seconds", 0), tc["files"],
                      tc["output_bytes"] / 1e6))
        md.append("")

    # targets
    rows = []
    tach = find(results, bench="pingpong", transport="tachyon", round="median") or {}
    r_floor = tach.get("ratio_to_floor")
    r_uds = tach.get("ratio_to_uds")
    text = fmt(r_floor, "x")
    if r_floor is not None:
        text += " (%.1f / %.1f ns; trimmed means: %s)" % (
            tach.get("p50_ns", 0), (find(results, bench="pingpong", transport="floor", round="median") or {}).get(
                "p50_ns", 0), fmt(tach.get("tmean_ratio_to_floor"), "x"))
        ex = find(results, bench="pingpong", transport="c_pingpong:tachyon", round="median") or {}
        if ex.get("ratio_to_c_pingpong_floor"):
            text += "; examples/c_pingpong: %s" % fmt(ex["ratio_to_c_pingpong_floor"], "x")
    rows.append(("RTT p50 / cache-line floor", "<= 1.3x", text,
                 verdict(None if r_floor is None else r_floor <= TARGETS["rtt_ratio_to_floor"])))
    x_uds = 1 / r_uds if r_uds else None
    rows.append(("UDS p50 / RTT p50", ">= 100x", fmt(x_uds, "x"),
                 verdict(None if x_uds is None else x_uds >= TARGETS["rtt_x_faster_than_uds"])))
    t32 = find(results, bench="throughput", transport="tachyon", payload=32, round="median") or {}
    t1k = find(results, bench="throughput", transport="tachyon", payload=1024, round="median") or {}
    v = t32.get("msgs_per_s")
    rows.append(("32 B throughput", ">= 25 M msg/s", fmt(v, "rate") + " msg/s" if v else "-",
                 verdict(None if v is None else v >= TARGETS["tp_32_msgs_per_s"])))
    v = t1k.get("gbytes_per_s")
    rows.append(("1 KiB throughput, every byte read", ">= 2 GB/s", fmt(v, "gb") + " GB/s" if v else "-",
                 verdict(None if v is None else v >= TARGETS["tp_1k_gbytes_per_s"])))
    typed = find(results, bench="py_producer", transport="generated", round="median") or {}
    batch = find(results, bench="py_producer", transport="batch", round="median") or {}
    v = typed.get("ratio_to_hand_written")
    rows.append(("Python generated producer / hand-written", ">= 1x", fmt(v, "x"),
                 verdict(None if v is None else v >= TARGETS["py_typed_vs_hand"])))
    v = batch.get("ratio_to_hand_written")
    rows.append(("Python batch producer / hand-written", ">= 3x", fmt(v, "x"),
                 verdict(None if v is None else v >= TARGETS["py_batch_vs_hand"])))
    view = (find(results, bench="py_consumer", transport="dlpack-view", round="median") or {}).get("gbytes_per_s")
    dsum = (find(results, bench="py_consumer", transport="dlpack-sum", round="median") or {}).get("gbytes_per_s")
    bsum = (find(results, bench="py_consumer", transport="numpy-batch-sum", round="median") or {}).get("gbytes_per_s")
    arr = (find(results, bench="py_consumer", transport="array-view", round="median") or {}).get("gbytes_per_s")
    asum = (find(results, bench="py_consumer", transport="array-sum", round="median") or {}).get("gbytes_per_s")
    best = max([v for v in (view, arr) if v is not None], default=None)
    text = "-"
    if best is not None:
        text = ("one frame at a time, unread: %s GB/s with `bus.arrays()`, %s GB/s through DLPack "
                "(`numpy.from_dlpack`); every byte summed: %s and %s GB/s per frame, %s GB/s batched" % (
                    fmt(arr, "gb"), fmt(view, "gb"), fmt(asum, "gb"), fmt(dsum, "gb"), fmt(bsum, "gb")))
    rows.append(("1 KiB frames into Python (NumPy, per frame)", ">= 1 GB/s", text,
                 verdict(None if best is None else best >= TARGETS["py_dlpack_gbytes_per_s"])))
    v = tc.get("seconds") if tc else None
    rows.append(("tachc, 10,000 types, 4 languages", "< 1 s", "%.3f s" % v if v is not None else "-",
                 verdict(None if v is None else v < TARGETS["tachc_seconds"])))
    v = rpc.get("ratio_to_pingpong_tachyon") if rpc else None
    rows.append(("RPC empty call p50 / bus ping-pong p50 (issue 18)", "<= 1.5x", fmt(v, "x"),
                 verdict(None if v is None else v <= GOALS["rpc_p50_over_pingpong"])))
    fanin = [o for o in topo if o["bench"] == "fanin" and o["transport"] == "tachyon" and "ratio_to_spsc" in o]
    if fanin:
        worst = min(fanin, key=lambda o: o["ratio_to_spsc"])
        rows.append(("fan-in total / N SPSC buses, N = %s (issue 19)" % ", ".join(
                     str(o.get("producers")) for o in sorted(fanin, key=lambda o: o.get("producers"))), ">= 0.8x",
                     ", ".join("%.2fx" % o["ratio_to_spsc"] for o in sorted(fanin, key=lambda o: o.get("producers"))),
                     verdict(worst["ratio_to_spsc"] >= GOALS["fanin_over_spsc"])))
    br = [o for o in bridge if "ratio_vs_nats_client" in o]
    if br:
        rows.append(("bridge msg/s / plain libnats pair (issue 21)", ">= 0.8x", ", ".join(
            "%s %s B %.2fx" % (o.get("mode"), o.get("payload"), o["ratio_vs_nats_client"]) for o in br),
            verdict(min(o["ratio_vs_nats_client"] for o in br) >= GOALS["bridge_over_nats_client"])))
    md.append("## Targets (DESIGN.md section 7, then the goals of later issues)")
    md.append("")
    md.append("| figure | target | this run | |")
    md.append("|---|---|---|---|")
    for row in rows:
        md.append("| %s | %s | %s | %s |" % row)
    md.append("")
    md.append("Reference system (i7-12650H, pinned cores): p50 RTT %.1f ns; Python producer %.2f M msg/s; "
              "1 KiB frames into Python %.2f GB/s; Python to Rust %.3f M msg/s." % (
                  REFERENCE["rtt_p50_ns"], REFERENCE["py_producer_msgs_per_s"] / 1e6,
                  REFERENCE["py_dlpack_gbytes_per_s"], REFERENCE["python_to_rust_msgs_per_s"] / 1e6))
    busy = [o for o in results if o.get("round") != "median" and o.get("cpu_share") is not None]
    busy += [dict(o, cpu_share=min(o["cpu_share_consumer"], 1.0)) for o in results
             if o.get("bench") == "throughput" and o.get("round") != "median" and "cpu_share_consumer" in o]
    starved = [o for o in busy if o["cpu_share"] < 0.9]
    if starved:
        notes.insert(0, "The machine was shared: in %d of %d busy-polling runs one of the two processes got less "
                        "than 90%% of its CPU (lowest %.0f%%); those runs measure the other load as much as Tachyon. "
                        "Ratios within a round (same load) hold up better than absolute figures." % (
                            len(starved), len(busy), 100 * min(o["cpu_share"] for o in starved)))
    if notes:
        md.append("")
        md.append("## Notes")
        md.append("")
        for n in notes:
            md.append("- " + n)
    return "\n".join(md) + "\n"


# ---- plot ------------------------------------------------------------------------------------------------------

def load_cdf(cdf_path):
    curves = {}
    try:
        with open(cdf_path) as f:
            for line in f:
                o = json.loads(line)
                curves.setdefault((o["bench"], o["transport"]), []).append(o["quantiles_ns"])
    except (OSError, ValueError):
        return {}
    merged = {}
    for key, rounds in curves.items():
        merged[key] = [statistics.median(col) for col in zip(*rounds)]  # median over rounds, per quantile
    return merged


def plot(cdf_path, png_path, machine):
    curves = load_cdf(cdf_path)
    if not curves:
        return None
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        svg_path = os.path.splitext(png_path)[0] + ".svg"
        write_svg(curves, svg_path, machine)
        return svg_path
    fig, axes = plt.subplots(1, 3, figsize=(17, 5.2), gridspec_kw={"width_ratios": [3, 2, 2]})
    styles = {"floor": ("black", "--"), "ring-floor": ("gray", ":"), "tachyon": ("tab:red", "-"),
              "tachyon-poll": ("tab:orange", "-"),
              "uds": ("tab:blue", "-"), "pipe": ("tab:green", "-"), "zmq": ("tab:purple", "-"),
              "tachyon-futex": ("tab:red", "-"), "eventfd": ("tab:blue", "-")}
    for ax, bench, title in ((axes[0], "pingpong", "Ping-pong round trip, 32 B, busy-polling"),
                             (axes[1], "wakeup", "Round trip through a sleeping peer")):
        order = ["floor", "ring-floor", "tachyon", "tachyon-poll", "c_pingpong:floor", "c_pingpong:tachyon", "uds",
                 "pipe", "zmq",
                 "tachyon-futex", "eventfd"]
        for (b, transport), q in sorted(curves.items(), key=lambda kv: order.index(kv[0][1])
                                        if kv[0][1] in order else len(order)):
            if b != bench:
                continue
            color, ls = styles.get(transport, (None, "-"))
            levels = [i / (len(q) - 1) for i in range(len(q))]
            p50 = q[len(q) // 2]
            width = 1.8 if "tachyon" in transport else 1.2
            ax.step(q, levels, where="post", color=color, linestyle=ls, linewidth=width,
                    label="%s (p50 %s ns)" % (transport, "%.0f" % p50))
        ax.set_xscale("log")
        ax.set_ylim(0, 1.0)
        ax.set_xlabel("round-trip time (ns, log scale)")
        ax.set_ylabel("fraction of round trips at or below")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
    # the busy-polling transports again, on a linear scale up to their p99
    zoom = axes[2]
    top = 0.0
    for transport in ("floor", "ring-floor", "tachyon", "tachyon-poll"):
        q = curves.get(("pingpong", transport))
        if not q:
            continue
        color, ls = styles.get(transport, (None, "-"))
        levels = [i / (len(q) - 1) for i in range(len(q))]
        top = max(top, q[int(0.99 * (len(q) - 1))])
        zoom.step(q, levels, where="post", color=color, linestyle=ls, linewidth=1.8 if "tachyon" in transport else 1.2,
                  label="%s (p50 %.0f ns)" % (transport, q[len(q) // 2]))
    zoom.set_xlim(0, top * 1.1 if top else 1000)
    zoom.set_ylim(0, 1.0)
    zoom.set_xlabel("round-trip time (ns, linear, up to p99)")
    zoom.set_title("Busy-polling, close up")
    zoom.grid(True, alpha=0.3)
    zoom.legend(loc="lower right", fontsize=8)
    fig.suptitle("Tachyon RTT distribution vs baselines (each quantile: median over rounds): %s, %s CPUs, "
                 "kernel %s (%s)" % (machine.get("cpu_model", "?"), machine["nproc"], machine["kernel"],
                                     machine["date"][:10]), fontsize=10)
    fig.tight_layout()
    fig.savefig(png_path, dpi=110)
    plt.close(fig)
    return png_path


def write_svg(curves, path, machine):
    """A plain SVG CDF for when matplotlib is missing: log-x axis, one polyline per transport."""
    import math
    w, h, left, bottom, top, right = 900, 480, 70, 50, 40, 220
    values = [v for q in curves.values() for v in q if v > 0]
    lo, hi = math.log10(max(min(values), 1.0)), math.log10(max(values))
    hi = max(hi, lo + 1)

    def x(v):
        return left + (math.log10(max(v, 1.0)) - lo) / (hi - lo) * (w - left - right)

    def y(f):
        return h - bottom - f * (h - bottom - top)

    colors = ["#d62728", "#000000", "#808080", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" '
             'font-size="12"><rect width="100%%" height="100%%" fill="white"/>' % (w, h),
             '<text x="%d" y="20">Tachyon RTT CDF vs baselines (%s, %s CPUs)</text>' % (
                 left, machine.get("cpu_model", "?"), machine["nproc"])]
    for d in range(int(math.ceil(lo)), int(math.floor(hi)) + 1):
        parts.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>' % (x(10 ** d), top, x(10 ** d),
                                                                                  h - bottom))
        parts.append('<text x="%.1f" y="%d" text-anchor="middle">1e%d ns</text>' % (x(10 ** d), h - bottom + 18, d))
    for f in (0, 0.5, 0.9, 1.0):
        parts.append('<text x="%d" y="%.1f" text-anchor="end">%.1f</text>' % (left - 6, y(f) + 4, f))
    for i, ((bench, transport), q) in enumerate(sorted(curves.items())):
        color = colors[i % len(colors)]
        pts = " ".join("%.1f,%.1f" % (x(v), y(k / (len(q) - 1))) for k, v in enumerate(q))
        parts.append('<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>' % (color, pts))
        parts.append('<text x="%d" y="%d" fill="%s">%s/%s p50 %.0f ns</text>' % (
            w - right + 10, top + 16 * (i + 1), color, bench, transport, q[len(q) // 2]))
    parts.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(parts))


# ---- main ------------------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--samples", type=lambda s: int(float(s)), default=100000,
                    help="round trips per round for floor, ring floor and Tachyon (default 100000)")
    ap.add_argument("--slow-samples", type=lambda s: int(float(s)), default=None,
                    help="round trips per round for transports that make syscalls (default samples/20)")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds of the RTT bench (default 5)")
    ap.add_argument("--seconds", type=float, default=0.3, help="seconds per throughput run (default 0.3)")
    ap.add_argument("--cpus", default="0,1", help="the two CPUs to pin the two processes to")
    ap.add_argument("--types", type=int, default=10000, help="types in the tachc schema (default 10000)")
    ap.add_argument("--only", default=",".join(SECTIONS), help="sections to run: " + ",".join(SECTIONS))
    ap.add_argument("--quick", action="store_true", help="fewer samples and rounds: a smoke run")
    ap.add_argument("--no-save", action="store_true", help="print the summary, write nothing under bench/results")
    ap.add_argument("--out-dir", default=os.path.join(BENCH, "results"))
    ap.add_argument("--bridge-rows", default=None,
                    help="JSON lines of bench/bridge_bench from the same `make bench` (make bench-bridge writes "
                         "build/bench/bridge.jsonl): added to the results file and summary")
    args = ap.parse_args()
    if args.quick:
        args.samples = min(args.samples, 20000)
        args.rounds = min(args.rounds, 3)
        args.seconds = min(args.seconds, 0.1)
    if args.slow_samples is None:
        args.slow_samples = max(args.samples // 20, 1)
    args.rounds_tp = args.rounds
    args.rounds_py = max(3, min(args.rounds, 5))
    build = os.path.abspath(args.build)
    sections = [s for s in args.only.split(",") if s]
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        ap.error("unknown section(s): " + ",".join(unknown))

    ncpu = os.cpu_count() or 1
    a, _, b = args.cpus.partition(",")
    if max(int(a), int(b)) >= ncpu:
        log("only %d CPU(s): running unpinned" % ncpu)
        args.cpus = "-1,-1"

    machine = machine_info(args)
    results, notes = [], []
    if ncpu < 2:
        notes.append("one CPU only: ping-pong and throughput figures measure time-slicing, not IPC")
    started = time.monotonic()
    tmpdir = tempfile.mkdtemp(prefix="tachyon-bench-")
    cdf_path = os.path.join(tmpdir, "cdf.jsonl")
    try:
        for section in sections:
            t0 = time.monotonic()
            log("running %s" % section)
            if section == "rtt":
                section_rtt(args, build, results, notes, cdf_path)
            elif section == "throughput":
                section_throughput(args, build, results, notes)
            elif section == "python":
                section_python(args, build, results, notes)
            elif section == "langs":
                section_langs(args, build, results, notes)
            elif section == "tachc":
                section_tachc(args, build, results, notes)
            elif section == "topology":
                section_topology(args, build, results, notes)
            log("%s took %.1f s" % (section, time.monotonic() - t0))
        if args.bridge_rows:
            section_bridge(args.bridge_rows, results, notes)
        machine["loadavg_end"] = os.getloadavg()[0]
        machine["seconds"] = round(time.monotonic() - started, 1)
        summary = summarise(machine, results, notes)
        print(summary)
        if not args.no_save:
            os.makedirs(args.out_dir, exist_ok=True)
            stem = os.path.join(args.out_dir, "%s-%s" % (machine["date"][:10], machine["host"]))
            with open(stem + ".jsonl", "w") as f:
                for o in [machine] + results:
                    f.write(json.dumps(o, sort_keys=False) + "\n")
            with open(stem + ".md", "w") as f:
                f.write(summary)
            shown = plot(cdf_path, stem + "-rtt-cdf.png", machine) if os.path.exists(cdf_path) else None
            print("saved %s.jsonl, %s.md%s" % (os.path.relpath(stem, ROOT), os.path.relpath(stem, ROOT),
                                               ", " + os.path.relpath(shown, ROOT) if shown else ""))
        print("total %.1f s" % (time.monotonic() - started))
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
