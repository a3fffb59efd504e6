//! Issue 12 through the crate: whatever one side committed becomes visible to
//! the other in time, for every producer mode (polling `try_acquire_tx` that
//! retries on `Full` and never flushes, blocking `acquire_tx`,
//! `acquire_tx_timeout`) against every consumer mode (polling
//! `try_acquire_rx`, blocking `acquire_rx`, polling `drain_batch`), at
//! payloads of 64 B, capacity/16 and the maximum. A stream that deadlocks
//! fails after a 20 s guard instead of hanging.

mod common;

use std::thread;
use std::time::{Duration, Instant};

use common::{pair, payload};
use tachyon_ipc::{Bus, Error};

const CAPACITY: usize = 64 * 1024;
const GUARD: Duration = Duration::from_secs(20);

#[derive(Clone, Copy, Debug)]
enum Producer {
    Poll,
    Block,
    Timeout,
}

#[derive(Clone, Copy, Debug)]
enum Consumer {
    Poll,
    Block,
    Batch,
}

fn produce(tx: &Bus, mode: Producer, size: usize, count: u64) -> Result<(), String> {
    let start = Instant::now();
    for i in 0..count {
        let mut guard = loop {
            let got = match mode {
                Producer::Poll => tx.try_acquire_tx(size),
                Producer::Block => tx.acquire_tx(size),
                Producer::Timeout => tx.acquire_tx_timeout(size, GUARD),
            };
            match got {
                Ok(g) => break g,
                Err(Error::Full) if start.elapsed() < GUARD => thread::yield_now(),
                Err(e) => return Err(format!("producer at message {i}: {e}")),
            }
        };
        guard.copy_from_slice(&payload(i, size));
        guard.commit(size, (i % 1000) as u32).map_err(|e| e.to_string())?;
    }
    // Only the stream's last partial batch needs the documented flush.
    tx.flush().map_err(|e| e.to_string())
}

fn consume(rx: &Bus, mode: Consumer, size: usize, count: u64) -> Result<(), String> {
    let start = Instant::now();
    let mut next = 0u64;
    let check = |i: u64, type_id: u32, data: &[u8]| -> Result<(), String> {
        if type_id != (i % 1000) as u32 || data != payload(i, size).as_slice() {
            return Err(format!("message {i} arrived wrong"));
        }
        Ok(())
    };
    while next < count {
        if start.elapsed() > GUARD {
            return Err(format!("consumer still waiting for message {next} of {count}"));
        }
        match mode {
            Consumer::Poll => match rx.try_acquire_rx() {
                Ok(msg) => {
                    check(next, msg.type_id, msg.data())?;
                    msg.commit().map_err(|e| e.to_string())?;
                    next += 1;
                }
                Err(Error::Empty) => thread::yield_now(),
                Err(e) => return Err(format!("consumer at {next}: {e}")),
            },
            Consumer::Block => {
                let msg = rx
                    .acquire_rx_timeout(64, GUARD)
                    .map_err(|e| format!("consumer at {next}: {e}"))?;
                check(next, msg.type_id, msg.data())?;
                msg.commit().map_err(|e| e.to_string())?;
                next += 1;
            }
            Consumer::Batch => {
                let batch = rx.drain_batch(16).map_err(|e| format!("consumer at {next}: {e}"))?;
                if batch.is_empty() {
                    thread::yield_now();
                    continue;
                }
                for msg in &batch {
                    check(next, msg.type_id, msg.data)?;
                    next += 1;
                }
                batch.commit().map_err(|e| e.to_string())?;
            }
        }
    }
    Ok(())
}

#[test]
fn every_producer_mode_against_every_consumer_mode() {
    let mut failures = Vec::new();
    let mut n = 0;
    for producer in [Producer::Poll, Producer::Block, Producer::Timeout] {
        for consumer in [Consumer::Poll, Consumer::Block, Consumer::Batch] {
            for size in [64, CAPACITY / 16, CAPACITY / 2 - 16] {
                n += 1;
                let (rx, tx) = pair(&format!("vis-{n}"), CAPACITY);
                assert_eq!(tx.max_message_size(), CAPACITY / 2 - 16);
                // Twenty laps of the ring, at least 64 messages.
                let count = ((20 * CAPACITY / (size + 64)) as u64).max(64);
                let sender = thread::spawn(move || {
                    let r = produce(&tx, producer, size, count);
                    (r, tx)
                });
                let got = consume(&rx, consumer, size, count);
                // A failed consumer closes its side so a waiting producer
                // ends with PeerGone instead of hanging the join.
                drop(rx);
                let (sent, _tx) = sender.join().expect("producer thread");
                if let Err(e) = got.and(sent) {
                    failures.push(format!("{producer:?} x {consumer:?} x {size} B: {e}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
