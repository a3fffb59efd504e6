//! Fan-out, fan-in and wait-sets through the safe API: every subscriber reads
//! every message in order; a laggard under `LagPolicy::Drop` gets `Lagged` and
//! rejoins; `LagPolicy::Block` waits for the slowest; a fan-in takes from many
//! producer threads in turn and says who sent what; a wait-set names the ready
//! members and its fd becomes readable.

use std::thread;
use std::time::Duration;

use tachyon_ipc::{Bus, Error, FanIn, FanOut, Join, LagPolicy, Subscriber, WaitSet};

fn name(tag: &str) -> String {
    format!("@tachyon-rust-topology-{}-{}", std::process::id(), tag)
}

const SEC: Option<Duration> = Some(Duration::from_secs(5));
const NOW: Option<Duration> = Some(Duration::ZERO);

#[test]
fn every_subscriber_reads_everything_in_order() {
    let path = name("order");
    let publisher = FanOut::listen(&path, 1 << 16, LagPolicy::Block).unwrap();
    let subs: Vec<Subscriber> =
        (0..3).map(|_| Subscriber::connect(&path, Join::Newest).unwrap()).collect();
    assert_eq!(publisher.subscribers(), 3);
    let readers: Vec<_> = subs
        .into_iter()
        .map(|sub| {
            thread::spawn(move || {
                for i in 0u64..20_000 {
                    let msg = sub.recv(SEC).unwrap();
                    assert_eq!(msg.type_id(), 9);
                    assert_eq!(msg.data(), &i.to_le_bytes()[..]);
                    msg.commit().unwrap();
                }
                assert_eq!(sub.recv(SEC).err(), Some(Error::PeerGone));
            })
        })
        .collect();
    for i in 0u64..20_000 {
        publisher.send(&i.to_le_bytes(), 9, None).unwrap();
    }
    drop(publisher);
    for r in readers {
        r.join().unwrap();
    }
}

#[test]
fn a_laggard_is_dropped_and_rejoins() {
    let path = name("drop");
    let publisher = FanOut::listen(&path, 4096, LagPolicy::Drop).unwrap();
    let fast = Subscriber::connect(&path, Join::Newest).unwrap();
    let slow = Subscriber::connect(&path, Join::Newest).unwrap();
    publisher.send(&[0u8; 200], 0, NOW).unwrap();
    let held = slow.recv(NOW).unwrap();
    for i in 0..60u8 {
        publisher.send(&[i; 200], 1, NOW).unwrap();
        fast.recv(NOW).unwrap().commit().unwrap();
    }
    assert_eq!(held.commit().err(), Some(Error::Lagged));
    assert_eq!(slow.recv(NOW).err(), Some(Error::Lagged));
    slow.rejoin(Join::Newest).unwrap();
    publisher.send(b"again", 2, NOW).unwrap();
    assert_eq!(slow.recv(NOW).unwrap().data(), b"again");
    // The fast one read message 0 first, so it is one behind: nothing lost.
    assert_eq!(fast.recv(NOW).unwrap().data(), &[59u8; 200][..]);
    assert_eq!(fast.recv(NOW).unwrap().data(), b"again");
    assert_eq!(fast.recv(NOW).err(), Some(Error::Empty));
}

#[test]
fn block_waits_for_the_slowest() {
    let path = name("block");
    let publisher = FanOut::listen(&path, 4096, LagPolicy::Block).unwrap();
    let sub = Subscriber::connect(&path, Join::Newest).unwrap();
    let mut sent = 0;
    while publisher.send(&[1u8; 200], 1, NOW).is_ok() {
        sent += 1;
    }
    assert!(sent >= 10);
    assert_eq!(publisher.send(&[1u8; 200], 1, NOW).err(), Some(Error::Full));
    assert_eq!(
        publisher.send(&[1u8; 200], 1, Some(Duration::from_millis(30))).err(),
        Some(Error::Timeout)
    );
    sub.recv(NOW).unwrap().commit().unwrap();
    publisher.send(&[2u8; 200], 1, NOW).unwrap();
    assert!(matches!(
        publisher.send(&[0u8; 3000], 1, NOW),
        Err(Error::TooLarge { size: 3000, .. })
    ));
}

#[test]
fn fan_in_takes_from_every_producer_in_order_and_names_it() {
    let path = name("fanin");
    let fi = FanIn::listen(&path, 1 << 14).unwrap();
    let producers: Vec<_> = (0u32..4)
        .map(|who| {
            let path = path.clone();
            thread::spawn(move || {
                let bus = Bus::connect(&path).unwrap();
                for i in 0u32..5_000 {
                    bus.send_timeout(&i.to_le_bytes(), who, Duration::from_secs(10)).unwrap();
                }
                bus.flush().unwrap();
            })
        })
        .collect();
    let mut next = [0u32; 4];
    let mut ids = [0u64; 4];
    for _ in 0..4 * 5_000 {
        let msg = fi.recv(SEC).unwrap();
        let who = msg.type_id() as usize;
        assert_eq!(msg.data(), &next[who].to_le_bytes()[..]);
        next[who] += 1;
        if ids[who] == 0 {
            ids[who] = msg.sender().id;
        }
        assert_eq!(msg.sender().id, ids[who]);
        assert_eq!(msg.sender().pid, std::process::id());
        msg.commit().unwrap();
    }
    for p in producers {
        p.join().unwrap();
    }
    assert_eq!(fi.recv(Some(Duration::from_millis(20))).err(), Some(Error::Timeout));
}

#[test]
fn wait_set_names_ready_members_and_its_fd_fires() {
    let (bus_path, fo_path) = (name("ws-bus"), name("ws-fo"));
    let listener = {
        let p = bus_path.clone();
        thread::spawn(move || Bus::listen(&p, 1 << 14).unwrap())
    };
    let producer = Bus::connect(&bus_path).unwrap();
    let consumer = listener.join().unwrap();
    let publisher = FanOut::listen(&fo_path, 1 << 14, LagPolicy::Block).unwrap();
    let sub = Subscriber::connect(&fo_path, Join::Newest).unwrap();
    let mut ws = WaitSet::new().unwrap();
    ws.add_bus(&consumer, 1).unwrap();
    ws.add_subscriber(&sub, 2).unwrap();
    assert_eq!(ws.add_bus(&producer, 3).err(), Some(Error::State));
    assert!(ws.wait(Some(Duration::from_millis(20))).unwrap().is_empty());
    producer.send(b"x", 1).unwrap();
    producer.flush().unwrap();
    assert_eq!(ws.wait(SEC).unwrap(), vec![1]);
    consumer.try_acquire_rx().unwrap().commit().unwrap();

    let fd = ws.fd().unwrap();
    let readable = |ms: i32| {
        let mut pfd = libc_pollfd { fd, events: 1, revents: 0 };
        // SAFETY: one valid pollfd.
        unsafe { poll(&mut pfd, 1, ms) == 1 }
    };
    assert!(!readable(30));
    publisher.send(b"all", 5, NOW).unwrap();
    assert!(readable(5000));
    assert_eq!(ws.wait(NOW).unwrap(), vec![2]);
    sub.recv(NOW).unwrap().commit().unwrap();
    assert!(ws.wait(NOW).unwrap().is_empty());
    assert!(!readable(30));
    ws.remove(2).unwrap();
    assert_eq!(ws.remove(2).err(), Some(Error::State));
}

#[repr(C)]
struct libc_pollfd {
    fd: i32,
    events: i16,
    revents: i16,
}

extern "C" {
    fn poll(fds: *mut libc_pollfd, nfds: u64, timeout: i32) -> i32;
}
