//! Fan-out, fan-in and wait-sets: [`FanOut`] (one producer) and
//! [`Subscriber`]s (up to 64, each reading every message in place), [`FanIn`]
//! (one consumer taking from up to 64 producers in turn; producers connect
//! with [`Bus::connect`]), and [`WaitSet`] (one thread waiting on many
//! consumers, with a readiness fd for event loops).
//!
//! ```
//! use std::time::Duration;
//! use tachyon_ipc::{FanOut, Subscriber, Join, LagPolicy};
//!
//! let path = format!("@tachyon-doc-fanout-{}", std::process::id());
//! let publisher = FanOut::listen(&path, 1 << 16, LagPolicy::Block).unwrap();
//! let a = Subscriber::connect(&path, Join::Newest).unwrap();
//! let b = Subscriber::connect(&path, Join::Newest).unwrap();
//! publisher.send(b"tick", 1, None).unwrap();
//! for sub in [&a, &b] {
//!     let msg = sub.recv(Some(Duration::from_secs(1))).unwrap();
//!     assert_eq!((msg.type_id(), msg.data()), (1, &b"tick"[..]));
//!     msg.commit().unwrap(); // Err(Error::Lagged) if it was dropped while reading
//! }
//! ```

use std::ffi::OsStr;
use std::marker::PhantomData;
use std::os::unix::io::RawFd;
use std::ptr::NonNull;
use std::time::Duration;

use crate::bus::{c_path, deadline_after, Bus, Options};
use crate::error::{Error, Result};
use crate::sys;

/// What a [`FanOut`] does with a subscriber that falls behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LagPolicy {
    /// The producer waits for the slowest subscriber.
    Block,
    /// The producer drops the subscriber that holds back the room it needs:
    /// that subscriber gets [`Error::Lagged`] and may [`Subscriber::rejoin`].
    Drop,
}

/// Where a subscriber starts reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Join {
    /// At the next message published.
    Newest,
    /// At the oldest message still in the ring.
    Oldest,
}

impl Join {
    fn to_c(self) -> u32 {
        match self {
            Join::Newest => sys::TACHYON_JOIN_NEWEST,
            Join::Oldest => sys::TACHYON_JOIN_OLDEST,
        }
    }
}

/// `None`: no limit; `Some(0)`: do not wait.
fn deadline_of(timeout: Option<Duration>) -> i64 {
    match timeout {
        None => sys::TACHYON_FOREVER,
        Some(d) if d.is_zero() => 0,
        Some(d) => deadline_after(d),
    }
}

/// The producer of a fan-out: each message is written once and read in place
/// by every subscriber. Send, not Sync (one thread produces).
pub struct FanOut {
    raw: NonNull<sys::tachyon_fanout_t>,
}

// SAFETY: the C fan-out may move between threads; it is used by one at a time (&mut-free API
// but not Sync).
unsafe impl Send for FanOut {}

impl FanOut {
    /// Creates a fan-out ring of `capacity` bytes on `path` and returns at
    /// once; subscribers join from then on.
    pub fn listen(path: impl AsRef<OsStr>, capacity: usize, policy: LagPolicy) -> Result<FanOut> {
        FanOut::listen_with(path, capacity, policy, Options::default())
    }

    /// [`FanOut::listen`] with [`Options`] (fingerprint, uid policy; the
    /// timeout is not used).
    pub fn listen_with(
        path: impl AsRef<OsStr>,
        capacity: usize,
        policy: LagPolicy,
        options: Options,
    ) -> Result<FanOut> {
        let path = c_path(path.as_ref())?;
        let opts = options.to_c();
        let policy = match policy {
            LagPolicy::Block => sys::TACHYON_LAG_BLOCK,
            LagPolicy::Drop => sys::TACHYON_LAG_DROP,
        };
        let mut raw = std::ptr::null_mut();
        // SAFETY: path is NUL-terminated; opts and raw are locals.
        Error::check(unsafe {
            sys::tachyon_fanout_listen(path.as_ptr(), capacity, policy, &opts, &mut raw)
        })?;
        Ok(FanOut { raw: NonNull::new(raw).ok_or(Error::System(None))? })
    }

    /// Publishes one message to every subscriber, waiting for room up to
    /// `timeout` (`None`: no limit; zero: [`Error::Full`] at once).
    pub fn send(&self, data: &[u8], type_id: u32, timeout: Option<Duration>) -> Result<()> {
        let deadline = deadline_of(timeout);
        loop {
            // SAFETY: raw is live; data is a valid slice for its length.
            let code = unsafe {
                sys::tachyon_fanout_send_until(
                    self.raw.as_ptr(),
                    data.as_ptr().cast(),
                    data.len(),
                    type_id,
                    deadline,
                )
            };
            if code == sys::TACHYON_ERR_INTERRUPTED {
                continue;
            }
            if code == sys::TACHYON_ERR_TOO_LARGE {
                // SAFETY: raw is live.
                let max = unsafe { sys::tachyon_fanout_max_message_size(self.raw.as_ptr()) };
                return Err(Error::TooLarge { size: data.len(), max });
            }
            return Error::check(code);
        }
    }

    /// Subscribers attached now.
    pub fn subscribers(&self) -> usize {
        // SAFETY: raw is live.
        unsafe { sys::tachyon_fanout_subscribers(self.raw.as_ptr()) }
    }
}

impl Drop for FanOut {
    fn drop(&mut self) {
        // SAFETY: raw is live and owned; not used after this.
        unsafe { sys::tachyon_fanout_destroy(self.raw.as_ptr()) }
    }
}

/// One subscriber of a fan-out. Send, not Sync.
pub struct Subscriber {
    raw: NonNull<sys::tachyon_sub_t>,
}

// SAFETY: as FanOut.
unsafe impl Send for Subscriber {}

/// A message held in place by a [`Subscriber`] until [`SubMessage::commit`]
/// (or drop, which releases it too).
pub struct SubMessage<'s> {
    sub: &'s Subscriber,
    type_id: u32,
    data: &'s [u8],
    done: bool,
}

impl<'s> SubMessage<'s> {
    /// The message's type id.
    pub fn type_id(&self) -> u32 {
        self.type_id
    }

    /// The payload, in place in the ring.
    pub fn data(&self) -> &[u8] {
        self.data
    }

    /// Releases the message. [`Error::Lagged`] if this subscriber was dropped
    /// while it held it: what was read from [`SubMessage::data`] may have been
    /// overwritten and must be discarded.
    pub fn commit(mut self) -> Result<()> {
        self.done = true;
        // SAFETY: the subscriber holds this message.
        Error::check(unsafe { sys::tachyon_sub_commit_rx(self.sub.raw.as_ptr()) })
    }
}

impl Drop for SubMessage<'_> {
    fn drop(&mut self) {
        if !self.done {
            // SAFETY: as commit; a drop cannot report Lagged.
            unsafe { sys::tachyon_sub_commit_rx(self.sub.raw.as_ptr()) };
        }
    }
}

impl Subscriber {
    /// Joins the fan-out on `path` (waiting up to 5 s for it to listen).
    pub fn connect(path: impl AsRef<OsStr>, join: Join) -> Result<Subscriber> {
        Subscriber::connect_with(path, join, Options::default())
    }

    /// [`Subscriber::connect`] with [`Options`] (fingerprint, timeout).
    pub fn connect_with(
        path: impl AsRef<OsStr>,
        join: Join,
        options: Options,
    ) -> Result<Subscriber> {
        let path = c_path(path.as_ref())?;
        let opts = options.to_c();
        let deadline = deadline_after(
            options.timeout.unwrap_or(Duration::from_nanos(sys::TACHYON_CONNECT_DEFAULT_NS as u64)),
        );
        loop {
            let mut raw = std::ptr::null_mut();
            let mut detail = sys::tachyon_error_detail_t::default();
            // SAFETY: path is NUL-terminated; the rest are locals.
            let code = unsafe {
                sys::tachyon_sub_connect_until(
                    path.as_ptr(),
                    &opts,
                    join.to_c(),
                    deadline,
                    &mut raw,
                    &mut detail,
                )
            };
            if code == sys::TACHYON_ERR_INTERRUPTED {
                continue;
            }
            if code != sys::TACHYON_OK {
                return Err(Error::from_detail(&detail));
            }
            return Ok(Subscriber { raw: NonNull::new(raw).ok_or(Error::System(None))? });
        }
    }

    /// The next message in place, waiting up to `timeout` (`None`: no limit;
    /// zero: [`Error::Empty`] at once). [`Error::PeerGone`] at the end of the
    /// stream, [`Error::Lagged`] once dropped.
    pub fn recv(&self, timeout: Option<Duration>) -> Result<SubMessage<'_>> {
        let deadline = deadline_of(timeout);
        let (mut type_id, mut size) = (0u32, 0usize);
        loop {
            // SAFETY: raw is live; type_id and size are locals.
            let p = unsafe {
                if deadline == 0 {
                    sys::tachyon_sub_acquire_rx(self.raw.as_ptr(), &mut type_id, &mut size)
                } else {
                    sys::tachyon_sub_acquire_rx_until(
                        self.raw.as_ptr(),
                        &mut type_id,
                        &mut size,
                        deadline,
                    )
                }
            };
            if !p.is_null() {
                // SAFETY: the C call returned `size` readable bytes at p, valid until the commit, which
                // needs this borrow of self to end first.
                let data = unsafe { std::slice::from_raw_parts(p.cast::<u8>(), size) };
                return Ok(SubMessage { sub: self, type_id, data, done: false });
            }
            // SAFETY: raw is live.
            let code = unsafe { sys::tachyon_sub_last_error(self.raw.as_ptr()) };
            if code != sys::TACHYON_ERR_INTERRUPTED {
                return Err(Error::from_code(code).unwrap_or(Error::System(None)));
            }
        }
    }

    /// After [`Error::Lagged`]: takes this subscriber's place back.
    pub fn rejoin(&self, join: Join) -> Result<()> {
        // SAFETY: raw is live.
        Error::check(unsafe { sys::tachyon_sub_rejoin(self.raw.as_ptr(), join.to_c()) })
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        // SAFETY: raw is live and owned.
        unsafe { sys::tachyon_sub_destroy(self.raw.as_ptr()) }
    }
}

/// Who sent a fan-in message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sender {
    /// Numbers producers from 1 in the order they joined; never reused.
    pub id: u64,
    /// The producer's process.
    pub pid: u32,
}

/// The consumer of a fan-in. Send, not Sync.
pub struct FanIn {
    raw: NonNull<sys::tachyon_fanin_t>,
}

// SAFETY: as FanOut (its listener thread is the library's own).
unsafe impl Send for FanIn {}

/// A fan-in message held in place until [`FanInMessage::commit`] or drop.
pub struct FanInMessage<'f> {
    fi: &'f FanIn,
    type_id: u32,
    data: &'f [u8],
    sender: Sender,
    done: bool,
}

impl FanInMessage<'_> {
    /// The message's type id.
    pub fn type_id(&self) -> u32 {
        self.type_id
    }
    /// The payload, in place in the sender's ring.
    pub fn data(&self) -> &[u8] {
        self.data
    }
    /// Who sent it.
    pub fn sender(&self) -> Sender {
        self.sender
    }
    /// Releases the message.
    pub fn commit(mut self) -> Result<()> {
        self.done = true;
        // SAFETY: the fan-in holds this message.
        Error::check(unsafe { sys::tachyon_fanin_commit_rx(self.fi.raw.as_ptr()) })
    }
}

impl Drop for FanInMessage<'_> {
    fn drop(&mut self) {
        if !self.done {
            // SAFETY: as commit.
            unsafe { sys::tachyon_fanin_commit_rx(self.fi.raw.as_ptr()) };
        }
    }
}

impl FanIn {
    /// Binds `path` and returns at once; producers connect with
    /// [`Bus::connect`], each getting a ring of `capacity` bytes.
    pub fn listen(path: impl AsRef<OsStr>, capacity: usize) -> Result<FanIn> {
        FanIn::listen_with(path, capacity, Options::default())
    }

    /// [`FanIn::listen`] with [`Options`].
    pub fn listen_with(
        path: impl AsRef<OsStr>,
        capacity: usize,
        options: Options,
    ) -> Result<FanIn> {
        let path = c_path(path.as_ref())?;
        let opts = options.to_c();
        let mut raw = std::ptr::null_mut();
        // SAFETY: path is NUL-terminated; opts and raw are locals.
        Error::check(unsafe {
            sys::tachyon_fanin_listen(path.as_ptr(), capacity, &opts, &mut raw)
        })?;
        Ok(FanIn { raw: NonNull::new(raw).ok_or(Error::System(None))? })
    }

    /// The next message, one per producer in turn, waiting up to `timeout`
    /// (`None`: no limit; zero: [`Error::Empty`] at once).
    pub fn recv(&self, timeout: Option<Duration>) -> Result<FanInMessage<'_>> {
        let deadline = deadline_of(timeout);
        let (mut type_id, mut size) = (0u32, 0usize);
        let mut from = sys::tachyon_sender_t::default();
        loop {
            // SAFETY: raw is live; the out-parameters are locals.
            let p = unsafe {
                if deadline == 0 {
                    sys::tachyon_fanin_acquire_rx(
                        self.raw.as_ptr(),
                        &mut type_id,
                        &mut size,
                        &mut from,
                    )
                } else {
                    sys::tachyon_fanin_acquire_rx_until(
                        self.raw.as_ptr(),
                        &mut type_id,
                        &mut size,
                        &mut from,
                        deadline,
                    )
                }
            };
            if !p.is_null() {
                // SAFETY: `size` readable bytes at p until the commit.
                let data = unsafe { std::slice::from_raw_parts(p.cast::<u8>(), size) };
                let sender = Sender { id: from.id, pid: from.pid };
                return Ok(FanInMessage { fi: self, type_id, data, sender, done: false });
            }
            // SAFETY: raw is live.
            let code = unsafe { sys::tachyon_fanin_last_error(self.raw.as_ptr()) };
            if code != sys::TACHYON_ERR_INTERRUPTED {
                return Err(Error::from_code(code).unwrap_or(Error::System(None)));
            }
        }
    }

    /// Producers attached now.
    pub fn producers(&self) -> usize {
        // SAFETY: raw is live.
        unsafe { sys::tachyon_fanin_producers(self.raw.as_ptr()) }
    }
}

impl Drop for FanIn {
    fn drop(&mut self) {
        // SAFETY: raw is live and owned.
        unsafe { sys::tachyon_fanin_destroy(self.raw.as_ptr()) }
    }
}

/// One thread waiting on many consumers ([`Bus`] consumer sides,
/// [`Subscriber`]s, [`FanIn`]s), which it borrows for `'a`.
pub struct WaitSet<'a> {
    raw: NonNull<sys::tachyon_waitset_t>,
    members: PhantomData<&'a ()>,
}

impl<'a> WaitSet<'a> {
    /// An empty wait-set.
    pub fn new() -> Result<WaitSet<'a>> {
        let mut raw = std::ptr::null_mut();
        // SAFETY: raw is a local.
        Error::check(unsafe { sys::tachyon_waitset_new(&mut raw) })?;
        Ok(WaitSet { raw: NonNull::new(raw).ok_or(Error::System(None))?, members: PhantomData })
    }

    /// Adds a bus's consumer side under `key` ([`Error::State`] for a
    /// producer, a key or member already there).
    pub fn add_bus(&mut self, bus: &'a Bus, key: u64) -> Result<()> {
        // SAFETY: both live; the borrow keeps the bus alive as long as the set.
        Error::check(unsafe { sys::tachyon_waitset_add_bus(self.raw.as_ptr(), bus.as_raw(), key) })
    }

    /// Adds a subscriber under `key`.
    pub fn add_subscriber(&mut self, sub: &'a Subscriber, key: u64) -> Result<()> {
        // SAFETY: as add_bus.
        Error::check(unsafe {
            sys::tachyon_waitset_add_sub(self.raw.as_ptr(), sub.raw.as_ptr(), key)
        })
    }

    /// Adds a fan-in under `key`.
    pub fn add_fanin(&mut self, fi: &'a FanIn, key: u64) -> Result<()> {
        // SAFETY: as add_bus.
        Error::check(unsafe {
            sys::tachyon_waitset_add_fanin(self.raw.as_ptr(), fi.raw.as_ptr(), key)
        })
    }

    /// Removes the member under `key`.
    pub fn remove(&mut self, key: u64) -> Result<()> {
        // SAFETY: raw is live.
        Error::check(unsafe { sys::tachyon_waitset_remove(self.raw.as_ptr(), key) })
    }

    /// The keys of the members with something to read, waiting until there
    /// is one or `timeout` passed (`None`: no limit; zero: do not wait, and
    /// re-arm the readiness fd). Empty on timeout.
    pub fn wait(&mut self, timeout: Option<Duration>) -> Result<Vec<u64>> {
        let deadline = deadline_of(timeout);
        let mut keys = [0u64; sys::TACHYON_MAX_MEMBERS as usize];
        loop {
            let mut err = sys::TACHYON_OK;
            // SAFETY: raw is live; keys holds max entries; err is a local.
            let n = unsafe {
                sys::tachyon_waitset_wait_until(
                    self.raw.as_ptr(),
                    keys.as_mut_ptr(),
                    keys.len(),
                    deadline,
                    &mut err,
                )
            };
            if n > 0 || err == sys::TACHYON_ERR_TIMEOUT {
                return Ok(keys[..n].to_vec());
            }
            if err != sys::TACHYON_ERR_INTERRUPTED {
                return Err(Error::from_code(err).unwrap_or(Error::System(None)));
            }
        }
    }

    /// An fd (an epoll fd) that becomes readable when a member has something
    /// to read (for epoll, mio, tokio's `AsyncFd`); after it fires call
    /// `wait(Some(Duration::ZERO))`: it stays readable until such a call
    /// finds nothing. Owned by the wait-set.
    pub fn fd(&mut self) -> Result<RawFd> {
        // SAFETY: raw is live.
        let fd = unsafe { sys::tachyon_waitset_fd(self.raw.as_ptr()) };
        if fd < 0 {
            Err(Error::System(None))
        } else {
            Ok(fd)
        }
    }
}

impl Drop for WaitSet<'_> {
    fn drop(&mut self) {
        // SAFETY: raw is live and owned.
        unsafe { sys::tachyon_waitset_destroy(self.raw.as_ptr()) }
    }
}
