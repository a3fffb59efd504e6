//! A MarketTick feed through the generated Rust views (generated/rust/market.rs).
//!
//!   cargo run --release --example market                    both sides, two threads
//!   cargo run --release --example market -- consume PATH     listen, count ticks until End
//!   cargo run --release --example market -- produce PATH N   connect, send N ticks and End
//!
//! Ticks are written in place in the ring (no copy) and decoded by type id.

#[rustfmt::skip]
#[allow(dead_code, clippy::all)]
#[path = "../../../generated/rust/market.rs"]
mod market;

use std::time::Instant;

use market::{MarketTick, MarketTickMut, Message};
use tachyon_ipc::{Bus, Error, Options};

const CAPACITY: usize = 1 << 20;

fn options() -> Options {
    Options { fingerprint: market::SCHEMA_FINGERPRINT, ..Options::default() }
}

/// Sends `n` ticks and End; returns the producer's rate in messages per second.
fn produce(bus: &Bus, n: u64) -> Result<f64, Error> {
    let start = Instant::now();
    for i in 0..n {
        let mut slot = bus.acquire_tx(MarketTick::SIZE)?;
        let mut tick =
            MarketTickMut::from_bytes(&mut slot).expect("reserved MarketTick::SIZE bytes");
        tick.set_symbol_str(if i % 2 == 0 { "BTCUSDT" } else { "ETHUSDT" }).expect("8 bytes");
        tick.set_price(50_000.0 + (i % 1000) as f64 * 0.5);
        tick.set_quantity((i % 100) as u32 + 1);
        tick.set_timestamp(i);
        let type_id = if i % 2 == 0 { market::MSG_BID } else { market::MSG_ASK };
        slot.commit(MarketTick::SIZE, type_id)?;
    }
    bus.send(&[], market::MSG_END)?;
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

/// Reads ticks until End; returns (bids, asks, quantity sum, messages per second).
fn consume(bus: &Bus) -> Result<(u64, u64, u64, f64), Error> {
    let (mut bids, mut asks, mut quantity) = (0u64, 0u64, 0u64);
    let mut start = None;
    loop {
        let msg = bus.acquire_rx(10_000)?;
        start.get_or_insert_with(Instant::now);
        match Message::decode(msg.type_id, msg.data()) {
            Ok(Message::Bid(t)) => {
                bids += 1;
                quantity += u64::from(t.quantity());
            }
            Ok(Message::Ask(t)) => {
                asks += 1;
                quantity += u64::from(t.quantity());
            }
            Ok(Message::End) => break,
            Err(e) => panic!("bad message: {e}"),
        }
        msg.commit()?;
    }
    let secs = start.map_or(0.0, |s| s.elapsed().as_secs_f64());
    Ok((bids, asks, quantity, (bids + asks) as f64 / secs.max(1e-9)))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["consume", path] => {
            let bus = Bus::listen_with(path, CAPACITY, options())?;
            let (bids, asks, qty, rate) = consume(&bus)?;
            println!(
                "consumer: {} ticks ({bids} bids, {asks} asks, quantity {qty}), {:.2} M msg/s",
                bids + asks,
                rate / 1e6
            );
        }
        ["produce", path, n] => {
            let bus = Bus::connect_with(path, options())?;
            let rate = produce(&bus, n.parse()?)?;
            println!("producer: {n} MarketTick in place, {:.2} M msg/s", rate / 1e6);
        }
        [] => {
            let n = 5_000_000;
            let path = format!("@tachyon-market-example-{}", std::process::id());
            let listener = path.clone();
            let consumer = std::thread::spawn(move || -> Result<_, Error> {
                let bus = Bus::listen_with(&listener, CAPACITY, options())?;
                consume(&bus)
            });
            let bus = Bus::connect_with(&path, options())?;
            let rate = produce(&bus, n)?;
            let (bids, asks, _, crate_rate) = consumer.join().expect("consumer thread")?;
            assert_eq!((bids, asks), (n / 2, n / 2));
            println!("producer: {n} MarketTick in place, {:.2} M msg/s", rate / 1e6);
            println!(
                "consumer: {} ticks ({bids} bids, {asks} asks), {:.2} M msg/s",
                bids + asks,
                crate_rate / 1e6
            );
        }
        _ => {
            eprintln!("usage: market [consume PATH | produce PATH N]");
            std::process::exit(2);
        }
    }
    Ok(())
}
