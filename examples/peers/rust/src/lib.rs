//! What the Rust producer and consumer share: the tachc-generated views of
//! `schemas/market.tach` and `schemas/frames.tach` (included from
//! `generated/rust`, never copied), the command line, and the deterministic
//! streams that every language generates and checks (examples/peers/README.md).

use std::process;
use std::time::{SystemTime, UNIX_EPOCH};

#[path = "../../../../generated/rust/frames.rs"]
pub mod frames;
#[path = "../../../../generated/rust/market.rs"]
pub mod market;

/// Exit statuses every peer program uses.
pub const EXIT_FAIL: i32 = 1;
pub const EXIT_USAGE: i32 = 2;
/// Refused at connect: the peers are bound to different schema fingerprints.
pub const EXIT_SCHEMA: i32 = 3;

/// Which stream to move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// MarketTick as Bid/Ask, then End (schema market).
    Market,
    /// 1 KiB Frame messages, then End (schema frames).
    Frames,
}

impl Stream {
    /// The fingerprint the bus is bound to.
    pub fn fingerprint(self) -> u64 {
        match self {
            Stream::Market => market::SCHEMA_FINGERPRINT,
            Stream::Frames => frames::SCHEMA_FINGERPRINT,
        }
    }
}

/// The shared command line.
#[derive(Clone, Debug)]
pub struct Args {
    pub socket: String,
    pub stream: Stream,
    pub count: u64,
    /// Tick timestamps are CLOCK_REALTIME ns (latency) instead of index-derived.
    pub clock: bool,
    pub capacity: usize,
    pub quiet: bool,
}

impl Args {
    /// Parses `std::env::args()`; exits with [`EXIT_USAGE`] on a bad command line.
    pub fn parse(role: &str) -> Args {
        let mut args = Args {
            socket: String::new(),
            stream: Stream::Market,
            count: 100_000,
            clock: false,
            capacity: 1 << 22,
            quiet: false,
        };
        let mut it = std::env::args().skip(1);
        while let Some(opt) = it.next() {
            if opt == "--quiet" {
                args.quiet = true;
                continue;
            }
            let val = it.next().unwrap_or_else(|| usage(role));
            match (opt.as_str(), val.as_str()) {
                ("--socket", v) => args.socket = v.to_string(),
                ("--stream", "market") => args.stream = Stream::Market,
                ("--stream", "frames") => args.stream = Stream::Frames,
                ("--stamp", "index") => args.clock = false,
                ("--stamp", "clock") => args.clock = true,
                ("--count", v) => args.count = v.parse().unwrap_or_else(|_| usage(role)),
                ("--capacity", v) => args.capacity = v.parse().unwrap_or_else(|_| usage(role)),
                _ => usage(role),
            }
        }
        if args.socket.is_empty() {
            usage(role);
        }
        args
    }
}

fn usage(role: &str) -> ! {
    eprintln!(
        "usage: rust_{role} --socket PATH [--stream market|frames] [--count N] [--stamp index|clock]{} [--quiet]",
        if role == "consumer" { " [--capacity BYTES]" } else { "" }
    );
    process::exit(EXIT_USAGE);
}

// ---- The deterministic streams (the same formulas in every language) -------

const SYMBOLS: [&str; 5] = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "DOGEUSDT", "XRP"];
const BASE_NS: u64 = 1_700_000_000_000_000_000;

/// Bid, except every third tick is an Ask.
pub fn tick_type(i: u64) -> u32 {
    if i % 3 == 2 {
        market::MSG_ASK
    } else {
        market::MSG_BID
    }
}

pub fn tick_symbol(i: u64) -> &'static str {
    SYMBOLS[(i % 5) as usize]
}

/// Each symbol as its char[8] field carries it: the text, NUL-padded.
const SYMBOL_BYTES: [[u8; 8]; 5] = {
    let mut b = [[0u8; 8]; 5];
    let mut k = 0;
    while k < 5 {
        let text = SYMBOLS[k].as_bytes();
        let mut j = 0;
        while j < text.len() {
            b[k][j] = text[j];
            j += 1;
        }
        k += 1;
    }
    b
};

/// The symbol field of tick `i` byte for byte, to compare with the field in
/// place (no UTF-8 decoding), as the C consumer does.
pub fn tick_symbol_bytes(i: u64) -> &'static [u8; 8] {
    &SYMBOL_BYTES[(i % 5) as usize]
}

pub fn tick_price(i: u64) -> f64 {
    1000.0 + (i % 1_000_003) as f64 * 0.25
}

pub fn tick_quantity(i: u64) -> u32 {
    i.wrapping_mul(2_654_435_761) as u32
}

pub fn tick_timestamp(i: u64) -> u64 {
    BASE_NS + i * 1000
}

/// Sample `k` of frame `i` (exact in f32: below 2^24).
pub fn frame_sample(i: u64, k: usize) -> f32 {
    ((i % 65536) * 256 + k as u64) as f32
}

/// CLOCK_REALTIME in nanoseconds: what tick timestamps carry across processes.
pub fn realtime_ns() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
}

/// Sorts the samples (ns) and formats their percentiles in microseconds.
pub fn latency_line(samples: &mut [u64]) -> String {
    samples.sort_unstable();
    let n = samples.len();
    let at = |q: f64| samples[((n - 1) as f64 * q) as usize] as f64 / 1000.0;
    format!(
        "one-way latency (us): p50 {:.2}  p90 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2}",
        at(0.5),
        at(0.9),
        at(0.99),
        at(0.999),
        samples[n - 1] as f64 / 1000.0
    )
}
