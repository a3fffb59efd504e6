//! The inline hot path (bus.rs mirrors tachyon.h's inline functions over
//! `sys::tachyon_bus_hot_t`): its common case agrees with the library, and
//! every case it hands to the library still behaves (wrap, full, the
//! publication batch, a corrupt frame, a wrong role, the counters).

mod common;

use std::thread;
use std::time::{Duration, Instant};

use common::pair;
use tachyon_ipc::{sys, Bus, Error};

/// The library's own view of the counters (a C call, not the mirror).
fn c_stats(bus: &Bus) -> sys::tachyon_stats_t {
    let mut s = sys::tachyon_stats_t::default();
    // SAFETY: the bus is live; s is a local.
    assert_eq!(unsafe { sys::tachyon_get_stats(bus.as_raw(), &mut s) }, sys::TACHYON_OK);
    s
}

#[test]
fn in_place_messages_of_every_size_across_wraps_match_the_library() {
    // A 1 KiB ring: frames of 64..512 bytes meet the ring end in every
    // position, so reservations at the next lap (the library's) alternate
    // with inline ones, and receives cross wrap markers.
    let (rx, tx) = pair("hot-wraps", 1 << 10);
    let max = tx.max_message_size();
    const N: u64 = 5000;
    let producer = thread::spawn(move || {
        let mut bytes = 0u64;
        for i in 0..N {
            let len = (i as usize * 53) % (max + 1);
            let mut g = tx.acquire_tx(max).unwrap();
            for (k, b) in g[..len].iter_mut().enumerate() {
                *b = (i as usize + k) as u8;
            }
            g.commit(len, i as u32).unwrap();
            bytes += len as u64;
        }
        tx.flush().unwrap();
        let (mine, c) = (tx.stats(), c_stats(&tx));
        assert_eq!((mine.messages, mine.bytes), (N, bytes));
        assert_eq!((c.messages, c.bytes), (N, bytes));
        assert!(c.publishes >= N / u64::from(sys::TACHYON_BATCH));
        tx
    });
    let mut bytes = 0u64;
    for i in 0..N {
        let msg = rx.acquire_rx(1000).unwrap();
        let len = (i as usize * 53) % (rx.max_message_size() + 1);
        assert_eq!((msg.type_id, msg.actual_size), (i as u32, len), "message {i}");
        assert!(msg.data().iter().enumerate().all(|(k, &b)| b == (i as usize + k) as u8));
        msg.commit().unwrap();
        bytes += len as u64;
    }
    let tx = producer.join().unwrap();
    assert_eq!((rx.stats().messages, rx.stats().bytes), (N, bytes));
    assert_eq!((c_stats(&rx).messages, c_stats(&rx).bytes), (N, bytes));
    assert_eq!(rx.try_acquire_rx().unwrap_err(), Error::Empty);
    drop(tx);
    assert_eq!(rx.try_acquire_rx().unwrap_err(), Error::PeerGone);
}

#[test]
fn a_full_batch_of_commits_is_published_without_flush() {
    let (rx, tx) = pair("hot-batch", 1 << 16);
    let batch = u64::from(sys::TACHYON_BATCH);
    for i in 0..batch - 1 {
        tx.acquire_tx(8).unwrap().commit(8, i as u32).unwrap();
    }
    assert_eq!(rx.try_acquire_rx().unwrap_err(), Error::Empty, "published before the batch filled");
    assert_eq!(c_stats(&tx).publishes, 0);
    tx.acquire_tx(8).unwrap().commit(8, 99).unwrap();
    assert_eq!(c_stats(&tx).publishes, 1);
    for i in 0..batch {
        let msg = rx.try_acquire_rx().unwrap();
        assert_eq!(msg.type_id, if i == batch - 1 { 99 } else { i as u32 });
    }
    assert_eq!(rx.try_acquire_rx().unwrap_err(), Error::Empty);
}

#[test]
fn a_full_ring_times_out_then_takes_the_room_a_commit_frees() {
    let (rx, tx) = pair("hot-full", 1 << 10);
    let mut sent = 0;
    loop {
        match tx.try_acquire_tx(100) {
            Ok(g) => g.commit(100, 1).unwrap(),
            Err(Error::Full) => break,
            Err(e) => panic!("unexpected {e}"),
        }
        sent += 1;
        assert!(sent < 100, "a 1 KiB ring never filled");
    }
    tx.flush().unwrap();
    let t0 = Instant::now();
    assert_eq!(tx.acquire_tx_timeout(100, Duration::from_millis(40)).unwrap_err(), Error::Timeout);
    assert!(t0.elapsed() >= Duration::from_millis(40));
    // The failed calls left no guard behind: the next one may wait again.
    let reader = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        for _ in 0..sent {
            rx.acquire_rx(100).unwrap().commit().unwrap();
        }
        rx
    });
    let g = tx.acquire_tx_timeout(100, Duration::from_secs(10)).unwrap();
    g.commit(100, 2).unwrap();
    tx.flush().unwrap();
    let rx = reader.join().unwrap();
    let msg = rx.acquire_rx_timeout(100, Duration::from_secs(10)).unwrap();
    assert_eq!(msg.type_id, 2);
}

#[test]
fn an_empty_ring_times_out_then_delivers() {
    let (rx, tx) = pair("hot-empty", 1 << 12);
    let t0 = Instant::now();
    assert_eq!(rx.acquire_rx_timeout(10, Duration::from_millis(40)).unwrap_err(), Error::Timeout);
    assert!(t0.elapsed() >= Duration::from_millis(40));
    let sender = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        tx.send(b"late", 7).unwrap();
        tx
    });
    let msg = rx.acquire_rx_timeout(10, Duration::from_secs(10)).unwrap();
    assert_eq!((msg.type_id, msg.data()), (7, &b"late"[..]));
    drop(msg);
    drop(sender.join().unwrap());
}

#[test]
fn a_corrupt_frame_header_is_reported_not_read() {
    let (rx, tx) = pair("hot-corrupt", 1 << 12);
    tx.acquire_tx(8).unwrap().commit(8, 1).unwrap();
    tx.acquire_tx(8).unwrap().commit(8, 2).unwrap();
    tx.flush().unwrap();
    assert_eq!(rx.try_acquire_rx().unwrap().type_id, 1);
    // Overwrite the second frame's size (ring bytes 64..68, shared with the
    // consumer) with one larger than any message: its stamp still matches,
    // so only the inline path's size check can catch it.
    // SAFETY: the producer's hot struct is its bus's first bytes (tachyon.h);
    // the frame was published, and the consumer does not read it meanwhile.
    unsafe {
        let h = tx.as_raw().cast::<sys::tachyon_bus_hot_t>();
        let frame = (*h).ring.add(sys::TACHYON_FRAME_ALIGN as usize).cast::<u32>();
        assert_eq!(frame.read_volatile(), 8);
        frame.write_volatile(1 << 20);
    }
    assert_eq!(rx.try_acquire_rx().unwrap_err(), Error::Corrupt);
    assert_eq!(rx.acquire_rx_timeout(10, Duration::from_secs(1)).unwrap_err(), Error::Corrupt);
}

#[test]
fn the_other_sides_calls_are_state_errors() {
    let (rx, tx) = pair("hot-role", 1 << 12);
    assert_eq!(rx.try_acquire_tx(8).unwrap_err(), Error::State);
    assert_eq!(rx.acquire_tx_timeout(8, Duration::from_secs(5)).unwrap_err(), Error::State);
    assert_eq!(tx.try_acquire_rx().unwrap_err(), Error::State);
    assert_eq!(tx.acquire_rx_timeout(10, Duration::from_secs(5)).unwrap_err(), Error::State);
    // Nothing was left held: the right side still works.
    tx.send(b"ok", 3).unwrap();
    assert_eq!(rx.acquire_rx(10).unwrap().type_id, 3);
}

#[test]
fn too_large_a_reservation_says_how_large() {
    let (_rx, tx) = pair("hot-large", 1 << 10);
    let max = tx.max_message_size();
    assert_eq!(tx.try_acquire_tx(max + 1).unwrap_err(), Error::TooLarge { size: max + 1, max });
    assert_eq!(
        tx.acquire_tx_timeout(usize::MAX, Duration::from_secs(5)).unwrap_err(),
        Error::TooLarge { size: usize::MAX, max }
    );
    tx.acquire_tx(max).unwrap().commit(max, 1).unwrap();
}

/// Set in the copy of this test binary that callgrind runs.
const CLOCK_CHILD: &str = "TACHYON_RS_CLOCK_CHILD";
const CLOCK_MESSAGES: u64 = 5000;

/// In the child: a producer and a consumer with deadlines on every call, in
/// a ring that never fills and, by the time they read, is never empty.
fn clock_child() {
    let (rx, tx) = pair("hot-clock", 1 << 22);
    let wait = Duration::from_secs(10);
    for i in 0..CLOCK_MESSAGES {
        let mut g = tx.acquire_tx_timeout(8, wait).unwrap();
        g.copy_from_slice(&i.to_le_bytes());
        g.commit(8, 1).unwrap();
    }
    tx.send_timeout(b"end", 2, wait).unwrap();
    for i in 0..CLOCK_MESSAGES {
        let msg = rx.acquire_rx_timeout(10, wait).unwrap();
        assert_eq!(msg.data(), &i.to_le_bytes()[..]);
    }
    assert_eq!(rx.acquire_rx_timeout(10, wait).unwrap().type_id, 2);
}

/// Calls of `function` in a callgrind output file (written with
/// --compress-strings=no, so every callee line names its function).
fn callgrind_calls(out: &str, function: &str) -> u64 {
    let mut total = 0;
    let mut lines = out.lines();
    while let Some(line) = lines.next() {
        if line.strip_prefix("cfn=").is_some_and(|f| f.trim() == function) {
            let calls =
                lines.next().and_then(|l| l.strip_prefix("calls=")).expect("calls= after cfn=");
            total += calls.split_whitespace().next().unwrap().parse::<u64>().unwrap();
        }
    }
    total
}

#[test]
fn a_deadline_is_taken_only_when_a_call_has_to_wait() {
    if std::env::var_os(CLOCK_CHILD).is_some() {
        return clock_child();
    }
    if std::process::Command::new("valgrind").arg("--version").output().is_err() {
        println!("skipped: valgrind is not installed (apt-get install valgrind)");
        return;
    }
    // Counts the library's clock reads (tachyon_now_ns) under callgrind:
    // 2 * CLOCK_MESSAGES calls with a timeout that all succeed at once, so
    // only the handshake reads the clock.
    let dir = std::env::temp_dir().join(format!("tachyon-rs-clock-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out_file = dir.join("callgrind.out");
    let status = std::process::Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg("--compress-strings=no")
        .arg(format!("--callgrind-out-file={}", out_file.display()))
        .arg(std::env::current_exe().unwrap())
        .args(["--exact", "a_deadline_is_taken_only_when_a_call_has_to_wait", "--test-threads=1"])
        .env(CLOCK_CHILD, "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "the child under callgrind failed: {status}");
    let out = std::fs::read_to_string(&out_file).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let reads = callgrind_calls(&out, "tachyon_now_ns");
    let sends = callgrind_calls(&out, "tachyon_send");
    assert!(sends >= 1, "the child made no send: wrong callgrind output?");
    assert!(reads < 50, "{reads} clock reads for {} calls with a timeout", 2 * CLOCK_MESSAGES + 2);
}
