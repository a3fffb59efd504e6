//! Request/response over one connection: two rings in one memfd, one
//! handshake ([`Rpc::listen`] is the server, [`Rpc::connect`] the client).
//!
//! Bodies are read and written in place in the rings. A client's reply
//! ([`Frame`]) borrows the connection, so it cannot outlive the next call; a
//! server's [`Request`] gives the request bytes and the reply bytes side by
//! side ([`Request::parts`]) and is answered by [`Request::commit`] or handed
//! on with [`Request::defer`], which returns a [`Token`] that a [`Poster`]
//! (`Send + Sync`, any thread) answers later, so that a slow call holds up
//! only itself. Transport failures are the crate's [`Error`] (one variant per
//! code of tachyon.h's table); what the server answered other than OK is a
//! [`CallError`] variant.
//!
//! `tachc gen --lang rust` emits per service a typed client
//! (`PricingClient::new(&mut rpc).quote(req, timeout)`) and a server trait
//! with its dispatch (`serve_pricing(&mut rpc, &mut impl_, timeout)`).
//!
//! ```
//! use std::thread;
//! use tachyon_ipc::rpc::{Rpc, Status};
//!
//! let path = format!("@tachyon-rpc-doc-{}", std::process::id());
//! let server_path = path.clone();
//! let server = thread::spawn(move || {
//!     let mut rpc = Rpc::listen(&server_path, 1 << 16).unwrap();
//!     let mut req = rpc.next_request(None).unwrap();
//!     let (body, reply) = req.parts(4, None).unwrap();
//!     for (out, b) in reply.iter_mut().zip(body) {
//!         *out = b.to_ascii_uppercase();
//!     }
//!     req.commit(Status::Ok).unwrap();
//! });
//! let mut rpc = Rpc::connect(&path).unwrap();
//! let reply = rpc.call(1, b"ping", 4, None).unwrap();
//! assert_eq!(reply.data, b"PING");
//! drop(rpc);
//! server.join().unwrap();
//! ```

use std::cell::Cell;
use std::ffi::OsStr;
use std::fmt;
use std::ptr::NonNull;
use std::sync::Arc;
use std::time::Duration;

use crate::bus::{c_path, deadline_after, Options};
use crate::error::{Error, Result};
use crate::sys;

/// Calls one client may have in flight at once.
pub const MAX_INFLIGHT: usize = sys::TACHYON_RPC_MAX_INFLIGHT as usize;

/// What the server answered a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// The handler answered; the body is the reply.
    Ok,
    /// The server has no such method id.
    UnknownMethod,
    /// The handler failed with its own nonzero code.
    AppError(u32),
    /// The request body's size is not the method's request size.
    BadRequest,
}

impl Status {
    fn from_c(status: u32, app_code: u32) -> Status {
        match status {
            sys::TACHYON_RPC_OK => Status::Ok,
            sys::TACHYON_RPC_UNKNOWN_METHOD => Status::UnknownMethod,
            sys::TACHYON_RPC_APP_ERROR => Status::AppError(app_code),
            _ => Status::BadRequest,
        }
    }

    fn to_c(self) -> (u32, u32) {
        match self {
            Status::Ok => (sys::TACHYON_RPC_OK, 0),
            Status::UnknownMethod => (sys::TACHYON_RPC_UNKNOWN_METHOD, 0),
            Status::AppError(code) => (sys::TACHYON_RPC_APP_ERROR, code),
            Status::BadRequest => (sys::TACHYON_RPC_BAD_REQUEST, 0),
        }
    }
}

/// Why a call failed: the transport ([`Error`]), or the server's answer.
/// `call_id` names the call (0: no one call, e.g. a wait that timed out
/// before any call's own deadline).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// A transport failure: `Timeout` (the call's deadline), `PeerGone`,
    /// `Corrupt` (a hostile reply), `TooLarge` (a reply larger than allowed).
    Transport {
        /// The call it concerns (0: none).
        call_id: u64,
        /// The crate error.
        error: Error,
    },
    /// The server has no such method.
    UnknownMethod {
        /// The call.
        call_id: u64,
    },
    /// The server refused the request's size.
    BadRequest {
        /// The call.
        call_id: u64,
    },
    /// The handler failed with `code`.
    App {
        /// The call.
        call_id: u64,
        /// The handler's code.
        code: u32,
    },
}

impl CallError {
    /// The call this failure concerns (0: none).
    pub fn call_id(&self) -> u64 {
        match *self {
            CallError::Transport { call_id, .. }
            | CallError::UnknownMethod { call_id }
            | CallError::BadRequest { call_id }
            | CallError::App { call_id, .. } => call_id,
        }
    }

    /// A reply that cannot be the call's (`Transport` with `Error::Corrupt`),
    /// e.g. of the wrong size.
    pub fn corrupt(call_id: u64) -> CallError {
        CallError::Transport { call_id, error: Error::Corrupt }
    }

    /// The transport error, if this is one.
    pub fn transport(&self) -> Option<&Error> {
        match self {
            CallError::Transport { error, .. } => Some(error),
            _ => None,
        }
    }
}

impl From<Error> for CallError {
    fn from(error: Error) -> CallError {
        CallError::Transport { call_id: 0, error }
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Transport { call_id, error } => write!(f, "call {call_id}: {error}"),
            CallError::UnknownMethod { call_id } => {
                write!(f, "call {call_id}: the server has no such method")
            }
            CallError::BadRequest { call_id } => {
                write!(f, "call {call_id}: the server refused the request's size")
            }
            CallError::App { call_id, code } => {
                write!(f, "call {call_id}: the handler failed with code {code}")
            }
        }
    }
}

impl std::error::Error for CallError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CallError::Transport { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// The C side, freed when the connection and every [`Poster`] are gone.
struct Inner {
    raw: NonNull<sys::tachyon_rpc_t>,
}

// SAFETY: the connection is used by one thread at a time through `&mut Rpc`;
// what `Poster` calls from other threads (tachyon_rpc_post_reply,
// tachyon_rpc_interrupt) is documented thread-safe in tachyon.h.
unsafe impl Send for Inner {}
unsafe impl Sync for Inner {}

impl Drop for Inner {
    fn drop(&mut self) {
        // SAFETY: raw is live and owned; nothing uses it after this.
        unsafe { sys::tachyon_rpc_destroy(self.raw.as_ptr()) }
    }
}

/// One side of an RPC connection. `Send`, not `Sync`: one thread at a time.
pub struct Rpc {
    inner: Arc<Inner>,
    server: bool,
    holding: bool, // client: a reply is held in the ring for the last Frame
}

/// A reply in place in the ring: valid until the next call on its [`Rpc`].
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// The body.
    pub data: &'a [u8],
    /// The call's correlation id.
    pub call_id: u64,
    /// The method id.
    pub method_id: u32,
}

impl<'a> Frame<'a> {
    /// The body as an array of `N` bytes (a generated view's input), or
    /// `None` when its size differs.
    pub fn array<const N: usize>(&self) -> Option<&'a [u8; N]> {
        self.data.try_into().ok()
    }
}

fn timeout_deadline(timeout: Option<Duration>) -> i64 {
    timeout.map_or(sys::TACHYON_FOREVER, deadline_after)
}

impl Rpc {
    fn open(
        mut f: impl FnMut(
            *mut *mut sys::tachyon_rpc_t,
            *mut sys::tachyon_error_detail_t,
        ) -> sys::tachyon_error_t,
        server: bool,
    ) -> Result<Rpc> {
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
            return Ok(Rpc { inner: Arc::new(Inner { raw }), server, holding: false });
        }
    }

    /// Listens on `path` for one client and returns the server side, with two
    /// rings of `capacity` bytes (a power of two).
    pub fn listen(path: impl AsRef<OsStr>, capacity: usize) -> Result<Rpc> {
        Rpc::listen_with(path, capacity, Options::default())
    }

    /// [`Rpc::listen`] with [`Options`] (fingerprint, timeout, uid policy).
    pub fn listen_with(path: impl AsRef<OsStr>, capacity: usize, options: Options) -> Result<Rpc> {
        let path = c_path(path.as_ref())?;
        let opts = options.to_c();
        let deadline = options.timeout.map_or(sys::TACHYON_FOREVER, deadline_after);
        // SAFETY: path is NUL-terminated; opts, out and detail point to locals.
        Rpc::open(
            |out, detail| unsafe {
                sys::tachyon_rpc_listen_until(path.as_ptr(), capacity, &opts, deadline, out, detail)
            },
            true,
        )
    }

    /// Connects to the server on `path` (waiting up to 5 s for it to listen)
    /// and returns the client side.
    pub fn connect(path: impl AsRef<OsStr>) -> Result<Rpc> {
        Rpc::connect_with(path, Options::default())
    }

    /// [`Rpc::connect`] with [`Options`].
    pub fn connect_with(path: impl AsRef<OsStr>, options: Options) -> Result<Rpc> {
        let path = c_path(path.as_ref())?;
        let opts = options.to_c();
        let default = Duration::from_nanos(sys::TACHYON_CONNECT_DEFAULT_NS as u64);
        let deadline = deadline_after(options.timeout.unwrap_or(default));
        // SAFETY: path is NUL-terminated; opts, out and detail point to locals.
        Rpc::open(
            |out, detail| unsafe {
                sys::tachyon_rpc_connect_until(path.as_ptr(), &opts, deadline, out, detail)
            },
            false,
        )
    }

    fn raw(&self) -> *mut sys::tachyon_rpc_t {
        self.inner.raw.as_ptr()
    }

    fn last_error(&self) -> Error {
        // SAFETY: raw is live.
        Error::from_code(unsafe { sys::tachyon_rpc_last_error(self.raw()) })
            .unwrap_or(Error::System(None))
    }

    fn role(&self, server: bool) -> Result<()> {
        if self.server == server {
            Ok(())
        } else {
            Err(Error::State)
        }
    }

    /// The raw C handle, owned by this value.
    pub fn as_raw(&self) -> *mut sys::tachyon_rpc_t {
        self.raw()
    }

    /// Calls in flight (client).
    pub fn pending(&self) -> usize {
        // SAFETY: raw is live.
        unsafe { sys::tachyon_rpc_pending(self.raw()) }
    }

    /// A handle that answers deferred calls from any thread (server), or
    /// interrupts a wait of this connection (either side).
    pub fn poster(&self) -> Poster {
        Poster { inner: Arc::clone(&self.inner) }
    }

    // ---- client -------------------------------------------------------------

    fn release(&mut self) {
        if self.holding {
            self.holding = false;
            // SAFETY: raw is live; a reply is held and no Frame borrows it
            // (we hold &mut self).
            unsafe { sys::tachyon_rpc_release(self.raw()) };
        }
    }

    /// The blocking call: sends `request` to `method_id` and waits until
    /// `timeout` (None: no deadline) for the reply, which may be up to
    /// `reply_max` bytes and stays in place until the next call.
    pub fn call(
        &mut self,
        method_id: u32,
        request: &[u8],
        reply_max: usize,
        timeout: Option<Duration>,
    ) -> std::result::Result<Frame<'_>, CallError> {
        self.role(false)?;
        self.release();
        if self.pending() != 0 {
            return Err(Error::State.into());
        }
        let deadline = timeout_deadline(timeout);
        let id = self.send_deadline(method_id, request, reply_max, deadline)?;
        let raw = self.raw();
        let result = self.next_deadline(deadline);
        if result.is_err() {
            // a failed call is forgotten: its reply, if it comes, is dropped
            // SAFETY: raw is live (self is borrowed by the result only on Ok).
            unsafe { sys::tachyon_rpc_cancel(raw, id) };
        }
        result
    }

    fn send_deadline(
        &mut self,
        method_id: u32,
        request: &[u8],
        reply_max: usize,
        deadline: i64,
    ) -> Result<u64> {
        let mut id = 0u64;
        loop {
            // SAFETY: raw is live; request is a valid slice; id is a local.
            let code = unsafe {
                sys::tachyon_rpc_send_until(
                    self.raw(),
                    method_id,
                    request.as_ptr().cast(),
                    request.len(),
                    reply_max,
                    deadline,
                    &mut id,
                )
            };
            match code {
                sys::TACHYON_OK => return Ok(id),
                sys::TACHYON_ERR_INTERRUPTED => continue,
                c => return Err(Error::from_code(c).unwrap_or(Error::System(None))),
            }
        }
    }

    /// The pipelined form: sends the call and returns its call id at once;
    /// its outcome comes from [`Rpc::next_reply`]. `timeout` is the call's
    /// own deadline.
    pub fn send(
        &mut self,
        method_id: u32,
        request: &[u8],
        reply_max: usize,
        timeout: Option<Duration>,
    ) -> Result<u64> {
        self.role(false)?;
        self.release();
        self.send_deadline(method_id, request, reply_max, timeout_deadline(timeout))
    }

    fn next_deadline(&mut self, deadline: i64) -> std::result::Result<Frame<'_>, CallError> {
        let mut msg = sys::tachyon_rpc_msg_t::default();
        loop {
            // SAFETY: raw is live; msg is a local.
            let code = unsafe { sys::tachyon_rpc_next_reply_until(self.raw(), &mut msg, deadline) };
            if code == sys::TACHYON_ERR_INTERRUPTED {
                continue;
            }
            if code != sys::TACHYON_OK {
                let error = Error::from_code(code).unwrap_or(Error::System(None));
                return Err(CallError::Transport { call_id: msg.call_id, error });
            }
            break;
        }
        self.holding = true;
        let call_id = msg.call_id;
        match Status::from_c(msg.status, msg.app_code) {
            Status::Ok => {}
            other => {
                self.release();
                return Err(match other {
                    Status::UnknownMethod => CallError::UnknownMethod { call_id },
                    Status::AppError(code) => CallError::App { call_id, code },
                    _ => CallError::BadRequest { call_id },
                });
            }
        }
        let data = if msg.size == 0 {
            &[][..]
        } else {
            // SAFETY: libtachyon hands out `size` readable bytes at data, valid
            // until tachyon_rpc_release, which only runs through &mut self.
            unsafe { std::slice::from_raw_parts(msg.data.cast::<u8>(), msg.size as usize) }
        };
        Ok(Frame { data, call_id, method_id: msg.method_id })
    }

    /// The next outcome of a pipelined call, in the order the server answers,
    /// waiting until `timeout`. Its error names the call (`call_id`), or 0
    /// when `timeout` passed first; `State` when nothing is in flight.
    pub fn next_reply(
        &mut self,
        timeout: Option<Duration>,
    ) -> std::result::Result<Frame<'_>, CallError> {
        self.role(false)?;
        self.release();
        if self.pending() == 0 {
            return Err(Error::State.into());
        }
        self.next_deadline(timeout_deadline(timeout))
    }

    // ---- server -------------------------------------------------------------

    /// Waits until `timeout` for the next request and returns it in place.
    /// `PeerGone` when the client went.
    pub fn next_request(&mut self, timeout: Option<Duration>) -> Result<Request<'_>> {
        self.role(true)?;
        let deadline = timeout_deadline(timeout);
        let mut msg = sys::tachyon_rpc_msg_t::default();
        loop {
            // SAFETY: raw is live; msg is a local.
            let code =
                unsafe { sys::tachyon_rpc_next_request_until(self.raw(), &mut msg, deadline) };
            match code {
                sys::TACHYON_OK => break,
                sys::TACHYON_ERR_CORRUPT => continue, // a malformed request is dropped
                c => return Err(Error::from_code(c).unwrap_or(Error::System(None))),
            }
        }
        let data = if msg.size == 0 {
            &[][..]
        } else {
            // SAFETY: `size` readable bytes at data until the request is
            // committed or deferred, which only the Request (borrowing self) does.
            unsafe { std::slice::from_raw_parts(msg.data.cast::<u8>(), msg.size as usize) }
        };
        Ok(Request {
            rpc: self,
            data,
            call_id: msg.call_id,
            method_id: msg.method_id,
            reply: None,
            done: false,
        })
    }

    /// Answers requests through `dispatch` until the client goes (`Ok`) or
    /// `timeout` passes (`Timeout`): unknown method ids are answered
    /// `UnknownMethod`, bodies of the wrong size `BadRequest`.
    pub fn serve(&mut self, dispatch: &mut dyn Dispatch, timeout: Option<Duration>) -> Result<()> {
        let poster = self.poster();
        loop {
            let mut req = match self.next_request(timeout) {
                Ok(req) => req,
                Err(Error::PeerGone) => return Ok(()),
                Err(e) => return Err(e),
            };
            let Some((req_size, reply_size)) = dispatch.sizes(req.method_id) else {
                req.commit(Status::UnknownMethod)?;
                continue;
            };
            if req.data.len() != req_size {
                req.commit(Status::BadRequest)?;
                continue;
            }
            let call = Call { token: req.token(), poster: &poster, deferred: Cell::new(false) };
            let method = req.method_id;
            let (body, reply) = req.parts(reply_size, timeout)?;
            let answer = dispatch.handle(method, &call, body, reply);
            if call.deferred.get() {
                req.defer()?;
            } else {
                req.commit(match answer {
                    Ok(()) => Status::Ok,
                    Err(code) => Status::AppError(code),
                })?;
            }
        }
    }
}

impl fmt::Debug for Rpc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rpc")
            .field("server", &self.server)
            .field("pending", &self.pending())
            .finish()
    }
}

/// A server's dispatch table (tachc generates one per service).
pub trait Dispatch {
    /// (request size, reply size) of `method_id`, or `None` for an unknown id.
    fn sizes(&self, method_id: u32) -> Option<(usize, usize)>;
    /// Handles one call: reads `request`, writes `reply` in place; `Err(code)`
    /// fails it with the application code (nonzero).
    fn handle(
        &mut self,
        method_id: u32,
        call: &Call<'_>,
        request: &[u8],
        reply: &mut [u8],
    ) -> std::result::Result<(), u32>;
}

/// Names a deferred call: what a [`Poster`] answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Token {
    /// The call's correlation id.
    pub call_id: u64,
    /// Its method id.
    pub method_id: u32,
}

/// The call a handler is running ([`Dispatch::handle`]).
pub struct Call<'a> {
    token: Token,
    poster: &'a Poster,
    deferred: Cell<bool>,
}

impl Call<'_> {
    /// This call's id.
    pub fn call_id(&self) -> u64 {
        self.token.call_id
    }

    /// Answers this call later, from any thread, through the returned
    /// [`Responder`]; the serve loop goes on with the next requests at once
    /// (the handler's reply bytes are not sent). Copy what the handler needs
    /// from the request first.
    pub fn defer(&self) -> Responder {
        self.deferred.set(true);
        Responder { token: self.token, poster: self.poster.clone() }
    }
}

/// Answers one deferred call (consumed by the answer). `Send`.
#[derive(Debug)]
pub struct Responder {
    token: Token,
    poster: Poster,
}

impl Responder {
    /// The call's token.
    pub fn token(&self) -> Token {
        self.token
    }

    /// Answers with `body` (the reply's bytes).
    pub fn reply(self, body: &[u8]) -> Result<()> {
        self.poster.post(self.token, Status::Ok, body)
    }

    /// Fails the call with the application code `code` (nonzero).
    pub fn fail(self, code: u32) -> Result<()> {
        self.poster.post(self.token, Status::AppError(code), &[])
    }
}

/// Answers deferred calls of one server from any thread (`Send + Sync`,
/// cheap to clone); keeps the connection's memory alive while it lives.
#[derive(Clone)]
pub struct Poster {
    inner: Arc<Inner>,
}

impl Poster {
    /// Queues the answer to `token`'s call; the serving thread writes it
    /// before its next wait. `State` on a client side.
    pub fn post(&self, token: Token, status: Status, body: &[u8]) -> Result<()> {
        let (status, code) = status.to_c();
        // SAFETY: raw is live (we hold the Arc); tachyon_rpc_post_reply is
        // thread-safe; body is a valid slice.
        Error::check(unsafe {
            sys::tachyon_rpc_post_reply(
                self.inner.raw.as_ptr(),
                token.call_id,
                token.method_id,
                status,
                code,
                body.as_ptr().cast(),
                body.len(),
            )
        })
    }

    /// Makes the wait in progress on the connection return `Interrupted`.
    pub fn interrupt(&self) {
        // SAFETY: raw is live; tachyon_rpc_interrupt is thread-safe.
        unsafe { sys::tachyon_rpc_interrupt(self.inner.raw.as_ptr()) }
    }
}

impl fmt::Debug for Poster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Poster")
    }
}

/// A request in place (server): answer it with [`Request::commit`] (after
/// writing the reply through [`Request::parts`]) or hand it on with
/// [`Request::defer`]. Dropped unanswered, it is deferred (the client sees
/// its deadline unless a [`Poster`] answers it).
pub struct Request<'a> {
    rpc: &'a mut Rpc,
    data: &'a [u8],
    /// The call's correlation id.
    pub call_id: u64,
    /// The method id.
    pub method_id: u32,
    reply: Option<NonNull<u8>>,
    done: bool,
}

impl<'a> Request<'a> {
    /// The request body.
    pub fn data(&self) -> &[u8] {
        self.data
    }

    /// The token a [`Poster`] answers this call with after [`Request::defer`].
    pub fn token(&self) -> Token {
        Token { call_id: self.call_id, method_id: self.method_id }
    }

    /// The request body and the reply body of `size` bytes, reserved in place
    /// in the reply ring (waiting for room until `timeout`) on the first call.
    pub fn parts(&mut self, size: usize, timeout: Option<Duration>) -> Result<(&[u8], &mut [u8])> {
        let p = match self.reply {
            Some(p) => p,
            None => {
                let deadline = timeout_deadline(timeout);
                // SAFETY: raw is live; a request is held.
                let p = unsafe { sys::tachyon_rpc_reply_start(self.rpc.raw(), size, deadline) };
                let p = NonNull::new(p.cast::<u8>()).ok_or_else(|| self.rpc.last_error())?;
                self.reply = Some(p);
                p
            }
        };
        let reply = if size == 0 {
            &mut [][..]
        } else {
            // SAFETY: `size` writable bytes reserved for this reply, in the
            // other ring than the request's, until commit or defer (which
            // consume self).
            unsafe { std::slice::from_raw_parts_mut(p.as_ptr(), size) }
        };
        Ok((self.data, reply))
    }

    /// Sends the reply (an empty one if [`Request::parts`] reserved none)
    /// with `status`, and releases the request.
    pub fn commit(mut self, status: Status) -> Result<()> {
        if self.reply.is_none() {
            self.parts(0, None)?;
        }
        self.done = true;
        let (status, code) = status.to_c();
        // SAFETY: raw is live; a request is held and its reply reserved.
        Error::check(unsafe { sys::tachyon_rpc_reply_commit(self.rpc.raw(), status, code) })
    }

    /// Releases the request unanswered (and the reply room reserved for it):
    /// answer later through a [`Poster`] with the returned token.
    pub fn defer(mut self) -> Result<Token> {
        self.done = true;
        // SAFETY: raw is live; a request is held.
        Error::check(unsafe { sys::tachyon_rpc_defer(self.rpc.raw()) })?;
        Ok(self.token())
    }
}

impl Drop for Request<'_> {
    fn drop(&mut self) {
        if !self.done {
            // SAFETY: raw is live; a request is held.
            unsafe { sys::tachyon_rpc_defer(self.rpc.raw()) };
        }
    }
}

impl fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("call_id", &self.call_id)
            .field("method_id", &self.method_id)
            .field("size", &self.data.len())
            .finish()
    }
}
