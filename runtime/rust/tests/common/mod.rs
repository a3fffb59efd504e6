//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::thread;
use std::time::Duration;

use tachyon_ipc::{Bus, Error, Options};

/// An abstract-namespace socket name unique to this process and test.
pub fn sock(name: &str) -> String {
    format!("@tachyon-rs-test-{}-{}", std::process::id(), name)
}

/// Connects, waiting up to 10 s for the listener to come up.
pub fn connect_retry(path: &str, options: Options) -> Result<Bus, Error> {
    Bus::connect_with(path, Options { timeout: Some(Duration::from_secs(10)), ..options })
}

/// A connected (consumer, producer) pair in this process.
pub fn pair(name: &str, capacity: usize) -> (Bus, Bus) {
    pair_with(name, capacity, Options::default(), Options::default())
}

pub fn pair_with(name: &str, capacity: usize, listen: Options, connect: Options) -> (Bus, Bus) {
    let path = sock(name);
    let listener_path = path.clone();
    let consumer = thread::spawn(move || Bus::listen_with(&listener_path, capacity, listen));
    let producer = connect_retry(&path, connect).expect("connect");
    let consumer = consumer.join().expect("listener thread").expect("listen");
    (consumer, producer)
}

/// Deterministic payload bytes for message `i` of length `len`.
pub fn payload(i: u64, len: usize) -> Vec<u8> {
    (0..len).map(|k| (i.wrapping_mul(31).wrapping_add(k as u64 * 7) & 0xff) as u8).collect()
}

/// The tachc-generated Rust views of schemas/market.tach.
#[rustfmt::skip]
#[allow(dead_code, clippy::all)]
#[path = "../../../../generated/rust/market.rs"]
pub mod market;

/// Writes tick `i` the way tests/market_peer.c's fill_tick does; returns its type id.
pub fn fill_tick(tick: &mut market::MarketTickMut<'_>, i: u64) -> u32 {
    const SYMBOLS: [&str; 3] = ["BTCUSDT", "ETHUSDT", "SOLUSDT"];
    tick.clear();
    tick.set_symbol_str(SYMBOLS[(i % 3) as usize]).expect("symbol fits");
    tick.set_price(100.0 + i as f64 * 0.25);
    tick.set_quantity((i * 7 + 1) as u32);
    tick.set_timestamp(1_700_000_000_000_000_000 + i);
    tick_type(i)
}

/// Bid for even ticks, Ask for odd ones.
pub fn tick_type(i: u64) -> u32 {
    if i % 2 == 1 {
        market::MSG_ASK
    } else {
        market::MSG_BID
    }
}

/// Checks that `tick` holds tick `i`.
pub fn check_tick(tick: market::MarketTick<'_>, i: u64) {
    let mut want = [0u8; market::MARKET_TICK_SIZE];
    fill_tick(&mut market::MarketTickMut::new(&mut want), i);
    assert_eq!(tick.as_bytes(), &want, "tick {i}: {tick:?}");
    assert_eq!(tick.price(), 100.0 + i as f64 * 0.25);
    assert_eq!(tick.quantity(), (i * 7 + 1) as u32);
}
