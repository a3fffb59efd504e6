//! [`Bus`] and its guards: the safe layer over the C API.

use std::cell::{Cell, UnsafeCell};
use std::ffi::{CString, OsStr};
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::os::unix::ffi::OsStrExt;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::sys;

/// Settings for [`Bus::listen_with`] and [`Bus::connect_with`].
///
/// ```
/// use std::time::Duration;
/// use tachyon_ipc::Options;
/// let opts = Options { fingerprint: 0x1234, timeout: Some(Duration::from_secs(2)), ..Options::default() };
/// assert!(!opts.allow_any_uid);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Schema fingerprint the bus is bound to (a generated `FINGERPRINT`
    /// constant); 0 leaves it unbound. Peers whose fingerprints differ are
    /// refused during the handshake with [`Error::SchemaMismatch`].
    pub fingerprint: u64,
    /// Listen: how long to wait for a connector; connect: how long to wait
    /// for a listener to appear on the path, plus the handshake. `None`
    /// keeps the library default (listen waits forever, connect gives up
    /// after 5 s, [`sys::TACHYON_CONNECT_DEFAULT_NS`]). Nanosecond precision;
    /// a duration too long to represent means no deadline.
    pub timeout: Option<Duration>,
    /// Accept a connector of any uid (default: only the listener's own uid).
    pub allow_any_uid: bool,
}

impl Options {
    pub(crate) fn to_c(self) -> sys::tachyon_options_t {
        sys::tachyon_options_t {
            schema_fingerprint: self.fingerprint,
            timeout_ns: 0, // the _until calls take the deadline instead
            flags: if self.allow_any_uid { sys::TACHYON_OPT_ALLOW_ANY_UID } else { 0 },
            reserved: 0,
        }
    }

    /// The C deadline of a listen (`default`: None) or connect (5 s).
    fn deadline(self, default: Option<Duration>) -> i64 {
        match self.timeout.or(default) {
            None => sys::TACHYON_FOREVER,
            Some(d) => deadline_after(d),
        }
    }
}

/// Which side of a bus this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The listener: it receives.
    Consumer,
    /// The connector: it sends.
    Producer,
}

/// This side's own counters ([`Bus::stats`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Messages committed (producer) or consumed (consumer).
    pub messages: u64,
    /// Payload bytes of those messages.
    pub bytes: u64,
    /// Producer: tail publications (batches).
    pub publishes: u64,
    /// Producer: times it found the ring full.
    pub full_events: u64,
    /// Futex sleeps of this side.
    pub sleeps: u64,
    /// Futex wakes this side issued to its peer.
    pub wakes: u64,
}

/// One side of a Tachyon bus: a single-producer, single-consumer ring of
/// framed messages in shared memory.
///
/// [`Bus::listen`] makes the consumer, [`Bus::connect`] the producer. A bus is
/// [`Send`] (move it to the thread that uses it) but not [`Sync`]: each side is
/// driven by one thread at a time. At most one guard ([`TxGuard`],
/// [`RxGuard`], [`Batch`]) exists per bus at a time; asking for a second one
/// while the first is alive fails with [`Error::State`]. Dropping the bus
/// closes this side: a producer publishes what it committed first, and the
/// peer sees [`Error::PeerGone`] once it has read everything.
///
/// ```no_run
/// use tachyon_ipc::Bus;
/// # fn main() -> Result<(), tachyon_ipc::Error> {
/// let bus = Bus::connect("@quotes")?;
/// bus.send(b"hello", 1)?;
/// # Ok(()) }
/// ```
///
/// Sharing one side between threads does not compile:
///
/// ```compile_fail
/// fn shared<T: Sync>(_: &T) {}
/// # fn f(bus: &tachyon_ipc::Bus) {
/// shared(bus); // error: `Bus` is not `Sync`
/// # }
/// ```
pub struct Bus {
    raw: NonNull<sys::tachyon_bus_t>,
    /// A guard borrowed from this bus is alive.
    held: Cell<bool>,
    /// Descriptors filled by `tachyon_drain_batch`; reused across batches.
    batch: UnsafeCell<Vec<sys::tachyon_msg_t>>,
}

// SAFETY: libtachyon allows a bus to be used by any one thread at a time. The
// bus owns its C state exclusively, so moving it to another thread is fine. It
// stays !Sync (Cell, UnsafeCell), so two threads can never use it at once.
unsafe impl Send for Bus {}

impl fmt::Debug for Bus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bus")
            .field("role", &self.role())
            .field("capacity", &self.capacity())
            .field("fingerprint", &self.schema_fingerprint())
            .finish()
    }
}

pub(crate) fn c_path(path: &OsStr) -> Result<CString> {
    CString::new(path.as_bytes()).map_err(|_| Error::InvalidArg)
}

/// The C deadline (`CLOCK_MONOTONIC` ns, as `tachyon_now_ns`) `timeout` from
/// now; no deadline when it cannot be represented.
pub(crate) fn deadline_after(timeout: Duration) -> i64 {
    // SAFETY: no arguments; reads the clock.
    let now = unsafe { sys::tachyon_now_ns() };
    i64::try_from(timeout.as_nanos())
        .ok()
        .and_then(|ns| now.checked_add(ns))
        .unwrap_or(sys::TACHYON_FOREVER)
}

/// How long a call may wait.
#[derive(Clone, Copy)]
enum Wait {
    /// Fail at once with `Full` / `Empty`.
    Never,
    /// Wait until it works, the peer goes away or the ring is corrupt.
    Forever,
    /// Wait at most this long, then fail with `Timeout`. The deadline is
    /// taken (a clock read) only once a first try found no room or nothing
    /// to read, as `tachyon_acquire_tx_blocking` does: a call that succeeds
    /// at once costs no clock read.
    For(Duration),
}

impl Wait {
    /// The C deadline of a call that has to wait, from now; None: never wait.
    fn deadline(self) -> Option<i64> {
        match self {
            Wait::Never => None,
            Wait::Forever => Some(sys::TACHYON_FOREVER),
            Wait::For(timeout) => Some(deadline_after(timeout)),
        }
    }
}

// ---- The inline hot path ---------------------------------------------------
//
// tachyon.h's inline functions, mirrored over sys::tachyon_bus_hot_t (the
// documented first bytes of every bus, ABI.md "The inline hot path"): the
// same checks, the same frame writes and publication rule, and every other
// case (a wrap, a ring that looks full or empty, a wake to deliver, an
// error) handed to the library's tachyon_hot1_* function, which does what
// the public function does from there. A send or receive that takes the
// common case makes no FFI call at all.
//
// SAFETY (all of them): `bus` is a live bus used by this thread only (Bus is
// !Sync), so nothing else touches its hot fields meanwhile; no reference to
// them is kept across the tachyon_hot1_* calls, which also write them.

/// Ring bytes of a frame with `size` payload bytes (`TACHYON_FRAME_LEN_`;
/// wraps for a size near 2^64, which is only used once the size is known to
/// be at most max_message).
#[inline(always)]
fn frame_len(size: u64) -> u64 {
    const ALIGN: u64 = sys::TACHYON_FRAME_ALIGN as u64;
    size.wrapping_add(u64::from(sys::TACHYON_FRAME_HEADER) + ALIGN - 1) & !(ALIGN - 1)
}

#[inline(always)]
unsafe fn hot_acquire_tx(bus: *mut sys::tachyon_bus_t, max_size: usize) -> *mut u8 {
    let h = bus.cast::<sys::tachyon_bus_hot_t>();
    let wpos = (*h).wpos;
    let idx = wpos & (*h).mask;
    let size = max_size as u64;
    let len = frame_len(size);
    if (*h).reserving != 0
        || size > (*h).max_message
        || idx + len > (*h).capacity
        || (*h).capacity - wpos.wrapping_sub((*h).cached_head) < len
    {
        return sys::tachyon_hot1_acquire_tx(bus, max_size).cast();
    }
    (*h).reserving = 1;
    (*h).res_frame = wpos;
    (*h).res_max = size;
    (*h).ring.add(idx as usize + sys::TACHYON_FRAME_HEADER as usize)
}

#[inline(always)]
unsafe fn hot_commit_tx(
    bus: *mut sys::tachyon_bus_t,
    actual_size: usize,
    type_id: u32,
) -> sys::tachyon_error_t {
    let h = bus.cast::<sys::tachyon_bus_hot_t>();
    let size = actual_size as u64;
    // A reservation at the next lap (2) needs a wrap marker first.
    if (*h).reserving != 1 || size > (*h).res_max {
        return sys::tachyon_hot1_commit_tx(bus, actual_size, type_id);
    }
    let frame = (*h).wpos; // == res_frame for a reservation of kind 1
    let header = (*h).ring.add((frame & (*h).mask) as usize);
    // The frame header (ABI.md section 2): size and type, then the stamp
    // with a release store, which the consumer's acquire load pairs with.
    (*header.cast::<AtomicU32>()).store(actual_size as u32, Ordering::Relaxed);
    (*header.add(4).cast::<AtomicU32>()).store(type_id, Ordering::Relaxed);
    (*header.add(8).cast::<AtomicU64>()).store(frame ^ sys::TACHYON_STAMP_MSG, Ordering::Release);
    (*h).wpos = frame + frame_len(size);
    (*h).reserving = 0;
    (*h).stats.messages += 1;
    (*h).stats.bytes += size;
    (*h).pending += 1;
    if (*h).pending >= sys::TACHYON_BATCH {
        return sys::tachyon_hot1_publish(bus);
    }
    sys::TACHYON_OK
}

#[inline(always)]
unsafe fn hot_acquire_rx(
    bus: *mut sys::tachyon_bus_t,
    type_id: &mut u32,
    size: &mut usize,
) -> *const u8 {
    let h = bus.cast::<sys::tachyon_bus_hot_t>();
    let p = (*h).rpos;
    if (*h).hold != 0 || p == (*h).limit {
        return sys::tachyon_hot1_acquire_rx(bus, type_id, size).cast();
    }
    let idx = p & (*h).mask;
    let header = (*h).ring.add(idx as usize);
    // Pairs with the producer's release store of the stamp. A wrap marker or
    // anything else goes the slow way, which skips or reports it.
    if (*header.add(8).cast::<AtomicU64>()).load(Ordering::Acquire) != p ^ sys::TACHYON_STAMP_MSG {
        return sys::tachyon_hot1_acquire_rx(bus, type_id, size).cast();
    }
    let sz = u64::from((*header.cast::<AtomicU32>()).load(Ordering::Relaxed)); // read once
    let len = frame_len(sz);
    if sz > (*h).max_message || idx + len > (*h).capacity || len > (*h).limit.wrapping_sub(p) {
        return sys::tachyon_hot1_acquire_rx(bus, type_id, size).cast(); // reports CORRUPT
    }
    (*h).hold = 1;
    (*h).held_end = p + len;
    (*h).held_bytes = sz;
    *type_id = (*header.add(4).cast::<AtomicU32>()).load(Ordering::Relaxed);
    *size = sz as usize;
    header.add(sys::TACHYON_FRAME_HEADER as usize)
}

#[inline(always)]
unsafe fn hot_commit_rx(bus: *mut sys::tachyon_bus_t) -> sys::tachyon_error_t {
    let h = bus.cast::<sys::tachyon_bus_hot_t>();
    if (*h).hold != 1 {
        return sys::tachyon_hot1_commit_rx(bus);
    }
    let rpos = (*h).held_end;
    (*h).rpos = rpos;
    (*h).hold = 0;
    (*h).stats.messages += 1;
    (*h).stats.bytes += (*h).held_bytes;
    let seg = (*h).shm.cast::<u8>();
    // Release the space at once (ABI.md, consumer rule 3): the SeqCst swap of
    // head is the release the producer's acquire load of head pairs with, and
    // the first half of the Dekker pair with producer_sleeping, loaded next.
    let head = &*seg.add(sys::TACHYON_SEG_HEAD).cast::<AtomicU64>();
    let producer_sleeping = &*seg.add(sys::TACHYON_SEG_PRODUCER_SLEEPING).cast::<AtomicU32>();
    head.swap(rpos, Ordering::SeqCst);
    if producer_sleeping.load(Ordering::SeqCst) != 0 {
        return sys::tachyon_hot1_release_wake(bus);
    }
    sys::TACHYON_OK
}

/// The bus's last error code, without a call (the hot struct's copy).
#[inline(always)]
unsafe fn hot_last_error(bus: *mut sys::tachyon_bus_t) -> sys::tachyon_error_t {
    (*bus.cast::<sys::tachyon_bus_hot_t>()).last_error
}

impl Bus {
    /// Runs a listen or connect `_until` call, again after a signal
    /// interrupted it (with the same deadline), and wraps the bus it made.
    fn open(
        mut f: impl FnMut(
            *mut *mut sys::tachyon_bus_t,
            *mut sys::tachyon_error_detail_t,
        ) -> sys::tachyon_error_t,
    ) -> Result<Bus> {
        loop {
            let mut raw = std::ptr::null_mut();
            let mut detail = sys::tachyon_error_detail_t::default();
            let code = f(&mut raw, &mut detail);
            if code == sys::TACHYON_ERR_INTERRUPTED {
                continue;
            }
            if code != sys::TACHYON_OK {
                return Err(Error::from_detail(&detail));
            }
            let raw = NonNull::new(raw).ok_or(Error::System(None))?;
            return Ok(Bus { raw, held: Cell::new(false), batch: UnsafeCell::new(Vec::new()) });
        }
    }

    /// Listens on `path` (a filesystem path, or `"@name"` for the abstract
    /// namespace), waits for one connector and returns the consumer side of a
    /// new ring of `capacity` bytes (a power of two, 256 to 2^40).
    ///
    /// Blocks until a producer connects. Connectors that send garbage, stall
    /// or run under another uid are dropped and the wait goes on.
    pub fn listen(path: impl AsRef<OsStr>, capacity: usize) -> Result<Bus> {
        Bus::listen_with(path, capacity, Options::default())
    }

    /// [`Bus::listen`] with [`Options`] (schema fingerprint, timeout, uid policy).
    pub fn listen_with(path: impl AsRef<OsStr>, capacity: usize, options: Options) -> Result<Bus> {
        let path = c_path(path.as_ref())?;
        let opts = options.to_c();
        let deadline = options.deadline(None);
        // SAFETY: path is NUL-terminated; opts, out and detail point to locals.
        Bus::open(|out, detail| unsafe {
            sys::tachyon_bus_listen_until(path.as_ptr(), capacity, &opts, deadline, out, detail)
        })
    }

    /// Connects to the listener on `path` and returns the producer side.
    /// While nobody listens there yet it keeps retrying (every few ms) for
    /// up to 5 s, or [`Options::timeout`], then fails with
    /// [`Error::NoListener`], which says how long it waited.
    pub fn connect(path: impl AsRef<OsStr>) -> Result<Bus> {
        Bus::connect_with(path, Options::default())
    }

    /// [`Bus::connect`] with [`Options`].
    pub fn connect_with(path: impl AsRef<OsStr>, options: Options) -> Result<Bus> {
        let path = c_path(path.as_ref())?;
        let opts = options.to_c();
        let default = Duration::from_nanos(sys::TACHYON_CONNECT_DEFAULT_NS as u64);
        let deadline = options.deadline(Some(default));
        // SAFETY: path is NUL-terminated; opts, out and detail point to locals.
        Bus::open(|out, detail| unsafe {
            sys::tachyon_bus_connect_until(path.as_ptr(), &opts, deadline, out, detail)
        })
    }

    /// The raw C handle, for calls in [`sys`] the safe layer does not wrap.
    /// It stays owned by this `Bus`; do not destroy it.
    pub fn as_raw(&self) -> *mut sys::tachyon_bus_t {
        self.raw.as_ptr()
    }

    /// Why the last call on this bus failed, with its numbers.
    fn last_error(&self) -> Error {
        let mut detail = sys::tachyon_error_detail_t::default();
        // SAFETY: raw is a live bus; detail is a local.
        unsafe { sys::tachyon_last_error_detail(self.raw.as_ptr(), &mut detail) };
        Error::from_detail(&detail)
    }

    /// `Ok` for `TACHYON_OK`, else the bus's last error (with its numbers).
    fn check(&self, code: sys::tachyon_error_t) -> Result<()> {
        if code == sys::TACHYON_OK {
            Ok(())
        } else {
            Err(self.last_error())
        }
    }

    #[inline]
    fn take_guard_slot(&self) -> Result<()> {
        if self.held.replace(true) {
            Err(Error::State)
        } else {
            Ok(())
        }
    }

    // ---- producer --------------------------------------------------------

    /// Sends a copy of `data` as one message and publishes it at once, waiting
    /// (spin, then futex sleep) while the ring is full. The wait has no
    /// deadline, but ends with [`Error::PeerGone`] if the consumer closes or
    /// dies; see [`Bus::send_timeout`] and [`Bus::try_send`].
    ///
    /// For high rates write in place with [`Bus::acquire_tx`], which batches
    /// publication.
    pub fn send(&self, data: &[u8], type_id: u32) -> Result<()> {
        self.send_inner(data, type_id, Wait::Forever)
    }

    /// [`Bus::send`] that gives up with [`Error::Timeout`] after `timeout`.
    pub fn send_timeout(&self, data: &[u8], type_id: u32, timeout: Duration) -> Result<()> {
        self.send_inner(data, type_id, Wait::For(timeout))
    }

    /// [`Bus::send`] that never waits: [`Error::Full`] when there is no room.
    pub fn try_send(&self, data: &[u8], type_id: u32) -> Result<()> {
        self.send_inner(data, type_id, Wait::Never)
    }

    fn send_inner(&self, data: &[u8], type_id: u32, wait: Wait) -> Result<()> {
        let raw = self.raw.as_ptr();
        let ptr = data.as_ptr().cast();
        // SAFETY: raw is live; data is readable for data.len() bytes.
        let mut code = unsafe { sys::tachyon_send(raw, ptr, data.len(), type_id) };
        if code == sys::TACHYON_ERR_FULL {
            if let Some(deadline) = wait.deadline() {
                loop {
                    // SAFETY: as above.
                    code =
                        unsafe { sys::tachyon_send_until(raw, ptr, data.len(), type_id, deadline) };
                    if code != sys::TACHYON_ERR_INTERRUPTED {
                        break;
                    }
                    // interrupted by a signal: again, with the same deadline
                }
            }
        }
        self.check(code)?;
        self.flush()
    }

    /// Publishes every committed message now and wakes a sleeping consumer.
    /// Commits through [`TxGuard::commit`] are otherwise published every 32
    /// commits ([`sys::TACHYON_BATCH`]) and when the bus is dropped.
    pub fn flush(&self) -> Result<()> {
        // SAFETY: raw is live.
        Error::check(unsafe { sys::tachyon_flush(self.raw.as_ptr()) })
    }

    /// Reserves room for a message of up to `max_size` bytes and returns a
    /// guard to write it in place, waiting while the ring is full (no
    /// deadline; [`Error::PeerGone`] if the consumer goes away).
    ///
    /// The guard dereferences to the `max_size` reserved bytes. Commit it with
    /// [`TxGuard::commit`]; dropping it uncommitted rolls the reservation back.
    /// Committed messages are published in batches: call [`Bus::flush`] when
    /// the consumer should see them now.
    ///
    /// ```no_run
    /// # use tachyon_ipc::Bus;
    /// # fn main() -> Result<(), tachyon_ipc::Error> {
    /// let bus = Bus::connect("@quotes")?;
    /// let mut tx = bus.acquire_tx(32)?;
    /// tx[..5].copy_from_slice(b"hello");
    /// tx.commit(5, 1)?;
    /// bus.flush()?;
    /// # Ok(()) }
    /// ```
    #[inline]
    pub fn acquire_tx(&self, max_size: usize) -> Result<TxGuard<'_>> {
        self.tx_inner(max_size, Wait::Forever)
    }

    /// [`Bus::acquire_tx`] that gives up with [`Error::Timeout`] after `timeout`.
    #[inline]
    pub fn acquire_tx_timeout(&self, max_size: usize, timeout: Duration) -> Result<TxGuard<'_>> {
        self.tx_inner(max_size, Wait::For(timeout))
    }

    /// [`Bus::acquire_tx`] that never waits: [`Error::Full`] when there is no room.
    #[inline]
    pub fn try_acquire_tx(&self, max_size: usize) -> Result<TxGuard<'_>> {
        self.tx_inner(max_size, Wait::Never)
    }

    #[inline]
    fn tx_inner(&self, max_size: usize, wait: Wait) -> Result<TxGuard<'_>> {
        self.take_guard_slot()?;
        // SAFETY: raw is live and holds no reservation (held was false).
        let ptr = unsafe { hot_acquire_tx(self.raw.as_ptr(), max_size) };
        match NonNull::new(ptr) {
            Some(ptr) => Ok(TxGuard { bus: self, ptr, len: max_size, committed: false }),
            None => self.tx_wait(max_size, wait),
        }
    }

    /// The rest of [`Bus::tx_inner`] after a first try found no room (or failed).
    #[cold]
    fn tx_wait(&self, max_size: usize, wait: Wait) -> Result<TxGuard<'_>> {
        let raw = self.raw.as_ptr();
        // SAFETY: raw is live.
        let full = unsafe { hot_last_error(raw) } == sys::TACHYON_ERR_FULL;
        let deadline = match wait.deadline() {
            Some(d) if full => d,
            _ => {
                self.held.set(false);
                // Full carries no numbers: spare a try_acquire_tx loop the lookup.
                return Err(if full { Error::Full } else { self.last_error() });
            }
        };
        loop {
            // SAFETY: raw is live and holds no reservation.
            let ptr = unsafe { sys::tachyon_acquire_tx_until(raw, max_size, deadline) };
            if let Some(ptr) = NonNull::new(ptr.cast::<u8>()) {
                return Ok(TxGuard { bus: self, ptr, len: max_size, committed: false });
            }
            match self.last_error() {
                Error::Interrupted => continue, // same deadline
                e => {
                    self.held.set(false);
                    return Err(e);
                }
            }
        }
    }

    // ---- consumer --------------------------------------------------------

    /// Waits for the next message and returns a guard over it, in place.
    /// Spins `spin` times before it sleeps on a futex; there is no deadline,
    /// but the wait ends with [`Error::PeerGone`] once the producer closed or
    /// died and everything it committed was delivered.
    ///
    /// ```no_run
    /// # use tachyon_ipc::Bus;
    /// # fn main() -> Result<(), tachyon_ipc::Error> {
    /// let bus = Bus::listen("@quotes", 1 << 16)?;
    /// let msg = bus.acquire_rx(10_000)?;
    /// println!("type {} with {} bytes: {:?}", msg.type_id, msg.actual_size, msg.data());
    /// msg.commit()?;
    /// # Ok(()) }
    /// ```
    #[inline]
    pub fn acquire_rx(&self, spin: u32) -> Result<RxGuard<'_>> {
        self.rx_inner(spin, Wait::Forever)
    }

    /// [`Bus::acquire_rx`] that gives up with [`Error::Timeout`] after `timeout`.
    #[inline]
    pub fn acquire_rx_timeout(&self, spin: u32, timeout: Duration) -> Result<RxGuard<'_>> {
        self.rx_inner(spin, Wait::For(timeout))
    }

    /// The next message if one is published, else [`Error::Empty`] (or
    /// [`Error::PeerGone`] when the producer is gone and everything was
    /// read). Never blocks and makes no system call.
    #[inline]
    pub fn try_acquire_rx(&self) -> Result<RxGuard<'_>> {
        self.rx_inner(0, Wait::Never)
    }

    #[inline]
    fn rx_inner(&self, spin: u32, wait: Wait) -> Result<RxGuard<'_>> {
        self.take_guard_slot()?;
        let mut type_id = 0u32;
        let mut size = 0usize;
        // SAFETY: raw is live and holds no message (held was false).
        let ptr = unsafe { hot_acquire_rx(self.raw.as_ptr(), &mut type_id, &mut size) };
        if ptr.is_null() {
            return self.rx_wait(spin, wait);
        }
        Ok(RxGuard { bus: self, ptr, len: size, type_id, actual_size: size, committed: false })
    }

    /// The rest of [`Bus::rx_inner`] after a first try found nothing (or failed).
    #[cold]
    fn rx_wait(&self, spin: u32, wait: Wait) -> Result<RxGuard<'_>> {
        let raw = self.raw.as_ptr();
        // SAFETY: raw is live.
        let empty = unsafe { hot_last_error(raw) } == sys::TACHYON_ERR_EMPTY;
        let deadline = match wait.deadline() {
            Some(d) if empty => d,
            _ => {
                self.held.set(false);
                // Full carries no numbers: spare a try_acquire_rx loop the lookup.
                return Err(if empty { Error::Empty } else { self.last_error() });
            }
        };
        let mut type_id = 0u32;
        let mut size = 0usize;
        loop {
            // SAFETY: raw is live and holds no message; type_id and size are locals.
            let ptr = unsafe {
                sys::tachyon_acquire_rx_until(raw, &mut type_id, &mut size, spin, deadline)
            };
            if !ptr.is_null() {
                return Ok(RxGuard {
                    bus: self,
                    ptr: ptr.cast(),
                    len: size,
                    type_id,
                    actual_size: size,
                    committed: false,
                });
            }
            match self.last_error() {
                Error::Interrupted => continue, // same deadline
                e => {
                    self.held.set(false);
                    return Err(e);
                }
            }
        }
    }

    /// Takes up to `max` messages that are published now, without waiting,
    /// as one [`Batch`] released with a single head update. An empty batch
    /// means nothing was there; [`Error::PeerGone`] means the producer is
    /// gone and everything was read.
    ///
    /// ```no_run
    /// # use tachyon_ipc::Bus;
    /// # fn main() -> Result<(), tachyon_ipc::Error> {
    /// let bus = Bus::listen("@quotes", 1 << 16)?;
    /// let batch = bus.drain_batch(64)?;
    /// for msg in &batch {
    ///     println!("type {}: {} bytes", msg.type_id, msg.data.len());
    /// }
    /// batch.commit()?;
    /// # Ok(()) }
    /// ```
    pub fn drain_batch(&self, max: usize) -> Result<Batch<'_>> {
        self.take_guard_slot()?;
        // SAFETY: held was false, so no Batch borrows the buffer now.
        let buf = unsafe { &mut *self.batch.get() };
        buf.clear();
        buf.reserve(max);
        // SAFETY: raw is live and holds nothing; buf has room for max entries.
        let n = unsafe { sys::tachyon_drain_batch(self.raw.as_ptr(), buf.as_mut_ptr(), max) };
        if n == 0 {
            self.held.set(false);
            return match self.last_error() {
                Error::Empty => Ok(Batch { bus: self, msgs: &[], committed: true }),
                e => Err(e),
            };
        }
        // SAFETY: the C call initialised the first n <= max entries.
        unsafe { buf.set_len(n.min(max)) };
        Ok(Batch { bus: self, msgs: buf.as_slice(), committed: false })
    }

    // ---- queries ---------------------------------------------------------

    /// This side's role: [`Role::Consumer`] for a listener, [`Role::Producer`] for a connector.
    pub fn role(&self) -> Role {
        // SAFETY: raw is live.
        match unsafe { sys::tachyon_bus_role(self.raw.as_ptr()) } {
            sys::TACHYON_ROLE_PRODUCER => Role::Producer,
            _ => Role::Consumer,
        }
    }

    /// Ring capacity in bytes.
    pub fn capacity(&self) -> usize {
        // SAFETY: raw is live.
        unsafe { sys::tachyon_capacity(self.raw.as_ptr()) }
    }

    /// Largest payload one message may have (capacity / 2 - 16, at most `TACHYON_MAX_MESSAGE`, 4 GiB - 64).
    pub fn max_message_size(&self) -> usize {
        // SAFETY: raw is live.
        unsafe { sys::tachyon_max_message_size(self.raw.as_ptr()) }
    }

    /// The schema fingerprint the bus is bound to (0: none).
    pub fn schema_fingerprint(&self) -> u64 {
        // SAFETY: raw is live.
        unsafe { sys::tachyon_schema_fingerprint(self.raw.as_ptr()) }
    }

    /// Whether the peer is attached and alive. Makes a system call; keep it
    /// off the hot path.
    pub fn peer_alive(&self) -> bool {
        // SAFETY: raw is live.
        unsafe { sys::tachyon_peer_alive(self.raw.as_ptr()) != 0 }
    }

    /// This side's counters.
    pub fn stats(&self) -> Stats {
        let mut s = sys::tachyon_stats_t::default();
        // SAFETY: raw is live; s is a local. The call only fails on NULL.
        unsafe { sys::tachyon_get_stats(self.raw.as_ptr(), &mut s) };
        Stats {
            messages: s.messages,
            bytes: s.bytes,
            publishes: s.publishes,
            full_events: s.full_events,
            sleeps: s.sleeps,
            wakes: s.wakes,
        }
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        // SAFETY: raw is live and owned; no guard can be alive (they borrow self).
        unsafe { sys::tachyon_bus_destroy(self.raw.as_ptr()) }
    }
}

/// A reserved, uncommitted message being written in place
/// ([`Bus::acquire_tx`]). Dereferences to the reserved bytes.
///
/// [`TxGuard::commit`] consumes the guard, so the bytes cannot be touched
/// after they were handed to the consumer; dropping the guard without
/// committing rolls the reservation back and nothing is sent.
///
/// ```compile_fail
/// # use tachyon_ipc::Bus;
/// # fn f(bus: &Bus) -> Result<(), tachyon_ipc::Error> {
/// let mut tx = bus.acquire_tx(8)?;
/// let bytes: &mut [u8] = &mut tx;
/// tx.commit(8, 1)?;
/// bytes[0] = 1; // error: `tx` was moved by commit while `bytes` borrows it
/// # Ok(()) }
/// ```
pub struct TxGuard<'a> {
    bus: &'a Bus,
    ptr: NonNull<u8>,
    len: usize,
    committed: bool,
}

impl<'a> TxGuard<'a> {
    /// The reserved bytes (as many as were asked for), to write in place.
    #[inline]
    pub fn data_mut(&mut self) -> &mut [u8] {
        // SAFETY: the reservation is `len` bytes of ring that only this side
        // touches until commit or rollback, and the borrow ends before either.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }

    /// The first `N` reserved bytes as an array, for a generated `...Mut`
    /// view; `None` if fewer than `N` bytes were reserved.
    #[inline]
    pub fn array_mut<const N: usize>(&mut self) -> Option<&mut [u8; N]> {
        self.data_mut().get_mut(..N).and_then(|s| s.try_into().ok())
    }

    /// Commits the first `actual_size` bytes (at most the reserved size) as a
    /// message of type `type_id`. It is published with the next batch, on
    /// [`Bus::flush`], or when the bus is dropped.
    #[inline]
    pub fn commit(mut self, actual_size: usize, type_id: u32) -> Result<()> {
        if actual_size > self.len {
            return Err(Error::InvalidArg);
        }
        // SAFETY: the bus is live and holds this reservation.
        Error::check(unsafe { hot_commit_tx(self.bus.raw.as_ptr(), actual_size, type_id) })?;
        self.committed = true;
        Ok(())
    }

    /// Abandons the reservation; nothing is sent. Same as dropping the guard.
    pub fn rollback(self) {}
}

impl Deref for TxGuard<'_> {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        // SAFETY: see data_mut.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl DerefMut for TxGuard<'_> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [u8] {
        self.data_mut()
    }
}

impl Drop for TxGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        if !self.committed {
            // SAFETY: the bus is live and holds this reservation.
            unsafe { sys::tachyon_rollback_tx(self.bus.raw.as_ptr()) };
        }
        self.bus.held.set(false);
    }
}

impl fmt::Debug for TxGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TxGuard").field("reserved", &self.len).finish()
    }
}

/// A received message, in place in the ring ([`Bus::acquire_rx`]).
///
/// [`RxGuard::commit`] consumes the guard and lets the producer reuse the
/// bytes; dropping the guard commits too. The slice from [`RxGuard::data`]
/// borrows the guard, so it cannot outlive the commit:
///
/// ```compile_fail
/// # use tachyon_ipc::Bus;
/// # fn f(bus: &Bus) -> Result<(), tachyon_ipc::Error> {
/// let msg = bus.acquire_rx(100)?;
/// let bytes = msg.data();
/// msg.commit()?;
/// println!("{:?}", bytes); // error: `msg` was moved by commit while `bytes` borrows it
/// # Ok(()) }
/// ```
pub struct RxGuard<'a> {
    bus: &'a Bus,
    ptr: *const u8,
    /// The payload length the bytes were checked against (`actual_size` is a
    /// public copy the caller may overwrite).
    len: usize,
    /// The message's type id.
    pub type_id: u32,
    /// The payload length in bytes.
    pub actual_size: usize,
    committed: bool,
}

impl<'a> RxGuard<'a> {
    /// The payload, in place in the ring (16-byte aligned).
    #[inline]
    pub fn data(&self) -> &[u8] {
        // SAFETY: the C library validated the frame (within the ring, size <=
        // max_message); the producer does not reuse these bytes until commit,
        // and the borrow ends before commit.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    /// The payload as an array of exactly `N` bytes, for a generated view;
    /// `None` if the payload is shorter (extra bytes are ignored).
    #[inline]
    pub fn array<const N: usize>(&self) -> Option<&[u8; N]> {
        self.data().get(..N).and_then(|s| s.try_into().ok())
    }

    /// Releases the message: the producer may reuse its bytes at once.
    #[inline]
    pub fn commit(mut self) -> Result<()> {
        self.committed = true;
        // SAFETY: the bus is live and holds this message.
        Error::check(unsafe { hot_commit_rx(self.bus.raw.as_ptr()) })
    }
}

impl Drop for RxGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        if !self.committed {
            // SAFETY: as in commit.
            unsafe { hot_commit_rx(self.bus.raw.as_ptr()) };
        }
        self.bus.held.set(false);
    }
}

impl fmt::Debug for RxGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RxGuard")
            .field("type_id", &self.type_id)
            .field("actual_size", &self.len)
            .finish()
    }
}

/// One message of a [`Batch`].
#[derive(Debug, Clone, Copy)]
pub struct Message<'b> {
    /// The message's type id.
    pub type_id: u32,
    /// The payload, in place in the ring.
    pub data: &'b [u8],
}

/// Messages taken at once by [`Bus::drain_batch`], released together by
/// [`Batch::commit`] or on drop. Every payload borrows the batch:
///
/// ```compile_fail
/// # use tachyon_ipc::Bus;
/// # fn f(bus: &Bus) -> Result<(), tachyon_ipc::Error> {
/// let batch = bus.drain_batch(8)?;
/// let first = batch.get(0).unwrap().data;
/// batch.commit()?;
/// println!("{:?}", first); // error: `batch` was moved while `first` borrows it
/// # Ok(()) }
/// ```
pub struct Batch<'a> {
    bus: &'a Bus,
    msgs: &'a [sys::tachyon_msg_t],
    committed: bool,
}

impl<'a> Batch<'a> {
    /// How many messages the batch holds.
    pub fn len(&self) -> usize {
        self.msgs.len()
    }

    /// Whether nothing was available.
    pub fn is_empty(&self) -> bool {
        self.msgs.is_empty()
    }

    /// The `i`-th message.
    pub fn get(&self, i: usize) -> Option<Message<'_>> {
        self.msgs.get(i).map(message)
    }

    /// The messages in ring order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Message<'_>> + '_ {
        self.msgs.iter().map(message)
    }

    /// Releases every message of the batch with one head update.
    pub fn commit(mut self) -> Result<()> {
        self.release()
    }

    fn release(&mut self) -> Result<()> {
        if self.committed {
            return Ok(());
        }
        self.committed = true;
        // SAFETY: the bus is live and holds exactly these messages.
        Error::check(unsafe {
            sys::tachyon_commit_rx_batch(self.bus.raw.as_ptr(), self.msgs.len())
        })
    }
}

fn message(m: &sys::tachyon_msg_t) -> Message<'_> {
    let data = if m.data.is_null() {
        &[][..]
    } else {
        // SAFETY: the C library validated each frame; the bytes stay put until
        // the batch is committed, and the returned borrow ends before that.
        unsafe { std::slice::from_raw_parts(m.data.cast::<u8>(), m.size as usize) }
    };
    Message { type_id: m.type_id, data }
}

impl<'b> IntoIterator for &'b Batch<'_> {
    type Item = Message<'b>;
    type IntoIter = std::iter::Map<
        std::slice::Iter<'b, sys::tachyon_msg_t>,
        fn(&sys::tachyon_msg_t) -> Message<'_>,
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.msgs.iter().map(message as fn(&sys::tachyon_msg_t) -> Message<'_>)
    }
}

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        let _ = self.release();
        if !self.msgs.is_empty() {
            self.bus.held.set(false);
        }
    }
}

impl fmt::Debug for Batch<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}
