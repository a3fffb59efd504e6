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
