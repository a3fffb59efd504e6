//! MarketTick producer and consumer in Rust, through the generated views
//! (generated/rust/market.rs), for Tachyon's cross-language benchmarks
//! (bench/lang_bench.py runs them).
//!
//!   tachyon-bench-rust produce PATH N   connect, write N ticks in place (Bid and Ask in
//!                                       turn), then End; prints one JSON result line
//!   tachyon-bench-rust consume PATH     listen, read every tick until End, print one JSON line
//!
//! The producer's rate runs from its first acquire to the flush after its last
//! commit; the consumer's from its first message to End.

#[rustfmt::skip]
#[allow(dead_code, clippy::all)]
#[path = "../../generated/rust/market.rs"]
mod market;

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use market::{MarketTickMut, Message, MARKET_TICK_SIZE};
use tachyon_ipc::{Bus, Error, Options};

const CAPACITY: usize = 1 << 20;
const SYMBOL: &[u8; 8] = b"BTCUSDT\0";

fn options() -> Options {
    Options {
        fingerprint: market::SCHEMA_FINGERPRINT,
        ..Options::default()
    }
}

fn produce(bus: &Bus, n: u64) -> Result<f64, Error> {
    let base = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let start = Instant::now();
    for i in 0..n {
        let mut slot = bus.acquire_tx(MARKET_TICK_SIZE)?;
        {
            let mut tick = MarketTickMut::from_bytes(slot.data_mut())
                .expect("reserved MARKET_TICK_SIZE bytes");
            tick.set_symbol(SYMBOL);
            tick.set_price(100.0 + (i & 1023) as f64 * 0.01);
            tick.set_quantity((i & 0xffff) as u32);
            tick.set_timestamp(base + i);
        }
        let type_id = if i & 1 == 0 {
            market::MSG_BID
        } else {
            market::MSG_ASK
        };
        slot.commit(MARKET_TICK_SIZE, type_id)?;
    }
    bus.flush()?;
    let secs = start.elapsed().as_secs_f64();
    bus.send(&[], market::MSG_END)?;
    Ok(secs)
}

/// Returns (bids, asks, quantity sum, seconds from the first message to End).
fn consume(bus: &Bus) -> Result<(u64, u64, u64, f64), Error> {
    let (mut bids, mut asks, mut quantity) = (0u64, 0u64, 0u64);
    let mut start = None;
    loop {
        let msg = bus.acquire_rx(20_000)?;
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
    Ok((
        bids,
        asks,
        quantity,
        start.map_or(0.0, |s| s.elapsed().as_secs_f64()),
    ))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["produce", path, n] => {
            let n: u64 = n.parse()?;
            let bus = Bus::connect_with(
                path,
                Options {
                    timeout: Some(std::time::Duration::from_secs(10)),
                    ..options()
                },
            )?;
            let secs = produce(&bus, n)?;
            println!(
                "{{\"bench\":\"producer\",\"transport\":\"rust\",\"payload\":{MARKET_TICK_SIZE},\"messages\":{n},\
                 \"seconds\":{secs:.6},\"msgs_per_s\":{:.0},\"gbytes_per_s\":{:.4}}}",
                n as f64 / secs,
                (n * MARKET_TICK_SIZE as u64) as f64 / secs / 1e9
            );
        }
        ["consume", path] => {
            let bus = Bus::listen_with(path, CAPACITY, options())?;
            let (bids, asks, quantity, secs) = consume(&bus)?;
            let n = bids + asks;
            println!(
                "{{\"bench\":\"consumer\",\"transport\":\"rust\",\"payload\":{MARKET_TICK_SIZE},\"messages\":{n},\
                 \"bids\":{bids},\"asks\":{asks},\"quantity_sum\":{quantity},\"seconds\":{secs:.6},\
                 \"msgs_per_s\":{:.0}}}",
                n as f64 / secs.max(1e-9)
            );
        }
        _ => {
            eprintln!("usage: tachyon-bench-rust produce PATH N | consume PATH");
            std::process::exit(2);
        }
    }
    Ok(())
}
