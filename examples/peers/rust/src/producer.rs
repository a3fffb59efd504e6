//! The Rust producer of the example streams: connects to a consumer (the
//! library waits up to CONNECT_WAIT for it to listen), writes every message in place in the ring through the
//! tachc-generated `...Mut` views, then sends End.
//!
//! rust_producer --socket PATH [--stream market|frames] [--count N] [--stamp index|clock]

use std::process;
use std::time::{Duration, Instant};

use peers::frames::{FrameMut, FRAME_SIZE};
use peers::market::{MarketTickMut, MARKET_TICK_SIZE};
use peers::{frames, market, Args, Stream};
use tachyon_ipc::{Bus, Error, Options};

const WAIT: Duration = Duration::from_secs(5);
/// How long connect waits for the consumer to listen (it may still be starting).
const CONNECT_WAIT: Duration = Duration::from_secs(10);

fn connect(path: &str, fingerprint: u64) -> Result<Bus, Error> {
    Bus::connect_with(
        path,
        Options { fingerprint, timeout: Some(CONNECT_WAIT), ..Options::default() },
    )
}

fn send_market(bus: &Bus, args: &Args) -> Result<u64, Error> {
    let mut asks = 0;
    for i in 0..args.count {
        let mut tx = bus.acquire_tx_timeout(MARKET_TICK_SIZE, WAIT)?;
        let mut tick = MarketTickMut::new(tx.array_mut().expect("reserved MARKET_TICK_SIZE bytes"));
        tick.clear(); // the padding travels as zeros
        tick.set_symbol_str(peers::tick_symbol(i)).expect("symbols fit char[8]");
        tick.set_price(peers::tick_price(i));
        tick.set_quantity(peers::tick_quantity(i));
        tick.set_timestamp(if args.clock {
            peers::realtime_ns()
        } else {
            peers::tick_timestamp(i)
        });
        let type_id = peers::tick_type(i);
        tx.commit(MARKET_TICK_SIZE, type_id)?;
        asks += u64::from(type_id == market::MSG_ASK);
    }
    bus.send_timeout(&[], market::MSG_END, WAIT)?;
    Ok(asks)
}

fn send_frames(bus: &Bus, args: &Args) -> Result<(), Error> {
    for i in 0..args.count {
        let mut tx = bus.acquire_tx_timeout(FRAME_SIZE, WAIT)?;
        let mut frame = FrameMut::new(tx.array_mut().expect("reserved FRAME_SIZE bytes"));
        frame.set_samples_array(&std::array::from_fn(|k| peers::frame_sample(i, k)));
        tx.commit(FRAME_SIZE, frames::MSG_FRAME)?;
    }
    bus.send_timeout(&[], frames::MSG_END, WAIT)
}

fn main() {
    let args = Args::parse("producer");
    let bus = match connect(&args.socket, args.stream.fingerprint()) {
        Ok(bus) => bus,
        Err(Error::SchemaMismatch) => {
            eprintln!("producer: refused at connect: schema mismatch ({})", Error::SchemaMismatch);
            process::exit(peers::EXIT_SCHEMA);
        }
        Err(e) => {
            eprintln!("producer: connect {}: {e}", args.socket);
            process::exit(peers::EXIT_FAIL);
        }
    };
    let start = Instant::now();
    let sent = match args.stream {
        Stream::Market => send_market(&bus, &args)
            .map(|asks| format!("{} ticks ({} bid, {asks} ask)", args.count, args.count - asks)),
        Stream::Frames => send_frames(&bus, &args)
            .map(|()| format!("{} frames of {FRAME_SIZE} bytes", args.count)),
    };
    let secs = start.elapsed().as_secs_f64();
    match sent {
        Ok(what) if !args.quiet => {
            println!("producer: sent {what} + End");
            println!("producer: {secs:.3} s, {:.2} M msg/s", args.count as f64 / secs / 1e6);
        }
        Ok(_) => {}
        Err(e) => {
            eprintln!("producer: {e}");
            process::exit(peers::EXIT_FAIL);
        }
    }
}
