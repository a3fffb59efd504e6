//! Safe Rust over libtachyon: same-machine, zero-copy IPC through a
//! single-producer, single-consumer ring in shared memory.
//!
//! A bus has one direction. [`Bus::listen`] waits for one connector and
//! returns the consumer side; [`Bus::connect`] returns the producer side. The
//! handshake runs over a Unix domain socket (a filesystem path, or `"@name"`
//! for the abstract namespace); after it, messages move through shared memory
//! without system calls.
//!
//! ```
//! use std::thread;
//! use tachyon_ipc::Bus;
//!
//! let path = format!("@tachyon-doc-{}", std::process::id());
//! let listener_path = path.clone();
//! let consumer = thread::spawn(move || {
//!     let bus = Bus::listen(&listener_path, 1 << 16).unwrap();
//!     let msg = bus.acquire_rx(10_000).unwrap();
//!     assert_eq!((msg.type_id, msg.data()), (7, &b"ping"[..]));
//!     msg.commit().unwrap();
//! });
//! // Waits up to 5 s for the listener to appear (Options::timeout).
//! let bus = Bus::connect(&path).unwrap();
//! bus.send(b"ping", 7).unwrap();
//! consumer.join().unwrap();
//! ```
//!
//! Zero copy: [`Bus::acquire_tx`] hands out the ring bytes to write a message
//! in place ([`TxGuard`]); [`Bus::acquire_rx`] hands out a received message in
//! place ([`RxGuard`]). The guards borrow the bus and are consumed by their
//! `commit`, so no slice of a message can be used after it was committed. One
//! guard at a time per bus; the bus itself is [`Send`] but not [`Sync`] (one
//! thread per side).
//!
//! Typed messages: `tachc gen --lang rust` emits views such as `MarketTick`
//! (over `&[u8; SIZE]`) and `MarketTickMut` (over `&mut [u8; SIZE]`).
//! [`RxGuard::array`] and [`TxGuard::array_mut`] give those arrays in place,
//! and [`Options::fingerprint`] binds the bus to the schema's `FINGERPRINT`.
//!
//! Request/response (typed RPC declared in the schema) is in [`rpc`].
//!
//! The raw C API is in [`sys`].

mod bus;
mod error;
pub mod rpc;
pub mod sys;
mod topology;

pub use bus::{Batch, Bus, Message, Options, Role, RxGuard, Stats, TxGuard};
pub use error::{Error, Result};
pub use topology::{
    FanIn, FanInMessage, FanOut, Join, LagPolicy, Sender, SubMessage, Subscriber, WaitSet,
};
