//! Two processes: this test against tests/market_peer.c, a C program that
//! reads and writes MarketTick through the tachc-generated C header.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use common::market::{self, MarketTick, MarketTickMut, Message};
use common::{check_tick, fill_tick, sock};
use tachyon_ipc::{Bus, Error, Options};

const TICKS: u64 = 50_000;

/// Builds the C peer once per test run (with the system C compiler, like build.rs).
fn c_peer() -> &'static Path {
    static PEER: OnceLock<PathBuf> = OnceLock::new();
    PEER.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("market_peer");
        let mut sources: Vec<PathBuf> = std::fs::read_dir(root.join("runtime/src"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "c"))
            .collect();
        sources.sort();
        let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
        let status = Command::new(cc)
            .args(["-std=gnu11", "-D_GNU_SOURCE", "-O2"])
            .arg("-I")
            .arg(root.join("runtime/include"))
            .arg("-I")
            .arg(root.join("generated/c"))
            .arg(root.join("runtime/rust/tests/market_peer.c"))
            .args(&sources)
            .arg("-o")
            .arg(&out)
            .arg("-lpthread")
            .status()
            .expect("run the C compiler");
        assert!(status.success(), "building the C peer failed");
        out
    })
}

fn schema() -> Options {
    Options {
        fingerprint: market::SCHEMA_FINGERPRINT,
        timeout: Some(std::time::Duration::from_secs(10)),
        ..Default::default()
    }
}

#[test]
fn rust_consumer_reads_typed_ticks_from_a_c_producer() {
    let path = sock("c-producer");
    let mut child =
        Command::new(c_peer()).args(["produce", &path, &TICKS.to_string()]).spawn().unwrap();
    let bus = Bus::listen_with(&path, 1 << 16, schema()).unwrap();
    let mut i = 0u64;
    loop {
        let msg = bus.acquire_rx(1000).unwrap();
        match Message::decode(msg.type_id, msg.data()).unwrap() {
            Message::End => break,
            Message::Bid(tick) | Message::Ask(tick) => {
                assert_eq!(msg.type_id, common::tick_type(i));
                check_tick(tick, i);
            }
        }
        msg.commit().unwrap();
        i += 1;
    }
    assert_eq!(i, TICKS);
    assert_eq!(bus.acquire_rx(1000).unwrap_err(), Error::PeerGone);
    assert!(child.wait().unwrap().success());
}

#[test]
fn rust_producer_writes_typed_ticks_for_a_c_consumer() {
    let path = sock("c-consumer");
    let child = Command::new(c_peer())
        .args(["consume", &path, &TICKS.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let bus = Bus::connect_with(&path, schema()).unwrap();
    for i in 0..TICKS {
        let mut slot = bus.acquire_tx(MarketTick::SIZE).unwrap();
        let type_id = fill_tick(&mut MarketTickMut::from_bytes(&mut slot).unwrap(), i);
        slot.commit(MarketTick::SIZE, type_id).unwrap();
    }
    bus.send(&[], market::MSG_END).unwrap();
    drop(bus);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "C consumer failed");
    let half = TICKS / 2;
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("ok ticks={TICKS} bids={half} asks={half}")
    );
}

#[test]
fn a_c_peer_of_another_schema_is_refused() {
    let path = sock("c-schema");
    let mut child =
        Command::new(c_peer()).args(["produce", &path, "1"]).stderr(Stdio::null()).spawn().unwrap();
    let other = Options { fingerprint: market::SCHEMA_FINGERPRINT ^ 1, ..schema() };
    assert_eq!(Bus::listen_with(&path, 1 << 16, other).unwrap_err(), Error::SchemaMismatch);
    assert!(!child.wait().unwrap().success());
}

#[test]
fn every_committed_tick_of_a_killed_c_producer_arrives_and_nothing_else() {
    // 45 commits: one publication of 32, then 13 committed but unpublished
    // when the producer is killed, holding a filled, uncommitted 46th.
    const COMMITTED: u64 = 45;
    let path = sock("c-killed");
    let mut child =
        Command::new(c_peer()).args(["die", &path, &COMMITTED.to_string()]).spawn().unwrap();
    let bus = Bus::listen_with(&path, 1 << 16, schema()).unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "the producer kills itself");
    for i in 0..COMMITTED {
        let msg = bus.acquire_rx(100).unwrap_or_else(|e| panic!("tick {i}: {e}"));
        match Message::decode(msg.type_id, msg.data()).unwrap() {
            Message::Bid(tick) | Message::Ask(tick) => check_tick(tick, i),
            Message::End => panic!("no End was sent"),
        }
    }
    let start = std::time::Instant::now();
    assert_eq!(bus.acquire_rx(100).unwrap_err(), Error::PeerGone);
    assert!(start.elapsed() < std::time::Duration::from_secs(2), "death noticed late");
}
