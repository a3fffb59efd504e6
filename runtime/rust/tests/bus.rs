//! The safe API end to end, with both sides in this process.

mod common;

use std::thread;
use std::time::{Duration, Instant};

use common::{pair, pair_with, payload, sock};
use tachyon_ipc::{Bus, Error, Options, Role};

#[test]
fn roles_and_sizes() {
    let (rx, tx) = pair("roles", 1 << 12);
    assert_eq!(rx.role(), Role::Consumer);
    assert_eq!(tx.role(), Role::Producer);
    assert_eq!(rx.capacity(), 1 << 12);
    assert_eq!(tx.capacity(), 1 << 12);
    assert_eq!(tx.max_message_size(), (1 << 11) - 16);
    assert!(rx.peer_alive());
    assert!(tx.peer_alive());
}

#[test]
fn send_and_receive_many_sizes_across_wraps() {
    // A small ring, so the stream wraps many times and frames of every size
    // meet the ring end.
    let (rx, tx) = pair("wraps", 1 << 10);
    let max = tx.max_message_size();
    const N: u64 = 3000;
    let producer = thread::spawn(move || {
        for i in 0..N {
            let len = (i as usize * 37) % (max + 1);
            tx.send(&payload(i, len), i as u32).unwrap();
        }
        tx.stats()
    });
    for i in 0..N {
        let msg = rx.acquire_rx(1000).unwrap();
        let len = (i as usize * 37) % (rx.max_message_size() + 1);
        assert_eq!(msg.type_id, i as u32);
        assert_eq!(msg.actual_size, len);
        assert_eq!(msg.data(), &payload(i, len)[..], "message {i}");
        assert_eq!(msg.data().as_ptr() as usize % 16, 0, "payloads are 16-byte aligned");
        msg.commit().unwrap();
    }
    let stats = producer.join().unwrap();
    assert_eq!(stats.messages, N);
    assert_eq!(rx.stats().messages, N);
    assert!(matches!(rx.acquire_rx(10), Err(Error::PeerGone)));
}

#[test]
fn tx_guard_writes_in_place_and_rollback_sends_nothing() {
    let (rx, tx) = pair("txguard", 1 << 12);
    {
        let mut g = tx.acquire_tx(64).unwrap();
        assert_eq!(g.len(), 64);
        g[..6].copy_from_slice(b"ghost!");
        // dropped: rolled back
    }
    let mut g = tx.acquire_tx(64).unwrap();
    g.data_mut()[..4].copy_from_slice(b"real");
    g.commit(4, 42).unwrap();
    let g = tx.try_acquire_tx(8).unwrap();
    g.rollback();
    tx.flush().unwrap();
    let msg = rx.acquire_rx_timeout(100, Duration::from_secs(5)).unwrap();
    assert_eq!((msg.type_id, msg.data()), (42, &b"real"[..]));
    msg.commit().unwrap();
    assert_eq!(rx.try_acquire_rx().unwrap_err(), Error::Empty);
}

#[test]
fn commit_larger_than_reserved_is_refused_and_rolled_back() {
    let (rx, tx) = pair("oversize", 1 << 12);
    let g = tx.acquire_tx(16).unwrap();
    assert_eq!(g.commit(17, 1).unwrap_err(), Error::InvalidArg);
    tx.send(b"after", 2).unwrap();
    let msg = rx.acquire_rx(100).unwrap();
    assert_eq!((msg.type_id, msg.data()), (2, &b"after"[..]));
}

#[test]
fn one_guard_at_a_time() {
    let (rx, tx) = pair("oneguard", 1 << 12);
    let g = tx.acquire_tx(8).unwrap();
    assert_eq!(tx.try_acquire_tx(8).unwrap_err(), Error::State);
    assert_eq!(
        tx.try_send(b"x", 1).unwrap_err(),
        Error::State,
        "no copy-send while a reservation is open"
    );
    g.commit(0, 9).unwrap();
    tx.send(b"x", 10).unwrap();
    let first = rx.acquire_rx(100).unwrap();
    assert_eq!((first.type_id, first.actual_size), (9, 0));
    assert_eq!(rx.try_acquire_rx().unwrap_err(), Error::State);
    assert_eq!(rx.drain_batch(4).unwrap_err(), Error::State);
    drop(first); // dropping commits
    let second = rx.try_acquire_rx().unwrap();
    assert_eq!(second.type_id, 10);
}

#[test]
fn wrong_role_is_a_state_error() {
    let (rx, tx) = pair("role", 1 << 12);
    assert_eq!(rx.send(b"x", 1).unwrap_err(), Error::State);
    assert_eq!(tx.try_acquire_rx().unwrap_err(), Error::State);
    assert!(rx.try_acquire_tx(8).is_err());
}

#[test]
fn timeouts_and_non_blocking_errors() {
    let (rx, tx) = pair("timeouts", 1 << 10);
    assert_eq!(rx.try_acquire_rx().unwrap_err(), Error::Empty);
    let t0 = Instant::now();
    assert_eq!(rx.acquire_rx_timeout(100, Duration::from_millis(50)).unwrap_err(), Error::Timeout);
    assert!(t0.elapsed() >= Duration::from_millis(50));

    // Fill the ring: nobody reads.
    let mut sent = 0;
    loop {
        match tx.try_send(&[0u8; 100], 1) {
            Ok(()) => sent += 1,
            Err(Error::Full) => break,
            Err(e) => panic!("unexpected {e}"),
        }
        assert!(sent < 1000, "a 1 KiB ring never filled");
    }
    assert!(sent > 0);
    assert_eq!(
        tx.send_timeout(&[0u8; 100], 1, Duration::from_millis(30)).unwrap_err(),
        Error::Timeout
    );
    assert_eq!(tx.acquire_tx_timeout(100, Duration::from_millis(30)).unwrap_err(), Error::Timeout);
    assert!(tx.stats().full_events > 0);
    // Space freed by the consumer reaches the waiting producer.
    let reader = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        let msg = rx.acquire_rx(100).unwrap();
        msg.commit().unwrap();
        rx
    });
    tx.send_timeout(&[1u8; 100], 2, Duration::from_secs(10)).unwrap();
    let _rx = reader.join().unwrap();
    // The error says what was asked and what the bus takes.
    let too_large = tx.send(&[0u8; 2000], 1).unwrap_err();
    assert_eq!(too_large, Error::TooLarge { size: 2000, max: (1 << 10) / 2 - 16 });
    assert!(too_large.to_string().contains("(2000 bytes, at most 496)"), "{too_large}");
}

#[test]
fn blocked_producer_wakes_when_consumer_drains() {
    let (rx, tx) = pair("backpressure", 1 << 8);
    const N: u64 = 2000;
    let producer = thread::spawn(move || {
        for i in 0..N {
            let mut g = tx.acquire_tx(8).unwrap();
            g[..8].copy_from_slice(&i.to_le_bytes());
            g.commit(8, 3).unwrap();
        }
        tx.flush().unwrap();
        tx.stats()
    });
    for i in 0..N {
        let msg = rx.acquire_rx(50).unwrap();
        assert_eq!(msg.data(), &i.to_le_bytes()[..]);
        msg.commit().unwrap();
    }
    let stats = producer.join().unwrap();
    assert_eq!(stats.messages, N);
}

#[test]
fn drain_batch_takes_what_is_published() {
    let (rx, tx) = pair("batch", 1 << 14);
    assert!(rx.drain_batch(8).unwrap().is_empty());
    for i in 0..20u32 {
        let mut g = tx.acquire_tx(4).unwrap();
        g.copy_from_slice(&i.to_le_bytes());
        g.commit(4, 100 + i).unwrap();
    }
    // Twenty commits stay below the publication batch until flushed.
    assert!(rx.drain_batch(64).unwrap().is_empty());
    tx.flush().unwrap();
    let mut seen = Vec::new();
    while seen.len() < 20 {
        let batch = rx.drain_batch(8).unwrap();
        assert!(batch.len() <= 8);
        for m in &batch {
            assert_eq!(m.type_id, 100 + u32::from_le_bytes(m.data.try_into().unwrap()));
            seen.push(m.type_id);
        }
        batch.commit().unwrap();
    }
    assert_eq!(seen, (100..120).collect::<Vec<_>>());
    drop(tx);
    assert_eq!(rx.drain_batch(8).unwrap_err(), Error::PeerGone);
}

#[test]
fn peer_gone_after_everything_was_delivered() {
    let (rx, tx) = pair("gone", 1 << 12);
    for i in 0..5u32 {
        let mut g = tx.acquire_tx(4).unwrap();
        g.copy_from_slice(&i.to_le_bytes());
        g.commit(4, i).unwrap();
    }
    drop(tx); // unflushed commits are delivered before PeerGone
    for i in 0..5u32 {
        let msg = rx.acquire_rx(10).unwrap();
        assert_eq!(msg.type_id, i);
    }
    let t0 = Instant::now();
    assert_eq!(rx.acquire_rx(10).unwrap_err(), Error::PeerGone);
    assert!(t0.elapsed() < Duration::from_secs(1));
    assert!(!rx.peer_alive());
}

#[test]
fn consumer_gone_ends_a_blocked_send() {
    let (rx, tx) = pair("consumergone", 1 << 8);
    let closer = thread::spawn(move || {
        thread::sleep(Duration::from_millis(30));
        drop(rx);
    });
    let mut result = Ok(());
    for _ in 0..100 {
        result = tx.send(&[0u8; 64], 1);
        if result.is_err() {
            break;
        }
    }
    closer.join().unwrap();
    assert_eq!(result.unwrap_err(), Error::PeerGone);
}

#[test]
fn schema_fingerprints_must_agree() {
    let path = sock("schema");
    let lp = path.clone();
    let listener = thread::spawn(move || {
        let opts = Options {
            fingerprint: 0xAAAA,
            timeout: Some(Duration::from_secs(10)),
            ..Options::default()
        };
        Bus::listen_with(&lp, 1 << 12, opts).map(|_| ())
    });
    let res = common::connect_retry(&path, Options { fingerprint: 0xBBBB, ..Options::default() });
    assert_eq!(res.unwrap_err(), Error::SchemaMismatch);
    assert_eq!(listener.join().unwrap().unwrap_err(), Error::SchemaMismatch);

    let fp = Options { fingerprint: 0x1234_5678_9abc_def0, ..Options::default() };
    let (rx, tx) = pair_with("schema-ok", 1 << 12, fp, fp);
    assert_eq!(rx.schema_fingerprint(), fp.fingerprint);
    assert_eq!(tx.schema_fingerprint(), fp.fingerprint);
}

#[test]
fn handshake_errors() {
    let quick = Options { timeout: Some(Duration::from_millis(30)), ..Options::default() };
    match Bus::connect_with(sock("nobody"), quick).unwrap_err() {
        e @ Error::NoListener { waited } => {
            assert!(waited >= Duration::from_millis(25), "waited {waited:?}");
            assert!(e.to_string().starts_with("no listener on the socket path (waited 0.0"), "{e}");
        }
        e => panic!("expected NoListener, got {e:?}"),
    }
    assert_eq!(Bus::connect("bad\0path").unwrap_err(), Error::InvalidArg);
    let long = format!("/tmp/{}", "x".repeat(200));
    assert_eq!(Bus::listen(&long, 1 << 12).unwrap_err(), Error::PathTooLong);
    assert!(matches!(
        Bus::listen(sock("badcap"), 1000).unwrap_err(),
        Error::InvalidArg | Error::Capacity
    ));
    let opts = Options { timeout: Some(Duration::from_millis(50)), ..Options::default() };
    assert_eq!(Bus::listen_with(sock("lonely"), 1 << 12, opts).unwrap_err(), Error::Timeout);
    // A system failure keeps its cause: listening in a folder that does not exist.
    let missing = format!("/tmp/tachyon-rs-test-{}-no-such-dir/sock", std::process::id());
    let e = Bus::listen(&missing, 1 << 12).unwrap_err();
    assert!(matches!(e, Error::System(Some(_))), "{e:?}");
    assert_eq!(e.raw_os_error(), Some(2)); // ENOENT
    let io = std::error::Error::source(&e).and_then(|s| s.downcast_ref::<std::io::Error>());
    assert_eq!(io.map(std::io::Error::kind), Some(std::io::ErrorKind::NotFound));
    assert!(e.to_string().ends_with("(errno 2)"), "{e}");
}

#[test]
fn bus_moves_between_threads() {
    fn assert_send<T: Send>() {}
    assert_send::<Bus>();
    let (rx, tx) = pair("send", 1 << 12);
    let tx = thread::spawn(move || {
        tx.send(b"moved", 5).unwrap();
        tx
    })
    .join()
    .unwrap();
    let msg = rx.acquire_rx(100).unwrap();
    assert_eq!(msg.data(), b"moved");
    drop(tx);
}

#[test]
fn error_display_and_source() {
    let e: Box<dyn std::error::Error> = Box::new(Error::PeerGone);
    assert!(!e.to_string().is_empty());
    assert_ne!(Error::PeerGone.to_string(), Error::Timeout.to_string());
}
