//! The Rust consumer of the example streams: listens, reads every message in
//! place through the tachc-generated views (decoded by type id), and checks
//! it against the deterministic stream (type, every field, order, count) until
//! End. Prints counts, a checksum, msg/s and, with clock stamps, one-way
//! latency percentiles.
//!
//! rust_consumer --socket PATH [--stream market|frames] [--count N] [--stamp index|clock] [--capacity BYTES]

use std::process;
use std::time::{Duration, Instant};

use peers::frames::{self, FRAME_SIZE};
use peers::market::{self, MARKET_TICK_SIZE};
use peers::{Args, Stream};
use tachyon_ipc::{Bus, Error, Options};

const SPIN: u32 = 20_000;

#[derive(Default)]
struct Tally {
    received: u64,
    asks: u64,
    checksum: u64,
    first: Option<Instant>,
    latency: Vec<u64>,
    /// Clock stamps never go backwards.
    last_stamp: u64,
}

/// Checks tick `i` (a Bid or Ask decoded by the generated `market::Message`).
fn check_tick(i: u64, msg: market::Message<'_>, args: &Args, t: &mut Tally) -> Result<(), String> {
    let tick = match msg {
        market::Message::Bid(tick) | market::Message::Ask(tick) => tick,
        market::Message::End => return Err(format!("tick {i}: End came early")),
    };
    let (price, quantity, stamp) = (tick.price(), tick.quantity(), tick.timestamp());
    // The symbol byte for byte, its NUL padding included (as the C consumer).
    if msg.type_id() != peers::tick_type(i)
        || tick.symbol() != peers::tick_symbol_bytes(i)
        || price != peers::tick_price(i)
        || quantity != peers::tick_quantity(i)
        || (!args.clock && stamp != peers::tick_timestamp(i))
    {
        return Err(format!(
            "tick {i} differs: got {:?} {tick:?}, expected {:?} {} {} x {} @ {}",
            market::message_name(msg.type_id()),
            market::message_name(peers::tick_type(i)),
            peers::tick_symbol(i),
            peers::tick_price(i),
            peers::tick_quantity(i),
            peers::tick_timestamp(i)
        ));
    }
    if args.clock {
        let now = peers::realtime_ns();
        if stamp < t.last_stamp || stamp > now {
            return Err(format!(
                "tick {i}: clock stamp {stamp} after {}, received at {now}",
                t.last_stamp
            ));
        }
        t.last_stamp = stamp;
        t.latency.push(now - stamp);
    }
    t.asks += u64::from(msg.type_id() == market::MSG_ASK);
    t.checksum = t.checksum.wrapping_add(u64::from(quantity)).wrapping_add((price * 4.0) as u64);
    Ok(())
}

/// Checks every sample of frame `i`.
fn check_frame(i: u64, msg: frames::Message<'_>, t: &mut Tally) -> Result<(), String> {
    let frames::Message::Frame(frame) = msg else {
        return Err(format!("frame {i}: type {} is not a Frame", msg.type_id()));
    };
    for (k, v) in frame.samples_iter().enumerate() {
        if v != peers::frame_sample(i, k) {
            return Err(format!(
                "frame {i} sample {k} is {v}, expected {}",
                peers::frame_sample(i, k)
            ));
        }
        t.checksum = t.checksum.wrapping_add(v as u64);
    }
    Ok(())
}

/// Reads until End; Ok(()) only if every message checked out.
fn receive(bus: &Bus, args: &Args, t: &mut Tally) -> Result<(), String> {
    loop {
        let rx = match bus.acquire_rx(SPIN) {
            Ok(rx) => rx,
            Err(e) => return Err(format!("after {} messages, before End: {e}", t.received)),
        };
        t.first.get_or_insert_with(Instant::now);
        let (type_id, data) = (rx.type_id, rx.data());
        let i = t.received;
        let end = match args.stream {
            Stream::Market => type_id == market::MSG_END,
            Stream::Frames => type_id == frames::MSG_END,
        };
        if end && data.is_empty() {
            return Ok(());
        }
        if i >= args.count {
            return Err(format!("more than the {} messages expected", args.count));
        }
        match args.stream {
            Stream::Market => {
                let msg =
                    market::Message::decode(type_id, data).map_err(|e| format!("tick {i}: {e}"))?;
                check_tick(i, msg, args, t)?;
            }
            Stream::Frames => {
                let msg = frames::Message::decode(type_id, data)
                    .map_err(|e| format!("frame {i}: {e}"))?;
                check_frame(i, msg, t)?;
            }
        }
        rx.commit().map_err(|e| e.to_string())?;
        t.received = i + 1;
    }
}

fn main() {
    let args = Args::parse("consumer");
    let options = Options {
        fingerprint: args.stream.fingerprint(),
        timeout: Some(Duration::from_secs(30)),
        ..Options::default()
    };
    let bus = match Bus::listen_with(&args.socket, args.capacity, options) {
        Ok(bus) => bus,
        Err(Error::SchemaMismatch) => {
            eprintln!(
                "consumer: refused the producer: schema mismatch ({})",
                Error::SchemaMismatch
            );
            process::exit(peers::EXIT_SCHEMA);
        }
        Err(e) => {
            eprintln!("consumer: listen {}: {e}", args.socket);
            process::exit(peers::EXIT_FAIL);
        }
    };
    let mut t = Tally::default();
    if args.clock {
        t.latency.reserve(args.count as usize);
    }
    let outcome = receive(&bus, &args, &mut t);
    let secs = t.first.map_or(0.0, |f| f.elapsed().as_secs_f64()).max(1e-9);
    drop(bus);
    if let Err(e) = outcome {
        eprintln!("consumer: {e}");
        process::exit(peers::EXIT_FAIL);
    }
    if t.received != args.count {
        eprintln!("consumer: End after {} messages, expected {}", t.received, args.count);
        process::exit(peers::EXIT_FAIL);
    }
    if args.quiet {
        return;
    }
    let rate = t.received as f64 / secs;
    match args.stream {
        Stream::Market => println!(
            "consumer: {} ticks ({} bid, {} ask) + End in {secs:.3} s: {:.2} M msg/s, {:.1} MB/s, checksum {:016x}",
            t.received,
            t.received - t.asks,
            t.asks,
            rate / 1e6,
            rate * MARKET_TICK_SIZE as f64 / 1e6,
            t.checksum
        ),
        Stream::Frames => println!(
            "consumer: {} frames + End in {secs:.3} s: {rate:.0} frames/s, {:.2} GB/s, checksum {:016x}",
            t.received,
            rate * FRAME_SIZE as f64 / 1e9,
            t.checksum
        ),
    }
    if !t.latency.is_empty() {
        println!("{}", peers::latency_line(&mut t.latency));
    }
    println!("consumer: OK, every field of every message checked");
}
