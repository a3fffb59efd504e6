//! The raw C API of libtachyon, one declaration per function in
//! `runtime/include/tachyon.h`. Everything here is `unsafe` to call and follows
//! the C rules (one thread per side, pointers valid until commit, ...); the
//! safe layer in [`crate::Bus`] enforces them. Use this module when you need a
//! call the safe layer does not offer, e.g. the arena API.
#![allow(non_camel_case_types)]

use std::os::raw::{c_char, c_int, c_void};

/// The library release (`TACHYON_VERSION`, the repository's VERSION file).
pub const TACHYON_VERSION: &str = "0.1.0";
/// Wire ABI version (`TACHYON_ABI_VERSION`).
pub const TACHYON_ABI_VERSION: u32 = 4;
/// Frames start on this boundary (`TACHYON_FRAME_ALIGN`).
pub const TACHYON_FRAME_ALIGN: u32 = 64;
/// Bytes of frame header before each payload (`TACHYON_FRAME_HEADER`).
pub const TACHYON_FRAME_HEADER: u32 = 16;
/// The producer publishes after this many commits (`TACHYON_BATCH`).
pub const TACHYON_BATCH: u32 = 32;
/// Smallest ring capacity in bytes (`TACHYON_MIN_CAPACITY`).
pub const TACHYON_MIN_CAPACITY: usize = 256;
/// Largest ring capacity in bytes (`TACHYON_MAX_CAPACITY`).
pub const TACHYON_MAX_CAPACITY: usize = 1 << 40;
/// Largest payload any ring takes, whatever its capacity (`TACHYON_MAX_MESSAGE`: a frame's size field is 32 bits).
pub const TACHYON_MAX_MESSAGE: u32 = 0xffff_ffc0;
/// Longest a blocked call sleeps before it re-checks the peer (`TACHYON_WATCHDOG_NS`).
pub const TACHYON_WATCHDOG_NS: i64 = 100_000_000;
/// No deadline, for the `_until` calls (`TACHYON_FOREVER`; any negative value).
pub const TACHYON_FOREVER: i64 = -1;
/// How long a connect waits for a listener by default (`TACHYON_CONNECT_DEFAULT_NS`).
pub const TACHYON_CONNECT_DEFAULT_NS: i64 = 5_000_000_000;
/// Accept connectors of any uid (`TACHYON_OPT_ALLOW_ANY_UID`).
pub const TACHYON_OPT_ALLOW_ANY_UID: u32 = 0x1;

/// `tachyon_error_t`: 0 is success, every other value one failure. The
/// numbers are those of `TACHYON_ERROR_LIST` in `tachyon.h`; the crate's tests
/// check them, and every name, against the linked library.
pub type tachyon_error_t = c_int;
pub const TACHYON_OK: tachyon_error_t = 0;
pub const TACHYON_ERR_INVALID_ARG: tachyon_error_t = 1;
pub const TACHYON_ERR_NO_MEMORY: tachyon_error_t = 2;
pub const TACHYON_ERR_SYSTEM: tachyon_error_t = 3;
pub const TACHYON_ERR_PATH_TOO_LONG: tachyon_error_t = 4;
pub const TACHYON_ERR_ADDR_IN_USE: tachyon_error_t = 5;
pub const TACHYON_ERR_NO_LISTENER: tachyon_error_t = 6;
pub const TACHYON_ERR_PERMISSION: tachyon_error_t = 7;
pub const TACHYON_ERR_HANDSHAKE: tachyon_error_t = 8;
pub const TACHYON_ERR_ABI_MISMATCH: tachyon_error_t = 9;
pub const TACHYON_ERR_BYTE_ORDER: tachyon_error_t = 10;
pub const TACHYON_ERR_ALIGNMENT: tachyon_error_t = 11;
pub const TACHYON_ERR_CAPACITY: tachyon_error_t = 12;
pub const TACHYON_ERR_SCHEMA_MISMATCH: tachyon_error_t = 13;
pub const TACHYON_ERR_TIMEOUT: tachyon_error_t = 14;
pub const TACHYON_ERR_INTERRUPTED: tachyon_error_t = 15;
pub const TACHYON_ERR_FULL: tachyon_error_t = 16;
pub const TACHYON_ERR_EMPTY: tachyon_error_t = 17;
pub const TACHYON_ERR_TOO_LARGE: tachyon_error_t = 18;
pub const TACHYON_ERR_PEER_GONE: tachyon_error_t = 19;
pub const TACHYON_ERR_CORRUPT: tachyon_error_t = 20;
pub const TACHYON_ERR_STATE: tachyon_error_t = 21;
pub const TACHYON_ERR_LAGGED: tachyon_error_t = 22;
/// One past the last error code (`TACHYON_ERR__COUNT`).
pub const TACHYON_ERR_COUNT: tachyon_error_t = 23;

/// `tachyon_role_t`.
pub type tachyon_role_t = c_int;
pub const TACHYON_ROLE_CONSUMER: tachyon_role_t = 0;
pub const TACHYON_ROLE_PRODUCER: tachyon_role_t = 1;

/// The opaque bus (`tachyon_bus_t`).
#[repr(C)]
pub struct tachyon_bus_t {
    _opaque: [u8; 0],
    // Neither Send, Sync nor Unpin: only ever handled through a pointer.
    _marker: core::marker::PhantomData<(*mut u8, core::marker::PhantomPinned)>,
}

/// `tachyon_options_t`: zero-initialise, then set what you need.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct tachyon_options_t {
    pub schema_fingerprint: u64,
    pub timeout_ns: i64,
    pub flags: u32,
    pub reserved: u32,
}

/// `tachyon_error_detail_t`: what a failure knows beyond its code.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct tachyon_error_detail_t {
    pub code: i32,
    pub os_errno: i32,
    pub waited_ns: i64,
    pub size: u64,
    pub limit: u64,
}

/// `tachyon_msg_t`: one message filled in by `tachyon_drain_batch`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tachyon_msg_t {
    pub data: *const c_void,
    pub size: u32,
    pub type_id: u32,
}

/// `tachyon_stats_t`: this side's own counters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct tachyon_stats_t {
    pub messages: u64,
    pub bytes: u64,
    pub publishes: u64,
    pub full_events: u64,
    pub sleeps: u64,
    pub wakes: u64,
}

extern "C" {
    pub fn tachyon_bus_listen(
        path: *const c_char,
        capacity: usize,
        out: *mut *mut tachyon_bus_t,
    ) -> tachyon_error_t;
    pub fn tachyon_bus_listen_ex(
        path: *const c_char,
        capacity: usize,
        opts: *const tachyon_options_t,
        out: *mut *mut tachyon_bus_t,
    ) -> tachyon_error_t;
    pub fn tachyon_bus_connect(
        path: *const c_char,
        out: *mut *mut tachyon_bus_t,
    ) -> tachyon_error_t;
    pub fn tachyon_bus_connect_ex(
        path: *const c_char,
        opts: *const tachyon_options_t,
        out: *mut *mut tachyon_bus_t,
    ) -> tachyon_error_t;
    pub fn tachyon_bus_listen_until(
        path: *const c_char,
        capacity: usize,
        opts: *const tachyon_options_t,
        deadline_ns: i64,
        out: *mut *mut tachyon_bus_t,
        detail: *mut tachyon_error_detail_t,
    ) -> tachyon_error_t;
    pub fn tachyon_bus_connect_until(
        path: *const c_char,
        opts: *const tachyon_options_t,
        deadline_ns: i64,
        out: *mut *mut tachyon_bus_t,
        detail: *mut tachyon_error_detail_t,
    ) -> tachyon_error_t;
    pub fn tachyon_bus_destroy(bus: *mut tachyon_bus_t);

    pub fn tachyon_acquire_tx(bus: *mut tachyon_bus_t, max_size: usize) -> *mut c_void;
    pub fn tachyon_acquire_tx_blocking(
        bus: *mut tachyon_bus_t,
        max_size: usize,
        timeout_ns: i64,
    ) -> *mut c_void;
    pub fn tachyon_acquire_tx_until(
        bus: *mut tachyon_bus_t,
        max_size: usize,
        deadline_ns: i64,
    ) -> *mut c_void;
    pub fn tachyon_commit_tx(
        bus: *mut tachyon_bus_t,
        actual_size: usize,
        type_id: u32,
    ) -> tachyon_error_t;
    pub fn tachyon_rollback_tx(bus: *mut tachyon_bus_t) -> tachyon_error_t;
    pub fn tachyon_send(
        bus: *mut tachyon_bus_t,
        data: *const c_void,
        size: usize,
        type_id: u32,
    ) -> tachyon_error_t;
    pub fn tachyon_send_blocking(
        bus: *mut tachyon_bus_t,
        data: *const c_void,
        size: usize,
        type_id: u32,
        timeout_ns: i64,
    ) -> tachyon_error_t;
    pub fn tachyon_send_until(
        bus: *mut tachyon_bus_t,
        data: *const c_void,
        size: usize,
        type_id: u32,
        deadline_ns: i64,
    ) -> tachyon_error_t;
    pub fn tachyon_flush(bus: *mut tachyon_bus_t) -> tachyon_error_t;

    pub fn tachyon_acquire_rx(
        bus: *mut tachyon_bus_t,
        type_id: *mut u32,
        size: *mut usize,
    ) -> *const c_void;
    pub fn tachyon_acquire_rx_blocking(
        bus: *mut tachyon_bus_t,
        type_id: *mut u32,
        size: *mut usize,
        spin_threshold: u32,
    ) -> *const c_void;
    pub fn tachyon_acquire_rx_timeout(
        bus: *mut tachyon_bus_t,
        type_id: *mut u32,
        size: *mut usize,
        spin_threshold: u32,
        timeout_ns: i64,
    ) -> *const c_void;
    pub fn tachyon_acquire_rx_until(
        bus: *mut tachyon_bus_t,
        type_id: *mut u32,
        size: *mut usize,
        spin_threshold: u32,
        deadline_ns: i64,
    ) -> *const c_void;
    pub fn tachyon_commit_rx(bus: *mut tachyon_bus_t) -> tachyon_error_t;
    pub fn tachyon_drain_batch(
        bus: *mut tachyon_bus_t,
        msgs: *mut tachyon_msg_t,
        max: usize,
    ) -> usize;
    pub fn tachyon_drain_batch_until(
        bus: *mut tachyon_bus_t,
        msgs: *mut tachyon_msg_t,
        max: usize,
        spin_threshold: u32,
        deadline_ns: i64,
    ) -> usize;
    pub fn tachyon_commit_rx_batch(bus: *mut tachyon_bus_t, count: usize) -> tachyon_error_t;

    pub fn tachyon_last_error(bus: *const tachyon_bus_t) -> tachyon_error_t;
    pub fn tachyon_last_error_detail(
        bus: *const tachyon_bus_t,
        out: *mut tachyon_error_detail_t,
    ) -> tachyon_error_t;
    pub fn tachyon_strerror(err: tachyon_error_t) -> *const c_char;
    pub fn tachyon_error_name(err: tachyon_error_t) -> *const c_char;
    pub fn tachyon_format_error(
        detail: *const tachyon_error_detail_t,
        buf: *mut c_char,
        len: usize,
    ) -> usize;
    pub fn tachyon_version() -> *const c_char;
    pub fn tachyon_now_ns() -> i64;
    pub fn tachyon_bus_role(bus: *const tachyon_bus_t) -> tachyon_role_t;
    pub fn tachyon_capacity(bus: *const tachyon_bus_t) -> usize;
    pub fn tachyon_max_message_size(bus: *const tachyon_bus_t) -> usize;
    pub fn tachyon_schema_fingerprint(bus: *const tachyon_bus_t) -> u64;
    pub fn tachyon_peer_alive(bus: *mut tachyon_bus_t) -> c_int;
    pub fn tachyon_get_stats(
        bus: *const tachyon_bus_t,
        out: *mut tachyon_stats_t,
    ) -> tachyon_error_t;

    pub fn tachyon_arena_size(capacity: usize) -> usize;
    pub fn tachyon_arena_format(
        mem: *mut c_void,
        len: usize,
        capacity: usize,
        schema_fingerprint: u64,
    ) -> tachyon_error_t;
    pub fn tachyon_arena_attach(
        mem: *mut c_void,
        len: usize,
        role: tachyon_role_t,
        out: *mut *mut tachyon_bus_t,
    ) -> tachyon_error_t;
}

/// The inline hot path (`tachyon.h`, "The hot path, inline"; ABI.md, "The
/// inline hot path"): the layout generation of [`tachyon_bus_hot_t`]. The
/// `tachyon_hot1_*` names below carry it, so a library with another layout
/// fails to link instead of being misread.
pub const TACHYON_HOT_ABI: u32 = 1;
/// A message frame's stamp is its ring position XOR this (ABI.md section 2).
pub const TACHYON_STAMP_MSG: u64 = 0x5441_4348_5953_5450;
/// Offset of the consumer's `head` (u64) in the segment (ABI.md section 1).
pub const TACHYON_SEG_HEAD: usize = 256;
/// Offset of `producer_sleeping` (u32) in the segment (ABI.md section 1).
pub const TACHYON_SEG_PRODUCER_SLEEPING: usize = 512;

/// `tachyon_bus_hot_t`: the first bytes of every `tachyon_bus_t`, which the
/// inline hot path reads and writes (only on the bus's own thread). The
/// safe layer's sends and receives use it as `tachyon.h`'s inline functions
/// do, and hand every other case to the `tachyon_hot1_*` functions.
#[repr(C)]
#[derive(Debug)]
pub struct tachyon_bus_hot_t {
    pub shm: *mut c_void,
    pub ring: *mut u8,
    pub capacity: u64,
    pub mask: u64,
    pub max_message: u64,
    pub role: i32,
    pub last_error: i32,
    pub wpos: u64,
    pub cached_head: u64,
    pub pending: u32,
    pub reserving: i32,
    pub res_frame: u64,
    pub res_max: u64,
    pub rpos: u64,
    pub limit: u64,
    pub hold: i32,
    pub hot_pad0: u32,
    pub held_end: u64,
    pub held_count: u64,
    pub held_bytes: u64,
    pub stats: tachyon_stats_t,
}

// The layout of tachyon.h on every 64-bit target (the only ones Tachyon builds for).
const _: () = assert!(std::mem::size_of::<tachyon_bus_hot_t>() == 136 + 48);
const _: () = assert!(std::mem::offset_of!(tachyon_bus_hot_t, wpos) == 48);
const _: () = assert!(std::mem::offset_of!(tachyon_bus_hot_t, rpos) == 88);
const _: () = assert!(std::mem::offset_of!(tachyon_bus_hot_t, stats) == 136);

extern "C" {
    /// The out-of-line halves of the inline hot path: only after the inline
    /// checks failed (each returns what the public function of the same job
    /// returns).
    pub fn tachyon_hot1_acquire_tx(bus: *mut tachyon_bus_t, max_size: usize) -> *mut c_void;
    pub fn tachyon_hot1_commit_tx(
        bus: *mut tachyon_bus_t,
        actual_size: usize,
        type_id: u32,
    ) -> tachyon_error_t;
    pub fn tachyon_hot1_publish(bus: *mut tachyon_bus_t) -> tachyon_error_t;
    pub fn tachyon_hot1_acquire_rx(
        bus: *mut tachyon_bus_t,
        type_id: *mut u32,
        size: *mut usize,
    ) -> *const c_void;
    pub fn tachyon_hot1_commit_rx(bus: *mut tachyon_bus_t) -> tachyon_error_t;
    pub fn tachyon_hot1_release_wake(bus: *mut tachyon_bus_t) -> tachyon_error_t;
}

/// Fan-out, fan-in and wait-sets (`tachyon.h`, "Fan-out", "Fan-in", "Wait-sets").
pub const TACHYON_MAX_MEMBERS: u32 = 64;
pub const TACHYON_LAG_BLOCK: c_int = 0;
pub const TACHYON_LAG_DROP: c_int = 1;
pub const TACHYON_JOIN_NEWEST: u32 = 0;
pub const TACHYON_JOIN_OLDEST: u32 = 1;

/// The opaque fan-out producer (`tachyon_fanout_t`).
#[repr(C)]
pub struct tachyon_fanout_t {
    _opaque: [u8; 0],
    _marker: core::marker::PhantomData<(*mut u8, core::marker::PhantomPinned)>,
}

/// The opaque fan-out subscriber (`tachyon_sub_t`).
#[repr(C)]
pub struct tachyon_sub_t {
    _opaque: [u8; 0],
    _marker: core::marker::PhantomData<(*mut u8, core::marker::PhantomPinned)>,
}

/// The opaque fan-in consumer (`tachyon_fanin_t`).
#[repr(C)]
pub struct tachyon_fanin_t {
    _opaque: [u8; 0],
    _marker: core::marker::PhantomData<(*mut u8, core::marker::PhantomPinned)>,
}

/// The opaque wait-set (`tachyon_waitset_t`).
#[repr(C)]
pub struct tachyon_waitset_t {
    _opaque: [u8; 0],
    _marker: core::marker::PhantomData<(*mut u8, core::marker::PhantomPinned)>,
}

/// `tachyon_sender_t`: who sent a fan-in message.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct tachyon_sender_t {
    pub id: u64,
    pub pid: u32,
    pub slot: u32,
}

extern "C" {
    pub fn tachyon_fanout_listen(
        path: *const c_char,
        capacity: usize,
        policy: c_int,
        opts: *const tachyon_options_t,
        out: *mut *mut tachyon_fanout_t,
    ) -> tachyon_error_t;
    pub fn tachyon_fanout_acquire_tx(pub_: *mut tachyon_fanout_t, max_size: usize) -> *mut c_void;
    pub fn tachyon_fanout_acquire_tx_until(
        pub_: *mut tachyon_fanout_t,
        max_size: usize,
        deadline_ns: i64,
    ) -> *mut c_void;
    pub fn tachyon_fanout_commit_tx(
        pub_: *mut tachyon_fanout_t,
        actual_size: usize,
        type_id: u32,
    ) -> tachyon_error_t;
    pub fn tachyon_fanout_rollback_tx(pub_: *mut tachyon_fanout_t) -> tachyon_error_t;
    pub fn tachyon_fanout_send_until(
        pub_: *mut tachyon_fanout_t,
        data: *const c_void,
        size: usize,
        type_id: u32,
        deadline_ns: i64,
    ) -> tachyon_error_t;
    pub fn tachyon_fanout_subscribers(pub_: *mut tachyon_fanout_t) -> usize;
    pub fn tachyon_fanout_last_error(pub_: *const tachyon_fanout_t) -> tachyon_error_t;
    pub fn tachyon_fanout_max_message_size(pub_: *const tachyon_fanout_t) -> usize;
    pub fn tachyon_fanout_destroy(pub_: *mut tachyon_fanout_t);

    pub fn tachyon_sub_connect_until(
        path: *const c_char,
        opts: *const tachyon_options_t,
        join: u32,
        deadline_ns: i64,
        out: *mut *mut tachyon_sub_t,
        detail: *mut tachyon_error_detail_t,
    ) -> tachyon_error_t;
    pub fn tachyon_sub_acquire_rx(
        sub: *mut tachyon_sub_t,
        type_id: *mut u32,
        size: *mut usize,
    ) -> *const c_void;
    pub fn tachyon_sub_acquire_rx_until(
        sub: *mut tachyon_sub_t,
        type_id: *mut u32,
        size: *mut usize,
        deadline_ns: i64,
    ) -> *const c_void;
    pub fn tachyon_sub_commit_rx(sub: *mut tachyon_sub_t) -> tachyon_error_t;
    pub fn tachyon_sub_rejoin(sub: *mut tachyon_sub_t, join: u32) -> tachyon_error_t;
    pub fn tachyon_sub_last_error(sub: *const tachyon_sub_t) -> tachyon_error_t;
    pub fn tachyon_sub_destroy(sub: *mut tachyon_sub_t);

    pub fn tachyon_fanin_listen(
        path: *const c_char,
        capacity: usize,
        opts: *const tachyon_options_t,
        out: *mut *mut tachyon_fanin_t,
    ) -> tachyon_error_t;
    pub fn tachyon_fanin_acquire_rx(
        fi: *mut tachyon_fanin_t,
        type_id: *mut u32,
        size: *mut usize,
        from: *mut tachyon_sender_t,
    ) -> *const c_void;
    pub fn tachyon_fanin_acquire_rx_until(
        fi: *mut tachyon_fanin_t,
        type_id: *mut u32,
        size: *mut usize,
        from: *mut tachyon_sender_t,
        deadline_ns: i64,
    ) -> *const c_void;
    pub fn tachyon_fanin_commit_rx(fi: *mut tachyon_fanin_t) -> tachyon_error_t;
    pub fn tachyon_fanin_producers(fi: *mut tachyon_fanin_t) -> usize;
    pub fn tachyon_fanin_last_error(fi: *const tachyon_fanin_t) -> tachyon_error_t;
    pub fn tachyon_fanin_destroy(fi: *mut tachyon_fanin_t);

    pub fn tachyon_waitset_new(out: *mut *mut tachyon_waitset_t) -> tachyon_error_t;
    pub fn tachyon_waitset_add_bus(
        ws: *mut tachyon_waitset_t,
        bus: *mut tachyon_bus_t,
        key: u64,
    ) -> tachyon_error_t;
    pub fn tachyon_waitset_add_sub(
        ws: *mut tachyon_waitset_t,
        sub: *mut tachyon_sub_t,
        key: u64,
    ) -> tachyon_error_t;
    pub fn tachyon_waitset_add_fanin(
        ws: *mut tachyon_waitset_t,
        fi: *mut tachyon_fanin_t,
        key: u64,
    ) -> tachyon_error_t;
    pub fn tachyon_waitset_remove(ws: *mut tachyon_waitset_t, key: u64) -> tachyon_error_t;
    pub fn tachyon_waitset_wait_until(
        ws: *mut tachyon_waitset_t,
        keys: *mut u64,
        max: usize,
        deadline_ns: i64,
        err: *mut tachyon_error_t,
    ) -> usize;
    pub fn tachyon_waitset_fd(ws: *mut tachyon_waitset_t) -> c_int;
    pub fn tachyon_waitset_destroy(ws: *mut tachyon_waitset_t);
}

// ---- RPC: request/response over one connection (tachyon.h "RPC") ----------

/// `TACHYON_RPC_HEADER`: the bytes before every request and reply body.
pub const TACHYON_RPC_HEADER: u32 = 16;
/// `TACHYON_RPC_MAX_INFLIGHT`: calls one client may have in flight.
pub const TACHYON_RPC_MAX_INFLIGHT: u32 = 256;
/// `tachyon_rpc_status_t`.
pub const TACHYON_RPC_OK: u32 = 0;
pub const TACHYON_RPC_UNKNOWN_METHOD: u32 = 1;
pub const TACHYON_RPC_APP_ERROR: u32 = 2;
pub const TACHYON_RPC_BAD_REQUEST: u32 = 3;
/// `TACHYON_RPC_DEFERRED`: a C handler's "answered later".
pub const TACHYON_RPC_DEFERRED: u32 = 0xFFFF_FFFF;

/// The opaque RPC connection side (`tachyon_rpc_t`).
#[repr(C)]
pub struct tachyon_rpc_t {
    _opaque: [u8; 0],
    _marker: core::marker::PhantomData<(*mut u8, core::marker::PhantomPinned)>,
}

/// `tachyon_rpc_msg_t`: a request or reply in place.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tachyon_rpc_msg_t {
    pub data: *const c_void,
    pub size: u32,
    pub method_id: u32,
    pub call_id: u64,
    pub status: u32,
    pub app_code: u32,
}

impl Default for tachyon_rpc_msg_t {
    fn default() -> Self {
        tachyon_rpc_msg_t {
            data: core::ptr::null(),
            size: 0,
            method_id: 0,
            call_id: 0,
            status: 0,
            app_code: 0,
        }
    }
}

extern "C" {
    pub fn tachyon_rpc_listen_until(
        path: *const c_char,
        capacity: usize,
        opts: *const tachyon_options_t,
        deadline_ns: i64,
        out: *mut *mut tachyon_rpc_t,
        detail: *mut tachyon_error_detail_t,
    ) -> tachyon_error_t;
    pub fn tachyon_rpc_connect_until(
        path: *const c_char,
        opts: *const tachyon_options_t,
        deadline_ns: i64,
        out: *mut *mut tachyon_rpc_t,
        detail: *mut tachyon_error_detail_t,
    ) -> tachyon_error_t;
    pub fn tachyon_rpc_destroy(rpc: *mut tachyon_rpc_t);
    pub fn tachyon_rpc_call_until(
        rpc: *mut tachyon_rpc_t,
        method_id: u32,
        request: *const c_void,
        req_size: usize,
        reply_max: usize,
        reply: *mut tachyon_rpc_msg_t,
        deadline_ns: i64,
    ) -> tachyon_error_t;
    pub fn tachyon_rpc_request_start(
        rpc: *mut tachyon_rpc_t,
        req_size: usize,
        deadline_ns: i64,
    ) -> *mut c_void;
    pub fn tachyon_rpc_request_send(
        rpc: *mut tachyon_rpc_t,
        method_id: u32,
        reply_max: usize,
        deadline_ns: i64,
        call_id: *mut u64,
    ) -> tachyon_error_t;
    pub fn tachyon_rpc_send_until(
        rpc: *mut tachyon_rpc_t,
        method_id: u32,
        request: *const c_void,
        req_size: usize,
        reply_max: usize,
        deadline_ns: i64,
        call_id: *mut u64,
    ) -> tachyon_error_t;
    pub fn tachyon_rpc_next_reply_until(
        rpc: *mut tachyon_rpc_t,
        reply: *mut tachyon_rpc_msg_t,
        deadline_ns: i64,
    ) -> tachyon_error_t;
    pub fn tachyon_rpc_cancel(rpc: *mut tachyon_rpc_t, call_id: u64) -> tachyon_error_t;
    pub fn tachyon_rpc_release(rpc: *mut tachyon_rpc_t) -> tachyon_error_t;
    pub fn tachyon_rpc_pending(rpc: *const tachyon_rpc_t) -> usize;
    pub fn tachyon_rpc_next_request_until(
        rpc: *mut tachyon_rpc_t,
        req: *mut tachyon_rpc_msg_t,
        deadline_ns: i64,
    ) -> tachyon_error_t;
    pub fn tachyon_rpc_reply_start(
        rpc: *mut tachyon_rpc_t,
        size: usize,
        deadline_ns: i64,
    ) -> *mut c_void;
    pub fn tachyon_rpc_reply_commit(
        rpc: *mut tachyon_rpc_t,
        status: u32,
        app_code: u32,
    ) -> tachyon_error_t;
    pub fn tachyon_rpc_defer(rpc: *mut tachyon_rpc_t) -> tachyon_error_t;
    pub fn tachyon_rpc_reply_to_until(
        rpc: *mut tachyon_rpc_t,
        call_id: u64,
        method_id: u32,
        status: u32,
        app_code: u32,
        body: *const c_void,
        size: usize,
        deadline_ns: i64,
    ) -> tachyon_error_t;
    pub fn tachyon_rpc_post_reply(
        rpc: *mut tachyon_rpc_t,
        call_id: u64,
        method_id: u32,
        status: u32,
        app_code: u32,
        body: *const c_void,
        size: usize,
    ) -> tachyon_error_t;
    pub fn tachyon_rpc_current_call(rpc: *const tachyon_rpc_t) -> u64;
    pub fn tachyon_rpc_last_error(rpc: *const tachyon_rpc_t) -> tachyon_error_t;
    pub fn tachyon_rpc_interrupt(rpc: *mut tachyon_rpc_t);
}
