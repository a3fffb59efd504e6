//! iox2-bench: iceoryx2 (the crate, publish-subscribe over shared memory) as
//! an optional peer in `make bench`, measured the way bench/rtt and
//! bench/throughput measure Tachyon: two processes pinned to two CPUs.
//!
//!   iox2-bench pingpong   --size 32|1024 --samples N --cpus A,B [--round R]
//!   iox2-bench throughput --size 32|1024 --seconds S --cpus A,B [--round R]
//!
//! Each prints one JSON line, {"bench":"pingpong","transport":"iceoryx2",...}
//! or {"bench":"throughput","transport":"iceoryx2",...}. The second process is
//! this program started again with a hidden role (`pong`, `publish`).
//!
//! Every message is counted. iceoryx2 drops a sample published before the
//! subscriber connected (history 0), so neither side trusts the start:
//! - ping-pong: the initiator sends hello samples (sequence 0) until one comes
//!   back through both services; only then does it time sequences 1..N, and it
//!   checks that each reply carries the sequence it sent;
//! - throughput: the publisher waits until a subscriber is connected, then
//!   requires every send to reach exactly one subscriber (no overflow, and the
//!   backpressure strategy retries until delivered), and ends with a marker
//!   carrying its count; the subscriber checks every sequence number in order
//!   and that count.
//!
//! Both sides busy-poll (no listener/notifier wake-ups), as Tachyon's
//! spin-waiting rows do.

use core::time::Duration;
use iceoryx2::port::backpressure_strategy::BackpressureStrategy;
use iceoryx2::prelude::*;
use std::process::{Child, Command};
use std::time::Instant;

const HELLO: u64 = 0;
const END: u64 = u64::MAX;

struct Args {
    mode: String,
    size: usize,
    samples: u64,
    seconds: f64,
    cpus: (usize, usize),
    round: String,
    name: String,
    cpu: usize,
}

fn die(msg: &str) -> ! {
    eprintln!("iox2-bench: {msg}");
    std::process::exit(1);
}

fn parse() -> Args {
    let argv: Vec<String> = std::env::args().collect();
    if argv.len() < 2 {
        eprintln!("usage: iox2-bench pingpong|throughput --size 32|1024 [--samples N] [--seconds S] --cpus A,B [--round R]");
        std::process::exit(2);
    }
    let mut a = Args {
        mode: argv[1].clone(),
        size: 32,
        samples: 100_000,
        seconds: 1.0,
        cpus: (0, 1),
        round: "1".into(),
        name: String::new(),
        cpu: 0,
    };
    let mut i = 2;
    while i < argv.len() {
        let v = argv.get(i + 1).unwrap_or_else(|| die(&format!("{} needs a value", argv[i])));
        match argv[i].as_str() {
            "--size" => a.size = v.parse().unwrap_or_else(|_| die("bad --size")),
            "--samples" => a.samples = v.parse::<f64>().unwrap_or_else(|_| die("bad --samples")) as u64,
            "--seconds" => a.seconds = v.parse().unwrap_or_else(|_| die("bad --seconds")),
            "--round" => a.round = v.clone(),
            "--name" => a.name = v.clone(),
            "--cpu" => a.cpu = v.parse().unwrap_or_else(|_| die("bad --cpu")),
            "--cpus" => {
                let (x, y) = v.split_once(',').unwrap_or_else(|| die("--cpus wants A,B"));
                a.cpus = (
                    x.parse().unwrap_or_else(|_| die("bad --cpus")),
                    y.parse().unwrap_or_else(|_| die("bad --cpus")),
                );
            }
            other => die(&format!("unknown option {other}")),
        }
        i += 2;
    }
    if a.size != 32 && a.size != 1024 {
        die("--size must be 32 or 1024");
    }
    if a.samples == 0 {
        die("--samples must be positive");
    }
    a
}

fn pin(cpu: usize) {
    // SAFETY: a zeroed cpu_set_t is a valid empty set; CPU_SET stays in bounds
    // for any cpu below CPU_SETSIZE, which the check makes sure of.
    unsafe {
        if cpu >= libc::CPU_SETSIZE as usize {
            die("cpu number too large");
        }
        let mut set: libc::cpu_set_t = core::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        if libc::sched_setaffinity(0, core::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
            die(&format!("cannot pin to CPU {cpu}"));
        }
    }
}

fn node() -> Node<ipc::Service> {
    NodeBuilder::new()
        .signal_handling_mode(SignalHandlingMode::Disabled)
        .create::<ipc::Service>()
        .unwrap_or_else(|e| die(&format!("node: {e:?}")))
}

/// The service `name`, created by whichever side comes first; both sides ask
/// for the same settings. Retried briefly: the other side may be creating it.
fn service<const N: usize>(
    node: &Node<ipc::Service>,
    name: &str,
    buffer: usize,
) -> iceoryx2::service::port_factory::publish_subscribe::PortFactory<ipc::Service, [u8; N], ()> {
    let sname: ServiceName = name.try_into().unwrap_or_else(|e| die(&format!("service name: {e:?}")));
    let mut last = String::new();
    for _ in 0..2000 {
        match node
            .service_builder(&sname)
            .publish_subscribe::<[u8; N]>()
            .history_size(0)
            .subscriber_max_buffer_size(buffer)
            .enable_safe_overflow(false)
            .max_publishers(1)
            .max_subscribers(1)
            .open_or_create()
        {
            Ok(s) => return s,
            Err(e) => last = format!("{e:?}"),
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    die(&format!("service {name}: {last}"))
}

fn put_seq<const N: usize>(buf: &mut [u8; N], seq: u64) {
    buf[..8].copy_from_slice(&seq.to_le_bytes());
    buf[N - 8..].copy_from_slice(&seq.to_le_bytes());
}

fn get_seq<const N: usize>(buf: &[u8; N]) -> u64 {
    let a = u64::from_le_bytes(buf[..8].try_into().unwrap());
    let b = u64::from_le_bytes(buf[N - 8..].try_into().unwrap());
    if a != b {
        die("a sample's two sequence copies differ");
    }
    a
}

fn spawn(role: &str, a: &Args, name: &str) -> Child {
    let exe = std::env::current_exe().unwrap_or_else(|e| die(&format!("current_exe: {e}")));
    Command::new(exe)
        .args([
            role,
            "--size",
            &a.size.to_string(),
            "--samples",
            &a.samples.to_string(),
            "--seconds",
            &a.seconds.to_string(),
            "--name",
            name,
            "--cpu",
            &a.cpus.1.to_string(),
        ])
        .spawn()
        .unwrap_or_else(|e| die(&format!("spawn: {e}")))
}

fn finish(mut child: Child) {
    match child.wait() {
        Ok(s) if s.success() => {}
        Ok(s) => die(&format!("the peer process failed: {s}")),
        Err(e) => die(&format!("wait: {e}")),
    }
}

// ---- ping-pong -------------------------------------------------------------------------

fn pong<const N: usize>(a: &Args) {
    pin(a.cpu);
    let node = node();
    let ping = service::<N>(&node, &format!("{}/ping", a.name), 4);
    let pong = service::<N>(&node, &format!("{}/pong", a.name), 4);
    let sub = ping.subscriber_builder().create().unwrap_or_else(|e| die(&format!("subscriber: {e:?}")));
    let publ = pong
        .publisher_builder()
        .backpressure_strategy(BackpressureStrategy::RetryUntilDelivered)
        .create()
        .unwrap_or_else(|e| die(&format!("publisher: {e:?}")));
    loop {
        let Some(s) = sub.receive().unwrap_or_else(|e| die(&format!("receive: {e:?}"))) else {
            continue;
        };
        let seq = get_seq(s.payload());
        let mut out = publ.loan_uninit().unwrap_or_else(|e| die(&format!("loan: {e:?}")));
        out.payload_mut().write(*s.payload());
        // SAFETY: the whole payload was written just above.
        let out = unsafe { out.assume_init() };
        drop(s);
        out.send().unwrap_or_else(|e| die(&format!("send: {e:?}")));
        if seq == a.samples {
            break;
        }
    }
}

fn pingpong<const N: usize>(a: &Args) {
    let name = format!("tachyon-bench/iox2-{}-{}", std::process::id(), a.round);
    let child = spawn("pong", a, &name);
    pin(a.cpus.0);
    let node = node();
    let ping = service::<N>(&node, &format!("{name}/ping"), 4);
    let pong = service::<N>(&node, &format!("{name}/pong"), 4);
    let sub = pong.subscriber_builder().create().unwrap_or_else(|e| die(&format!("subscriber: {e:?}")));
    let publ = ping
        .publisher_builder()
        .backpressure_strategy(BackpressureStrategy::RetryUntilDelivered)
        .create()
        .unwrap_or_else(|e| die(&format!("publisher: {e:?}")));
    let mut msg = [0u8; N];
    for (i, b) in msg.iter_mut().enumerate() {
        *b = i as u8;
    }
    // Hello until one comes back: both services are connected both ways.
    let t0 = Instant::now();
    'hello: loop {
        put_seq(&mut msg, HELLO);
        publ.send_copy(msg).unwrap_or_else(|e| die(&format!("send: {e:?}")));
        let sent = Instant::now();
        while sent.elapsed() < Duration::from_millis(1) {
            if let Some(s) = sub.receive().unwrap_or_else(|e| die(&format!("receive: {e:?}"))) {
                if get_seq(s.payload()) == HELLO {
                    break 'hello;
                }
            }
        }
        if t0.elapsed() > Duration::from_secs(20) {
            die("the pong process never answered");
        }
    }
    let warm = (a.samples / 10).min(10_000);
    let total = a.samples;
    let mut ns: Vec<u64> = Vec::with_capacity(total as usize);
    for seq in 1..=total {
        put_seq(&mut msg, seq);
        let t = Instant::now();
        let mut out = publ.loan_uninit().unwrap_or_else(|e| die(&format!("loan: {e:?}")));
        out.payload_mut().write(msg);
        // SAFETY: the whole payload was written just above.
        let out = unsafe { out.assume_init() };
        out.send().unwrap_or_else(|e| die(&format!("send: {e:?}")));
        loop {
            if let Some(s) = sub.receive().unwrap_or_else(|e| die(&format!("receive: {e:?}"))) {
                let got = get_seq(s.payload());
                if got == seq {
                    break;
                }
                if got != HELLO {
                    die(&format!("reply {got} to message {seq}"));
                }
            }
        }
        let d = t.elapsed().as_nanos() as u64;
        if seq > warm {
            ns.push(d);
        }
    }
    finish(child);
    ns.sort_unstable();
    let q = |p: f64| -> f64 {
        let rank = (p * ns.len() as f64).ceil() as usize;
        ns[rank.max(1).min(ns.len()) - 1] as f64
    };
    let p50 = q(0.5);
    let over = ns.iter().filter(|&&v| v as f64 > 2.0 * p50).count() as f64 / ns.len() as f64;
    let mean = ns.iter().map(|&v| v as f64).sum::<f64>() / ns.len() as f64;
    println!(
        "{{\"bench\":\"pingpong\",\"transport\":\"iceoryx2\",\"payload\":{},\"samples\":{},\"min_ns\":{:.1},\
\"p50_ns\":{:.1},\"p90_ns\":{:.1},\"p99_ns\":{:.1},\"p999_ns\":{:.1},\"p9999_ns\":{:.1},\"max_ns\":{:.1},\
\"mean_ns\":{:.1},\"over_2x_p50\":{:.5},\"round\":{},\"cpus\":[{},{}],\"crate\":\"iceoryx2 0.10.0\"}}",
        N,
        ns.len(),
        q(0.0),
        p50,
        q(0.9),
        q(0.99),
        q(0.999),
        q(0.9999),
        q(1.0),
        mean,
        over,
        a.round,
        a.cpus.0,
        a.cpus.1
    );
}

// ---- throughput ------------------------------------------------------------------------

fn publish<const N: usize>(a: &Args) {
    pin(a.cpu);
    let node = node();
    let svc = service::<N>(&node, &a.name, 256);
    let publ = svc
        .publisher_builder()
        .backpressure_strategy(BackpressureStrategy::RetryUntilDelivered)
        .create()
        .unwrap_or_else(|e| die(&format!("publisher: {e:?}")));
    let t0 = Instant::now();
    while svc.dynamic_config().number_of_subscribers() == 0 {
        if t0.elapsed() > Duration::from_secs(20) {
            die("no subscriber connected");
        }
        std::thread::sleep(Duration::from_micros(100));
    }
    let start = Instant::now();
    let limit = Duration::from_secs_f64(a.seconds);
    let mut seq: u64 = 0;
    let mut msg = [0u8; N];
    loop {
        // the clock is read once per 1024 messages, as bench/throughput does
        if seq % 1024 == 0 && start.elapsed() >= limit {
            break;
        }
        seq += 1;
        put_seq(&mut msg, seq);
        // A send that finds the subscriber's buffer full reaches nobody (it
        // returns 0): send the same message again until it is delivered. A
        // sample delivered twice would show up as a repeated sequence number,
        // which the subscriber refuses.
        loop {
            let mut out = publ.loan_uninit().unwrap_or_else(|e| die(&format!("loan: {e:?}")));
            out.payload_mut().write(msg);
            // SAFETY: the whole payload was written just above.
            let out = unsafe { out.assume_init() };
            match out.send().unwrap_or_else(|e| die(&format!("send: {e:?}"))) {
                1 => break,
                0 => core::hint::spin_loop(),
                n => die(&format!("message {seq} reached {n} subscribers, not 1")),
            }
        }
    }
    put_seq(&mut msg, END);
    msg[8..16].copy_from_slice(&seq.to_le_bytes());
    if publ.send_copy(msg).unwrap_or_else(|e| die(&format!("send: {e:?}"))) != 1 {
        die("the end marker was not delivered");
    }
}

fn throughput<const N: usize>(a: &Args) {
    let name = format!("tachyon-bench/iox2-tp-{}-{}", std::process::id(), a.round);
    pin(a.cpus.0);
    let node = node();
    let svc = service::<N>(&node, &name, 256);
    let sub = svc.subscriber_builder().create().unwrap_or_else(|e| die(&format!("subscriber: {e:?}")));
    let child = spawn("publish", a, &name);
    let mut expect: u64 = 1;
    let mut first: Option<Instant> = None;
    let mut checksum: u64 = 0;
    let mut child = child;
    let mut idle: u64 = 0;
    let sent = loop {
        let Some(s) = sub.receive().unwrap_or_else(|e| die(&format!("receive: {e:?}"))) else {
            idle += 1;
            if idle % (1 << 20) == 0 {
                if let Ok(Some(st)) = child.try_wait() {
                    die(&format!("the publisher ended ({st}) before its end marker arrived"));
                }
            }
            continue;
        };
        let p = s.payload();
        let seq = get_seq(p);
        if seq == END {
            break u64::from_le_bytes(p[8..16].try_into().unwrap());
        }
        if seq != expect {
            die(&format!("message {seq} arrived where {expect} was due: a sample was lost"));
        }
        if first.is_none() {
            first = Some(Instant::now());
        }
        checksum = checksum.wrapping_add(u64::from(p[N / 2]));
        expect += 1;
    };
    let secs = first.map(|t| t.elapsed().as_secs_f64()).unwrap_or(0.0);
    finish(child);
    let got = expect - 1;
    if got != sent || got == 0 {
        die(&format!("received {got} messages, the publisher sent {sent}"));
    }
    let rate = got as f64 / secs;
    println!(
        "{{\"bench\":\"throughput\",\"transport\":\"iceoryx2\",\"payload\":{},\"msgs_per_s\":{:.0},\
\"gbytes_per_s\":{:.3},\"messages\":{},\"seconds\":{:.3},\"verified\":true,\"round\":{},\"cpus\":[{},{}],\
\"crate\":\"iceoryx2 0.10.0\",\"checksum\":{}}}",
        N,
        rate,
        rate * N as f64 / 1e9,
        got,
        secs,
        a.round,
        a.cpus.0,
        a.cpus.1,
        checksum
    );
}

fn main() {
    let a = parse();
    match (a.mode.as_str(), a.size) {
        ("pingpong", 32) => pingpong::<32>(&a),
        ("pingpong", _) => pingpong::<1024>(&a),
        ("pong", 32) => pong::<32>(&a),
        ("pong", _) => pong::<1024>(&a),
        ("throughput", 32) => throughput::<32>(&a),
        ("throughput", _) => throughput::<1024>(&a),
        ("publish", 32) => publish::<32>(&a),
        ("publish", _) => publish::<1024>(&a),
        (m, _) => die(&format!("unknown mode {m}")),
    }
}
